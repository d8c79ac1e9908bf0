"""The deduplicated, blocked clustering equals scikit-learn on the full list of vectors, label for label."""
import numpy as np
import pytest
from sklearn.cluster import DBSCAN, OPTICS, KMeans, MeanShift, estimate_bandwidth

import stateclusters.clustering.shared as shared
from benchmarks.evaluation_paths import naive_cluster
from stateclusters.clustering.dbscan import dbscan_labels, dbscan_labels_and_cores
from stateclusters.clustering.functions import FUNCTION_NAMES, Abstraction, cluster_hidden_states, shared_clusterer
from stateclusters.clustering.mean_shift import estimate_bandwidth_all, mean_shift_labels
from stateclusters.clustering.optics import optics_labels
from stateclusters.clustering.shared import distinct_vectors

EPS_VALUES = (0.25, 0.5, 1.0, 1.5, 2.0)
# lr runs another solver of the same objective than the plain path's saga: tests/test_probes.py compares them.
EXACT_FUNCTIONS = tuple(name for name in FUNCTION_NAMES if name != "lr")


def repeated_vectors(seed: int, dim: int, n_distinct: int = 120, n_rows: int = 480):
    """Like hidden states of shared prefixes: a few blobs, most vectors repeated, some nearly equal."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-1.5, 1.5, size=(4, dim))
    distinct = centres[rng.integers(0, 4, n_distinct)] + rng.normal(scale=rng.uniform(0.05, 0.6),
                                                                    size=(n_distinct, dim))
    rows = distinct[rng.integers(0, n_distinct, n_rows)]
    rows[:20] += rng.normal(scale=1e-3, size=(20, dim))
    labels = np.array([f"q{i}" for i in rng.integers(0, 3, n_distinct)])[
        np.unique(rows, axis=0, return_inverse=True)[1].ravel() % n_distinct]
    return rows, labels


@pytest.fixture(params=[(0, 3), (1, 12), (2, 20)], ids=["dim3", "dim12", "dim20"])
def data(request):
    return repeated_vectors(*request.param)


@pytest.fixture(params=[(0, 3), (1, 12)], ids=["dim3", "dim12"])
def light_data(request):
    """For tests that run scikit-learn's MeanShift many times: its per-seed loop is slow in 20-d."""
    return repeated_vectors(*request.param)


@pytest.fixture
def small_blocks(monkeypatch):
    """Force many row blocks so the blocked code paths are exercised on small data."""
    monkeypatch.setattr(shared, "BLOCK_ENTRIES", 5000)


def test_distinct_vectors_keep_first_occurrence_order_and_map_back():
    rows = np.array([[1.0, 2.0], [0.0, 0.0], [1.0, 2.0], [-0.0, 0.0], [3.0, 1.0], [0.0, 0.0]])
    distinct = distinct_vectors(rows)
    assert distinct.vectors.tolist() == [[1.0, 2.0], [0.0, 0.0], [3.0, 1.0]]   # -0.0 equals 0.0
    assert distinct.counts.tolist() == [2, 3, 1]
    assert np.array_equal(distinct.vectors[distinct.inverse], rows)
    head = distinct.head(3)
    assert head.vectors.tolist() == [[1.0, 2.0], [0.0, 0.0]] and head.counts.tolist() == [2, 1]
    assert np.array_equal(head.vectors[head.inverse], rows[:3])


def test_bandwidth_of_all_vectors_equals_scikit_learn(data):
    rows, _ = data
    assert estimate_bandwidth_all(distinct_vectors(rows)) == pytest.approx(estimate_bandwidth(rows), rel=1e-12)


@pytest.mark.parametrize("blocks", ["one block", "many blocks"])
def test_dbscan_equals_scikit_learn(data, blocks, request):
    if blocks == "many blocks":
        request.getfixturevalue("small_blocks")
    rows, _ = data
    distinct = distinct_vectors(rows)
    ours, cores = dbscan_labels_and_cores(distinct, EPS_VALUES, 5)
    assert dbscan_labels(distinct, EPS_VALUES, 5).keys() == ours.keys()
    for eps in EPS_VALUES:
        reference = DBSCAN(eps=eps, min_samples=5).fit(rows)
        assert np.array_equal(distinct.expand(ours[eps]), reference.labels_), eps
        assert np.array_equal(np.flatnonzero(distinct.expand(cores[eps])), reference.core_sample_indices_), eps


def test_optics_equals_scikit_learn(data):
    """kd_tree: scikit-learn's distances from coordinate differences. Its default in 20-d, brute force through BLAS,
    labels these vectors differently under each OPENBLAS_CORETYPE (Haswell, SkylakeX, Prescott)."""
    rows, _ = data
    assert np.array_equal(optics_labels(rows), OPTICS(algorithm="kd_tree").fit_predict(rows))


@pytest.mark.parametrize("divisor", [1, 2, 4, 8])
def test_mean_shift_equals_scikit_learn(data, divisor, small_blocks, request):
    if request.node.callspec.id.startswith("dim20") and divisor in (2, 4):
        pytest.skip("scikit-learn's MeanShift takes ~20 s here; divisors 1 and 8 cover 20-d")
    rows, _ = data
    distinct = distinct_vectors(rows)
    bandwidth = estimate_bandwidth(rows) / divisor
    expected = MeanShift(bandwidth=bandwidth).fit(rows[:120]).predict(rows)
    assert np.array_equal(distinct.expand(mean_shift_labels(distinct.head(120), bandwidth, distinct)), expected)


def plain_clustering(name, rows, labels, n_states, multiplier, seed, fit_fraction):
    """The benchmark's naive reference: scikit-learn on every vector, nothing shared (as the code was before)."""
    return naive_cluster(name, rows, labels, n_states, multiplier, seed, fit_fraction, estimate_bandwidth(rows))


def test_every_function_equals_the_plain_path_across_labelings(light_data, small_blocks):
    rows, labels = light_data
    coarse = np.char.add(labels, np.where(np.arange(len(labels)) % 2 == 0, "|1", "|2"))   # a second labeling
    clusterer = shared_clusterer(rows, random_state=3, fit_fraction=0.5)
    for labeling, multiplier in [(labels, 1), (coarse, 3)]:
        for name in EXACT_FUNCTIONS:
            ours = Abstraction(name, 3, multiplier, 3, 0.5).fit_predict(rows, labeling, clusterer)
            plain = plain_clustering(name, rows, labeling, 3, multiplier, 3, 0.5)
            assert np.array_equal(ours, plain), name
            alone = cluster_hidden_states(name, rows, labeling, 3, k_multiplier=multiplier, random_state=3,
                                          fit_fraction=0.5).cluster_labels
            assert np.array_equal(alone, plain), name


@pytest.mark.parametrize("seed", range(8))
def test_k_means_seeding_on_all_vectors_then_weighted_lloyd_equals_k_means_on_all_vectors(seed):
    rows, labels = repeated_vectors(seed, dim=6, n_distinct=60, n_rows=600)
    clusterer = shared_clusterer(rows, random_state=seed)
    for k in (2, 5, 12, 40, 60):
        expected = KMeans(n_clusters=k, init="k-means++", n_init="auto", random_state=seed).fit_predict(rows)
        ours = Abstraction("k_means", k, random_state=seed).fit_predict(rows, labels, clusterer)
        assert np.array_equal(ours, expected), k
