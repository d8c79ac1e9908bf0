"""--learn: automata learned from the network with AALpy's L* and KV (analyses/learning_results.py)."""
from stateclusters.analyses.grid_rows.extract import reports_are_valid
from stateclusters.analyses.learning_report import LearningReport
from stateclusters.analyses.learning_report import summary_lines as learning_lines


def settings(options: dict):
    return [options["learn_words"], options["learn_queries"]]


def run(data, spec) -> dict:
    from stateclusters.analyses.extraction import extraction_inputs
    from stateclusters.analyses.learning_results import learn_network
    options = spec.analysis_settings()
    return learn_network(data.model, data.automaton, extraction_inputs(data), seed=spec.seed,
                         eq_words=options["learn_words"], max_queries=options["learn_queries"])


def is_valid(merged) -> bool:
    return reports_are_valid(merged, LearningReport)


def summary_lines(merged: dict, view) -> list[str]:
    return learning_lines(merged, view.keys_by_set, view.merged.get("extract"))
