"""OPTICS fitted on the first rows: scikit-learn's ordering loop in O(n) memory, then its own xi extraction.

Every vector the fit did not see joins the cluster of its nearest fitted vector (noise stays noise). scipy and
scikit-learn are imported inside the functions, so that the function table can be read without them.
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
    """OPTICS() fitted on the first ⌊n·fit_fraction⌋ vectors; new vectors take their nearest fitted vector's label."""

    def __init__(self, fit_fraction: float):
        self.fit_fraction = fit_fraction

    def fit(self, hidden_states: np.ndarray, state_labels=None, shared: SharedWork | None = None):
        from sklearn.neighbors import NearestNeighbors
        distinct = shared_work_for(hidden_states, shared).distinct
        n_fit = fitted_row_count(len(hidden_states), self.fit_fraction)
        self.fitted_vectors_ = hidden_states[:n_fit]
        self.fitted_labels_ = optics_labels(self.fitted_vectors_, distinct.head(n_fit))
        # Copies of one vector can carry different OPTICS labels; scikit-learn's choice among them is kept.
        nearest = NearestNeighbors(n_neighbors=1).fit(self.fitted_vectors_).kneighbors(distinct.vectors,
                                                                                     return_distance=False)
        self.labels_ = distinct.expand(self.fitted_labels_[nearest[:, 0]])
        self.labels_[:n_fit] = self.fitted_labels_
        self.fitted_rows_ = slice(n_fit)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        from sklearn.neighbors import NearestNeighbors
        nearest = NearestNeighbors(n_neighbors=1).fit(self.fitted_vectors_).kneighbors(
            vectors, return_distance=False)
        return self.fitted_labels_[nearest[:, 0]]


def clusters_for(function, settings: FitSettings) -> OPTICSClusters:
    return OPTICSClusters(settings.fit_fraction)


def optics_labels(vectors: np.ndarray, distinct: DistinctVectors | None = None,
                  min_samples: int = OPTICS_MIN_SAMPLES) -> np.ndarray:
    """scikit-learn's OPTICS().fit_predict(vectors) (max_eps=inf, xi=0.05), exactly, in O(n) memory.

    The ordering loop is scikit-learn's, step for step (same core distances, same scipy minkowski
    distances, same rounding, ties to the lowest index). With max_eps=inf its radius query returns every
    point, so it is skipped; distances are computed once per distinct vector and spread to its copies.
    """
    from sklearn.cluster import cluster_optics_xi
    from sklearn.neighbors import NearestNeighbors
    distinct = distinct if distinct is not None else distinct_vectors(vectors)
    neighbours = NearestNeighbors(n_neighbors=min_samples).fit(vectors)
    core = neighbours.kneighbors(vectors, min_samples)[0][:, -1]
    np.around(core, decimals=np.finfo(core.dtype).precision, out=core)
    reachability, predecessor, ordering = _ordering(vectors, distinct, core)
    # Copies of a vector have reachability 0, and scikit-learn's xi steepness divides by it: the resulting inf is
    # what it expects (a steep point), so its RuntimeWarning only clutters the output.
    with np.errstate(divide="ignore"):
        labels, _ = cluster_optics_xi(reachability=reachability, predecessor=predecessor, ordering=ordering,
                                      min_samples=min_samples, min_cluster_size=None, xi=OPTICS_XI,
                                      predecessor_correction=True)
    return labels


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
