"""Exact, faster equivalents of scikit-learn's DBSCAN, OPTICS, MeanShift and estimate_bandwidth for hidden states.

The 2,000 validation words share most of their prefixes, so most hidden-state vectors occur many times
(tomita3: 21,380 vectors, 4,315 distinct). Everything here works on the *distinct* vectors with their
multiplicities and returns what scikit-learn returns on the expanded vectors: the same labels in the same
cluster order, decided by the same float64 distances (only a distance that lands on eps or the bandwidth to
the last bit could round the other way), in memory bounded by BLOCK_ENTRIES, not by n²:

- `distinct_vectors`: the distinct rows in order of first occurrence, their counts, and the map back.
- `estimate_bandwidth_all`: scikit-learn's estimate_bandwidth of *all* vectors (no sample), one query per
  distinct vector.
- `dbscan_labels`: DBSCAN for several eps at once: neighbour counts weighted by multiplicity, clusters as
  connected components of the core points (numbered by their first core point, as scikit-learn's
  depth-first search does), border points to the earliest such cluster; distances in row blocks.
- `optics_labels`: scikit-learn's OPTICS ordering loop, unchanged in its arithmetic, without the
  radius query that returns every point at max_eps=inf; then scikit-learn's own xi extraction.
- `mean_shift_labels`: scikit-learn's MeanShift with every vector as a seed, all seeds climbing at once;
  equal seeds climb identically, so each distinct vector climbs once, its neighbours weighted by count.

Equality with scikit-learn on the expanded vectors is checked in tests/test_fast_clustering.py.
"""
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import cdist
from sklearn.cluster import cluster_optics_xi
from sklearn.metrics import pairwise_distances_argmin
from sklearn.neighbors import NearestNeighbors

BLOCK_ENTRIES = 2_000_000      # distances per row block (16 MB of float64): bounds memory for any n
MEAN_SHIFT_MAX_ITER = 300      # scikit-learn's default
OPTICS_MIN_SAMPLES = 5         # scikit-learn's default
OPTICS_XI = 0.05               # scikit-learn's default


@dataclass(frozen=True)
class DistinctVectors:
    """The distinct rows of a matrix, in order of first occurrence, with their multiplicities."""
    vectors: np.ndarray   # (n_distinct, dim)
    counts: np.ndarray    # (n_distinct,) how often each occurs
    inverse: np.ndarray   # (n,) index into vectors of every original row

    def __len__(self) -> int:
        return len(self.vectors)

    def expand(self, distinct_labels: np.ndarray) -> np.ndarray:
        """Per-distinct-vector labels → one label per original row."""
        return np.asarray(distinct_labels)[self.inverse]

    def head(self, n_rows: int) -> "DistinctVectors":
        """The distinct vectors of the first n_rows rows (still in order of first occurrence)."""
        present = np.bincount(self.inverse[:n_rows], minlength=len(self.vectors))
        keep = np.flatnonzero(present)
        position = np.full(len(self.vectors), -1)
        position[keep] = np.arange(len(keep))
        return DistinctVectors(self.vectors[keep], present[keep], position[self.inverse[:n_rows]])


def distinct_vectors(vectors: np.ndarray) -> DistinctVectors:
    """Deduplicate equal rows exactly, keeping the order of first occurrence."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float64) + 0.0   # + 0.0 turns -0.0 into 0.0: equal bits
    rows = vectors.view(np.dtype((np.void, vectors.dtype.itemsize * vectors.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inverse = rank[inverse.ravel()]
    return DistinctVectors(vectors[first[order]], np.bincount(inverse, minlength=len(order)), inverse)


def _upper_triangle_blocks(n_points: int):
    """(row block, first column): rows [a, b) against columns [a, n), so every pair is met once."""
    for block in _row_blocks(n_points, n_points):
        yield block, block.start


def _row_blocks(n_rows: int, n_columns: int):
    step = max(1, BLOCK_ENTRIES // max(1, n_columns))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


class _SquaredDistances:
    """‖x−y‖² to fixed columns in one matrix product, [x, ‖x‖², 1]·[−2y, 1, ‖y‖²] (float64, as scikit-learn's
    brute-force neighbours expand it); rounding can leave −1e-15 where x = y, harmless for ≤ radius."""

    def __init__(self, columns: np.ndarray):
        ones = np.ones((len(columns), 1))
        self.columns = np.ascontiguousarray(np.hstack([-2.0 * columns, ones, _squared_norms(columns)[:, None]]).T)

    def __call__(self, rows: np.ndarray, first_column: int = 0) -> np.ndarray:
        """Squared distances of the rows to columns first_column, first_column + 1, ..."""
        ones = np.ones((len(rows), 1))
        return np.hstack([rows, _squared_norms(rows)[:, None], ones]) @ self.columns[:, first_column:]


def _squared_norms(vectors: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", vectors, vectors)


# ---------------------------------------------------------------- bandwidth

def estimate_bandwidth_all(distinct: DistinctVectors, quantile: float = 0.3) -> float:
    """scikit-learn's estimate_bandwidth(X, quantile) of all rows of X, from its distinct rows.

    The bandwidth is the mean, over all rows, of the distance to the row's k-th nearest row (itself
    included, k = ⌊quantile·n⌋). Equal rows have equal k-th distances, so each distinct row is asked once
    and weighted by its count; its distances are expanded to all n rows before the k-th is selected.
    """
    vectors, counts = distinct.vectors, distinct.counts
    n_rows = int(counts.sum())
    k = max(1, int(n_rows * quantile))
    to_all = _SquaredDistances(vectors)
    total = 0.0
    for block in _row_blocks(len(vectors), n_rows):
        squared = np.maximum(to_all(vectors[block]), 0.0)
        expanded = np.repeat(squared, counts, axis=1) if n_rows != len(vectors) else squared
        kth = np.partition(expanded, k - 1, axis=1)[:, k - 1]
        total += float(np.sqrt(kth) @ counts[block])
    return total / n_rows


# ---------------------------------------------------------------- DBSCAN

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
    to_all = _SquaredDistances(vectors)
    for rows, start in _upper_triangle_blocks(n_points):
        squared = to_all(vectors[rows], start)
        for eps, radius in radii.items():
            within = (squared <= radius).astype(np.float64)
            weighted_neighbours[eps][rows] += within @ weights[start:]
            weighted_neighbours[eps][rows.stop:] += weights[rows] @ within[:, rows.stop - start:]
    is_core = {eps: weighted_neighbours[eps] >= min_samples for eps in eps_values}
    core_index = {eps: np.flatnonzero(is_core[eps]) for eps in eps_values}

    # Core-core edges, each pair once; an edge inside a component found so far is dropped at once.
    any_core = np.flatnonzero(np.logical_or.reduce([is_core[eps] for eps in eps_values]))
    to_core = _SquaredDistances(vectors[any_core])
    component = {}
    for eps in eps_values:      # component root of each core point (its own index at first), -1 for others
        component[eps] = np.full(n_points, -1)
        component[eps][core_index[eps]] = core_index[eps]
    for block, start in _upper_triangle_blocks(len(any_core)):
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
    labels = {}
    for eps in eps_values:
        # Number clusters by their first core point: roots are the smallest member, so sorted roots.
        roots, cluster = np.unique(component[eps][core_index[eps]], return_inverse=True)
        labels[eps] = np.full(n_points, -1)
        labels[eps][core_index[eps]] = cluster
    _label_border_points(vectors, to_core, radii, is_core, labels)
    return labels, is_core


def _merge_edges(component: np.ndarray, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Union of the current components (-1: not a core point) with new edges; roots are smallest members."""
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


def _label_border_points(vectors, to_core: _SquaredDistances, radii, is_core, labels) -> None:
    """Each non-core point within eps of a core point joins the lowest-numbered such cluster."""
    not_core = np.flatnonzero(~np.logical_and.reduce([is_core[eps] for eps in radii]))
    if len(not_core) == 0:
        return
    no_cluster = np.iinfo(np.int32).max
    core_cluster = {eps: np.where(is_core[eps], labels[eps], no_cluster).astype(np.int32) for eps in radii}
    any_core = np.flatnonzero(np.logical_or.reduce([is_core[eps] for eps in radii]))
    core_cluster = {eps: cluster[any_core] for eps, cluster in core_cluster.items()}
    for block in _row_blocks(len(not_core), len(any_core)):
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


# ---------------------------------------------------------------- OPTICS

def optics_labels(vectors: np.ndarray, distinct: DistinctVectors | None = None,
                  min_samples: int = OPTICS_MIN_SAMPLES) -> np.ndarray:
    """scikit-learn's OPTICS().fit_predict(vectors) (max_eps=inf, xi=0.05), exactly, in O(n) memory.

    The ordering loop is scikit-learn's, step for step (same core distances, same scipy minkowski
    distances, same rounding, ties to the lowest index). With max_eps=inf its radius query returns every
    point, so it is skipped; distances are computed once per distinct vector and spread to its copies.
    """
    n_rows = len(vectors)
    distinct = distinct if distinct is not None else distinct_vectors(vectors)
    neighbours = NearestNeighbors(n_neighbors=min_samples).fit(vectors)
    core = neighbours.kneighbors(vectors, min_samples)[0][:, -1]
    np.around(core, decimals=np.finfo(core.dtype).precision, out=core)
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
    # Copies of a vector have reachability 0, and scikit-learn's xi steepness divides by it: the resulting inf is
    # what it expects (a steep point), so its RuntimeWarning only clutters the output.
    with np.errstate(divide="ignore"):
        labels, _ = cluster_optics_xi(reachability=reachability, predecessor=predecessor, ordering=ordering,
                                      min_samples=min_samples, min_cluster_size=None, xi=OPTICS_XI,
                                      predecessor_correction=True)
    return labels


# ---------------------------------------------------------------- mean shift

def _climb(distinct: DistinctVectors, bandwidth: float, max_iter: int):
    """Every distinct vector as a seed of scikit-learn's _mean_shift_single_seed, all at once.

    Returns (final mean, number of rows within bandwidth at the end) per seed; seeds that found no
    row have count 0 (scikit-learn drops them).
    """
    points, weights = distinct.vectors, distinct.counts.astype(np.float64)
    to_points = _SquaredDistances(points)
    weighted_points = np.hstack([points * weights[:, None], weights[:, None]])   # sums and count in one product
    radius = bandwidth * bandwidth
    stop = 1e-3 * bandwidth
    means = points.copy()
    intensity = np.zeros(len(points))
    active = np.arange(len(points))
    completed = np.zeros(len(points), dtype=int)
    while len(active):
        still_active = []
        for block in _row_blocks(len(active), len(points)):
            seeds = active[block]
            sums = (to_points(means[seeds]) <= radius).astype(np.float64) @ weighted_points
            found = sums[:, -1]
            empty = found == 0
            new_means = sums[:, :-1] / np.where(empty, 1.0, found)[:, None]
            shift = np.linalg.norm(new_means - means[seeds], axis=1)
            done = empty | (shift <= stop) | (completed[seeds] == max_iter)
            means[seeds[~empty]] = new_means[~empty]
            intensity[seeds] = np.where(empty, 0, found)
            completed[seeds[~done]] += 1
            still_active.append(seeds[~done])
        active = np.concatenate(still_active)
    return means, intensity


def mean_shift_centers(distinct: DistinctVectors, bandwidth: float, max_iter: int = MEAN_SHIFT_MAX_ITER) -> np.ndarray:
    """Cluster centres of scikit-learn's MeanShift(bandwidth).fit on the expanded rows."""
    means, intensity = _climb(distinct, bandwidth, max_iter)
    found = intensity > 0
    if not found.any():
        raise ValueError(f"No point was within bandwidth={bandwidth:f} of any seed.")
    # scikit-learn keys the centres by their coordinates (equal centres once) and sorts by (count, centre).
    centre_intensity = dict(zip(map(tuple, means[found]), intensity[found].astype(int)))
    ranked = sorted(centre_intensity.items(), key=lambda item: (item[1], item[0]), reverse=True)
    centres = np.array([centre for centre, _ in ranked])
    # Drop every centre within bandwidth of a stronger kept one (scikit-learn's loop, distances in blocks).
    to_centres = _SquaredDistances(centres)
    unique = np.ones(len(centres), dtype=bool)
    for block in _row_blocks(len(centres), len(centres)):
        within = to_centres(centres[block]) <= bandwidth * bandwidth
        for row, i in enumerate(range(block.start, block.stop)):
            if unique[i]:
                unique[within[row]] = False
                unique[i] = True
    return centres[unique]


def mean_shift_labels(fit: DistinctVectors, bandwidth: float, predict: DistinctVectors) -> np.ndarray:
    """MeanShift(bandwidth).fit(fit rows).predict(all rows), one label per distinct vector of `predict`."""
    return pairwise_distances_argmin(predict.vectors, mean_shift_centers(fit, bandwidth))
