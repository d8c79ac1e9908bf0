"""Degenerate hidden states: each abstraction function records a result or its own reason, and the rest go on."""
import numpy as np
import torch

from stateclusters.automata import get_automaton
from stateclusters.clustering.functions import FUNCTION_NAMES
from stateclusters.evaluation.network import evaluate_functions, evaluate_network
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier

TWO_STATES = np.array(["q0", "q1"] * 20)


def test_exploding_relu_network_records_every_function_as_failed_and_keeps_its_accuracy():
    automaton = get_automaton("tomita3")
    model = RecurrentClassifier(network_config(automaton, "relu", 6))
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(1e30)   # float32 overflows to inf within two letters
    evaluation = evaluate_network(NetworkData(model, automaton, n_validation_words=50, n_conformance_words=50),
                                  ("lda", "k_means", "DBSCAN"))
    assert 0.0 <= evaluation.accuracy <= 1.0
    for function_results in evaluation.results.values():
        assert set(function_results) == {"lda", "k_means", "DBSCAN"}
        assert all("NaN or inf" in result.error for result in function_results.values())


def test_identical_vectors_give_one_cluster_or_a_reason_per_function():
    results = evaluate_functions(np.ones((40, 3)), TWO_STATES, FUNCTION_NAMES, n_states=2)
    assert set(results) == set(FUNCTION_NAMES)
    assert results["lda"].error == "ValueError: lda is undefined: the hidden states do not vary within any state"
    for name in ("mean_shift", "mean_shift_2", "mean_shift_4", "mean_shift_8"):
        assert "bandwidth is 0" in results[name].error
    # Every other function puts both states, equally often, into one cluster: ambiguity 1.
    for name, result in results.items():
        if result.error is None:
            assert (result.n_clusters, result.amb, result.wamb) == (1, 1.0, 1.0), name
    assert sum(result.error is None for result in results.values()) == len(FUNCTION_NAMES) - 5


def test_fewer_distinct_vectors_than_k_caps_k():
    vectors = np.repeat(np.random.default_rng(0).normal(size=(3, 4)), 20, axis=0)
    states = np.array(["q0", "q1", "q2", "q3"] * 15)
    results = evaluate_functions(vectors, states, ("k_means", "k_means_8"), n_states=4)
    assert [(result.error, result.n_clusters) for result in results.values()] == [(None, 3), (None, 3)]


def test_linear_probes_on_a_single_state_put_everything_in_one_cluster():
    vectors = np.random.default_rng(1).normal(size=(30, 4))
    results = evaluate_functions(vectors, np.array(["q0"] * 30), ("lda", "lr"), n_states=1)
    assert [result.as_list() for result in results.values()] == [[0.0, 0.0, 0.0, 0.0, 1]] * 2
