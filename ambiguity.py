"""The ambiguity score (docs/contract.md, Ambiguity), under the name the paper's repository gives it. A face of
the package for readers of that code: every name is stateclusters.ambiguity.scores'."""
from stateclusters.ambiguity.scores import (
    ambiguity_from_counts,
    ambiguity_from_labels,
    compute_ambiguity,
    contingency_matrix,
)

__all__ = ["ambiguity_from_counts", "ambiguity_from_labels", "compute_ambiguity", "contingency_matrix"]
