"""The faithfulness scores as report.json has them, and the cluster labels the interventions run on."""
import numpy as np

from stateclusters.clustering.clusterer import HiddenStateClusterer
from stateclusters.clustering.functions import FIT_FRACTION, FUNCTION_FAILURES, Abstraction, failure_reason
from stateclusters.faithfulness.interchange import InterchangeScores
from stateclusters.faithfulness.myhill_nerode import MyhillNerodeScores


def function_cluster_labels(hidden_states: np.ndarray, state_labels: np.ndarray, function_names, n_states: int,
                            k_multiplier: int = 1, seed: int = 0, fit_fraction: float = FIT_FRACTION,
                            clusterer: HiddenStateClusterer | None = None) -> dict:
    """{function: its cluster label of every vector, or its failure reason}, fitted as evaluate_functions fits
    them (pass the same shared clusterer and the fits are reused, not redone)."""
    labels = {}
    for name in function_names:
        try:
            abstraction = Abstraction(name, n_states, k_multiplier, random_state=seed, fit_fraction=fit_fraction)
            labels[name] = abstraction.fit(hidden_states, state_labels, clusterer).labels_
        except FUNCTION_FAILURES as error:
            labels[name] = failure_reason(error)
    return labels


def faithfulness_report(scores: MyhillNerodeScores, interventions: InterchangeScores | str) -> dict:
    """{"faithfulness": …} as report.json holds it; interventions is the reason string where they were skipped."""
    entry = {"suffix_length": scores.suffix_length, "suffixes": scores.suffixes, "compression": scores.compression,
             "distinction_precision": scores.distinction_precision,
             "distinction_recall": scores.distinction_recall}
    if isinstance(interventions, str):
        entry["interventions_skipped"] = interventions
    else:
        entry["interventions"] = {
            "controls": {"random": interventions.random, "mean": interventions.mean},
            "functions": {name: {"error": result.error} if result.error is not None else
                          {"centroid_iia": result.centroid_iia, "member_iia": result.member_iia}
                          for name, result in interventions.functions.items()},
            "parts": dict(interventions.parts)}
    return {"faithfulness": entry}
