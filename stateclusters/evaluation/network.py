"""One network's evaluation: data, conformance accuracy, hidden states, and ambiguity per abstraction function.

The straight line of the experiment: automaton → words → network → hidden states + state labels →
cluster labels → ambiguity. Each function takes and returns plain data.
"""
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ambiguity import ambiguity_from_labels
from automata import input_alphabet, is_context_free
from automata.tables import compile_table
from clustering import HiddenStateClusterer, cluster_hidden_states
from rnn_models import (
    NetworkConfig,
    RecurrentClassifier,
    TrainingConfig,
    class_indices,
    hidden_states,
    load_checkpoint,
    prefix_predictions,
    save_checkpoint,
    train_network,
)
from stateclusters.evaluation.agreement_scores import agreement_scores
from stateclusters.protocol import Protocol
from stateclusters.words.runs import PrefixTrace, labelings_for, trace_words
from stateclusters.words.sampling import TRAINING_WORDS, VALIDATION_WORDS, WordSet, conformance_words, sample_words

CONFORMANCE_WORDS = 10_000


@dataclass(frozen=True)
class FunctionResult:
    """SPEC §8 numbers of one abstraction function, or the reason it could not run.

    `scores` holds the agreement scores (agreement_scores.SCORE_NAMES) next to the ambiguity; empty on failure.
    """
    amb: float = float("nan")
    wamb: float = float("nan")
    max: float = float("nan")
    min: float = float("nan")
    n_clusters: int = 0
    error: str | None = None
    scores: dict = field(default_factory=dict, hash=False)

    def as_list(self) -> list:
        return [self.amb, self.wamb, self.max, self.min, self.n_clusters]


def output_classes(automaton) -> tuple[str, ...]:
    """The network's classes, sorted by str so that index order never changes between runs."""
    if is_context_free(automaton):
        return ("False", "True")
    return compile_table(automaton).output_classes


def automaton_size(automaton) -> int:
    """|Q|: number of states (PDAs: control states including err)."""
    return automaton.size if is_context_free(automaton) else len(automaton.states)


def network_config(automaton, rnn: str, hidden_size: int, num_layers: int = 1) -> NetworkConfig:
    return NetworkConfig(rnn=rnn, input_alphabet=tuple(input_alphabet(automaton)),
                         output_classes=output_classes(automaton), hidden_size=hidden_size, num_layers=num_layers)


SPEC_PROTOCOL = Protocol.spec()


def training_words(automaton, seed: int, n_words: int = TRAINING_WORDS, protocol: Protocol = SPEC_PROTOCOL) -> WordSet:
    """Training words: the same generator as the validation words, an independent draw from the seed."""
    return sample_words(automaton, n_words, seed=[seed, 0], counts=protocol.word_counts)


def validation_words(automaton, seed: int, n_words: int = VALIDATION_WORDS,
                     protocol: Protocol = SPEC_PROTOCOL) -> WordSet:
    """Validation words: their count, per-length rule and order follow the protocol's settings."""
    return sample_words(automaton, n_words, seed=[seed, 1], counts=protocol.word_counts,
                        order=protocol.validation_order)


def train_or_load(checkpoint_path: Path | None, config: NetworkConfig, automaton, settings: TrainingConfig,
                  device: torch.device, train: bool = True, n_training: int = TRAINING_WORDS,
                  progress: bool = True, metadata: dict | None = None,
                  reuse: bool = True, epoch_callback=None,
                  protocol: Protocol = SPEC_PROTOCOL) -> tuple[RecurrentClassifier, dict]:
    """Load a matching checkpoint if there is one (and reuse is on), else train (and save) a network.

    epoch_callback: see rnn_models.train_network (e.g. saving snapshots for pictures over training).
    """
    if reuse and checkpoint_path is not None and Path(checkpoint_path).exists():
        return load_checkpoint(checkpoint_path, expected=config, device=device)
    if not train:
        raise FileNotFoundError(f"no checkpoint at {checkpoint_path} and training is off")
    model, metrics = train_network(config, training_words(automaton, settings.seed, n_training, protocol),
                                   validation_words(automaton, settings.seed, protocol=protocol), settings, device,
                                   progress, epoch_callback=epoch_callback)
    info = dict(metadata or {}, seed=settings.seed, epochs_run=metrics.epochs_run,
                validation_accuracy=metrics.validation_accuracy[-1] if metrics.validation_accuracy else 0.0,
                training_seconds=round(metrics.seconds, 3))
    if checkpoint_path is not None:
        save_checkpoint(checkpoint_path, model, **info)
    return model, info


def conformance_accuracy(model: RecurrentClassifier, automaton, n_words: int = CONFORMANCE_WORDS,
                         seed: int = 0) -> float:
    """Share of random long words on which the network matches the automaton after every prefix (SPEC §4)."""
    words = conformance_words(automaton, n_words, seed=seed)
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    valid = trace.valid()
    expected = np.zeros(words.letters.shape, dtype=np.int64)
    expected[valid] = class_indices(trace.outputs[valid], model.config.output_classes)
    predicted = prefix_predictions(model, words.letters)
    word_passes = ((predicted == expected) | ~valid).all(axis=1)
    return float(word_passes.mean())


def validation_states(model: RecurrentClassifier, automaton, validation: WordSet) -> tuple[np.ndarray, PrefixTrace]:
    """Hidden-state vectors of the validation words and the automaton's trace over the same prefixes."""
    vectors = hidden_states(model, validation.letters, validation.lengths)
    trace = trace_words(automaton, validation.letters, validation.lengths, validation.alphabet)
    return vectors, trace


def k_multiplier(labeling: str, automaton) -> int:
    """SPEC §6: k-means k is multiplied by 3 for stack_size and by |Σ| for top_of_stack."""
    return {"stack_size": 3, "top_of_stack": len(input_alphabet(automaton))}.get(labeling, 1)


def evaluate_functions(vectors: np.ndarray, state_labels: np.ndarray, function_names, n_states: int,
                       multiplier: int = 1, seed: int = 0, fit_fraction: float = 0.25,
                       clusterer: HiddenStateClusterer | None = None) -> dict[str, FunctionResult]:
    """Cluster with each function and score the ambiguity and agreement scores; a failing function records its reason.

    Pass the same `clusterer` for every labeling of one network so that the clusterings that do not
    depend on the labels (and the deduplication and bandwidth) are computed once.
    """
    if clusterer is None:
        try:
            clusterer = HiddenStateClusterer(vectors, random_state=seed, fit_fraction=fit_fraction,
                                             function_names=function_names)
        except (ValueError, MemoryError, ArithmeticError) as error:
            return _failed(function_names, error)
    results = {}
    for name in function_names:
        try:
            clustering = cluster_hidden_states(name, vectors, state_labels, n_states, k_multiplier=multiplier,
                                               random_state=seed, fit_fraction=fit_fraction, clusterer=clusterer)
            scored = slice(clustering.scored_rows)   # all rows, or the fitted ones (protocol fit_scoring)
            amb, wamb, worst, best = ambiguity_from_labels(state_labels[scored], clustering.cluster_labels[scored])
            results[name] = FunctionResult(amb, wamb, worst, best, clustering.n_clusters,
                                           scores=agreement_scores(state_labels[scored],
                                                                   clustering.cluster_labels[scored]))
        except (ValueError, MemoryError, ArithmeticError) as error:
            results[name] = _failed([name], error)[name]
    return results


def _failed(function_names, error: Exception) -> dict[str, FunctionResult]:
    """The same recorded reason for each named function."""
    return {name: FunctionResult(error=failure_reason(error)) for name in function_names}


def failure_reason(error: Exception) -> str:
    """How a function's failure is recorded in results: the exception's type and message."""
    return f"{type(error).__name__}: {error}"


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


def evaluate_network(model: RecurrentClassifier, automaton, function_names, seed: int = 0,
                     labelings=None, fit_fraction: float = 0.25,
                     n_conformance_words: int = CONFORMANCE_WORDS,
                     n_validation_words: int = VALIDATION_WORDS,
                     protocol: Protocol = SPEC_PROTOCOL) -> NetworkEvaluation:
    """Everything SPEC §4–§7 asks of one network, with the validation words drawn from `seed`.

    The protocol sets the validation words' per-length rule and order, k-means's n_init and the rows OPTICS
    and mean shift are scored on; the number of validation words is n_validation_words.
    """
    accuracy = conformance_accuracy(model, automaton, n_conformance_words, seed=seed)
    vectors, trace = validation_states(model, automaton,
                                       validation_words(automaton, seed, n_validation_words, protocol))
    labelings = labelings or labelings_for(automaton)
    try:
        clusterer = HiddenStateClusterer(vectors, random_state=seed, fit_fraction=fit_fraction,
                                         function_names=function_names, kmeans_n_init=protocol.kmeans_n_init,
                                         score_fitted_only=protocol.fit_scoring == "fitted")
    except (ValueError, MemoryError, ArithmeticError) as error:   # e.g. NaN/inf vectors: every function fails
        return NetworkEvaluation(accuracy, {labeling: _failed(function_names, error) for labeling in labelings},
                                 len(vectors))
    results = {}
    for labeling in labelings:
        results[labeling] = evaluate_functions(vectors, trace.state_labels(labeling), function_names,
                                               automaton_size(automaton), k_multiplier(labeling, automaton),
                                               seed=seed, fit_fraction=fit_fraction, clusterer=clusterer)
    return NetworkEvaluation(accuracy, results, len(vectors), clusterer)
