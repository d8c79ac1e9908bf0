"""The clustering families, one row each: how a function row of the family becomes an estimator, and the work
its functions share. A family is one module (its estimator and kernel) plus one row here.

Every estimator holds only its parameters until `fit(hidden_states, state_labels, shared)` (scikit-learn's
convention), then `labels_` (one per vector), `fitted_rows_` (the rows it was fitted on) and `predict`.
"""
from collections.abc import Callable
from dataclasses import dataclass

from stateclusters.base.errors import UserError
from stateclusters.clustering import dbscan, k_means, mean_shift, optics, probes


@dataclass(frozen=True)
class Family:
    """One clustering family of the function table."""
    name: str
    estimator: Callable           # (function row, shared.FitSettings) -> an unfitted estimator
    shared_work: Callable | None = None   # (DistinctVectors, the family's function rows) -> what they all reuse
    uses_state_labels: bool = False       # fitted once per labeling (the probes), not once per network


FAMILY_TABLE = (
    Family("linear", probes.probe_for, uses_state_labels=True),
    Family("k_means", k_means.clusters_for),
    Family("DBSCAN", dbscan.clusters_for, shared_work=dbscan.shared_pass),
    Family("OPTICS", optics.clusters_for),
    Family("mean_shift", mean_shift.clusters_for, shared_work=mean_shift.shared_bandwidth),
)


def family_names() -> tuple[str, ...]:
    return tuple(family.name for family in FAMILY_TABLE)


def get_family(name: str) -> Family:
    """The family called `name`, or a UserError listing the valid names."""
    for family in FAMILY_TABLE:
        if family.name == name:
            return family
    raise UserError(f"unknown clustering family '{name}'; valid: {', '.join(family_names())}")
