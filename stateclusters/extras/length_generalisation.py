"""Length generalisation: does an abstraction fitted on training-length hidden states still separate the
automaton's states after longer words?

Each abstraction function is fitted on the validation hidden states (words of length 1–14, as in SPEC §6).
Then n words of every length 1..50 are drawn, and the hidden state after each *whole* word is labelled by the
fitted function and compared with the automaton's state after that word: the ambiguity (SPEC §7) of those
labels, word length by word length. Only final states are used, so that a word of length 50 counts once and
each length's score is about states reached by words of exactly that length.

Every function labels new vectors as it labels the validation vectors it was not fitted on:
lda, lr: the probe's prediction; k-means: the nearest centre (KMeans.predict); mean shift: the nearest
centre (as it labels the three quarters it is not fitted on); OPTICS: the label of the nearest fitted vector
(the project's rule for the three quarters it is not fitted on, noise stays noise); DBSCAN: a new vector is
a border point of the fitted clustering: the lowest-numbered cluster among the fitted core points within eps
(DBSCAN's own rule for border points, so a new vector equal to a fitted one gets its label), else noise.
A non-finite new vector (an exploded relu network) gets the label 'non-finite': one cluster of its own.
"""
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import pairwise_distances_argmin, pairwise_distances_chunked
from sklearn.neighbors import NearestNeighbors

from ambiguity import ambiguity_from_labels
from clustering import HiddenStateClusterer, get_function, kmeans_k
from rnn_models import RecurrentClassifier, hidden_states
from stateclusters.base.catalogue import LENGTH_GENERALISATION_MAX as MAX_LENGTH
from stateclusters.base.catalogue import WORDS_PER_LENGTH
from stateclusters.evaluation.network import (
    automaton_size,
    failure_reason,
    k_multiplier,
    validation_states,
    validation_words,
)
from stateclusters.words.runs import PrefixTrace, labelings_for, trace_words
from stateclusters.words.sampling import MAX_TRAINING_LENGTH, VALIDATION_WORDS, words_of_each_length

WORDS_SEED_STREAM = 2             # training words use stream 0 of the seed, validation words stream 1
NON_FINITE_LABEL = "non-finite"
DISTANCE_MEMORY_MB = 64           # bounds the distance blocks of the DBSCAN border-point rule
LENGTH_BUCKETS = ((1, MAX_TRAINING_LENGTH), (15, 20), (21, 30), (31, 40), (41, 50))


# ---- labelling new vectors with a fitted abstraction function --------------------------------------------

@dataclass(frozen=True)
class ModelLabeller:
    """A fitted scikit-learn probe or KMeans; None stands for a probe of one state (every vector in cluster 0)."""
    model: object

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        if self.model is None:
            return np.zeros(len(vectors), dtype=np.int64)
        return self.model.predict(vectors)


@dataclass(frozen=True)
class NearestCentreLabeller:
    """Mean shift: the index of the nearest cluster centre, as MeanShift.predict."""
    centres: np.ndarray

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        return pairwise_distances_argmin(vectors, self.centres)


@dataclass(frozen=True)
class NearestFittedLabeller:
    """OPTICS: the label of the nearest fitted vector (noise, -1, stays noise)."""
    fitted_vectors: np.ndarray
    fitted_labels: np.ndarray

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        nearest = NearestNeighbors(n_neighbors=1).fit(self.fitted_vectors).kneighbors(vectors, return_distance=False)
        return self.fitted_labels[nearest[:, 0]]


@dataclass(frozen=True)
class BorderPointLabeller:
    """DBSCAN: the lowest-numbered cluster among the core vectors within eps, else noise (-1)."""
    core_vectors: np.ndarray
    core_clusters: np.ndarray
    eps: float

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        if len(self.core_vectors) == 0:
            return np.full(len(vectors), -1)
        no_cluster = np.iinfo(np.int64).max

        def lowest_cluster_within_eps(distances, start):
            return np.where(distances <= self.eps, self.core_clusters[None, :], no_cluster).min(axis=1)

        lowest = np.concatenate(list(pairwise_distances_chunked(
            vectors, self.core_vectors, reduce_func=lowest_cluster_within_eps, working_memory=DISTANCE_MEMORY_MB)))
        return np.where(lowest == no_cluster, -1, lowest)


def fit_labeller(name: str, clusterer: HiddenStateClusterer, state_labels: np.ndarray, n_states: int,
                 multiplier: int = 1):
    """Abstraction function `name` fitted on the clusterer's vectors (as in SPEC §6), able to label new vectors."""
    function = get_function(name)
    vectors = clusterer.hidden_states
    if function.family == "linear":
        return ModelLabeller(clusterer.linear_probe(name, state_labels))
    if function.family == "k_means":
        return ModelLabeller(clusterer.k_means(kmeans_k(function, n_states, multiplier)))
    if function.family == "mean_shift":
        return NearestCentreLabeller(clusterer.mean_shift_centres(name))
    fitted_labels = clusterer.cluster(name, state_labels, n_states, multiplier).cluster_labels
    if function.family == "OPTICS":
        return NearestFittedLabeller(vectors[:clusterer.n_fit], fitted_labels[:clusterer.n_fit])
    distinct = clusterer.distinct
    distinct_labels = fitted_labels[np.unique(distinct.inverse, return_index=True)[1]]
    is_core = clusterer.dbscan_core_points(name)
    return BorderPointLabeller(distinct.vectors[is_core], distinct_labels[is_core], function.eps)


def label_new_vectors(labeller, vectors: np.ndarray) -> np.ndarray:
    """The labeller's labels; non-finite vectors, which no distance can place, form one cluster of their own."""
    finite = np.isfinite(vectors).all(axis=1)
    if finite.all():
        return np.asarray(labeller.predict(vectors))
    # Probes predict state names, the clusterings numbers: as text both can share an array with this label.
    labels = np.full(len(vectors), NON_FINITE_LABEL, dtype=object)
    if finite.any():
        labels[finite] = np.asarray(labeller.predict(vectors[finite])).astype(str)
    return labels.astype(str)


# ---- the words and their final hidden states -------------------------------------------------------------

@dataclass(frozen=True)
class FinalStates:
    """The hidden-state vector and the automaton's trace after each whole word of a set of words."""
    word_lengths: np.ndarray   # (n_words,)
    vectors: np.ndarray        # (n_words, hidden-state size): the vector after the word's last letter
    trace: PrefixTrace

    def state_labels(self, labeling: str) -> np.ndarray:
        """The automaton's state label after each whole word."""
        return self.trace.state_labels(labeling)[np.cumsum(self.word_lengths) - 1]


def final_hidden_states(model: RecurrentClassifier, letters: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The vector after each word's last letter; words of one length at a time, so memory stays small."""
    finals = np.empty((len(lengths), model.config.hidden_state_size()))
    for length in np.unique(lengths):
        words = np.flatnonzero(lengths == length)
        every_prefix = hidden_states(model, letters[words, :length], lengths[words])
        finals[words] = every_prefix[length - 1::length]
    return finals


def final_states(model: RecurrentClassifier, automaton, n_per_length: int = WORDS_PER_LENGTH,
                 max_length: int = MAX_LENGTH, seed: int = 0) -> FinalStates:
    """n_per_length words of every length 1..max_length (all words of a length where there are fewer)."""
    words = words_of_each_length(automaton, n_per_length, range(1, max_length + 1), seed=[seed, WORDS_SEED_STREAM])
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    return FinalStates(words.lengths, final_hidden_states(model, words.letters, words.lengths), trace)


# ---- ambiguity per word length ---------------------------------------------------------------------------

def ambiguity_per_group(state_labels: np.ndarray, cluster_labels: np.ndarray,
                        groups: np.ndarray) -> dict:
    """{group: (amb, wamb, n)}: SPEC §7 ambiguity of the vectors of each group (e.g. word length), sorted."""
    scores = {}
    for group in np.unique(groups):
        members = groups == group
        amb, wamb, _, _ = ambiguity_from_labels(state_labels[members], cluster_labels[members])
        scores[group.item()] = (amb, wamb, int(members.sum()))
    return scores


def length_bucket_names(word_lengths: np.ndarray, buckets=LENGTH_BUCKETS) -> np.ndarray:
    """'1-14', '15-20', … for each word length (lengths outside every bucket get their own name)."""
    names = np.array([str(length) for length in word_lengths], dtype=object)
    for first, last in buckets:
        names[(word_lengths >= first) & (word_lengths <= last)] = f"{first:02d}-{last:02d}"
    return names.astype(str)


def length_generalisation(model: RecurrentClassifier, automaton, function_names, *, labelings=None, seed: int = 0,
                          n_per_length: int = WORDS_PER_LENGTH, max_length: int = MAX_LENGTH,
                          n_validation_words: int = VALIDATION_WORDS, fit_fraction: float = 0.25,
                          clusterer: HiddenStateClusterer | None = None) -> dict:
    """{labeling: {function: {word length: [amb, wamb, n]}, or the reason the function failed}}, record-ready.

    The functions are fitted on the hidden states of the validation words drawn from `seed`, exactly as the
    network's evaluation fits them (pass its `clusterer` to reuse its clusterings); the new words are an
    independent draw from the same seed.
    """
    validation = validation_words(automaton, seed, n_validation_words)
    trace = trace_words(automaton, validation.letters, validation.lengths, validation.alphabet)
    finals = final_states(model, automaton, n_per_length, max_length, seed)
    labelings = labelings or labelings_for(automaton)
    try:
        if clusterer is None:
            clusterer = HiddenStateClusterer(validation_states(model, automaton, validation)[0], random_state=seed,
                                             fit_fraction=fit_fraction, function_names=function_names)
    except (ValueError, MemoryError, ArithmeticError) as error:   # NaN/inf validation vectors: nothing to fit
        return {labeling: {name: failure_reason(error) for name in function_names} for labeling in labelings}
    results, labels_of = {}, {}
    for labeling in labelings:
        state_labels, final_labels = trace.state_labels(labeling), finals.state_labels(labeling)
        results[labeling] = {}
        for name in function_names:
            # Only the probes and k-means (whose k follows the labeling) depend on the labeling.
            family = get_function(name).family
            key = (name, labeling) if family in ("linear", "k_means") else (name,)
            try:
                if key not in labels_of:
                    labeller = fit_labeller(name, clusterer, state_labels, automaton_size(automaton),
                                            k_multiplier(labeling, automaton))
                    labels_of[key] = label_new_vectors(labeller, finals.vectors)
                per_length = ambiguity_per_group(final_labels, labels_of[key], finals.word_lengths)
                results[labeling][name] = {length: list(scores) for length, scores in per_length.items()}
            except (ValueError, MemoryError, ArithmeticError) as error:
                results[labeling][name] = failure_reason(error)
    return results


# ---- the driver's table ----------------------------------------------------------------------------------

def length_bucket_table(model: RecurrentClassifier, automaton, function_name: str, labeling: str,
                        vectors: np.ndarray, state_labels: np.ndarray, *, seed: int = 0,
                        n_per_length: int = WORDS_PER_LENGTH, fit_fraction: float = 0.25) -> list[tuple]:
    """(lengths, amb, wamb, words, distinct states) per length bucket, the function fitted on `vectors`."""
    clusterer = HiddenStateClusterer(vectors, random_state=seed, fit_fraction=fit_fraction,
                                     function_names=(function_name,))
    labeller = fit_labeller(function_name, clusterer, state_labels, automaton_size(automaton),
                            k_multiplier(labeling, automaton))
    finals = final_states(model, automaton, n_per_length, MAX_LENGTH, seed)
    final_labels = finals.state_labels(labeling)
    buckets = length_bucket_names(finals.word_lengths)
    scores = ambiguity_per_group(final_labels, label_new_vectors(labeller, finals.vectors), buckets)
    return [(bucket, amb, wamb, n, len(np.unique(final_labels[buckets == bucket])))
            for bucket, (amb, wamb, n) in scores.items()]


def format_length_table(rows: list[tuple], function_name: str) -> str:
    lines = [f"length generalisation of {function_name} (state after each whole word; trained on lengths "
             f"1-{MAX_TRAINING_LENGTH}):", f"  {'lengths':<8} {'amb':>7} {'wamb':>7} {'words':>6} {'states':>6}"]
    lines += [f"  {bucket:<8} {amb:7.4f} {wamb:7.4f} {n:6d} {n_states:6d}" for bucket, amb, wamb, n, n_states in rows]
    return "\n".join(lines)
