import math
from collections import Counter

import numpy as np
import pytest

from stateclusters.ambiguity.scores import ambiguity_from_labels, compute_ambiguity, state_cluster_map


def test_pure_clusters_have_zero_ambiguity():
    assert compute_ambiguity({"q0": {0: 5}, "q1": {1: 3}, "q2": {2: 7, 3: 1}}) == (0.0, 0.0, 0.0, 0.0)


def test_one_cluster_holding_all_labels_equally_has_ambiguity_one():
    amb, wamb, worst, best = compute_ambiguity({"q0": {0: 4}, "q1": {0: 4}, "q2": {0: 4}})
    assert (amb, wamb, worst, best) == pytest.approx((1.0, 1.0, 1.0, 1.0))


def test_worked_mixed_case():
    # Cluster 0 holds q0×3, q1×1; cluster 1 holds q1×2. |S| = 2, so log base 2.
    state_clusters = {"q0": Counter({0: 3}), "q1": Counter({0: 1, 1: 2})}
    a0 = -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))
    amb, wamb, worst, best = compute_ambiguity(state_clusters)
    assert amb == pytest.approx(a0 / 2)
    assert wamb == pytest.approx(4 * a0 / 6)
    assert worst == pytest.approx(a0) and best == 0.0


def test_log_base_is_number_of_labels():
    # Two labels equally in one cluster out of three labels overall: log_3(2).
    amb, _, _, _ = compute_ambiguity({"a": {0: 1}, "b": {0: 1}, "c": {1: 2}})
    assert amb == pytest.approx((math.log(2) / math.log(3)) / 2)


def test_single_label_is_unambiguous():
    assert compute_ambiguity({"only": {0: 3, 1: 4, 2: 1}}) == (0.0, 0.0, 0.0, 0.0)
    assert ambiguity_from_labels(["s"] * 5, [0, 1, 1, 2, 0]) == (0.0, 0.0, 0.0, 0.0)


def reference_ambiguity(states, clusters):
    """The ambiguity of docs/contract.md written out point by point, independent of the numpy implementation."""
    members = {}
    for state, cluster in zip(states, clusters):
        members.setdefault(cluster, []).append(state)
    n_labels = len(set(states))
    scores, sizes = [], []
    for labels in members.values():
        counts = Counter(labels)
        score = 0.0
        if n_labels > 1:
            score = -sum(c / len(labels) * math.log(c / len(labels), n_labels) for c in counts.values())
        scores.append(score)
        sizes.append(len(labels))
    return (sum(scores) / len(scores), sum(a * n for a, n in zip(scores, sizes)) / sum(sizes),
            max(scores), min(scores))


def test_labels_and_map_agree_with_reference_on_random_data():
    rng = np.random.default_rng(3)
    for _ in range(20):
        states = rng.integers(0, rng.integers(1, 8), size=500).tolist()
        clusters = rng.integers(-1, rng.integers(1, 12), size=500).tolist()
        expected = reference_ambiguity(states, clusters)
        assert ambiguity_from_labels(states, clusters) == pytest.approx(expected, abs=1e-12)
        assert compute_ambiguity(state_cluster_map(states, clusters)) == pytest.approx(expected, abs=1e-12)


def test_state_cluster_map_counts():
    assert state_cluster_map(["a", "a", "b"], [1, 2, 2]) == {"a": {1: 1, 2: 1}, "b": {2: 1}}


def test_unequal_lengths_are_refused():
    with pytest.raises(ValueError):
        ambiguity_from_labels([1, 2], [1])
