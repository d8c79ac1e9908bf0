"""The faithfulness scores as report.json has them, and the cluster labels the interventions run on."""
import numpy as np

from stateclusters.automata import automaton_size, input_alphabet
from stateclusters.base.errors import UserError
from stateclusters.clustering.clusterer import HiddenStateClusterer
from stateclusters.clustering.functions import (
    FIT_FRACTION,
    FUNCTION_FAILURES,
    Abstraction,
    failure_reason,
    labeling_k_multiplier,
)
from stateclusters.faithfulness.interchange import InterchangeScores, interchange_scores, interventions_skip_reason
from stateclusters.faithfulness.myhill_nerode import MyhillNerodeScores, myhill_nerode_scores
from stateclusters.faithfulness.prefixes import trace_in_any_letters
from stateclusters.faithfulness.sizes import FaithfulnessSizes
from stateclusters.words.runs import labelings_for


def faithfulness_entry(adapter, automaton, words, hidden_states: np.ndarray, function_names, seed: int = 0,
                       fit_fraction: float = FIT_FRACTION, clusterer: HiddenStateClusterer | None = None,
                       failures: dict | None = None, sizes: FaithfulnessSizes = FaithfulnessSizes()) -> dict:
    """{"faithfulness": …} for report.json, analyse_network.py, the driver and the grid: the Myhill–Nerode scores
    and, where the network allows, the interventions on each function's clusters under the automaton's first
    labeling; {"faithfulness_skipped": why} where even the scores cannot run. `words` are the non-empty words whose
    letters `hidden_states` holds; `failures` ({function: why}) are functions not scored, reported as such;
    `sizes` the suffix limit, pairs and member runs."""
    try:
        behaviour = myhill_nerode_scores(adapter, automaton, words, sizes.suffix_limit, sizes.pairs, seed)
    except UserError as error:
        return {"faithfulness_skipped": str(error)}
    reason = interventions_skip_reason(adapter)
    if reason is None:
        labeling = labelings_for(automaton)[0]
        failures = failures or {}
        labels = function_cluster_labels(hidden_states, trace_in_any_letters(automaton, words).state_labels(labeling),
                                         [name for name in function_names if name not in failures],
                                         automaton_size(automaton),
                                         labeling_k_multiplier(labeling, len(input_alphabet(automaton))), seed,
                                         fit_fraction, clusterer)
        labels.update(failures)
        try:
            return faithfulness_report(behaviour, interchange_scores(adapter, automaton, words, hidden_states,
                                                                     labels, sizes.suffix_limit, sizes.pairs,
                                                                     sizes.members, seed))
        except UserError as error:
            reason = str(error)
    return faithfulness_report(behaviour, reason)


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


def describe_faithfulness(entry: dict) -> list[str]:
    """The lines the driver prints of a faithfulness entry (as faithfulness_entry returns it)."""
    if "faithfulness_skipped" in entry:
        return [f"faithfulness skipped: {entry['faithfulness_skipped']}"]
    scores = entry["faithfulness"]
    lines = [f"Myhill-Nerode over {scores['suffixes']} suffixes (length ≤ {scores['suffix_length']}): "
             + "  ".join(f"{name} {_shown(scores[name])}"
                         for name in ("compression", "distinction_precision", "distinction_recall"))]
    if "interventions_skipped" in scores:
        return lines + [f"interventions skipped: {scores['interventions_skipped']}"]
    interventions = scores["interventions"]
    controls = interventions["controls"]
    lines.append(f"interventions: controls random {_shown(controls['random'])}  mean {_shown(controls['mean'])}")
    for name, result in interventions["functions"].items():
        lines.append(f"  {name}: " + (result["error"] if "error" in result else
                                      f"centroid IIA {_shown(result['centroid_iia'])}  "
                                      f"member IIA {_shown(result['member_iia'])}"))
    if interventions["parts"]:
        lines.append("  part swaps: " + "  ".join(f"{part} {_shown(share)}"
                                                   for part, share in interventions["parts"].items()))
    return lines


def _shown(share: float | None) -> str:
    return "n/a" if share is None else f"{share:.4f}"
