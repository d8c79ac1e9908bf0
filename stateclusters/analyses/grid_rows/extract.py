"""--extract: the automata of the k_means_8 and DBSCAN clusters, minimised and compared (analyses/extraction.py)."""
import typing

from stateclusters.analyses.extraction_report import ExtractionReport
from stateclusters.analyses.extraction_report import summary_lines as extraction_lines


def settings(options: dict):
    return True


def run(data, spec) -> dict:
    from stateclusters.analyses.extraction import extract_network
    return extract_network(data)


def is_valid(merged) -> bool:
    return reports_are_valid(merged, ExtractionReport)


def summary_lines(merged: dict, view) -> list[str]:
    return extraction_lines(merged, view.keys_by_set)


def reports_are_valid(merged, report_type) -> bool:
    """{result key: {name: report as a dict}} with exactly the report's fields, each of its declared type."""
    kinds = {name: _accepted_types(hint) for name, hint in typing.get_type_hints(report_type).items()}
    return isinstance(merged, dict) and all(
        isinstance(reports, dict) and all(isinstance(report, dict) and set(report) == set(kinds) and
                                          all(isinstance(report[name], kinds[name]) for name in kinds)
                                          for report in reports.values()) for reports in merged.values())


def _accepted_types(hint) -> tuple[type, ...]:
    """`int | None` → (int, NoneType); a float field takes an int too (1 is a share as well as 1.0)."""
    kinds = tuple(type(None) if kind is None else kind for kind in (typing.get_args(hint) or (hint,)))
    return kinds + (int,) * (float in kinds)
