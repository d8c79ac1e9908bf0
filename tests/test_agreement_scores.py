"""Agreement scores against hand-computed values, and their place in the grid's records and scores.pickle."""
import math
import pickle

import pytest

import stateclusters.grid.jobs as grid_jobs
from stateclusters.ambiguity.agreement import SCORE_NAMES, agreement_scores
from stateclusters.commands import experiment_runner
from stateclusters.results.files import SCORES_FILE, read_results, read_scores, write_job_record

# Six vectors: cluster 0 = {a, a}, cluster 1 = {a, b}, cluster 2 = {b, c}.
STATES = ["a", "a", "a", "b", "b", "c"]
CLUSTERS = [0, 0, 1, 1, 2, 2]


def entropy(*probabilities: float) -> float:
    return -sum(p * math.log(p) for p in probabilities if p > 0)


def test_six_point_example_by_hand():
    scores = agreement_scores(STATES, CLUSTERS)
    # Purity: the majority state of each cluster holds 2, 1 and 1 vectors.
    assert scores["purity"] == pytest.approx(4 / 6)
    # ARI: pairs inside a cell 1 (the two a's of cluster 0), inside a cluster 3, inside a state 3 + 1 = 4;
    # 15 pairs in all, so expected index 3·4/15 = 0.8 and maximum (3 + 4)/2 = 3.5.
    assert scores["ari"] == pytest.approx((1 - 0.8) / (3.5 - 0.8))
    h_states, h_clusters = entropy(1 / 2, 1 / 3, 1 / 6), math.log(3)
    h_states_given_clusters = 2 / 3 * math.log(2)                        # clusters 1 and 2 are half-half
    h_clusters_given_states = 1 / 2 * entropy(2 / 3, 1 / 3) + 1 / 3 * math.log(2)   # a: 2+1, b: 1+1, c: 1
    mutual_information = h_states - h_states_given_clusters
    assert mutual_information == pytest.approx(h_clusters - h_clusters_given_states)
    assert scores["homogeneity"] == pytest.approx(1 - h_states_given_clusters / h_states)
    assert scores["completeness"] == pytest.approx(1 - h_clusters_given_states / h_clusters)
    assert scores["nmi"] == pytest.approx(mutual_information / ((h_states + h_clusters) / 2))
    assert scores["v_measure"] == pytest.approx(scores["nmi"])   # V-measure is NMI with the arithmetic mean


def test_independent_clustering_scores_below_chance_by_hand():
    # Two states crossed with two clusters: no information. Over the hypergeometric cell counts 0, 1, 2
    # (probabilities 1/6, 4/6, 1/6) the expected mutual information is ln 2 / 3; the expected Rand index 2/3 of 2.
    scores = agreement_scores(["a", "a", "b", "b"], [0, 1, 0, 1])
    assert scores["nmi"] == pytest.approx(0) and scores["homogeneity"] == pytest.approx(0)
    assert scores["ami"] == pytest.approx((0 - math.log(2) / 3) / (math.log(2) - math.log(2) / 3))   # −0.5
    assert scores["ari"] == pytest.approx((0 - 2 / 3) / (2 - 2 / 3))                                 # −0.5
    assert scores["purity"] == 0.5


def test_perfect_clustering_scores_one_whatever_the_cluster_names():
    # Noise (-1) is one cluster, as for the ambiguity: here it is exactly state c.
    scores = agreement_scores(["a", "a", "b", "c", "c", "b"], [7, 7, 3, -1, -1, 3])
    assert scores == {name: pytest.approx(1.0) for name in SCORE_NAMES}


def test_noise_counts_as_one_cluster():
    # Two noise points of different states make one mixed cluster, not two pure ones.
    assert agreement_scores(["a", "b", "c", "c"], [-1, -1, 0, 0])["purity"] == 0.75


def test_swapping_states_and_clusters_swaps_homogeneity_and_completeness():
    forward, backward = agreement_scores(STATES, CLUSTERS), agreement_scores(CLUSTERS, STATES)
    for symmetric in ("nmi", "ami", "ari", "v_measure"):
        assert forward[symmetric] == pytest.approx(backward[symmetric])
    assert forward["homogeneity"] == pytest.approx(backward["completeness"])
    assert forward["completeness"] == pytest.approx(backward["homogeneity"])


def test_unequal_or_empty_labels_are_refused():
    with pytest.raises(ValueError, match="equal-length"):
        agreement_scores(["a", "b"], [0])
    with pytest.raises(ValueError, match="empty"):
        agreement_scores([], [])


# --- the grid ----------------------------------------------------------------------------------------------

TINY = ["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "2",
        "--train-words", "300", "--validation-words", "100", "--conformance-words", "100",
        "--functions", "lda,k_means,DBSCAN"]
NAME, KEY = "tomita1_gru_1_4_1", "tomita1_gru_1_4_1_regular"


@pytest.fixture(scope="module")
def grid_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("grid")
    assert experiment_runner.main(TINY + ["--out", str(out)]) == 0
    return out


def test_job_record_and_scores_pickle_hold_every_score(grid_out):
    record = pickle.loads((grid_out / "jobs" / f"{NAME}.pickle").read_bytes())
    scores = read_scores(grid_out)
    assert scores == {KEY: record["scores"]["regular"]}
    _, ambiguity = read_results(grid_out)
    assert set(scores[KEY]) == set(ambiguity[KEY]) == {"lda", "k_means", "DBSCAN"}
    for function, values in scores[KEY].items():
        assert tuple(values) == SCORE_NAMES and all(isinstance(value, float) for value in values.values())
        # A clustering is pure (weighted ambiguity 0) exactly when it is homogeneous and fully pure.
        pure = ambiguity[KEY][function][1] == 0
        assert pure == (values["purity"] == 1.0) == (values["homogeneity"] == pytest.approx(1.0)), function


def test_old_records_without_scores_still_merge(grid_out, tmp_path):
    record = pickle.loads((grid_out / "jobs" / f"{NAME}.pickle").read_bytes())
    del record["scores"]
    assert grid_jobs.merged_extra([record], "scores") == {}
    out = tmp_path / "out"
    write_job_record(out, record)
    assert experiment_runner.main(TINY + ["--out", str(out), "--no-train"]) == 0   # finished: nothing reruns
    assert set(read_results(out)[1]) == {KEY}
    assert not (out / SCORES_FILE).exists()   # no record has scores: no file, so --metric nmi says so
