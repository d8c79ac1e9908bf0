"""One network's evaluation: conformance accuracy, and ambiguity and agreement scores per abstraction function.

The straight line of the experiment: automaton → words → network → hidden states + state labels →
cluster labels → ambiguity. Everything is read from one NetworkData, so nothing is derived twice.
"""
from dataclasses import dataclass, field

import numpy as np

from stateclusters.ambiguity.agreement import agreement_scores
from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.clustering.clusterer import HiddenStateClusterer
from stateclusters.clustering.functions import (
    FIT_FRACTION,
    FUNCTION_FAILURES,
    Abstraction,
    failure_reason,
    requested_clusters,
    shared_clusterer,
)
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.networks.recurrent import class_indices
from stateclusters.words.runs import PrefixTrace


@dataclass(frozen=True)
class FunctionResult:
    """The result-file numbers of one abstraction function, or the reason it could not run.

    `scores` holds the agreement scores (agreement_scores.SCORE_NAMES) next to the ambiguity; empty on failure.
    """
    amb: float = float("nan")
    wamb: float = float("nan")
    max: float = float("nan")
    min: float = float("nan")
    n_clusters: int = 0
    error: str | None = None
    scores: dict = field(default_factory=dict, hash=False)
    wamb_chance: float = float("nan")     # only when asked for (evaluate_functions' chance_seed)

    def as_list(self) -> list:
        return [self.amb, self.wamb, self.max, self.min, self.n_clusters]


def conformance_accuracy(data: NetworkData) -> float:
    """Share of the conformance words on which the network matches the automaton after every prefix."""
    return prefix_accuracy(data.conformance_predictions, data.conformance_trace, data.model.config.output_classes)


def prefix_accuracy(predictions: np.ndarray, trace: PrefixTrace, output_classes) -> float:
    """Share of words whose predicted class index equals the automaton's output after every prefix."""
    return float((~wrong_prefixes(predictions, trace, output_classes).any(axis=1)).mean())


def wrong_prefixes(predictions: np.ndarray, trace: PrefixTrace, output_classes) -> np.ndarray:
    """Mask of the prefixes (inside their word) where the predicted class is not the automaton's output."""
    valid = trace.valid()
    expected = np.zeros(valid.shape, dtype=np.int64)
    expected[valid] = class_indices(trace.outputs[valid], output_classes)
    return (predictions != expected) & valid


@dataclass(frozen=True)
class ScoringOptions:
    """What a network brought by a user adds to the grid's scoring: a cluster budget, chance levels, progress."""
    max_clusters: int | None = None     # a function asking for more clusters is skipped, with the reason
    chance_seed: int | None = None      # set: each function's wamb_chance from permuted state labels
    progress: bool = False


def evaluate_functions(hidden_states: np.ndarray, state_labels: np.ndarray, function_names, n_states: int,
                       k_multiplier: int = 1, seed: int = 0, fit_fraction: float = FIT_FRACTION,
                       clusterer: HiddenStateClusterer | None = None,
                       options: ScoringOptions = ScoringOptions()) -> dict[str, FunctionResult]:
    """Each function's ambiguity and agreement scores; a failing function records its reason.

    Pass one shared_clusterer of these vectors for every labeling of a network, so that shared work is done once.
    """
    try:
        clusterer = clusterer or shared_clusterer(hidden_states, function_names, random_state=seed,
                                                  fit_fraction=fit_fraction)
    except FUNCTION_FAILURES as error:   # e.g. NaN/inf vectors: every function fails
        return {name: FunctionResult(error=failure_reason(error)) for name in function_names}
    results = {}
    for name in scoring_progress(function_names, options.progress):
        asked = requested_clusters(name, n_states, k_multiplier)
        if options.max_clusters is not None and asked is not None and asked > options.max_clusters:
            results[name] = FunctionResult(error=f"skipped: needs {asked} clusters, over the limit of "
                                                 f"{options.max_clusters} (--max-clusters)")
            continue
        try:
            abstraction = Abstraction(name, n_states, k_multiplier, random_state=seed, fit_fraction=fit_fraction)
            abstraction.fit(hidden_states, state_labels, clusterer)
            scored = abstraction.scored_rows_   # every vector, or the fitted ones (protocol fit_scoring)
            states, clusters = state_labels[scored], abstraction.labels_[scored]
            amb, wamb, worst, best = ambiguity_from_labels(states, clusters)
            chance = float("nan") if options.chance_seed is None else \
                chance_wamb(states, clusters, options.chance_seed)
            results[name] = FunctionResult(amb, wamb, worst, best, abstraction.n_clusters_,
                                           scores=agreement_scores(states, clusters), wamb_chance=chance)
        except FUNCTION_FAILURES as error:
            results[name] = FunctionResult(error=failure_reason(error))
    return results


CHANCE_PERMUTATIONS = 20


def chance_wamb(states: np.ndarray, clusters: np.ndarray, seed: int) -> float:
    """Mean weighted ambiguity of the same clusters when the state labels are permuted at random over the same
    vectors: what the clustering scores against states it cannot track (0 only when it is one cluster per vector)."""
    rng = np.random.default_rng([seed, 7])
    codes = first_appearance_codes(states)   # the states' names do not matter, so neither may their order
    return float(np.mean([ambiguity_from_labels(rng.permutation(codes), clusters)[1]
                          for _ in range(CHANCE_PERMUTATIONS)]))


def first_appearance_codes(labels: np.ndarray) -> np.ndarray:
    """Each label as the rank of its first appearance."""
    _, first, inverse = np.unique(labels, return_index=True, return_inverse=True)
    return np.argsort(np.argsort(first))[inverse]


def scoring_progress(function_names, enabled: bool):
    """The function names, behind a tqdm bar when asked for."""
    if not enabled:
        return function_names
    from tqdm import tqdm
    return tqdm(function_names, desc="scoring", unit="function", leave=False)


@dataclass(frozen=True)
class NetworkEvaluation:
    """Conformance accuracy and, per labeling, each function's result for one trained network.

    `clusterer` holds the clusterings of the validation vectors, so that further analyses of the same network
    (extraction, length generalisation) reuse them; None when the vectors could not be clustered.
    """
    accuracy: float
    results: dict[str, dict[str, FunctionResult]]
    n_vectors: int
    clusterer: HiddenStateClusterer | None = None


def evaluate_network(data: NetworkData, function_names, labelings=None) -> NetworkEvaluation:
    """Accuracy, and each function's ambiguity under each labeling, for one network."""
    accuracy = conformance_accuracy(data)
    labelings = labelings or data.labelings
    try:
        clusterer = data.clusterer(function_names)
    except FUNCTION_FAILURES as error:   # e.g. NaN/inf vectors: every function fails
        failed = {name: FunctionResult(error=failure_reason(error)) for name in function_names}
        return NetworkEvaluation(accuracy, {labeling: dict(failed) for labeling in labelings}, len(data.hidden_states))
    results = {labeling: evaluate_functions(data.hidden_states, data.state_labels(labeling), function_names,
                                            data.n_states, data.k_multiplier(labeling), data.seed,
                                            data.protocol.fit_fraction, clusterer)
               for labeling in labelings}
    return NetworkEvaluation(accuracy, results, len(data.hidden_states), clusterer)
