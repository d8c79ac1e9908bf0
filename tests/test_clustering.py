import numpy as np
import pytest

from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import (
    FUNCTION_NAMES,
    cluster_hidden_states,
    get_function,
    parse_function_names,
)
from stateclusters.clustering.k_means import kmeans_k


def blobs(n_per_blob=60, seed=0):
    """Three tight, well separated blobs in 6-d with their true labels."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0] * 6, [3.0] * 6, [-3.0, 3.0] * 3])
    vectors = np.concatenate([centre + 0.02 * rng.standard_normal((n_per_blob, 6)) for centre in centres])
    labels = np.repeat(np.array(["q0", "q1", "q2"]), n_per_blob)
    order = rng.permutation(len(labels))
    return vectors[order], labels[order]


def test_table_has_the_19_spec_functions():
    assert len(FUNCTION_NAMES) == 19 == len(set(FUNCTION_NAMES))
    assert {"lda", "lr", "k_means_dec", "DBSCAN_quad", "OPTICS", "mean_shift_8"} <= set(FUNCTION_NAMES)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_every_function_finds_known_clusters(name):
    vectors, labels = blobs()
    clustering = cluster_hidden_states(name, vectors, labels, n_states=3, random_state=0, fit_fraction=0.5)
    assert clustering.cluster_labels.shape == labels.shape
    assert clustering.n_clusters == len(np.unique(clustering.cluster_labels))
    clustered = clustering.cluster_labels != -1   # OPTICS leaves thin blob edges as noise
    if name == "k_means_dec":   # k = |Q| - 1 must merge two blobs
        assert clustering.n_clusters == 2
        clustered[:] = False
    # No cluster mixes two true states.
    _, wamb, _, _ = ambiguity_from_labels(labels[clustered], clustering.cluster_labels[clustered]) \
        if clustered.any() else (0, 0.0, 0, 0)
    assert wamb == 0.0
    if name == "OPTICS":
        assert len(np.unique(clustering.cluster_labels[clustered])) == 3
    if name in ("lda", "lr", "k_means", "DBSCAN", "mean_shift"):
        assert clustering.n_clusters == 3


def test_kmeans_k_follows_spec():
    assert kmeans_k(get_function("k_means_8"), 7) == 56
    assert kmeans_k(get_function("k_means_dec"), 7) == 6
    assert kmeans_k(get_function("k_means_inc"), 7, k_multiplier=3) == 24


def test_kmeans_is_seeded():
    vectors, labels = blobs(seed=1)
    first = cluster_hidden_states("k_means_4", vectors, labels, 3, random_state=5).cluster_labels
    second = cluster_hidden_states("k_means_4", vectors, labels, 3, random_state=5).cluster_labels
    assert np.array_equal(first, second)


def test_dbscan_noise_counts_as_one_cluster():
    rng = np.random.default_rng(0)
    vectors = rng.uniform(-100, 100, size=(50, 4))   # far apart: every point is noise
    clustering = cluster_hidden_states("DBSCAN_half", vectors, np.zeros(50), 1)
    assert clustering.n_clusters == 1 and set(clustering.cluster_labels) == {-1}


def test_non_finite_vectors_are_refused():
    vectors, labels = blobs()
    vectors[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or inf"):
        cluster_hidden_states("k_means", vectors, labels, 3)


def test_unknown_function_names_the_valid_ones():
    with pytest.raises(UserError, match="k_means_8"):
        get_function("kmeans")
    with pytest.raises(UserError):
        parse_function_names("lda,nope")
    assert parse_function_names("all") == list(FUNCTION_NAMES)


def test_optics_on_real_hidden_states_warns_nothing():
    """scikit-learn's xi steepness divides by zero reachabilities; that is expected and must not clutter output."""
    import warnings
    from pathlib import Path

    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.networks.recurrent import load_checkpoint
    automaton = get_automaton("tomita1")
    model, _ = load_checkpoint(Path(__file__).parent.parent / "pretrained_models" / "tomita1_gru_1_8_1.pt")
    data = NetworkData(model, automaton, n_validation_words=300)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clustering = cluster_hidden_states("OPTICS", data.hidden_states, data.state_labels("regular"), 2)
    assert clustering.n_clusters > 1
    assert [str(warning.message) for warning in caught] == []
