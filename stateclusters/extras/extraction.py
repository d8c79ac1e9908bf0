"""Automata extracted from one network's clusters (see cluster_automaton), for the driver, the grid runner
and the statistics: the per-network inputs, one report per abstraction function, and OUT/extraction.pickle.

extraction.pickle maps a SPEC §8 result key (the network and its labeling: `regular`, or `stackless` for
PDAs) to {function: ExtractionReport.as_dict()}; functions that failed on a network are left out.
"""
from dataclasses import dataclass

import numpy as np
from aalpy.automata import MooreMachine

from automata import is_context_free
from clustering import HiddenStateClusterer
from rnn_models import RecurrentClassifier, prefix_predictions
from stateclusters.base.catalogue import EXTRACTION_FUNCTIONS
from stateclusters.evaluation.network import (
    CONFORMANCE_WORDS,
    automaton_size,
    failure_reason,
    k_multiplier,
    validation_states,
)
from stateclusters.extras.cluster_automaton import (
    build_cluster_automaton,
    compare_with_ground_truth,
    empty_word_output,
    ground_truth_machine,
    prefix_predecessors,
)
from stateclusters.results.extraction_file import (  # noqa: F401  (re-exported for callers of this module)
    ExtractionReport,
    read_extraction,
    summary_lines,
)
from stateclusters.words.runs import labelings_for, trace_words
from stateclusters.words.sampling import WordSet, conformance_words


@dataclass(frozen=True)
class ExtractionInputs:
    """What every clustering of one network is built from and compared on."""
    predecessors: np.ndarray        # per validation vector: its previous prefix's vector, -1 for the initial state
    letters_read: np.ndarray        # per validation vector: the letter that led to it
    predicted_outputs: np.ndarray   # per validation vector: the network's output class there
    alphabet: tuple[str, ...]
    initial_output: str
    test_letters: np.ndarray        # the conformance-test words (SPEC §4), padded
    test_valid: np.ndarray
    truth_outputs: np.ndarray       # the ground truth's output after every test prefix
    network_outputs: np.ndarray     # the network's output after every test prefix
    ground_truth: MooreMachine | None   # None for PDAs


def extraction_inputs(model: RecurrentClassifier, automaton, validation: WordSet,
                      n_test_words: int = CONFORMANCE_WORDS, seed: int = 0) -> ExtractionInputs:
    """The network's outputs on the validation prefixes and on the conformance words drawn from `seed`."""
    classes = np.asarray(model.config.output_classes)
    valid = np.arange(validation.letters.shape[1])[None, :] < validation.lengths[:, None]
    test = conformance_words(automaton, n_test_words, seed=seed)
    trace = trace_words(automaton, test.letters, test.lengths, test.alphabet)
    return ExtractionInputs(
        predecessors=prefix_predecessors(validation.lengths), letters_read=validation.letters[valid],
        predicted_outputs=classes[prefix_predictions(model, validation.letters)][valid],
        alphabet=validation.alphabet, initial_output=empty_word_output(automaton),
        test_letters=test.letters, test_valid=trace.valid(), truth_outputs=trace.outputs,
        network_outputs=classes[prefix_predictions(model, test.letters)],
        ground_truth=None if is_context_free(automaton) else ground_truth_machine(automaton))


def extract_automaton(inputs: ExtractionInputs, cluster_labels: np.ndarray) -> ExtractionReport:
    """Build the automaton of one clustering of the validation vectors and compare it."""
    abstract = build_cluster_automaton(cluster_labels, inputs.predecessors, inputs.letters_read,
                                       inputs.predicted_outputs, inputs.alphabet, inputs.initial_output)
    return compare_with_ground_truth(abstract, inputs.ground_truth, inputs.test_letters, inputs.test_valid,
                                     inputs.truth_outputs, inputs.network_outputs)


def extract_network(model: RecurrentClassifier, automaton, validation: WordSet, function_names=EXTRACTION_FUNCTIONS,
                    seed: int = 0, n_test_words: int = CONFORMANCE_WORDS, fit_fraction: float = 0.25,
                    clusterer: HiddenStateClusterer | None = None) -> dict[str, dict[str, dict | str]]:
    """{labeling: {function: report dict, or why it failed}} for the first labeling (regular / stackless).

    `clusterer`, made from these validation words' vectors with this seed and fit fraction, shares its work.
    """
    labeling = labelings_for(automaton)[0]
    trace = trace_words(automaton, validation.letters, validation.lengths, validation.alphabet)
    inputs = extraction_inputs(model, automaton, validation, n_test_words, seed)
    reports = {}
    try:
        if clusterer is None:
            clusterer = HiddenStateClusterer(validation_states(model, automaton, validation)[0], random_state=seed,
                                             fit_fraction=fit_fraction, function_names=function_names)
        for name in function_names:
            clustering = clusterer.cluster(name, trace.state_labels(labeling), automaton_size(automaton),
                                           k_multiplier(labeling, automaton))
            reports[name] = extract_automaton(inputs, clustering.cluster_labels).as_dict()
    except (ValueError, MemoryError, ArithmeticError) as error:   # e.g. NaN/inf vectors
        reports.update({name: failure_reason(error) for name in function_names if name not in reports})
    return {labeling: reports}


def describe_report(function: str, report: ExtractionReport, n_test_words: int) -> str:
    """The report in three lines, for the driver."""
    truth = "" if report.ground_truth_states is None else f" (ground truth: {report.ground_truth_states})"
    equivalent = {True: "yes", False: "no", None: "not checked (pushdown ground truth)"}[report.equivalent]
    return (f"automaton of the {function} clusters: {report.states_before} states with the initial state → "
            f"{report.states_after} after minimisation{truth}; {report.conflicts} transition conflicts, "
            f"{report.output_conflicts} output conflicts, {report.missing_transitions} missing transitions\n"
            f"equivalent to the ground truth: {equivalent}\n"
            f"agreement after every prefix of {n_test_words} test words: with the ground truth "
            f"{report.agreement_with_automaton:.4f}, with the network {report.agreement_with_network:.4f}")
