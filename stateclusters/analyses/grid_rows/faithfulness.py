"""--faithfulness: the Myhill–Nerode scores and the interventions on each function's clusters
(faithfulness/report.py, docs/faithfulness.md), on the network's validation words.

A record holds report.json's entry as it is: {"faithfulness": {...}} or {"faithfulness_skipped": why}, under the
automaton's first labeling's clusters; the merged file gives it to each of the network's result keys.
"""
import numpy as np

from stateclusters.base.catalogue import FAITHFULNESS_MEMBERS, FAITHFULNESS_PAIRS, FAITHFULNESS_SUFFIX_LIMIT

WAMB = 1   # index of the weighted ambiguity in ambiguity.pickle's [amb, wamb, max, min, n_clusters]


def settings(options: dict):
    return [FAITHFULNESS_SUFFIX_LIMIT, FAITHFULNESS_PAIRS, FAITHFULNESS_MEMBERS]


def run(data, spec) -> dict:
    return network_faithfulness(data, spec.functions)


def network_faithfulness(data, function_names) -> dict:
    """The entry of one network's NetworkData (the grid's and the driver's): its validation words, their vectors,
    and the clusters of each function fitted as the evaluation fits them (through the same shared clusterer)."""
    from stateclusters.adapters.adapter import as_adapter
    from stateclusters.clustering.functions import FUNCTION_FAILURES
    from stateclusters.faithfulness.report import faithfulness_entry
    adapter = as_adapter(data.network)
    letter_of = dict(zip(adapter.letter_names, adapter.alphabet))   # the words name letters by their str
    words = [tuple(letter_of[name] for name in data.validation.word(i)) for i in range(len(data.validation))]
    try:
        clusterer = data.clusterer(function_names)
    except FUNCTION_FAILURES:   # NaN/inf vectors: each function's entry then says why, as the evaluation does
        clusterer = None
    return faithfulness_entry(adapter, data.automaton, [word for word in words if word], data.hidden_states,
                              function_names, data.seed, data.protocol.fit_fraction, clusterer)


# ---- the merged file's shape ----------------------------------------------------------------------------------

def is_valid(merged) -> bool:
    """{result key: {"faithfulness": entry} or {"faithfulness_skipped": why}}, the entry as report.json has it."""
    return isinstance(merged, dict) and all(isinstance(key, str) and _is_record(value)
                                            for key, value in merged.items())


def _is_record(value) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    if "faithfulness_skipped" in value:
        return isinstance(value["faithfulness_skipped"], str)
    entry = value.get("faithfulness")
    scores = ("compression", "distinction_precision", "distinction_recall")
    return (isinstance(entry, dict) and all(_is_count(entry.get(name)) for name in ("suffix_length", "suffixes"))
            and all(_is_share(entry.get(name, "missing")) for name in scores)
            and (isinstance(entry.get("interventions_skipped"), str) or _are_interventions(entry.get("interventions"))))


def _are_interventions(interventions) -> bool:
    if not isinstance(interventions, dict) or set(interventions) != {"controls", "functions", "parts"}:
        return False
    controls, functions, parts = (interventions[name] for name in ("controls", "functions", "parts"))
    return (isinstance(controls, dict) and set(controls) == {"random", "mean"}
            and all(map(_is_share, controls.values()))
            and isinstance(parts, dict) and all(map(_is_share, parts.values()))
            and isinstance(functions, dict) and all(map(_is_function, functions.values())))


def _is_function(scores) -> bool:
    if isinstance(scores, dict) and set(scores) == {"error"}:
        return isinstance(scores["error"], str)
    return isinstance(scores, dict) and set(scores) == {"centroid_iia", "member_iia"} and all(
        map(_is_share, scores.values()))


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_share(value) -> bool:
    """A share in [0, 1], or None where no pair or run of that kind was found."""
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 1)


# ---- statistics -------------------------------------------------------------------------------------------------

def iia_columns(merged: dict, ambiguity: dict, keys) -> dict[str, dict[str, list[float]]]:
    """{function: {"wamb": [...], "centroid_iia": [...], "member_iia": [...]}} over the selected networks whose
    function has both its weighted ambiguity and its interventions (one point per network)."""
    columns: dict = {}
    for key in keys:
        interventions = merged.get(key, {}).get("faithfulness", {}).get("interventions")
        for name, scores in (interventions or {}).get("functions", {}).items():
            wamb = ambiguity.get(key, {}).get(name, [None] * (WAMB + 1))[WAMB]
            if scores.get("centroid_iia") is None or wamb is None or not np.isfinite(wamb):
                continue
            column = columns.setdefault(name, {"wamb": [], "centroid_iia": [], "member_iia": []})
            column["wamb"].append(float(wamb))
            column["centroid_iia"].append(float(scores["centroid_iia"]))
            column["member_iia"].append(np.nan if scores["member_iia"] is None else float(scores["member_iia"]))
    return columns


def summary_lines(merged: dict, view) -> list[str]:
    """Per set: the mean Myhill–Nerode scores and controls, then per function the mean weighted ambiguity beside
    the mean centroid and member IIA (the correlations and the figure: statistics_computation.py)."""
    lines = []
    for set_name, keys in view.keys_by_set.items():
        entries = [merged[key]["faithfulness"] for key in keys if "faithfulness" in merged.get(key, {})]
        if not entries:
            continue
        means = "  ".join(f"{name} {_mean([entry[name] for entry in entries]):.4f}"
                          for name in ("compression", "distinction_precision", "distinction_recall"))
        lines.append(f"faithfulness, {set_name} ({len(entries)} networks): {means}")
        controls = [entry["interventions"]["controls"] for entry in entries if "interventions" in entry]
        if controls:
            lines.append(f"  controls: random vector {_mean([c['random'] for c in controls]):.4f}  "
                         f"mean vector {_mean([c['mean'] for c in controls]):.4f}")
        for name, column in sorted(iia_columns(merged, view.ambiguity, keys).items()):
            lines.append(f"  {name:<22} wamb {np.mean(column['wamb']):.4f}  centroid IIA "
                         f"{np.mean(column['centroid_iia']):.4f}  member IIA {np.nanmean(column['member_iia']):.4f}  "
                         f"({len(column['wamb'])} networks)")
    return lines


def _mean(values) -> float:
    """The mean of the values that are not None (nan when none is)."""
    present = [value for value in values if value is not None]
    return float(np.mean(present)) if present else float("nan")
