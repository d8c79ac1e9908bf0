"""Active learning from a network: exact hand-built networks give back their automaton with L* and KV; an
untrained network does not; runs repeat from the seed; the network SUL answers like the network."""
import random

import numpy as np
import pytest

from stateclusters.analyses.active_learning import NetworkSUL, learning_report, seeded_python_random
from stateclusters.analyses.extraction import extraction_inputs
from stateclusters.automata import get_automaton
from stateclusters.evaluation.construction import construct_network
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier, prefix_predictions, set_seed


def inputs_for(model, automaton):
    return extraction_inputs(NetworkData(model, automaton, n_validation_words=50, n_conformance_words=500))


@pytest.mark.parametrize("language", ["tomita5", "moore_8_2_3_1"])
@pytest.mark.parametrize("algorithm", ["lstar", "kv"])
def test_an_exact_network_is_learned_exactly(language, algorithm):
    automaton = get_automaton(language)
    model = construct_network(automaton)[0]
    report = learning_report(model, automaton, inputs_for(model, automaton), algorithm, seed=3, eq_words=300)
    assert report.equivalent is True and report.converged
    assert report.moore_states == report.ground_truth_states
    assert report.agreement_with_automaton == report.agreement_with_network == 1.0
    assert report.membership_queries > 0 and report.equivalence_queries >= 300


def test_an_untrained_network_is_not_tomita5_and_runs_repeat_from_the_seed():
    automaton = get_automaton("tomita5")
    set_seed(0)
    model = RecurrentClassifier(network_config(automaton, "gru", 4)).eval()
    inputs = inputs_for(model, automaton)
    first, second = (learning_report(model, automaton, inputs, "lstar", seed=7, eq_words=200) for _ in range(2))
    assert first.equivalent is False and first.agreement_with_network == 1.0 > first.agreement_with_automaton
    assert {**first.as_dict(), "seconds": 0} == {**second.as_dict(), "seconds": 0}


def test_the_sul_answers_with_the_networks_prefix_outputs():
    automaton = get_automaton("tomita3")
    set_seed(1)
    model = RecurrentClassifier(network_config(automaton, "lstm", 3)).eval()
    alphabet = list(model.config.input_alphabet)
    sul = NetworkSUL(model, alphabet, "empty")
    word = ("1", "0", "0", "1", "1")
    expected = np.asarray(model.config.output_classes)[prefix_predictions(model, np.array([[1, 0, 0, 1, 1]]))[0]]
    assert sul.query(word) == expected.tolist() and sul.query(()) == ["empty"]
    sul.pre()
    assert [sul.step(letter) for letter in word] == expected.tolist()


def test_the_seeded_run_leaves_the_callers_random_state_alone():
    random.seed(5)
    expected = random.random()
    random.seed(5)
    with seeded_python_random(1):
        random.random()
    assert random.random() == expected
