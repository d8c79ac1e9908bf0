"""Automata learned actively from one network (active_learning, vpa_learning), for the driver and the grid
runner: one report per algorithm (learning_report.py holds the report, its text and its summaries).
"""
from stateclusters.analyses.active_learning import EQ_WORDS, MEMBERSHIP_QUERIES, learning_report
from stateclusters.analyses.extraction import ExtractionInputs
from stateclusters.analyses.learning_report import REGULAR_ALGORITHMS
from stateclusters.analyses.vpa_learning import vpa_learning_report
from stateclusters.automata import is_context_free
from stateclusters.networks.recurrent import RecurrentClassifier
from stateclusters.words.runs import labelings_for


def learn_network(model: RecurrentClassifier, automaton, inputs: ExtractionInputs, seed: int = 0,
                  eq_words: int = EQ_WORDS, max_queries: int = MEMBERSHIP_QUERIES) -> dict[str, dict[str, dict | str]]:
    """{labeling: {algorithm: report dict, or why it was not learned}} for the first labeling."""
    labeling = labelings_for(automaton)[0]
    reports: dict[str, dict | str] = {}
    if is_context_free(automaton):
        reports["lstar"] = "AALpy's L* learns no visibly pushdown automata (KV does)"
        report = vpa_learning_report(model, automaton, inputs, seed=seed, eq_words=eq_words, max_queries=max_queries)
        reports["kv"] = report if isinstance(report, str) else report.as_dict()
    else:
        for algorithm in REGULAR_ALGORITHMS:
            reports[algorithm] = learning_report(model, automaton, inputs, algorithm, seed=seed, eq_words=eq_words,
                                                 max_queries=max_queries).as_dict()
    return {labeling: reports}
