"""Mean shift fitted on the first rows, with every fitted vector as a seed; the bandwidth estimated on all vectors.

scikit-learn's MeanShift climbs each seed alone; here all seeds climb at once, and equal seeds climb
identically, so each distinct vector climbs once with its neighbours weighted by count. scikit-learn is
imported inside the functions, so that the function table can be read without it.
"""
import numpy as np

from stateclusters.clustering.shared import (
    DistinctVectors,
    FitSettings,
    SharedWork,
    SquaredDistances,
    fitted_row_count,
    row_blocks,
    shared_work_for,
)

MEAN_SHIFT_MAX_ITER = 300      # scikit-learn's default


class MeanShiftClusters:
    """MeanShift(bandwidth / bandwidth_divisor) fitted on the first ⌊n·fit_fraction⌋ vectors; every vector
    (and every new one) is labelled by its nearest centre, as MeanShift.predict does."""

    def __init__(self, bandwidth_divisor: int, fit_fraction: float):
        self.bandwidth_divisor = bandwidth_divisor
        self.fit_fraction = fit_fraction

    def fit(self, hidden_states: np.ndarray, state_labels=None, shared: SharedWork | None = None):
        """Fit; shared.family_work may hold the bandwidth of all vectors (shared_bandwidth), estimated once."""
        from sklearn.metrics import pairwise_distances_argmin
        shared = shared_work_for(hidden_states, shared)
        bandwidth = shared.family_work if shared.family_work is not None else estimate_bandwidth_all(shared.distinct)
        bandwidth /= self.bandwidth_divisor
        if bandwidth <= 0:
            raise ValueError(f"mean shift bandwidth is 0 ({zero_bandwidth_cause(shared.distinct)})")
        n_fit = fitted_row_count(len(hidden_states), self.fit_fraction)
        self.cluster_centers_ = mean_shift_centers(shared.distinct.head(n_fit), bandwidth)
        self.labels_ = shared.distinct.expand(pairwise_distances_argmin(shared.distinct.vectors,
                                                                        self.cluster_centers_))
        self.fitted_rows_ = slice(n_fit)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        from sklearn.metrics import pairwise_distances_argmin
        return pairwise_distances_argmin(vectors, self.cluster_centers_)


def clusters_for(function, settings: FitSettings) -> MeanShiftClusters:
    return MeanShiftClusters(function.bandwidth_divisor, settings.fit_fraction)


def shared_bandwidth(distinct: DistinctVectors, functions) -> float:
    """The family's shared work: the bandwidth of all vectors, which every divisor divides."""
    return estimate_bandwidth_all(distinct)


def zero_bandwidth_cause(distinct: DistinctVectors) -> str:
    """Why the estimated bandwidth is 0, in the words that are true of these vectors."""
    if len(distinct) == 1:
        return "all vectors are identical"
    return (f"only {len(distinct)} distinct vectors, each one at least 30 % of all: every vector's nearest 30 % "
            "are copies of it, at distance 0")


def estimate_bandwidth_all(distinct: DistinctVectors, quantile: float = 0.3) -> float:
    """scikit-learn's estimate_bandwidth(X, quantile) of all rows of X, from its distinct rows.

    The bandwidth is the mean, over all rows, of the distance to the row's k-th nearest row (itself
    included, k = ⌊quantile·n⌋). Equal rows have equal k-th distances, so each distinct row is asked once
    and weighted by its count; its distances are expanded to all n rows before the k-th is selected.
    """
    vectors, counts = distinct.vectors, distinct.counts
    n_rows = int(counts.sum())
    k = max(1, int(n_rows * quantile))
    to_all = SquaredDistances(vectors)
    total = 0.0
    for block in row_blocks(len(vectors), n_rows):
        squared = np.maximum(to_all(vectors[block]), 0.0)
        expanded = np.repeat(squared, counts, axis=1) if n_rows != len(vectors) else squared
        kth = np.partition(expanded, k - 1, axis=1)[:, k - 1]
        total += float(np.sqrt(kth) @ counts[block])
    return total / n_rows


def _climb(distinct: DistinctVectors, bandwidth: float, max_iter: int):
    """Every distinct vector as a seed of scikit-learn's _mean_shift_single_seed, all at once.

    Returns (final mean, number of rows within bandwidth at the end) per seed; seeds that found no
    row have count 0 (scikit-learn drops them).
    """
    points, weights = distinct.vectors, distinct.counts.astype(np.float64)
    to_points = SquaredDistances(points)
    weighted_points = np.hstack([points * weights[:, None], weights[:, None]])   # sums and count in one product
    radius = bandwidth * bandwidth
    stop = 1e-3 * bandwidth
    means = points.copy()
    intensity = np.zeros(len(points))
    active = np.arange(len(points))
    completed = np.zeros(len(points), dtype=int)
    while len(active):
        still_active = []
        for block in row_blocks(len(active), len(points)):
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
    to_centres = SquaredDistances(centres)
    unique = np.ones(len(centres), dtype=bool)
    for block in row_blocks(len(centres), len(centres)):
        within = to_centres(centres[block]) <= bandwidth * bandwidth
        for row, i in enumerate(range(block.start, block.stop)):
            if unique[i]:
                unique[within[row]] = False
                unique[i] = True
    return centres[unique]


def mean_shift_labels(fit: DistinctVectors, bandwidth: float, predict: DistinctVectors) -> np.ndarray:
    """MeanShift(bandwidth).fit(fit rows).predict(all rows), one label per distinct vector of `predict`."""
    from sklearn.metrics import pairwise_distances_argmin
    return pairwise_distances_argmin(predict.vectors, mean_shift_centers(fit, bandwidth))
