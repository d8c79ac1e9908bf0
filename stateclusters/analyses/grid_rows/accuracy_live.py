"""--accuracy-live: the every-prefix test on words drawn like the training words (analyses/live_accuracy.py)."""
from stateclusters.analyses.live_accuracy import live_summary_lines
from stateclusters.base.catalogue import LIVE_WORDS


def settings(options: dict):
    return LIVE_WORDS


def run(data, spec) -> float:
    from stateclusters.analyses.live_accuracy import live_accuracy
    return live_accuracy(data.model, data.automaton, seed=spec.seed)


def is_valid(merged) -> bool:
    return isinstance(merged, dict) and all(isinstance(value, float) for value in merged.values())


def summary_lines(merged: dict, view) -> list[str]:
    return live_summary_lines(view.accuracy, merged, view.keys_by_set)
