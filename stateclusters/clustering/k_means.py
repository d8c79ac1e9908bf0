"""k-means with k from |Q|: k-means++ seeding on all vectors, Lloyd on the distinct ones weighted by count.

scikit-learn is imported inside the functions, so that the function table can be read without it.
"""
import numpy as np

from stateclusters.clustering.shared import DistinctVectors, FitSettings, SharedWork, shared_work_for

KMEANS_TOL = 1e-4       # scikit-learn's default


class KMeansClusters:
    """KMeans(n_clusters, k-means++, random_state, n_init) of the vectors, equal to scikit-learn's on all rows."""

    def __init__(self, n_clusters: int, random_state: int = 0, n_init: int = 1):
        self.n_clusters = n_clusters
        self.random_state = random_state
        self.n_init = n_init

    def fit(self, hidden_states: np.ndarray, state_labels=None, shared: SharedWork | None = None):
        distinct = shared_work_for(hidden_states, shared).distinct
        self.model_ = k_means_model(hidden_states, distinct, self.n_clusters, self.random_state, self.n_init)
        self.labels_ = distinct.expand(self.model_.labels_)
        self.fitted_rows_ = slice(None)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        return self.model_.predict(vectors)


def kmeans_k(function, n_states: int, k_multiplier: int = 1) -> int:
    """k for a k-means function row: from |Q|, times the labeling's multiplier (functions.labeling_k_multiplier)."""
    return max(1, int(function.k_factor * n_states + function.k_offset)) * k_multiplier


def clusters_for(function, settings: FitSettings) -> KMeansClusters:
    return KMeansClusters(kmeans_k(function, settings.n_states, settings.k_multiplier), settings.random_state,
                          settings.kmeans_n_init)


def k_means_model(hidden_states, distinct: DistinctVectors, k: int, random_state: int, n_init: int = 1):
    """KMeans(k, k-means++, random_state, n_init) fitted to hidden_states: labels_ per distinct vector.

    With n_init > 1 the seedings draw one after another from one RandomState, as KMeans.fit draws them, and
    the fit of least inertia is kept.

    The k-means++ seeding runs on all vectors, exactly as KMeans.fit runs it (the same random draws over
    the same rows); the Lloyd iterations then run on the distinct vectors weighted by their counts, which
    moves the centres exactly as the repeated vectors would, with the same stopping tolerance.
    """
    from sklearn.cluster import KMeans, kmeans_plusplus
    from sklearn.utils import check_random_state
    from sklearn.utils.extmath import row_norms
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
