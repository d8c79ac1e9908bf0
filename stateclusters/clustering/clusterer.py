"""The fitted estimators of one network's hidden states, each fitted once and shared by every abstraction function.

Validation words share prefixes, so most vectors repeat: they are deduplicated once. The unsupervised
estimators do not depend on the labeling and are reused across labelings; a family's shared work (the DBSCAN
radii's one pass over the distances, the mean-shift bandwidth) is computed once and handed to its estimators
as plain data (shared.SharedWork). Every result equals scikit-learn's on the full list of vectors
(tests/test_fast_clustering.py).
"""
import hashlib

import numpy as np

from stateclusters.clustering.families import Family, get_family
from stateclusters.clustering.shared import (
    FitSettings,
    SharedWork,
    check_finite,
    distinct_vectors,
    fitted_row_count,
)


class HiddenStateClusterer:
    """Shared, cached family estimators of one set of hidden-state vectors.

    functions: the function rows that will be asked for (a family's shared work covers all of its rows).
    fit_fraction: OPTICS and mean shift are fitted on the first ⌊n·fit_fraction⌋ vectors.
    kmeans_n_init, lr_solver, score_fitted_only: the protocol's settings (docs/paper_protocol.md).
    """

    def __init__(self, hidden_states: np.ndarray, *, random_state: int = 0, fit_fraction: float, functions=(),
                 kmeans_n_init: int = 1, lr_solver: str = "lbfgs", score_fitted_only: bool = False):
        check_finite(hidden_states)
        fitted_row_count(len(hidden_states), fit_fraction)   # refuses a fraction outside (0, 1] now
        self.hidden_states = hidden_states
        self.distinct = distinct_vectors(hidden_states)
        self.functions = tuple(functions)
        self.random_state = random_state
        self.fit_fraction = fit_fraction
        self.kmeans_n_init = kmeans_n_init
        self.lr_solver = lr_solver
        self.score_fitted_only = score_fitted_only
        self._family_work = {}   # (family, its function names) -> the family's shared work
        self._fitted = {}        # estimator key -> fitted estimator

    def fitted(self, function, n_states: int = 1, k_multiplier: int = 1, state_labels=None):
        """The estimator of this function row (for |Q| and the labeling's k multiplier), fitted to these vectors."""
        family = get_family(function.family)
        settings = FitSettings(n_states, k_multiplier, self.random_state, self.fit_fraction, self.kmeans_n_init,
                               self.lr_solver)
        estimator = family.estimator(function, settings)
        key = estimator_key(estimator, state_labels if family.uses_state_labels else None)
        if key not in self._fitted:
            shared = SharedWork(self.distinct, self._shared_work(family, function))
            self._fitted[key] = estimator.fit(self.hidden_states, state_labels, shared)
        return self._fitted[key]

    def scored_rows(self, estimator) -> slice:
        """The rows a fitted estimator is scored on: all, or (protocol fit_scoring=fitted) those it was fitted on."""
        return estimator.fitted_rows_ if self.score_fitted_only else slice(None)

    def _shared_work(self, family: Family, function):
        """The family's shared work over its declared function rows and this one, computed once."""
        if family.shared_work is None:
            return None
        rows = {row.name: row for row in self.functions if row.family == family.name} | {function.name: function}
        key = (family.name, tuple(sorted(rows)))
        if key not in self._family_work:
            self._family_work[key] = family.shared_work(self.distinct, tuple(rows.values()))
        return self._family_work[key]


def estimator_key(estimator, state_labels=None) -> tuple:
    """What identifies a fit: the estimator's class and parameters, and the state labels for a supervised one."""
    key = (type(estimator).__qualname__, tuple(sorted(vars(estimator).items())))
    if state_labels is None:
        return key
    labels = np.asarray(state_labels)
    return key + (labels.dtype.str, hashlib.sha1(labels.tobytes()).hexdigest())
