"""The 19 abstraction functions (docs/contract.md, Functions): hidden-state vectors in, a cluster label per vector out.

Every function is one row of FUNCTIONS, and `Abstraction` applies a row in scikit-learn's shape: fit on one
network's hidden states (and state labels, for the probes), then label those vectors (`labels_`) or new ones
(`predict`). `lda` and `lr` are supervised probes (their prediction is the cluster); the others cluster without
seeing the state labels.

The table imports nothing heavy, so that scripts can offer its names before scikit-learn is loaded; the
clustering machinery (stateclusters/clustering/clusterer.py, scikit-learn) is imported on first fit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stateclusters.base.errors import UserError

if TYPE_CHECKING:
    from stateclusters.clustering.clusterer import HiddenStateClusterer


@dataclass(frozen=True)
class AbstractionFunction:
    """One abstraction function: its family and the one number that sets it."""
    name: str
    family: str           # linear, k_means, DBSCAN, OPTICS or mean_shift
    k_factor: float = 0   # k-means: k = k_factor·|Q| + k_offset
    k_offset: int = 0
    eps: float = 0        # DBSCAN neighbourhood radius
    bandwidth_divisor: int = 1  # mean shift: bandwidth = b / divisor


FUNCTIONS = (
    AbstractionFunction("lda", "linear"),
    AbstractionFunction("lr", "linear"),
    AbstractionFunction("k_means", "k_means", k_factor=1),
    AbstractionFunction("k_means_dec", "k_means", k_factor=1, k_offset=-1),
    AbstractionFunction("k_means_inc", "k_means", k_factor=1, k_offset=1),
    AbstractionFunction("k_means_double", "k_means", k_factor=2),
    AbstractionFunction("k_means_4", "k_means", k_factor=4),
    AbstractionFunction("k_means_6", "k_means", k_factor=6),
    AbstractionFunction("k_means_8", "k_means", k_factor=8),
    AbstractionFunction("DBSCAN_half", "DBSCAN", eps=0.25),
    AbstractionFunction("DBSCAN", "DBSCAN", eps=0.5),
    AbstractionFunction("DBSCAN_double", "DBSCAN", eps=1.0),
    AbstractionFunction("DBSCAN_triple", "DBSCAN", eps=1.5),
    AbstractionFunction("DBSCAN_quad", "DBSCAN", eps=2.0),
    AbstractionFunction("OPTICS", "OPTICS"),
    AbstractionFunction("mean_shift", "mean_shift", bandwidth_divisor=1),
    AbstractionFunction("mean_shift_2", "mean_shift", bandwidth_divisor=2),
    AbstractionFunction("mean_shift_4", "mean_shift", bandwidth_divisor=4),
    AbstractionFunction("mean_shift_8", "mean_shift", bandwidth_divisor=8),
)
FUNCTION_NAMES = tuple(function.name for function in FUNCTIONS)
FAMILIES = ("linear", "k_means", "DBSCAN", "OPTICS", "mean_shift")
FIT_FRACTION = 0.25   # OPTICS and mean shift are fitted on the first quarter of the vectors (their cost)
# How an abstraction function can fail on one network's vectors: recorded as that function's result, not raised.
FUNCTION_FAILURES = (ValueError, MemoryError, ArithmeticError)
FITTED_ON_FIRST_ROWS = ("OPTICS", "mean_shift")   # families fitted on the first fit_fraction of the vectors
NON_FINITE_LABEL = "non-finite"   # the one cluster of new vectors that no distance can place
DISTANCE_MEMORY_MB = 64           # bounds the distance blocks when labelling new vectors by DBSCAN's border rule




def get_function(name: str) -> AbstractionFunction:
    """The abstraction function called `name`, or a UserError listing the valid names."""
    for function in FUNCTIONS:
        if function.name == name:
            return function
    raise UserError(f"unknown abstraction function '{name}'; valid: {', '.join(FUNCTION_NAMES)}")


def parse_function_names(text: str) -> list[str]:
    """Comma-separated function names (or 'all') checked against the table."""
    if text.strip() == "all":
        return list(FUNCTION_NAMES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        get_function(name)
    return names


def kmeans_k(function: AbstractionFunction, n_states: int, k_multiplier: int = 1) -> int:
    """k for a k-means function: from |Q|, times the labeling's multiplier (see labeling_k_multiplier)."""
    return max(1, int(function.k_factor * n_states + function.k_offset)) * k_multiplier


def failure_reason(error: Exception) -> str:
    """How a function's failure (one of FUNCTION_FAILURES) is recorded in results: its type and message."""
    return f"{type(error).__name__}: {error}"


def labeling_k_multiplier(labeling: str, n_letters: int) -> int:
    """The k-means k is multiplied by 3 for stack_size and by |Σ| for top_of_stack (docs/contract.md, Functions)."""
    return {"stack_size": 3, "top_of_stack": n_letters}.get(labeling, 1)


def dbscan_radii(function_names) -> tuple[float, ...]:
    """The DBSCAN radii among these functions, to be computed in one pass."""
    return tuple(sorted({get_function(name).eps for name in function_names if get_function(name).family == "DBSCAN"}))


def shared_clusterer(hidden_states: np.ndarray, function_names=FUNCTION_NAMES, *, random_state: int = 0,
                     fit_fraction: float = FIT_FRACTION, bandwidth: float | None = None, kmeans_n_init: int = 1,
                     score_fitted_only: bool = False) -> HiddenStateClusterer:
    """The cached clusterings of one network's vectors, for abstractions of these functions to share.

    kmeans_n_init and score_fitted_only are protocol settings (docs/paper_protocol.md).
    """
    from stateclusters.clustering.clusterer import HiddenStateClusterer
    return HiddenStateClusterer(hidden_states, random_state=random_state, fit_fraction=fit_fraction,
                                bandwidth=bandwidth, dbscan_radii=dbscan_radii(function_names),
                                kmeans_n_init=kmeans_n_init, score_fitted_only=score_fitted_only)


class Abstraction:
    """One abstraction function as an estimator: fit on hidden states, label them (`labels_`) and new vectors.

    n_states is |Q|; k_multiplier is the labeling's (labeling_k_multiplier). New vectors are labelled as the
    vectors a function was not fitted on: probes and k-means predict, mean shift takes the nearest centre,
    OPTICS the label of the nearest fitted vector, DBSCAN its border-point rule (the lowest-numbered cluster
    among the core vectors within eps, else noise).
    """

    def __init__(self, name: str, n_states: int = 1, k_multiplier: int = 1, random_state: int = 0,
                 fit_fraction: float = FIT_FRACTION):
        self.name = name
        self.n_states = n_states
        self.k_multiplier = k_multiplier
        self.random_state = random_state
        self.fit_fraction = fit_fraction

    def fit(self, hidden_states: np.ndarray, state_labels=None, clusterer: HiddenStateClusterer | None = None):
        """Fit on the vectors (and state labels, for lda and lr); pass a shared_clusterer of them to reuse work."""
        self.function_ = get_function(self.name)
        if clusterer is None:
            clusterer = shared_clusterer(hidden_states, (self.name,), random_state=self.random_state,
                                         fit_fraction=self.fit_fraction)
        family = self.function_.family
        if family == "linear":
            self.probe_ = clusterer.linear_probe(self.name, state_labels)
            labels = self._predict_finite(hidden_states)
        elif family == "k_means":
            self.k_ = kmeans_k(self.function_, self.n_states, self.k_multiplier)
            self.model_ = clusterer.k_means(self.k_)
            labels = clusterer.distinct.expand(self.model_.labels_)
        elif family == "DBSCAN":
            distinct_labels, is_core = clusterer.dbscan(self.function_.eps)
            labels = clusterer.distinct.expand(distinct_labels)
            self.core_vectors_ = clusterer.distinct.vectors[is_core]
            self.core_clusters_ = distinct_labels[is_core]
        elif family == "OPTICS":
            labels = clusterer.optics()
            self.fitted_vectors_ = clusterer.hidden_states[:clusterer.n_fit]
            self.fitted_labels_ = labels[:clusterer.n_fit]
        else:
            self.centres_ = clusterer.mean_shift_centres(self.function_.bandwidth_divisor)
            labels = clusterer.mean_shift_labels(self.function_.bandwidth_divisor)
        self.labels_ = np.asarray(labels)
        # Under the paper's protocol OPTICS and mean shift are scored on the rows they were fitted on only.
        fitted_only = clusterer.score_fitted_only and family in FITTED_ON_FIRST_ROWS
        self.scored_rows_ = slice(clusterer.n_fit if fitted_only else None)
        self.n_clusters_ = int(len(np.unique(self.labels_[self.scored_rows_])))
        return self

    def fit_predict(self, hidden_states: np.ndarray, state_labels=None, clusterer=None) -> np.ndarray:
        return self.fit(hidden_states, state_labels, clusterer).labels_

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Cluster labels of new vectors; non-finite ones (an exploded network) form one cluster of their own."""
        finite = np.isfinite(vectors).all(axis=1)
        if finite.all():
            return np.asarray(self._predict_finite(vectors))
        # Probes predict state names, the clusterings numbers: as text both can share an array with this label.
        labels = np.full(len(vectors), NON_FINITE_LABEL, dtype=object)
        if finite.any():
            labels[finite] = np.asarray(self._predict_finite(vectors[finite])).astype(str)
        return labels.astype(str)

    def _predict_finite(self, vectors: np.ndarray) -> np.ndarray:
        family = self.function_.family
        if family == "linear":
            # A probe of one state (None) has nothing to separate: every vector is in the one class.
            return np.zeros(len(vectors), dtype=np.int64) if self.probe_ is None else self.probe_.predict(vectors)
        if family == "k_means":
            return self.model_.predict(vectors)
        if family == "mean_shift":
            from sklearn.metrics import pairwise_distances_argmin
            return pairwise_distances_argmin(vectors, self.centres_)
        if family == "OPTICS":
            from sklearn.neighbors import NearestNeighbors
            nearest = NearestNeighbors(n_neighbors=1).fit(self.fitted_vectors_).kneighbors(
                vectors, return_distance=False)
            return self.fitted_labels_[nearest[:, 0]]
        return self._border_point_labels(vectors)

    def _border_point_labels(self, vectors: np.ndarray) -> np.ndarray:
        from sklearn.metrics import pairwise_distances_chunked
        if len(self.core_vectors_) == 0:
            return np.full(len(vectors), -1)
        no_cluster = np.iinfo(np.int64).max

        def lowest_cluster_within_eps(distances, start):
            return np.where(distances <= self.function_.eps, self.core_clusters_[None, :], no_cluster).min(axis=1)

        lowest = np.concatenate(list(pairwise_distances_chunked(
            vectors, self.core_vectors_, reduce_func=lowest_cluster_within_eps, working_memory=DISTANCE_MEMORY_MB)))
        return np.where(lowest == no_cluster, -1, lowest)


@dataclass(frozen=True)
class Clustering:
    """Cluster label of every vector; DBSCAN/OPTICS noise (-1) counts as one cluster."""
    cluster_labels: np.ndarray
    n_clusters: int


def cluster_hidden_states(name: str, hidden_states: np.ndarray, state_labels, n_states: int, *,
                          k_multiplier: int = 1, random_state: int = 0, fit_fraction: float = FIT_FRACTION,
                          clusterer: HiddenStateClusterer | None = None) -> Clustering:
    """Apply abstraction function `name` to the vectors: Abstraction(...).fit, as plain data."""
    abstraction = Abstraction(name, n_states, k_multiplier, random_state, fit_fraction).fit(
        hidden_states, state_labels, clusterer)
    return Clustering(abstraction.labels_, abstraction.n_clusters_)
