"""The automaton of the clusters: majority transitions and conflicts on a hand-made labelling, minimisation
against AALpy's own, the ground truth as a Moore machine, and a hand-built network that is exactly right."""
import random

import numpy as np
import pytest
from aalpy.utils import bisimilar, generate_random_moore_machine

from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.analyses.cluster_automaton import (
    NO_DATA_OUTPUT,
    build_cluster_automaton,
    ground_truth_machine,
    minimise,
    prefix_outputs,
    prefix_predecessors,
    to_moore_machine,
    word_agreement,
)
from stateclusters.analyses.extraction import extract_automaton, extract_network, extraction_inputs
from stateclusters.automata import get_automaton
from stateclusters.evaluation.construction import construct_network
from stateclusters.evaluation.network import conformance_accuracy
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier, set_seed
from stateclusters.words.runs import trace_words
from stateclusters.words.sampling import validation_words


def test_predecessors_follow_the_word_order_of_the_vectors():
    # Words of lengths 2, 1, 3: vectors w0p0 w0p1 w1p0 w2p0 w2p1 w2p2.
    assert prefix_predecessors(np.array([2, 1, 3])).tolist() == [-1, 0, -1, -1, 3, 4]


def hand_made_automaton():
    """Words aa, ab, ba, a, ab over {a, b}; clusters and outputs chosen by hand, vector by vector:

        aa: 0 x, 1 y    ab: 0 x, 2 y    ba: 2 y, 1 y    a: 0 z    ab: 0 x, 1 y

    so the initial state goes to 0 on a (4 times) and to 2 on b; 0 goes to 1 on a; 0 on b goes to 2 once
    and to 1 once (the one conflict); 2 goes to 1 on a; nothing leaves 1, and 2 is never left on b.
    """
    lengths = np.array([2, 2, 2, 1, 2])
    letters_read = np.array([0, 0, 0, 1, 1, 0, 0, 0, 1])            # aa, ab, ba, a, ab
    cluster_labels = np.array([0, 1, 0, 2, 2, 1, 0, 0, 1]) + 10      # any label values work
    outputs = np.array(["x", "y", "x", "y", "y", "y", "z", "x", "y"])
    return build_cluster_automaton(cluster_labels, prefix_predecessors(lengths), letters_read, outputs, ("a", "b"),
                                   initial_output="x")


def test_hand_made_labelling_majorities_conflicts_and_missing_transitions():
    abstract = hand_made_automaton()
    initial, sink = 3, 4
    # (0, b) saw 2 once and 1 once: a conflict, broken towards the smaller cluster index.
    assert abstract.transition_conflicts == 1
    assert abstract.next_state[0].tolist() == [1, 1]
    assert abstract.next_state[initial].tolist() == [0, 2]
    assert abstract.next_state[2].tolist() == [1, sink]
    # Missing: (1, a), (1, b), (2, b); they and the sink's own letters go to the sink.
    assert abstract.missing_transitions == 3
    assert abstract.next_state[1].tolist() == [sink, sink] and abstract.next_state[sink].tolist() == [sink, sink]
    # Cluster 0 holds outputs x, x, z, x: majority x, one output conflict; the initial state keeps its output.
    assert abstract.outputs.tolist() == ["x", "y", "y", "x", NO_DATA_OUTPUT]
    assert abstract.output_conflicts == 1 and abstract.n_states == 5


def test_prefix_outputs_step_like_the_aalpy_machine():
    abstract = hand_made_automaton()
    machine = to_moore_machine(abstract)
    letters = np.array([[0, 0, 1, 0], [1, 0, 0, 0], [0, 1, 0, 1]])
    outputs = prefix_outputs(abstract, letters)
    for row, word in zip(outputs, letters):
        assert row.tolist() == machine.compute_output_seq(machine.initial_state, ["ab"[i] for i in word])
    valid = np.array([[True] * 4, [True, True, False, False], [True] * 4])
    expected = outputs.copy()
    expected[1, 3] = "different, but past the word's end"
    expected[2, 0] = "different"
    assert word_agreement(outputs, expected, valid) == pytest.approx(2 / 3)


@pytest.mark.parametrize("seed", range(6))
def test_minimise_matches_aalpy_minimize_and_keeps_the_behaviour(seed):
    random.seed(seed)
    machine = generate_random_moore_machine(14, ["a", "b", "c"], ["o1", "o2"], ensure_minimality=False)
    ours = minimise(machine)
    reference = machine.copy()
    reference.minimize()   # AALpy keeps unreachable states; it marks them with prefix None
    assert len(ours.states) == sum(state.prefix is not None for state in reference.states)
    assert bisimilar(ours, machine) and bisimilar(ours, reference)


@pytest.mark.parametrize("name, size", [("tomita3", 5), ("moore_8_2_3_1", 8), ("coffee", 8)])
def test_ground_truth_machine_gives_the_outputs_after_every_prefix(name, size):
    automaton = get_automaton(name)
    machine = ground_truth_machine(automaton)
    # DFA and Moore machines are themselves; coffee's 7 Mealy states give 8 (state, last output) pairs.
    assert len(minimise(machine).states) == size
    words = validation_words(automaton, 0, 40)
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    for i in range(len(words)):
        word = list(words.word(i))
        assert machine.compute_output_seq(machine.initial_state, word) == trace.outputs[i, :len(word)].tolist()


@pytest.mark.parametrize("name", ["tomita5", "coffee"])
def test_the_automaton_of_the_true_states_is_the_ground_truth(name):
    """Clusters that are the automaton's states (with the last output, for Mealy) rebuild the automaton."""
    automaton = get_automaton(name)
    words = validation_words(automaton, 0, 300)
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    valid = trace.valid()
    labels = np.char.add(np.char.add(trace.states[valid], "|"), trace.outputs[valid])
    abstract = build_cluster_automaton(labels, prefix_predecessors(words.lengths), words.letters[valid],
                                       trace.outputs[valid], words.alphabet, ground_truth_machine(automaton)
                                       .initial_state.output)
    assert abstract.transition_conflicts == abstract.missing_transitions == abstract.output_conflicts == 0
    assert bisimilar(minimise(to_moore_machine(abstract)), ground_truth_machine(automaton))


def test_constructed_network_is_exact_and_its_cluster_automaton_is_tomita5():
    automaton = get_automaton("tomita5")
    data = NetworkData(construct_network(automaton)[0], automaton, n_validation_words=300, n_conformance_words=2000)
    assert conformance_accuracy(data) == 1.0
    vectors = data.hidden_states
    # The hidden state is the one-hot code (s/2 = 5 on one unit) of (state left, last letter): 4 states × 2 letters.
    assert set(vectors.sum(axis=1)) == {5.0} and len(np.unique(vectors, axis=0)) == 8
    inputs = extraction_inputs(data)
    for function in ("k_means_8", "DBSCAN"):
        cluster_labels = data.abstraction(function, "regular").fit_predict(vectors, data.state_labels("regular"))
        assert ambiguity_from_labels(data.state_labels("regular"), cluster_labels)[:2] == (0.0, 0.0)
        report = extract_automaton(inputs, cluster_labels)
        assert report.equivalent is True and report.states_after == report.ground_truth_states == 4
        assert report.conflicts == report.output_conflicts == report.missing_transitions == 0
        assert report.agreement_with_automaton == report.agreement_with_network == 1.0


def test_one_cluster_is_not_equivalent_and_agreement_is_measured():
    automaton = get_automaton("tomita5")
    inputs = extraction_inputs(NetworkData(construct_network(automaton)[0], automaton, n_validation_words=100,
                                           n_conformance_words=500))
    report = extract_automaton(inputs, np.zeros(len(inputs.predecessors), dtype=int))
    assert report.states_before == 2 and report.equivalent is False
    # One cluster answers one output after every prefix; tomita5's outputs change along every word.
    assert report.agreement_with_automaton == report.agreement_with_network == 0.0
    assert report.as_dict()["states_after"] == report.states_after


def test_pda_reports_agreement_only():
    automaton = get_automaton("CFG_L_1")
    set_seed(0)
    model = RecurrentClassifier(network_config(automaton, "gru", 6))
    results = extract_network(NetworkData(model, automaton, n_validation_words=80, n_conformance_words=300),
                              ("k_means_8", "lr"))
    assert set(results) == {"stackless"}
    for report in results["stackless"].values():
        assert report["equivalent"] is None and report["ground_truth_states"] is None
        assert 0.0 <= report["agreement_with_automaton"] <= 1.0
        assert 2 <= report["states_after"] <= report["states_before"]
    # The same seed gives the same reports.
    assert extract_network(NetworkData(model, automaton, n_validation_words=80, n_conformance_words=300),
                           ("k_means_8", "lr")) == results
