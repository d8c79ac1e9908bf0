"""Automata learned actively from one network (active_learning, vpa_learning), for the driver, the grid runner
and the statistics: one report per algorithm, OUT/learning.pickle, and its summary beside extraction.pickle.

learning.pickle maps a SPEC §8 result key (the network and its first labeling: `regular`, or `stackless` for
PDAs) to {algorithm: LearningReport.as_dict()}; an algorithm that could not run on a network is left out
(its reason stays in the job record).
"""
from pathlib import Path

import numpy as np

from automata import is_context_free
from rnn_models import RecurrentClassifier
from stateclusters.base.errors import ResultFileError
from stateclusters.extras.active_learning import EQ_WORDS, MEMBERSHIP_QUERIES, LearningReport, learning_report
from stateclusters.extras.extraction import ExtractionInputs
from stateclusters.extras.vpa_learning import vpa_learning_report
from stateclusters.results.files import LEARNING_FILE, read_pickle
from stateclusters.words.runs import labelings_for

REGULAR_ALGORITHMS = ("lstar", "kv")
VPA_ALGORITHMS = ("kv",)      # AALpy learns VPAs with KV only


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


def describe_learning(reports: dict[str, dict | str], n_test_words: int) -> str:
    """One paragraph per algorithm, for the driver."""
    lines = []
    for algorithm, report in reports.items():
        if isinstance(report, str):
            lines.append(f"active learning ({algorithm}): not run: {report}")
            continue
        truth = "" if report["ground_truth_states"] is None else f" (ground truth: {report['ground_truth_states']})"
        equivalent = {True: "yes", False: "no", None: "not checked (pushdown ground truth)"}[report["equivalent"]]
        stopped = "" if report["converged"] else " — stopped by the round or query budget, last hypothesis"
        lines.append(
            f"active learning ({algorithm}, {report['automaton_type']}): {report['states']} states{truth}{stopped}\n"
            f"  equivalent to the ground truth: {equivalent}\n"
            f"  {report['membership_queries']} membership queries ({report['membership_steps']} letters), "
            f"{report['equivalence_queries']} equivalence-oracle words, {report['rounds']} rounds, "
            f"{report['seconds']:.1f} s\n"
            f"  agreement after every prefix of {n_test_words} test words: with the ground truth "
            f"{report['agreement_with_automaton']:.4f}, with the network {report['agreement_with_network']:.4f}")
    return "\n".join(lines)


def read_learning(directory: str | Path) -> dict | None:
    """learning.pickle of a results folder, or None when the folder has none; a malformed one is refused."""
    path = Path(directory) / LEARNING_FILE
    if not path.exists():
        return None
    learning = read_pickle(path)
    fields = set(LearningReport.__dataclass_fields__)
    if not isinstance(learning, dict) or not all(
            isinstance(reports, dict) and all(isinstance(report, dict) and set(report) == fields
                                              for report in reports.values()) for reports in learning.values()):
        raise ResultFileError(f"result file {path} does not map result keys to {{algorithm: learning report}}")
    return learning


def _architecture(key: str) -> str:
    """The rnn field of a result key `{language}_{rnn}_{layers}_{hidden}_{repetition}_{labeling}`."""
    return key.split("_")[-5]


def summary_lines(learning: dict, keys_by_set: dict[str, list[str]], extraction: dict | None = None) -> list[str]:
    """Per set, architecture and algorithm: share learned exactly, mean learned vs true size, and how often
    the learned automaton and the k_means_8 clusters' automaton agree on equivalence with the ground truth."""
    lines = []
    for set_name, keys in keys_by_set.items():
        for architecture in sorted({_architecture(key) for key in keys if key in learning}):
            for algorithm in REGULAR_ALGORITHMS:
                chosen = [key for key in keys
                          if _architecture(key) == architecture and algorithm in learning.get(key, {})]
                if chosen:
                    lines.append(_summary_line(learning, extraction, chosen, algorithm, f"{set_name}, {architecture}"))
    return lines


def _summary_line(learning: dict, extraction: dict | None, keys: list[str], algorithm: str, where: str) -> str:
    reports = [learning[key][algorithm] for key in keys]
    sizes = np.mean([report["moore_states"] or report["states"] for report in reports])
    decided = [report["equivalent"] for report in reports if report["equivalent"] is not None]
    exact = f"{sum(decided)} of {len(decided)} learned exactly" if decided else "equivalence not checked (VPA)"
    truth = [report["ground_truth_states"] for report in reports if report["ground_truth_states"] is not None]
    true_size = f" vs true {np.mean(truth):.1f}" if truth else ""
    line = (f"active learning {algorithm}, {where}: {exact}; mean learned size {sizes:.1f}{true_size}; "
            f"{sum(not report['converged'] for report in reports)} stopped by budget; mean agreement with the "
            f"network {np.mean([report['agreement_with_network'] for report in reports]):.4f} "
            f"({len(reports)} networks)")
    if extraction:
        both = [(learning[key][algorithm]["equivalent"], extraction[key]["k_means_8"]["equivalent"]) for key in keys
                if "k_means_8" in extraction.get(key, {}) and learning[key][algorithm]["equivalent"] is not None]
        if both:
            line += (f"; agrees with the k_means_8 clusters' automaton on equivalence in "
                     f"{sum(a == b for a, b in both)} of {len(both)}")
    return line
