"""DBSCAN: several radii in one pass over the distances, equal to scikit-learn's DBSCAN on all rows.

Neighbour counts are weighted by multiplicity; clusters are the connected components of the core points,
numbered by their first core point (as scikit-learn's depth-first search numbers them); a border point joins
the earliest such cluster. scipy and scikit-learn are imported inside the functions, so that the function
table can be read without them.
"""
import numpy as np

from stateclusters.clustering.shared import (
    DistinctVectors,
    FitSettings,
    SharedWork,
    SquaredDistances,
    row_blocks,
    shared_work_for,
    upper_triangle_blocks,
)

DBSCAN_MIN_SAMPLES = 5
DISTANCE_MEMORY_MB = 64    # bounds the distance blocks when labelling new vectors by the border rule


class DBSCANClusters:
    """DBSCAN(eps, min_samples) of the vectors; new vectors take the border-point rule (the lowest-numbered
    cluster among the core vectors within eps, else noise). Noise (-1) counts as one cluster."""

    def __init__(self, eps: float, min_samples: int = DBSCAN_MIN_SAMPLES):
        self.eps = eps
        self.min_samples = min_samples

    def fit(self, hidden_states: np.ndarray, state_labels=None, shared: SharedWork | None = None):
        """Fit; shared.family_work may hold shared_pass's result for several radii, this one among them."""
        shared = shared_work_for(hidden_states, shared)
        passes = shared.family_work if shared.family_work is not None else dbscan_labels_and_cores(
            shared.distinct, [self.eps], self.min_samples)
        distinct_labels, is_core = passes[0][self.eps], passes[1][self.eps]
        self.labels_ = shared.distinct.expand(distinct_labels)
        self.core_vectors_ = shared.distinct.vectors[is_core]
        self.core_clusters_ = distinct_labels[is_core]
        self.fitted_rows_ = slice(None)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        from sklearn.metrics import pairwise_distances_chunked
        if len(self.core_vectors_) == 0:
            return np.full(len(vectors), -1)
        no_cluster = np.iinfo(np.int64).max

        def lowest_cluster_within_eps(distances, start):
            return np.where(distances <= self.eps, self.core_clusters_[None, :], no_cluster).min(axis=1)

        lowest = np.concatenate(list(pairwise_distances_chunked(
            vectors, self.core_vectors_, reduce_func=lowest_cluster_within_eps, working_memory=DISTANCE_MEMORY_MB)))
        return np.where(lowest == no_cluster, -1, lowest)


def clusters_for(function, settings: FitSettings) -> DBSCANClusters:
    return DBSCANClusters(function.eps)


def shared_pass(distinct: DistinctVectors, functions) -> tuple[dict, dict]:
    """The family's shared work: one pass for the radii of all its functions (dbscan_labels_and_cores)."""
    return dbscan_labels_and_cores(distinct, sorted({function.eps for function in functions}), DBSCAN_MIN_SAMPLES)


def dbscan_labels(distinct: DistinctVectors, eps_values, min_samples: int) -> dict:
    """{eps: label of every distinct vector} equal to scikit-learn's DBSCAN on the expanded rows."""
    return dbscan_labels_and_cores(distinct, eps_values, min_samples)[0]


def dbscan_labels_and_cores(distinct: DistinctVectors, eps_values, min_samples: int) -> tuple[dict, dict]:
    """({eps: label of every distinct vector}, {eps: whether each distinct vector is a core point}).

    scikit-learn numbers clusters in the order in which its depth-first search starts them (the first
    unlabelled core point in row order) and gives a border point to the first cluster that reaches it.
    With distinct vectors in order of first occurrence, that is: clusters = connected components of the
    core points, numbered by their first member; a border point takes the smallest number among the
    clusters of its core neighbours; everything else is noise (-1).
    """
    vectors, weights = distinct.vectors, distinct.counts.astype(np.float64)
    n_points = len(vectors)
    radii = {eps: eps * eps for eps in eps_values}
    # Weighted neighbour counts (self included); each pair is computed once and counted for both ends.
    weighted_neighbours = {eps: np.zeros(n_points) for eps in eps_values}
    to_all = SquaredDistances(vectors)
    for rows, start in upper_triangle_blocks(n_points):
        squared = to_all(vectors[rows], start)
        for eps, radius in radii.items():
            within = (squared <= radius).astype(np.float64)
            weighted_neighbours[eps][rows] += within @ weights[start:]
            weighted_neighbours[eps][rows.stop:] += weights[rows] @ within[:, rows.stop - start:]
    is_core = {eps: weighted_neighbours[eps] >= min_samples for eps in eps_values}
    core_index = {eps: np.flatnonzero(is_core[eps]) for eps in eps_values}
    any_core = np.flatnonzero(np.logical_or.reduce([is_core[eps] for eps in eps_values]))
    to_core = SquaredDistances(vectors[any_core])
    component = _core_components(vectors, any_core, to_core, radii, core_index, n_points)
    labels = {}
    for eps in eps_values:
        # Number clusters by their first core point: roots are the smallest member, so sorted roots.
        roots, cluster = np.unique(component[eps][core_index[eps]], return_inverse=True)
        labels[eps] = np.full(n_points, -1)
        labels[eps][core_index[eps]] = cluster
    _label_border_points(vectors, to_core, radii, is_core, labels)
    return labels, is_core


def _core_components(vectors, any_core, to_core: SquaredDistances, radii, core_index, n_points) -> dict:
    """{eps: component root of each core point (its smallest member), -1 for the others}.

    Core-core edges are met once per pair; an edge inside a component found so far is dropped at once.
    """
    component = {}
    for eps in radii:
        component[eps] = np.full(n_points, -1)
        component[eps][core_index[eps]] = core_index[eps]
    for block, start in upper_triangle_blocks(len(any_core)):
        rows, columns = any_core[block], any_core[start:]
        squared = to_core(vectors[rows], start)
        for eps, radius in radii.items():
            row_component, column_component = component[eps][rows], component[eps][columns]
            if (row_component < 0).all():
                continue
            crossing = squared <= radius
            crossing &= (row_component >= 0)[:, None]
            crossing &= (column_component >= 0)[None, :]
            crossing &= row_component[:, None] != column_component[None, :]
            if crossing.any():
                source, target = np.nonzero(crossing)
                component[eps] = _merge_edges(component[eps], rows[source], columns[target])
    return component


def _merge_edges(component: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Union of the current components (-1: not a core point) with new edges; roots are smallest members."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    n_points = len(component)
    members = np.flatnonzero(component >= 0)
    rows = np.concatenate([members, sources])
    columns = np.concatenate([component[members], targets])
    graph = coo_matrix((np.ones(len(rows), dtype=np.int8), (rows, columns)), shape=(n_points, n_points))
    _, graph_labels = connected_components(graph, directed=False)
    roots = np.full(graph_labels.max() + 1, n_points)
    np.minimum.at(roots, graph_labels[members], members)
    merged = np.full(n_points, -1)
    merged[members] = roots[graph_labels[members]]
    return merged


def _label_border_points(vectors, to_core: SquaredDistances, radii, is_core, labels) -> None:
    """Each non-core point within eps of a core point joins the lowest-numbered such cluster."""
    not_core = np.flatnonzero(~np.logical_and.reduce([is_core[eps] for eps in radii]))
    if len(not_core) == 0:
        return
    no_cluster = np.iinfo(np.int32).max
    core_cluster = {eps: np.where(is_core[eps], labels[eps], no_cluster).astype(np.int32) for eps in radii}
    any_core = np.flatnonzero(np.logical_or.reduce([is_core[eps] for eps in radii]))
    core_cluster = {eps: cluster[any_core] for eps, cluster in core_cluster.items()}
    for block in row_blocks(len(not_core), len(any_core)):
        rows = not_core[block]
        squared = to_core(vectors[rows])
        for eps, radius in radii.items():
            open_rows = ~is_core[eps][rows]
            if not is_core[eps].any() or not open_rows.any():
                continue
            within = squared[open_rows] <= radius
            nearest_cluster = np.where(within, core_cluster[eps][None, :], no_cluster).min(axis=1)
            border = nearest_cluster != no_cluster
            labels[eps][rows[open_rows][border]] = nearest_cluster[border]
