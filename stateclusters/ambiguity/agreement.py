"""Standard agreement scores between automaton states and clusters, reported next to the ambiguity.

The state labels are the reference ("true" classes), the cluster labels the prediction. Every score is
1 for a clustering whose clusters are exactly the states. DBSCAN/OPTICS noise (label -1) counts as one
cluster, as it does for the ambiguity and the number of clusters.
"""
import numpy as np

from stateclusters.ambiguity.scores import contingency_matrix

SCORE_NAMES = ("nmi", "ami", "ari", "homogeneity", "completeness", "v_measure", "purity")
SCORE_LABELS = {"nmi": "normalised mutual information", "ami": "adjusted mutual information",
                "ari": "adjusted Rand index", "homogeneity": "homogeneity", "completeness": "completeness",
                "v_measure": "V-measure", "purity": "purity"}
SCORE_PERFECT = {"nmi": "clusters are exactly the states", "ami": "clusters are exactly the states",
                 "ari": "clusters are exactly the states", "homogeneity": "every cluster holds one state",
                 "completeness": "every state lies in one cluster", "v_measure": "clusters are exactly the states",
                 "purity": "every cluster holds one state"}
# Chance-adjusted scores are 0 for a random clustering and can go below it.
SIGNED_SCORES = ("ami", "ari")


def purity_from_counts(counts: np.ndarray) -> float:
    """Share of vectors in their cluster's most frequent state, from (n_clusters, n_states) counts."""
    counts = np.asarray(counts)
    return float(counts.max(axis=1).sum() / counts.sum())


def agreement_scores(state_labels, cluster_labels) -> dict[str, float]:
    """{score name: value} for two equal-length label sequences (scikit-learn's definitions, arithmetic mean)."""
    # Here, not at the top: the score names above are read by scripts that never compute a score.
    from sklearn.metrics import (
        adjusted_mutual_info_score,
        adjusted_rand_score,
        homogeneity_completeness_v_measure,
        normalized_mutual_info_score,
    )

    state_labels, cluster_labels = np.asarray(state_labels), np.asarray(cluster_labels)
    if state_labels.shape != cluster_labels.shape or state_labels.ndim != 1:
        raise ValueError(f"state and cluster labels must be equal-length 1-d sequences, "
                         f"got shapes {state_labels.shape} and {cluster_labels.shape}")
    if len(state_labels) == 0:
        raise ValueError("agreement scores of an empty clustering are undefined")
    # Integer codes once: scikit-learn would sort the (string) labels again for every score.
    states = np.unique(state_labels, return_inverse=True)[1].ravel()
    clusters = np.unique(cluster_labels, return_inverse=True)[1].ravel()
    homogeneity, completeness, v_measure = homogeneity_completeness_v_measure(states, clusters)
    return {"nmi": float(normalized_mutual_info_score(states, clusters)),
            "ami": float(adjusted_mutual_info_score(states, clusters)),
            "ari": float(adjusted_rand_score(states, clusters)),
            "homogeneity": float(homogeneity), "completeness": float(completeness), "v_measure": float(v_measure),
            "purity": purity_from_counts(contingency_matrix(states, clusters))}
