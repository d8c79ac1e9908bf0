"""Automata extracted from one network's clusters (see cluster_automaton), for the driver and the grid runner:
the per-network inputs and one report per abstraction function (extraction_report.py holds the report).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from aalpy.automata import MooreMachine

from stateclusters.analyses.cluster_automaton import (
    build_cluster_automaton,
    compare_with_ground_truth,
    empty_word_output,
    ground_truth_machine,
    prefix_predecessors,
)
from stateclusters.analyses.extraction_report import EXTRACTION_FUNCTIONS, ExtractionReport
from stateclusters.automata import is_context_free
from stateclusters.clustering.functions import FUNCTION_FAILURES, failure_reason

if TYPE_CHECKING:   # extraction reads a NetworkData but needs none of its machinery
    from stateclusters.evaluation.network_data import NetworkData


@dataclass(frozen=True)
class ExtractionInputs:
    """What every clustering of one network is built from and compared on."""
    predecessors: np.ndarray        # per validation vector: its previous prefix's vector, -1 for the initial state
    letters_read: np.ndarray        # per validation vector: the letter that led to it
    predicted_outputs: np.ndarray   # per validation vector: the network's output class there
    alphabet: tuple[str, ...]
    initial_output: str
    test_letters: np.ndarray        # the conformance-test words (docs/contract.md, Accuracy), padded
    test_valid: np.ndarray
    truth_outputs: np.ndarray       # the ground truth's output after every test prefix
    network_outputs: np.ndarray     # the network's output after every test prefix
    ground_truth: MooreMachine | None   # None for PDAs


def extraction_inputs(data: NetworkData) -> ExtractionInputs:
    """The network's outputs on the validation prefixes and on the conformance words."""
    classes = np.asarray(data.model.config.output_classes)
    validation, test_trace = data.validation, data.conformance_trace
    valid = np.arange(validation.letters.shape[1])[None, :] < validation.lengths[:, None]
    return ExtractionInputs(
        predecessors=prefix_predecessors(validation.lengths), letters_read=validation.letters[valid],
        predicted_outputs=classes[data.validation_predictions][valid],
        alphabet=validation.alphabet, initial_output=empty_word_output(data.automaton),
        test_letters=data.conformance.letters, test_valid=test_trace.valid(), truth_outputs=test_trace.outputs,
        network_outputs=classes[data.conformance_predictions],
        ground_truth=None if is_context_free(data.automaton) else ground_truth_machine(data.automaton))


def extract_automaton(inputs: ExtractionInputs, cluster_labels: np.ndarray) -> ExtractionReport:
    """Build the automaton of one clustering of the validation vectors and compare it."""
    abstract = build_cluster_automaton(cluster_labels, inputs.predecessors, inputs.letters_read,
                                       inputs.predicted_outputs, inputs.alphabet, inputs.initial_output)
    return compare_with_ground_truth(abstract, inputs.ground_truth, inputs.test_letters, inputs.test_valid,
                                     inputs.truth_outputs, inputs.network_outputs)


def extract_network(data: NetworkData, function_names=EXTRACTION_FUNCTIONS) -> dict[str, dict[str, dict | str]]:
    """{labeling: {function: report dict, or why it failed}} for the first labeling (regular / stackless)."""
    labeling = data.labelings[0]
    inputs = extraction_inputs(data)
    reports = {}
    try:
        clusterer = data.clusterer(function_names)
        for name in function_names:
            cluster_labels = data.abstraction(name, labeling).fit_predict(
                data.hidden_states, data.state_labels(labeling), clusterer)
            reports[name] = extract_automaton(inputs, cluster_labels).as_dict()
    except FUNCTION_FAILURES as error:   # e.g. NaN/inf vectors
        reports.update({name: failure_reason(error) for name in function_names if name not in reports})
    return {labeling: reports}
