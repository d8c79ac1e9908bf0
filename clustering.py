"""The 19 abstraction functions of SPEC §6: hidden-state vectors in, one cluster label per vector out.

Every function is one row of FUNCTIONS. `lda` and `lr` are supervised probes (their
prediction is the cluster); the others cluster without seeing the state labels.
"""
import hashlib
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans, estimate_bandwidth, kmeans_plusplus
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances_argmin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.extmath import row_norms

from stateclusters.base.errors import UserError
from stateclusters.base.fast_clustering import (
    DistinctVectors,
    dbscan_labels_and_cores,
    distinct_vectors,
    estimate_bandwidth_all,
    mean_shift_centers,
    optics_labels,
)


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
FITTED_ON_FIRST_ROWS = ("OPTICS", "mean_shift")   # families fitted on the first fit_fraction of the vectors
DBSCAN_MIN_SAMPLES = 5
KMEANS_TOL = 1e-4       # scikit-learn's default


@dataclass(frozen=True)
class Clustering:
    """Cluster label of every vector; DBSCAN/OPTICS noise (-1) counts as one cluster."""
    cluster_labels: np.ndarray
    n_clusters: int
    scored_rows: int | None = None   # score only the first rows (the fitted ones); None: every vector


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
    """k for a k-means function: from |Q|, times 3 or |Σ| for the stack labelings (SPEC §6)."""
    return max(1, int(function.k_factor * n_states + function.k_offset)) * k_multiplier


def mean_shift_bandwidth(hidden_states: np.ndarray, random_state: int = 0,
                         n_samples: int | None = None) -> float:
    """scikit-learn's estimate_bandwidth of the vectors: of all of them (SPEC §6), or of a random sample."""
    if n_samples is not None and n_samples < len(hidden_states):
        return float(estimate_bandwidth(hidden_states, n_samples=n_samples, random_state=random_state))
    return estimate_bandwidth_all(distinct_vectors(hidden_states))


def check_finite(hidden_states: np.ndarray) -> None:
    """Refuse NaN/inf vectors (exploding relu networks) with a clear reason."""
    if not np.isfinite(hidden_states).all():
        raise ValueError("hidden states contain NaN or inf (the network's activations exploded)")


class HiddenStateClusterer:
    """The abstraction functions on one network's vectors, each clustering computed once.

    The vectors are deduplicated once (validation words share prefixes, so most vectors repeat); the
    unsupervised clusterings do not depend on the labeling and are reused across labelings; the five
    DBSCAN radii share one pass over the distances; the mean-shift bandwidth is estimated once. Every
    result equals scikit-learn's on the full list of vectors (see fast_clustering).
    """

    def __init__(self, hidden_states: np.ndarray, *, random_state: int = 0, fit_fraction: float = 0.25,
                 bandwidth: float | None = None, function_names=FUNCTION_NAMES, kmeans_n_init: int = 1,
                 score_fitted_only: bool = False):
        check_finite(hidden_states)
        if not 0 < fit_fraction <= 1:
            raise UserError(f"fit fraction must be in (0, 1], got {fit_fraction}")
        self.hidden_states = hidden_states
        self.distinct = distinct_vectors(hidden_states)
        self.n_fit = max(1, int(len(hidden_states) * fit_fraction))
        self.random_state = random_state
        self.kmeans_n_init = kmeans_n_init
        # Protocol setting fit_scoring="fitted": OPTICS and mean shift are scored on their fitted rows only.
        self.score_fitted_only = score_fitted_only
        self._bandwidth = bandwidth
        self._dbscan_eps = sorted({get_function(name).eps for name in function_names
                                   if get_function(name).family == "DBSCAN"})
        self._labels = {}   # (function name, k) -> cluster label of every vector
        self._dbscan_cores = {}   # eps -> whether each distinct vector is a core point
        self._mean_shift_centres = {}   # function name -> its cluster centres
        self._probes = {}   # (probe name, labels' dtype, labels' digest) -> fitted probe (None: one state)
        self._k_means_models = {}   # k -> fitted KMeans

    def bandwidth(self) -> float:
        """estimate_bandwidth of all vectors, computed on first use."""
        if self._bandwidth is None:
            self._bandwidth = estimate_bandwidth_all(self.distinct)
        return self._bandwidth

    def cluster(self, name: str, state_labels: np.ndarray, n_states: int, k_multiplier: int = 1) -> Clustering:
        """Apply abstraction function `name` and return the cluster label of every vector."""
        function = get_function(name)
        if function.family == "linear":
            probe = self.linear_probe(function.name, state_labels)
            # A probe of one state (None) has nothing to separate: every vector is in the one class.
            labels = np.zeros(len(self.hidden_states), dtype=np.int64) if probe is None else probe.predict(
                self.hidden_states)
        else:
            k = kmeans_k(function, n_states, k_multiplier) if function.family == "k_means" else 0
            key = (function.name if function.family != "k_means" else "k_means", k)
            if key not in self._labels:
                self._labels[key] = self._unsupervised(function, k)
            labels = self._labels[key]
        if self.score_fitted_only and function.family in FITTED_ON_FIRST_ROWS:
            return Clustering(np.asarray(labels), int(len(np.unique(labels[:self.n_fit]))), self.n_fit)
        return Clustering(np.asarray(labels), int(len(np.unique(labels))))

    def linear_probe(self, name: str, state_labels: np.ndarray):
        """The lda or lr probe fitted to these state labels (once per labeling); None for a single state."""
        state_labels = np.asarray(state_labels)
        key = (name, state_labels.dtype.str, hashlib.sha1(state_labels.tobytes()).hexdigest())
        if key not in self._probes:
            self._probes[key] = linear_probe_model(name, self.hidden_states, state_labels, self.random_state)
        return self._probes[key]

    def k_means(self, k: int) -> KMeans:
        """The KMeans with k clusters of these vectors (fitted once; labels_ per distinct vector)."""
        if k not in self._k_means_models:
            self._k_means_models[k] = k_means_model(self.hidden_states, self.distinct, k, self.random_state,
                                                    self.kmeans_n_init)
        return self._k_means_models[k]

    def dbscan_core_points(self, name: str) -> np.ndarray:
        """Whether each distinct vector is a core point of DBSCAN function `name` (its clustering, computed once)."""
        function = get_function(name)
        if function.eps not in self._dbscan_cores:
            self._unsupervised(function, 0)
        return self._dbscan_cores[function.eps]

    def _unsupervised(self, function: AbstractionFunction, k: int) -> np.ndarray:
        if function.family == "k_means":
            return self.distinct.expand(self.k_means(k).labels_)
        if function.family == "DBSCAN":
            eps_values = sorted(set(self._dbscan_eps) | {function.eps})
            computed, cores = dbscan_labels_and_cores(self.distinct, eps_values, DBSCAN_MIN_SAMPLES)
            for eps, labels in computed.items():
                self._labels.setdefault((_dbscan_name(eps), 0), self.distinct.expand(labels))
                self._dbscan_cores.setdefault(eps, cores[eps])
            return self._labels[(function.name, 0)]
        if function.family == "OPTICS":
            return _optics(self.hidden_states[:self.n_fit], self.distinct.head(self.n_fit), self.distinct)
        # MeanShift.fit on the first rows, then predict for all: the nearest centre.
        return self.distinct.expand(pairwise_distances_argmin(self.distinct.vectors,
                                                              self.mean_shift_centres(function.name)))

    def mean_shift_centres(self, name: str) -> np.ndarray:
        """Cluster centres of mean-shift function `name` fitted on the first rows (computed once)."""
        function = get_function(name)
        if function.name not in self._mean_shift_centres:
            bandwidth = self.bandwidth() / function.bandwidth_divisor
            if bandwidth <= 0:
                raise ValueError("mean shift bandwidth is 0 (all vectors are identical)")
            self._mean_shift_centres[function.name] = mean_shift_centers(self.distinct.head(self.n_fit), bandwidth)
        return self._mean_shift_centres[function.name]


def _dbscan_name(eps: float) -> str:
    return next(function.name for function in FUNCTIONS if function.family == "DBSCAN" and function.eps == eps)


def cluster_hidden_states(name: str, hidden_states: np.ndarray, state_labels: np.ndarray, n_states: int, *,
                          k_multiplier: int = 1, random_state: int = 0, fit_fraction: float = 0.25,
                          bandwidth: float | None = None,
                          clusterer: HiddenStateClusterer | None = None) -> Clustering:
    """Apply abstraction function `name` to the vectors and return their cluster labels.

    `clusterer`, a HiddenStateClusterer made from these same vectors (with this random_state and
    fit_fraction), lets repeated calls share its work.
    """
    if clusterer is None:
        clusterer = HiddenStateClusterer(hidden_states, random_state=random_state, fit_fraction=fit_fraction,
                                         bandwidth=bandwidth, function_names=(name,))
    return clusterer.cluster(name, state_labels, n_states, k_multiplier)


def linear_probe_model(name: str, hidden_states, state_labels, random_state: int):
    """The fitted lda or lr probe; None when there is only one state label (scikit-learn refuses to fit)."""
    if len(np.unique(state_labels)) < 2:
        return None
    if name == "lda":
        probe = LinearDiscriminantAnalysis(solver="svd")
    else:
        probe = LogisticRegression(solver="saga", max_iter=1000, random_state=random_state)
    try:
        return probe.fit(hidden_states, state_labels)
    except IndexError:
        # scikit-learn's LDA indexes an empty array when the vectors do not vary within any state.
        raise ValueError(f"{name} is undefined: the hidden states do not vary within any state") from None


def k_means_model(hidden_states, distinct: DistinctVectors, k: int, random_state: int, n_init: int = 1) -> KMeans:
    """KMeans(k, k-means++, random_state, n_init) fitted to hidden_states: labels_ per distinct vector.

    With n_init > 1 the seedings draw one after another from one RandomState, as KMeans.fit draws them, and
    the fit of least inertia is kept.

    The k-means++ seeding runs on all vectors, exactly as KMeans.fit runs it (the same random draws over
    the same rows); the Lloyd iterations then run on the distinct vectors weighted by their counts, which
    moves the centres exactly as the repeated vectors would, with the same stopping tolerance.
    """
    # More clusters than distinct vectors cannot be formed; cap k there (documented in the README).
    k = min(k, len(distinct))
    mean = hidden_states.mean(axis=0)
    centred = hidden_states - mean
    squared_norms = row_norms(centred, squared=True)
    # KMeans scales tol by the mean variance of the rows it is given; give it that of all vectors.
    distinct_variance = np.mean(np.var(distinct.vectors, axis=0))
    tol = KMEANS_TOL * np.mean(np.var(hidden_states, axis=0)) / distinct_variance if distinct_variance > 0 else 0
    seeding = check_random_state(random_state)
    best = None
    for _ in range(n_init):
        centres, _ = kmeans_plusplus(centred, k, x_squared_norms=squared_norms, random_state=seeding)
        model = KMeans(n_clusters=k, init=centres + mean, n_init=1, tol=tol, random_state=random_state)
        model.fit(distinct.vectors, sample_weight=distinct.counts)
        if best is None or model.inertia_ < best.inertia_:
            best = model
    return best


def _optics(fitted, fit: DistinctVectors, distinct: DistinctVectors) -> np.ndarray:
    """OPTICS on the fitted vectors; every other vector joins the cluster of its nearest fitted vector.

    The nearest fitted vector is found as before, among all fitted vectors (copies of one vector can carry
    different OPTICS labels, and scikit-learn's choice among equal copies is kept), but once per distinct
    vector.
    """
    fitted_labels = optics_labels(fitted, fit)
    nearest = NearestNeighbors(n_neighbors=1).fit(fitted).kneighbors(distinct.vectors, return_distance=False)
    labels = distinct.expand(fitted_labels[nearest[:, 0]])
    labels[:len(fitted)] = fitted_labels
    return labels
