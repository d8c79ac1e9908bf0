"""extraction.pickle: the report of one extracted automaton, reading the file and summarising it.

Kept free of AALpy and torch, so that statistics_computation.py reads it without them.
"""
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from stateclusters.base.catalogue import EXTRACTION_FUNCTIONS
from stateclusters.base.errors import ResultFileError
from stateclusters.results.files import EXTRACTION_FILE, read_pickle


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


def read_extraction(directory: str | Path) -> dict | None:
    """extraction.pickle of a results folder, or None when the folder has none; a malformed one is refused."""
    path = Path(directory) / EXTRACTION_FILE
    if not path.exists():
        return None
    extraction = read_pickle(path)
    fields = set(ExtractionReport.__dataclass_fields__)
    if not isinstance(extraction, dict) or not all(
            isinstance(reports, dict) and all(isinstance(report, dict) and set(report) == fields
                                              for report in reports.values()) for reports in extraction.values()):
        raise ResultFileError(f"result file {path} does not map result keys to {{function: extraction report}}")
    return extraction


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
