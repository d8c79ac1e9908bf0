"""The clusterings of one network's hidden states, each computed once and shared by every abstraction function.

Validation words share prefixes, so most vectors repeat: they are deduplicated once. The unsupervised
clusterings do not depend on the labeling and are reused across labelings; the DBSCAN radii share one pass over
the distances; the mean-shift bandwidth is estimated once. Every result equals scikit-learn's on the full list
of vectors (see fast_clustering and tests/test_fast_clustering.py).
"""
import hashlib
import warnings

import numpy as np
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import pairwise_distances_argmin
from sklearn.neighbors import NearestNeighbors
from sklearn.utils import check_random_state
from sklearn.utils.extmath import row_norms

from stateclusters.base.errors import UserError
from stateclusters.clustering.fast_clustering import (
    DistinctVectors,
    dbscan_labels_and_cores,
    distinct_vectors,
    estimate_bandwidth_all,
    mean_shift_centers,
    optics_labels,
)

DBSCAN_MIN_SAMPLES = 5
KMEANS_TOL = 1e-4       # scikit-learn's default
LR_MAX_ITER = 1000      # the contract's iteration cap for lr


def check_finite(hidden_states: np.ndarray) -> None:
    """Refuse NaN/inf vectors (exploding relu networks) with a clear reason."""
    if not np.isfinite(hidden_states).all():
        raise ValueError("hidden states contain NaN or inf (the network's activations exploded)")


class HiddenStateClusterer:
    """Shared, cached clusterings of one set of hidden-state vectors, by family.

    fit_fraction: OPTICS and mean shift are fitted on the first ⌊n·fit_fraction⌋ vectors.
    dbscan_radii: the radii to compute together in the first DBSCAN pass.
    kmeans_n_init: k-means runs, the one of least inertia kept (the paper's protocol: 10).
    score_fitted_only: OPTICS and mean shift are scored on their fitted rows only (the paper's protocol).
    """

    def __init__(self, hidden_states: np.ndarray, *, random_state: int = 0, fit_fraction: float,
                 bandwidth: float | None = None, dbscan_radii=(), kmeans_n_init: int = 1,
                 score_fitted_only: bool = False):
        check_finite(hidden_states)
        if not 0 < fit_fraction <= 1:
            raise UserError(f"fit fraction must be in (0, 1], got {fit_fraction}")
        self.hidden_states = hidden_states
        self.distinct = distinct_vectors(hidden_states)
        self.n_fit = max(1, int(len(hidden_states) * fit_fraction))
        self.random_state = random_state
        self.fit_fraction = fit_fraction
        self.kmeans_n_init = kmeans_n_init
        self.score_fitted_only = score_fitted_only
        self._bandwidth = bandwidth
        self._dbscan_radii = tuple(sorted(set(dbscan_radii)))
        self._dbscan = {}             # eps -> (label of every distinct vector, whether each is a core point)
        self._optics = None           # label of every vector
        self._mean_shift_centres = {}  # bandwidth divisor -> cluster centres
        self._probes = {}             # (probe name, labels' dtype, labels' digest) -> fitted probe (None: one state)
        self._k_means_models = {}     # k -> fitted KMeans

    def bandwidth(self) -> float:
        """estimate_bandwidth of all vectors, computed on first use."""
        if self._bandwidth is None:
            self._bandwidth = estimate_bandwidth_all(self.distinct)
        return self._bandwidth

    def linear_probe(self, name: str, state_labels: np.ndarray):
        """The lda or lr probe fitted to these state labels (once per labeling); None for a single state."""
        state_labels = np.asarray(state_labels)
        key = (name, state_labels.dtype.str, hashlib.sha1(state_labels.tobytes()).hexdigest())
        if key not in self._probes:
            self._probes[key] = linear_probe_model(name, self.hidden_states, state_labels, self.distinct)
        return self._probes[key]

    def k_means(self, k: int) -> KMeans:
        """The KMeans with k clusters of these vectors (fitted once; labels_ per distinct vector)."""
        if k not in self._k_means_models:
            self._k_means_models[k] = k_means_model(self.hidden_states, self.distinct, k, self.random_state,
                                                    self.kmeans_n_init)
        return self._k_means_models[k]

    def dbscan(self, eps: float) -> tuple[np.ndarray, np.ndarray]:
        """(label of each distinct vector, whether it is a core point) of DBSCAN with radius eps."""
        if eps not in self._dbscan:
            radii = sorted(set(self._dbscan_radii) | {eps})
            labels, cores = dbscan_labels_and_cores(self.distinct, radii, DBSCAN_MIN_SAMPLES)
            for radius in radii:
                self._dbscan.setdefault(radius, (labels[radius], cores[radius]))
        return self._dbscan[eps]

    def optics(self) -> np.ndarray:
        """OPTICS fitted on the first rows; every other vector joins the cluster of its nearest fitted vector."""
        if self._optics is None:
            fitted = self.hidden_states[:self.n_fit]
            fitted_labels = optics_labels(fitted, self.distinct.head(self.n_fit))
            # Copies of one vector can carry different OPTICS labels; scikit-learn's choice among them is kept.
            nearest = NearestNeighbors(n_neighbors=1).fit(fitted).kneighbors(self.distinct.vectors,
                                                                            return_distance=False)
            labels = self.distinct.expand(fitted_labels[nearest[:, 0]])
            labels[:len(fitted)] = fitted_labels
            self._optics = labels
        return self._optics

    def mean_shift_centres(self, bandwidth_divisor: int) -> np.ndarray:
        """Cluster centres of MeanShift(bandwidth / divisor) fitted on the first rows (computed once)."""
        if bandwidth_divisor not in self._mean_shift_centres:
            bandwidth = self.bandwidth() / bandwidth_divisor
            if bandwidth <= 0:
                raise ValueError("mean shift bandwidth is 0 (all vectors are identical)")
            self._mean_shift_centres[bandwidth_divisor] = mean_shift_centers(self.distinct.head(self.n_fit),
                                                                             bandwidth)
        return self._mean_shift_centres[bandwidth_divisor]

    def mean_shift_labels(self, bandwidth_divisor: int) -> np.ndarray:
        """MeanShift.predict of every vector: its nearest centre."""
        centres = self.mean_shift_centres(bandwidth_divisor)
        return self.distinct.expand(pairwise_distances_argmin(self.distinct.vectors, centres))


def linear_probe_model(name: str, hidden_states, state_labels, distinct: DistinctVectors | None = None):
    """The fitted lda or lr probe; None when there is only one state label (scikit-learn refuses to fit).

    lr minimises the same L2-penalised multinomial log loss as the contract's saga, with L-BFGS on each
    distinct (vector, label) pair weighted by its count (docs/contract.md, Functions; the same objective, and
    the labels measured in benchmarks/bench_probes.py).
    """
    if len(np.unique(state_labels)) < 2:
        return None
    if name == "lda":
        try:
            return LinearDiscriminantAnalysis(solver="svd").fit(hidden_states, state_labels)
        except IndexError:
            # scikit-learn's LDA indexes an empty array when the vectors do not vary within any state.
            raise ValueError(f"{name} is undefined: the hidden states do not vary within any state") from None
    vectors, labels, weights = weighted_pairs(hidden_states, state_labels, distinct)
    with warnings.catch_warnings():
        # The contract caps lr at LR_MAX_ITER; stopping there is its result (n_iter_ tells), not a fault to print
        # into every job's output.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(solver="lbfgs", max_iter=LR_MAX_ITER).fit(vectors, labels, sample_weight=weights)


def weighted_pairs(hidden_states, state_labels, distinct: DistinctVectors | None = None):
    """The distinct (vector, label) pairs and how often each occurs: a weighted fit equals the fit on all rows."""
    distinct = distinct if distinct is not None else distinct_vectors(hidden_states)
    label_values, label_index = np.unique(state_labels, return_inverse=True)
    pairs, counts = np.unique(np.stack([distinct.inverse, label_index.ravel()], axis=1), axis=0, return_counts=True)
    return distinct.vectors[pairs[:, 0]], label_values[pairs[:, 1]], counts


def k_means_model(hidden_states, distinct: DistinctVectors, k: int, random_state: int, n_init: int = 1) -> KMeans:
    """KMeans(k, k-means++, random_state, n_init) fitted to hidden_states: labels_ per distinct vector.

    With n_init > 1 the seedings draw one after another from one RandomState, as KMeans.fit draws them, and
    the fit of least inertia is kept.

    The k-means++ seeding runs on all vectors, exactly as KMeans.fit runs it (the same random draws over
    the same rows); the Lloyd iterations then run on the distinct vectors weighted by their counts, which
    moves the centres exactly as the repeated vectors would, with the same stopping tolerance.
    """
    # More clusters than distinct vectors cannot be formed; cap k there (docs/contract.md, Functions).
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
