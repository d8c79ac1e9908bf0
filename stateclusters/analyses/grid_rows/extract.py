"""--extract: the automata of the k_means_8 and DBSCAN clusters, minimised and compared (analyses/extraction.py)."""
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
    """{result key: {name: report as a dict}} with exactly the report's fields."""
    fields = set(report_type.__dataclass_fields__)
    return isinstance(merged, dict) and all(
        isinstance(reports, dict) and all(isinstance(report, dict) and set(report) == fields
                                          for report in reports.values()) for reports in merged.values())
