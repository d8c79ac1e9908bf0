"""classify_from and STATE_PARTS of our networks' adapters (checkpoints, constructed networks, wrap): running from
the hidden state after a prefix p is running p; the parts are the layers' (and an LSTM's h and c) columns."""
import numpy as np
import pytest
import torch
from torch import nn

import stateclusters
from stateclusters.adapters.recurrent import NetworkAdapter
from stateclusters.automata import get_automaton
from stateclusters.base.errors import UserError
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import TrainingConfig, build_network, train_network
from stateclusters.words.sampling import training_words, validation_words

N_PAIRS = 300



pytestmark = pytest.mark.usefixtures("one_thread")

def trained(rnn: str, layers: int) -> NetworkAdapter:
    automaton = get_automaton("tomita3")
    model, _ = train_network(network_config(automaton, rnn, 6, layers), training_words(automaton, 0, 300),
                             validation_words(automaton, 0, 50), TrainingConfig(epochs=1, seed=0), progress=False)
    return NetworkAdapter(model.eval())


def wrapped() -> NetworkAdapter:
    torch.manual_seed(0)
    rnn, readout = nn.LSTM(input_size=2, hidden_size=5, num_layers=2, batch_first=True), nn.Linear(5, 3)
    return stateclusters.wrap(rnn, readout, alphabet=["0", "1"], classes=["a", "b", "c"])


NETWORKS = {
    "gru": lambda: trained("gru", 1),
    "lstm 2 layers": lambda: trained("lstm", 2),
    "relu 2 layers": lambda: trained("relu", 2),
    "tanh 2 layers": lambda: trained("tanh", 2),
    "constructed tanh 2 layers": lambda: stateclusters.construct_network("tomita3", rnn="tanh", layers=2,
                                                                         noise=0.2, seed=1),
    "wrapped lstm": wrapped,
}


def random_words(rng, alphabet, n_words: int, shortest: int, longest: int) -> list[tuple]:
    return [tuple(alphabet[i] for i in rng.integers(0, len(alphabet), size=rng.integers(shortest, longest + 1)))
            for _ in range(n_words)]


@pytest.mark.parametrize("name", NETWORKS)
def test_running_from_the_state_after_a_prefix_is_running_the_prefix(name):
    network = NETWORKS[name]()
    rng = np.random.default_rng(7)
    prefixes = random_words(rng, network.ALPHABET, N_PAIRS, 1, 15)
    suffixes = random_words(rng, network.ALPHABET, N_PAIRS, 0, 10)
    after_prefix = np.stack([states[-1] for states in network.hidden_states(prefixes)])
    assert after_prefix.shape == (N_PAIRS, network.model.config.hidden_state_size())
    expected = network.classify([prefix + suffix for prefix, suffix in zip(prefixes, suffixes)])
    assert network.classify_from(after_prefix, suffixes) == expected
    assert network.classify_from(after_prefix, [()] * N_PAIRS) == network.classify(prefixes)


def test_the_zero_vector_is_the_start():
    network = NETWORKS["lstm 2 layers"]()
    words = random_words(np.random.default_rng(1), network.ALPHABET, 50, 0, 12)
    zeros = np.zeros((len(words), network.model.config.hidden_state_size()))
    assert network.classify_from(zeros, words) == network.classify(words)


def test_all_words_run_in_one_forward_pass():
    network = NETWORKS["relu 2 layers"]()
    calls = []
    network.model.layers[0].register_forward_hook(lambda *_: calls.append(1))
    words = random_words(np.random.default_rng(2), network.ALPHABET, 500, 1, 20)
    network.classify_from(np.zeros((500, network.model.config.hidden_state_size())), words)
    assert len(calls) == 1


def test_state_parts_name_the_columns_of_each_layer_and_of_h_and_c():
    lstm = NETWORKS["lstm 2 layers"]()
    assert lstm.STATE_PARTS == {"layer1_h": slice(0, 6), "layer1_c": slice(6, 12), "layer2_h": slice(12, 18),
                                "layer2_c": slice(18, 24)}
    assert NETWORKS["relu 2 layers"]().STATE_PARTS == {"layer1": slice(0, 6), "layer2": slice(6, 12)}
    assert NETWORKS["gru"]().STATE_PARTS == {"layer1": slice(0, 6)}
    # The parts hold what their names say: the last layer's h is the one the read-out reads.
    words = [("0", "1", "1"), ("1",)]
    vectors = np.concatenate(lstm.hidden_states(words))
    with torch.no_grad():
        letters, _ = lstm.letter_arrays(words)
        outputs = lstm.model.layer_outputs(torch.as_tensor(letters))
    assert np.allclose(vectors[:3, lstm.STATE_PARTS["layer2_h"]], outputs[1][1][0].numpy(), atol=1e-6)
    assert np.allclose(vectors[:3, lstm.STATE_PARTS["layer1_h"]], outputs[0][1][0].numpy(), atol=1e-6)


def test_swapping_a_part_keeps_the_other():
    """Layer 1 of a constructed two-layer network carries the state: a prefix's layer 1 with another prefix's
    layer 2 continues as the first prefix (for any suffix of at least one letter)."""
    network = stateclusters.construct_network("tomita3", rnn="relu", layers=2)
    rng = np.random.default_rng(3)
    first, second = (random_words(rng, network.ALPHABET, 100, 1, 10) for _ in range(2))
    suffixes = random_words(rng, network.ALPHABET, 100, 1, 8)
    vectors = np.stack([states[-1] for states in network.hidden_states(first)])
    others = np.stack([states[-1] for states in network.hidden_states(second)])
    vectors[:, network.STATE_PARTS["layer2"]] = others[:, network.STATE_PARTS["layer2"]]
    assert network.classify_from(vectors, suffixes) == network.classify([p + s for p, s in zip(first, suffixes)])
    assert network.classify_from(vectors, [()] * 100) == network.classify(second)   # the read-out reads layer 2


def test_a_transformer_has_neither_and_a_wrong_shape_is_refused():
    automaton = get_automaton("tomita3")
    transformer = NetworkAdapter(build_network(network_config(automaton, "transformer", 8)).eval())
    assert not hasattr(transformer, "classify_from") and not hasattr(transformer, "STATE_PARTS")
    network = NETWORKS["gru"]()
    with pytest.raises(UserError, match="one vector of 6 values per word"):
        network.classify_from(np.zeros((2, 5)), [("0",), ("1",)])
    with pytest.raises(UserError, match="one vector of 6 values per word"):
        network.classify_from(np.zeros((3, 6)), [("0",), ("1",)])
