"""The 19 abstraction functions of SPEC §6: hidden-state vectors in, one cluster label per vector out.

Every function is one row of FUNCTIONS. `lda` and `lr` are supervised probes (their
prediction is the cluster); the others cluster without seeing the state labels.
"""
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import DBSCAN, OPTICS, KMeans, MeanShift, estimate_bandwidth
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import NearestNeighbors

from errors import UserError


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
DBSCAN_MIN_SAMPLES = 5
BANDWIDTH_SAMPLE = 5000  # estimate_bandwidth is quadratic in its sample; scikit-learn suggests bounding it


@dataclass(frozen=True)
class Clustering:
    """Cluster label of every vector; DBSCAN/OPTICS noise (-1) counts as one cluster."""
    cluster_labels: np.ndarray
    n_clusters: int


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
                         n_samples: int | None = BANDWIDTH_SAMPLE) -> float:
    """scikit-learn's estimate_bandwidth of the vectors, on a bounded random sample."""
    if n_samples is not None and n_samples >= len(hidden_states):
        n_samples = None
    return float(estimate_bandwidth(hidden_states, n_samples=n_samples, random_state=random_state))


def check_finite(hidden_states: np.ndarray) -> None:
    """Refuse NaN/inf vectors (exploding relu networks) with a clear reason."""
    if not np.isfinite(hidden_states).all():
        raise ValueError("hidden states contain NaN or inf (the network's activations exploded)")


def cluster_hidden_states(name: str, hidden_states: np.ndarray, state_labels: np.ndarray, n_states: int, *,
                          k_multiplier: int = 1, random_state: int = 0, fit_fraction: float = 0.25,
                          bandwidth: float | None = None) -> Clustering:
    """Apply abstraction function `name` to the vectors and return their cluster labels."""
    function = get_function(name)
    check_finite(hidden_states)
    if function.family == "linear":
        labels = _linear_probe(function.name, hidden_states, state_labels, random_state)
    elif function.family == "k_means":
        labels = _k_means(hidden_states, kmeans_k(function, n_states, k_multiplier), random_state)
    elif function.family == "DBSCAN":
        labels = DBSCAN(eps=function.eps, min_samples=DBSCAN_MIN_SAMPLES).fit_predict(hidden_states)
    elif function.family == "OPTICS":
        labels = _optics(hidden_states, fit_fraction)
    else:
        if bandwidth is None:
            bandwidth = mean_shift_bandwidth(hidden_states, random_state)
        labels = _mean_shift(hidden_states, bandwidth / function.bandwidth_divisor, fit_fraction)
    return Clustering(np.asarray(labels), int(len(np.unique(labels))))


def _linear_probe(name: str, hidden_states, state_labels, random_state: int) -> np.ndarray:
    if len(np.unique(state_labels)) < 2:
        # Nothing to separate: every vector is in the one class (scikit-learn refuses to fit).
        return np.zeros(len(hidden_states), dtype=np.int64)
    if name == "lda":
        probe = LinearDiscriminantAnalysis(solver="svd")
    else:
        probe = LogisticRegression(solver="saga", max_iter=1000, random_state=random_state)
    return probe.fit(hidden_states, state_labels).predict(hidden_states)


def _k_means(hidden_states, k: int, random_state: int) -> np.ndarray:
    # More clusters than distinct vectors cannot be formed; cap k there (documented in the README).
    n_distinct = len(np.unique(hidden_states, axis=0))
    model = KMeans(n_clusters=min(k, n_distinct), init="k-means++", n_init="auto", random_state=random_state)
    return model.fit_predict(hidden_states)


def _fit_subset(hidden_states, fit_fraction: float) -> np.ndarray:
    if not 0 < fit_fraction <= 1:
        raise UserError(f"fit fraction must be in (0, 1], got {fit_fraction}")
    return hidden_states[:max(1, int(len(hidden_states) * fit_fraction))]


def _optics(hidden_states, fit_fraction: float) -> np.ndarray:
    fitted = _fit_subset(hidden_states, fit_fraction)
    fitted_labels = OPTICS().fit_predict(fitted)
    if len(fitted) == len(hidden_states):
        return fitted_labels
    # OPTICS cannot label new points: each of the rest joins the cluster of its nearest fitted vector.
    nearest = NearestNeighbors(n_neighbors=1).fit(fitted).kneighbors(hidden_states, return_distance=False)
    labels = fitted_labels[nearest[:, 0]]
    labels[:len(fitted)] = fitted_labels
    return labels


def _mean_shift(hidden_states, bandwidth: float, fit_fraction: float) -> np.ndarray:
    if bandwidth <= 0:
        raise ValueError("mean shift bandwidth is 0 (all vectors are identical)")
    model = MeanShift(bandwidth=bandwidth).fit(_fit_subset(hidden_states, fit_fraction))
    return model.predict(hidden_states)
