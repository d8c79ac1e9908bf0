"""The supervised probes lda and lr: their prediction is the cluster (docs/contract.md, Functions).

scikit-learn is imported inside the functions, so that the function table can be read without it.
"""
import warnings

import numpy as np

from stateclusters.clustering.shared import DistinctVectors, FitSettings, SharedWork, distinct_vectors, shared_work_for

LR_MAX_ITER = 1000      # the contract's iteration cap for lr
LR_SOLVERS = ("lbfgs", "saga")   # lbfgs on weighted distinct pairs (spec); saga on every row, as the paper ran it


class LinearProbe:
    """lda or lr fitted to the state labels; a single state (nothing to separate) puts every vector in class 0."""

    def __init__(self, kind: str = "lr", solver: str = "lbfgs", random_state: int = 0):
        self.kind = kind
        self.solver = solver
        self.random_state = random_state

    def fit(self, hidden_states: np.ndarray, state_labels, shared: SharedWork | None = None):
        shared = shared_work_for(hidden_states, shared)
        self.model_ = linear_probe_model(self.kind, hidden_states, np.asarray(state_labels), shared.distinct,
                                         self.solver, self.random_state)
        self.labels_ = np.asarray(self.predict(hidden_states))
        self.fitted_rows_ = slice(None)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        return np.zeros(len(vectors), dtype=np.int64) if self.model_ is None else self.model_.predict(vectors)


def probe_for(function, settings: FitSettings) -> LinearProbe:
    """The probe of a function row of the linear family (its name is the probe: lda or lr)."""
    return LinearProbe(function.name, settings.lr_solver, settings.random_state)


def linear_probe_model(name: str, hidden_states, state_labels, distinct: DistinctVectors | None = None,
                       solver: str = "lbfgs", random_state: int = 0):
    """The fitted lda or lr probe; None when there is only one state label (scikit-learn refuses to fit).

    lr with lbfgs minimises the same L2-penalised multinomial log loss as the contract's saga, on each distinct
    (vector, label) pair weighted by its count (docs/contract.md, Functions; benchmarks/bench_probes.py).
    With saga it is the paper's probe: saga on every row, stopped at LR_MAX_ITER (docs/paper_protocol.md).
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    if len(np.unique(state_labels)) < 2:
        return None
    if name == "lda":
        try:
            return LinearDiscriminantAnalysis(solver="svd").fit(hidden_states, state_labels)
        except IndexError:
            # scikit-learn's LDA indexes an empty array when the vectors do not vary within any state.
            raise ValueError(f"{name} is undefined: the hidden states do not vary within any state") from None
    if solver not in LR_SOLVERS:
        raise ValueError(f"lr solver {solver!r} is not one of {', '.join(LR_SOLVERS)}")
    with warnings.catch_warnings():
        # The contract caps lr at LR_MAX_ITER; stopping there is its result (n_iter_ tells), not a fault to print
        # into every job's output.
        warnings.simplefilter("ignore", ConvergenceWarning)
        if solver == "saga":
            return LogisticRegression(solver="saga", max_iter=LR_MAX_ITER, random_state=random_state).fit(
                hidden_states, state_labels)
        vectors, labels, weights = weighted_pairs(hidden_states, state_labels, distinct)
        return LogisticRegression(solver="lbfgs", max_iter=LR_MAX_ITER).fit(vectors, labels, sample_weight=weights)


def weighted_pairs(hidden_states, state_labels, distinct: DistinctVectors | None = None):
    """The distinct (vector, label) pairs and how often each occurs: a weighted fit equals the fit on all rows."""
    distinct = distinct if distinct is not None else distinct_vectors(hidden_states)
    label_values, label_index = np.unique(state_labels, return_inverse=True)
    pairs, counts = np.unique(np.stack([distinct.inverse, label_index.ravel()], axis=1), axis=0, return_counts=True)
    return distinct.vectors[pairs[:, 0]], label_values[pairs[:, 1]], counts
