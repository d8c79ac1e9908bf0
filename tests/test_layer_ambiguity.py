"""Per-layer ambiguity: the layers' columns in the concatenated state, and a two-layer network whose first
layer is an exact hand-built one and whose second layer is silent: the first layer carries the state."""
import torch

from stateclusters.analyses.layer_ambiguity import layer_ambiguity, layer_columns, layer_table
from stateclusters.automata import get_automaton
from stateclusters.evaluation.construction import construct_network
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier, hidden_states
from stateclusters.words.sampling import validation_words


def test_layer_columns_cover_the_concatenated_state():
    automaton = get_automaton("tomita3")
    model = RecurrentClassifier(network_config(automaton, "lstm", 3, 2))
    words = validation_words(automaton, 0, 5)
    assert [(part.start, part.stop) for part in layer_columns(model.config)] == [(0, 6), (6, 12)]
    assert hidden_states(model, words.letters, words.lengths).shape[1] == 12


def test_the_exact_first_layer_carries_the_state_and_the_silent_second_does_not():
    automaton = get_automaton("tomita5")
    exact = construct_network(automaton)[0]
    model = RecurrentClassifier(network_config(automaton, "relu", exact.config.hidden_size, 2)).eval()
    with torch.no_grad():
        model.layers[0].load_state_dict(exact.layers[0].state_dict())
        for parameter in model.layers[1].parameters():
            parameter.zero_()
    scores = layer_ambiguity(NetworkData(model, automaton, n_validation_words=200), ["k_means_8"])
    first, second = scores["regular"]["k_means_8"]["layer_1"], scores["regular"]["k_means_8"]["layer_2"]
    assert first[1] == 0.0 and second[1] > 0.3 and second[4] == 1   # wamb; the silent layer is one cluster
    key = "tomita5_relu_2_8_1_regular"
    line = layer_table({key: scores["regular"]}, {key: {"k_means_8": [0, 0.0, 0, 0, 8]}}, [key])[0]
    assert "carrier layer_1" in line


def test_one_layer_networks_have_no_layer_scores():
    automaton = get_automaton("tomita5")
    assert layer_ambiguity(NetworkData(construct_network(automaton)[0], automaton, n_validation_words=50),
                           ["k_means_8"]) == {}
