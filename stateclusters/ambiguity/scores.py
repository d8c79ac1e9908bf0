"""Ambiguity of a clustering with respect to automaton states (docs/contract.md, Ambiguity).

For each cluster c, A(c) is the entropy of the state labels inside it, with the
logarithm taken to base |S| (the number of distinct labels overall), so A(c) is
0 for a pure cluster and 1 for a cluster holding all labels equally.
"""
from collections.abc import Mapping, Sequence

import numpy as np


def contingency_matrix(states: Sequence, clusters: Sequence) -> np.ndarray:
    """Counts n(c, s) as an array of shape (n_clusters, n_states), vectorized."""
    return _labelled_contingency(states, clusters)[2]


def _labelled_contingency(states: Sequence, clusters: Sequence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct states, distinct clusters, counts n(c, s)) with rows and columns in that order."""
    states = np.asarray(states)
    clusters = np.asarray(clusters)
    if states.shape != clusters.shape or states.ndim != 1:
        raise ValueError(f"states and clusters must be equal-length 1-d sequences, "
                         f"got shapes {states.shape} and {clusters.shape}")
    state_values, state_index = np.unique(states, return_inverse=True)
    cluster_values, cluster_index = np.unique(clusters, return_inverse=True)
    shape = (len(cluster_values), len(state_values))
    counts = np.bincount(cluster_index.ravel() * shape[1] + state_index.ravel(), minlength=shape[0] * shape[1])
    return state_values, cluster_values, counts.reshape(shape).astype(np.int64)


def ambiguity_from_counts(counts: np.ndarray) -> tuple[float, float, float, float]:
    """(amb, wamb, max, min) from a (n_clusters, n_states) count matrix."""
    counts = np.asarray(counts, dtype=np.float64)
    counts = counts[:, counts.sum(axis=0) > 0]
    counts = counts[counts.sum(axis=1) > 0]
    if counts.size == 0:
        raise ValueError("ambiguity of an empty clustering is undefined")
    cluster_sizes = counts.sum(axis=1)
    n_labels = counts.shape[1]
    if n_labels == 1:
        cluster_ambiguity = np.zeros(len(counts))
    else:
        probabilities = counts / cluster_sizes[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(probabilities > 0, probabilities * np.log(probabilities), 0.0)
        cluster_ambiguity = -terms.sum(axis=1) / np.log(n_labels)
    # Clip rounding noise so that pure clusters give exactly 0.
    cluster_ambiguity = np.clip(cluster_ambiguity, 0.0, 1.0)
    cluster_ambiguity[np.count_nonzero(counts, axis=1) == 1] = 0.0
    amb = float(cluster_ambiguity.mean())
    wamb = float((cluster_sizes * cluster_ambiguity).sum() / cluster_sizes.sum())
    return amb, wamb, float(cluster_ambiguity.max()), float(cluster_ambiguity.min())


def compute_ambiguity(state_cluster_map: Mapping) -> tuple[float, float, float, float]:
    """(amb, wamb, max, min) from {state label: {cluster label: count}}."""
    states = list(state_cluster_map)
    clusters = sorted({cluster for counts in state_cluster_map.values() for cluster in counts}, key=repr)
    cluster_position = {cluster: i for i, cluster in enumerate(clusters)}
    counts = np.zeros((len(clusters), len(states)), dtype=np.int64)
    for state_position, state in enumerate(states):
        for cluster, count in state_cluster_map[state].items():
            counts[cluster_position[cluster], state_position] += count
    return ambiguity_from_counts(counts)


def ambiguity_from_labels(states: Sequence, clusters: Sequence) -> tuple[float, float, float, float]:
    """(amb, wamb, max, min) for two equal-length label sequences."""
    return ambiguity_from_counts(contingency_matrix(states, clusters))


def state_cluster_map(states: Sequence, clusters: Sequence) -> dict:
    """{state label: {cluster label: count}}, for printing and for compute_ambiguity."""
    state_values, cluster_values, counts = _labelled_contingency(states, clusters)
    return {state_values[s].item(): {cluster_values[c].item(): int(counts[c, s])
                                     for c in np.flatnonzero(counts[:, s])}
            for s in range(len(state_values))}
