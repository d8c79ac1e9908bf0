"""OPTICS fitted on the first rows: scikit-learn's ordering loop in O(n) memory, then its own xi extraction.

Every vector the fit did not see joins the cluster of its nearest fitted vector (noise stays noise). Every distance
is summed from coordinate differences (scipy's cdist, scikit-learn's k-d tree), never expanded as ‖x‖² − 2x·y +
‖y‖² as scikit-learn's brute-force neighbours do: that product runs through BLAS, whose kernel, and so the last
bits, depend on the CPU, and OPTICS' ordering turns last bits into other clusters (docs/reproduction.md, Other
machines). scipy and scikit-learn are imported inside the functions, so that the function table can be read
without them.
"""
import numpy as np

from stateclusters.clustering.shared import (
    DistinctVectors,
    FitSettings,
    SharedWork,
    distinct_vectors,
    fitted_row_count,
    shared_work_for,
)

OPTICS_MIN_SAMPLES = 5         # scikit-learn's default
OPTICS_XI = 0.05               # scikit-learn's default


class OPTICSClusters:
    """OPTICS(algorithm="kd_tree") fitted on the first ⌊n·fit_fraction⌋ vectors; new vectors take their nearest
    fitted vector's label."""

    def __init__(self, fit_fraction: float):
        self.fit_fraction = fit_fraction

    def fit(self, hidden_states: np.ndarray, state_labels=None, shared: SharedWork | None = None):
        distinct = shared_work_for(hidden_states, shared).distinct
        n_fit = fitted_row_count(len(hidden_states), self.fit_fraction)
        fitted = distinct.head(n_fit)
        fitted_labels = optics_labels(hidden_states[:n_fit], fitted)
        # Copies of one vector can carry different OPTICS labels; a new vector equal to one takes its first copy's.
        self.fitted_vectors_ = fitted.vectors
        self.fitted_labels_ = fitted_labels[first_rows(fitted)]
        self.labels_ = distinct.expand(self.predict(distinct.vectors))
        self.labels_[:n_fit] = fitted_labels
        self.fitted_rows_ = slice(n_fit)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.fitted_labels_[nearest_columns(vectors, self.fitted_vectors_)]


def clusters_for(function, settings: FitSettings) -> OPTICSClusters:
    return OPTICSClusters(settings.fit_fraction)


def optics_labels(vectors: np.ndarray, distinct: DistinctVectors | None = None,
                  min_samples: int = OPTICS_MIN_SAMPLES) -> np.ndarray:
    """scikit-learn's OPTICS(algorithm="kd_tree").fit_predict(vectors) (max_eps=inf, xi=0.05) in O(n) memory.

    The ordering loop is scikit-learn's, step for step (same core distances from a k-d tree, same scipy minkowski
    distances, same rounding, ties to the lowest index). With max_eps=inf its radius query returns every point, so
    it is skipped; distances are computed once per distinct vector and spread to its copies.
    """
    from sklearn.cluster import cluster_optics_xi
    distinct = distinct if distinct is not None else distinct_vectors(vectors)
    core = distinct.expand(core_distances(distinct, min_samples))
    np.around(core, decimals=np.finfo(core.dtype).precision, out=core)
    reachability, predecessor, ordering = _ordering(vectors, distinct, core)
    # Copies of a vector have reachability 0, and scikit-learn's xi steepness divides by it: the resulting inf is
    # what it expects (a steep point), so its RuntimeWarning only clutters the output.
    with np.errstate(divide="ignore"):
        labels, _ = cluster_optics_xi(reachability=reachability, predecessor=predecessor, ordering=ordering,
                                      min_samples=min_samples, min_cluster_size=None, xi=OPTICS_XI,
                                      predecessor_correction=True)
    return labels


def core_distances(distinct: DistinctVectors, min_samples: int) -> np.ndarray:
    """Each distinct vector's distance to its min_samples-th nearest row, itself and every copy counted."""
    from sklearn.neighbors import KDTree
    if distinct.counts.sum() < min_samples:
        raise ValueError(f"OPTICS needs at least min_samples = {min_samples} vectors, got {distinct.counts.sum()}")
    # The min_samples-th nearest row is a copy of one of the min_samples nearest distinct vectors.
    distances, nearest = KDTree(distinct.vectors).query(distinct.vectors, k=min(min_samples, len(distinct)))
    rows_within = np.cumsum(distinct.counts[nearest], axis=1)
    return distances[np.arange(len(distinct)), np.argmax(rows_within >= min_samples, axis=1)]


def nearest_columns(rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Index of each row's nearest column vector (a k-d tree: distances from coordinate differences)."""
    from sklearn.neighbors import KDTree
    return KDTree(columns).query(rows, k=1, return_distance=False)[:, 0]


def first_rows(distinct: DistinctVectors) -> np.ndarray:
    """The row index of each distinct vector's first occurrence."""
    return np.unique(distinct.inverse, return_index=True)[1]


def _ordering(vectors: np.ndarray, distinct: DistinctVectors, core: np.ndarray):
    """scikit-learn's OPTICS ordering loop: (reachability, predecessor, ordering) of every row."""
    from scipy.spatial.distance import cdist
    n_rows = len(vectors)
    reachability = np.full(n_rows, np.inf)
    candidate = np.full(n_rows, np.inf)     # reachability of unprocessed points, inf once processed
    predecessor = np.full(n_rows, -1, dtype=int)
    processed = np.zeros(n_rows, dtype=bool)
    ordering = np.empty(n_rows, dtype=int)
    first_unprocessed = 0
    for step in range(n_rows):
        point = int(np.argmin(candidate))
        if candidate[point] == np.inf:      # all unprocessed are at inf: scikit-learn takes the lowest index
            while processed[first_unprocessed]:
                first_unprocessed += 1
            point = first_unprocessed
        processed[point] = True
        candidate[point] = np.inf
        ordering[step] = point
        if core[point] == np.inf:
            continue
        distances = cdist(vectors[point:point + 1], distinct.vectors, metric="minkowski", p=2)[0]
        reach = np.maximum(distances[distinct.inverse], core[point])
        np.around(reach, decimals=np.finfo(reach.dtype).precision, out=reach)
        improved = np.flatnonzero((reach < reachability) & ~processed)
        reachability[improved] = reach[improved]
        candidate[improved] = reach[improved]
        predecessor[improved] = point
    return reachability, predecessor, ordering
