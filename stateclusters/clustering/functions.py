"""The 19 abstraction functions (docs/contract.md, Functions): hidden-state vectors in, a cluster label per vector out.

Every function is one row of FUNCTIONS, and `Abstraction` applies a row in scikit-learn's shape: fit on one
network's hidden states (and state labels, for the probes), then label those vectors (`labels_`) or new ones
(`predict`). `lda` and `lr` are supervised probes (their prediction is the cluster); the others cluster without
seeing the state labels. A row's family (families.py) builds its estimator, one module per family.

Nothing here imports scikit-learn at the top, so that scripts can offer the names before it is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stateclusters.base.arguments import check_count, check_seed
from stateclusters.base.errors import UserError
from stateclusters.clustering.clusterer import HiddenStateClusterer
from stateclusters.clustering.families import family_names


@dataclass(frozen=True)
class AbstractionFunction:
    """One abstraction function: its family and the one number that sets it."""
    name: str
    family: str           # linear, k_means, DBSCAN, OPTICS or mean_shift
    k_factor: float = 0   # k-means: k = k_factor·|Q| + k_offset
    k_offset: int = 0
    eps: float = 0        # DBSCAN neighbourhood radius
    bandwidth_divisor: int = 1  # mean shift: bandwidth = b / divisor


FUNCTIONS = (
    AbstractionFunction("lda", "linear"),
    AbstractionFunction("lr", "linear"),
    AbstractionFunction("k_means", "k_means", k_factor=1),
    AbstractionFunction("k_means_dec", "k_means", k_factor=1, k_offset=-1),
    AbstractionFunction("k_means_inc", "k_means", k_factor=1, k_offset=1),
    AbstractionFunction("k_means_double", "k_means", k_factor=2),
    AbstractionFunction("k_means_4", "k_means", k_factor=4),
    AbstractionFunction("k_means_6", "k_means", k_factor=6),
    AbstractionFunction("k_means_8", "k_means", k_factor=8),
    AbstractionFunction("DBSCAN_half", "DBSCAN", eps=0.25),
    AbstractionFunction("DBSCAN", "DBSCAN", eps=0.5),
    AbstractionFunction("DBSCAN_double", "DBSCAN", eps=1.0),
    AbstractionFunction("DBSCAN_triple", "DBSCAN", eps=1.5),
    AbstractionFunction("DBSCAN_quad", "DBSCAN", eps=2.0),
    AbstractionFunction("OPTICS", "OPTICS"),
    AbstractionFunction("mean_shift", "mean_shift", bandwidth_divisor=1),
    AbstractionFunction("mean_shift_2", "mean_shift", bandwidth_divisor=2),
    AbstractionFunction("mean_shift_4", "mean_shift", bandwidth_divisor=4),
    AbstractionFunction("mean_shift_8", "mean_shift", bandwidth_divisor=8),
)
FUNCTION_NAMES = tuple(function.name for function in FUNCTIONS)
FAMILIES = family_names()
FIT_FRACTION = 0.25   # OPTICS and mean shift are fitted on the first quarter of the vectors (their cost)
# How an abstraction function can fail on one network's vectors: recorded as that function's result, not raised.
FUNCTION_FAILURES = (ValueError, MemoryError, ArithmeticError)
NON_FINITE_LABEL = "non-finite"   # the one cluster of new vectors that no distance can place


def get_function(name: str) -> AbstractionFunction:
    """The abstraction function called `name`, or a UserError listing the valid names."""
    for function in FUNCTIONS:
        if function.name == name:
            return function
    raise UserError(f"unknown abstraction function '{name}'; valid: {', '.join(FUNCTION_NAMES)}")


def parse_function_names(text: str, option: str = "--functions") -> list[str]:
    """Comma-separated function names (or 'all') checked against the table; naming none is a UserError."""
    if text.strip() == "all":
        return list(FUNCTION_NAMES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise UserError(f"{option} names no function; name some of {', '.join(FUNCTION_NAMES)}, or 'all'")
    for name in names:
        get_function(name)
    return names


def requested_clusters(name: str, n_states: int, k_multiplier: int = 1) -> int | None:
    """The clusters a function asks for before it sees the vectors: k for k-means, |Q| for a probe; None for the
    density and mean-shift families, whose count the vectors decide."""
    from stateclusters.clustering.k_means import kmeans_k
    function = get_function(name)
    if function.family == "k_means":
        return kmeans_k(function, n_states, k_multiplier)
    return n_states if function.family == "linear" else None


def failure_reason(error: Exception) -> str:
    """How a function's failure (one of FUNCTION_FAILURES) is recorded in results: its type and message."""
    return f"{type(error).__name__}: {error}"


def labeling_k_multiplier(labeling: str, n_letters: int) -> int:
    """The k-means k is multiplied by 3 for stack_size and by |Σ| for top_of_stack (docs/contract.md, Functions)."""
    return {"stack_size": 3, "top_of_stack": n_letters}.get(labeling, 1)


def shared_clusterer(hidden_states: np.ndarray, function_names=FUNCTION_NAMES, *, random_state: int = 0,
                     fit_fraction: float = FIT_FRACTION, kmeans_n_init: int = 1, lr_solver: str = "lbfgs",
                     score_fitted_only: bool = False) -> HiddenStateClusterer:
    """The fitted estimators of one network's vectors, for abstractions of these functions to share.

    kmeans_n_init, lr_solver and score_fitted_only are protocol settings (docs/paper_protocol.md).
    """
    return HiddenStateClusterer(hidden_states, random_state=random_state, fit_fraction=fit_fraction,
                                functions=[get_function(name) for name in function_names],
                                kmeans_n_init=kmeans_n_init, lr_solver=lr_solver, score_fitted_only=score_fitted_only)


class Abstraction:
    """One abstraction function as an estimator: fit on hidden states, label them (`labels_`) and new vectors.

    n_states is |Q|; k_multiplier is the labeling's (labeling_k_multiplier). New vectors are labelled as the
    vectors a function was not fitted on: probes and k-means predict, mean shift takes the nearest centre,
    OPTICS the label of the nearest fitted vector, DBSCAN its border-point rule (the lowest-numbered cluster
    among the core vectors within eps, else noise).
    """

    def __init__(self, name: str, n_states: int = 1, k_multiplier: int = 1, random_state: int = 0,
                 fit_fraction: float = FIT_FRACTION):
        self.name = name
        self.n_states = n_states
        self.k_multiplier = k_multiplier
        self.random_state = random_state
        self.fit_fraction = fit_fraction

    def fit(self, hidden_states: np.ndarray, state_labels=None, clusterer: HiddenStateClusterer | None = None):
        """Fit on the vectors (and state labels, for lda and lr); pass a shared_clusterer of them to reuse work."""
        self.function_ = get_function(self.name)
        check_seed(self.random_state, "random_state")
        check_count(self.n_states, "n_states")
        check_count(self.k_multiplier, "k_multiplier")
        if clusterer is None:
            clusterer = shared_clusterer(hidden_states, (self.name,), random_state=self.random_state,
                                         fit_fraction=self.fit_fraction)
        self.estimator_ = clusterer.fitted(self.function_, self.n_states, self.k_multiplier, state_labels)
        self.labels_ = np.asarray(self.estimator_.labels_)
        # Under the paper's protocol OPTICS and mean shift are scored on the rows they were fitted on only.
        self.scored_rows_ = clusterer.scored_rows(self.estimator_)
        self.n_clusters_ = int(len(np.unique(self.labels_[self.scored_rows_])))
        return self

    def fit_predict(self, hidden_states: np.ndarray, state_labels=None, clusterer=None) -> np.ndarray:
        return self.fit(hidden_states, state_labels, clusterer).labels_

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Cluster labels of new vectors; non-finite ones (an exploded network) form one cluster of their own."""
        finite = np.isfinite(vectors).all(axis=1)
        if finite.all():
            return np.asarray(self.estimator_.predict(vectors))
        # Probes predict state names, the clusterings numbers: as text both can share an array with this label.
        labels = np.full(len(vectors), NON_FINITE_LABEL, dtype=object)
        if finite.any():
            labels[finite] = np.asarray(self.estimator_.predict(vectors[finite])).astype(str)
        return labels.astype(str)


@dataclass(frozen=True)
class Clustering:
    """Cluster label of every vector; DBSCAN/OPTICS noise (-1) counts as one cluster."""
    cluster_labels: np.ndarray
    n_clusters: int


def cluster_hidden_states(name: str, hidden_states: np.ndarray, state_labels, n_states: int, *,
                          k_multiplier: int = 1, random_state: int = 0, fit_fraction: float = FIT_FRACTION,
                          clusterer: HiddenStateClusterer | None = None) -> Clustering:
    """Apply abstraction function `name` to the vectors: Abstraction(...).fit, as plain data."""
    abstraction = Abstraction(name, n_states, k_multiplier, random_state, fit_fraction).fit(
        hidden_states, state_labels, clusterer)
    return Clustering(abstraction.labels_, abstraction.n_clusters_)
