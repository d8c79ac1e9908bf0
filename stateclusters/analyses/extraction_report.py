"""The report of one automaton extracted from clusters, and its summaries; numpy only, so statistics stay light.

extraction.pickle maps a result key (the network and its labeling: `regular`, or `stackless` for PDAs) to
{function: ExtractionReport.as_dict()}; functions that failed on a network are left out.
"""
from dataclasses import asdict, dataclass

import numpy as np

from stateclusters.base.catalogue import EXTRACTION_FUNCTIONS


@dataclass(frozen=True)
class ExtractionReport:
    """How the automaton of one clustering compares with the ground truth and with the network."""
    states_before: int               # clusters + initial state (+ sink)
    states_after: int                # after minimising the part reachable from the initial state
    ground_truth_states: int | None  # minimal Moore machine of the ground truth; None for PDAs
    conflicts: int                   # transition conflicts, as AbstractAutomaton.transition_conflicts
    output_conflicts: int
    missing_transitions: int
    equivalent: bool | None          # None: the ground truth is a PDA, equivalence is not checked
    agreement_with_automaton: float  # share of test words with the ground truth's output after every prefix
    agreement_with_network: float    # share of test words with the network's output after every prefix

    def as_dict(self) -> dict:
        return asdict(self)


def describe_report(function: str, report: ExtractionReport, n_test_words: int) -> str:
    """The report in three lines, for the driver."""
    truth = "" if report.ground_truth_states is None else f" (ground truth: {report.ground_truth_states})"
    equivalent = {True: "yes", False: "no", None: "not checked (pushdown ground truth)"}[report.equivalent]
    return (f"automaton of the {function} clusters: {report.states_before} states with the initial state → "
            f"{report.states_after} after minimisation{truth}; {report.conflicts} transition conflicts, "
            f"{report.output_conflicts} output conflicts, {report.missing_transitions} missing transitions\n"
            f"equivalent to the ground truth: {equivalent}\n"
            f"agreement after every prefix of {n_test_words} test words: with the ground truth "
            f"{report.agreement_with_automaton:.4f}, with the network {report.agreement_with_network:.4f}")


def summary_lines(extraction: dict, keys_by_set: dict[str, list[str]],
                  function_names=EXTRACTION_FUNCTIONS) -> list[str]:
    """Per set and function: how many networks' automata are equivalent to the ground truth, mean agreements."""
    lines = []
    for set_name, keys in keys_by_set.items():
        for name in function_names:
            reports = [extraction[key][name] for key in keys if name in extraction.get(key, {})]
            if not reports:
                continue
            automaton = np.mean([report["agreement_with_automaton"] for report in reports])
            network = np.mean([report["agreement_with_network"] for report in reports])
            decided = [report["equivalent"] for report in reports if report["equivalent"] is not None]
            share = (f"{sum(decided)} of {len(decided)} ({sum(decided) / len(decided):.1%}) equivalent to the "
                     "ground truth" if decided else "equivalence not checked (pushdown ground truth)")
            lines.append(f"automaton of {name}, {set_name}: {share}; mean agreement on the test words with the "
                         f"ground truth {automaton:.4f}, with the network {network:.4f} ({len(reports)} networks)")
    return lines
