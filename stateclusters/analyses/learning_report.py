"""The report of one automaton learned from a network, its text and its summaries; numpy only, so that the
statistics read learning.pickle without AALpy or torch.

learning.pickle maps a result key (the network and its first labeling: `regular`, or `stackless` for PDAs) to
{algorithm: LearningReport.as_dict()}; an algorithm that could not run on a network is left out (its reason
stays in the job record).
"""
from dataclasses import asdict, dataclass

import numpy as np

from stateclusters.base.keys import parse_key

REGULAR_ALGORITHMS = ("lstar", "kv")

@dataclass(frozen=True)
class LearningReport:
    """One learning run on one network, compared with the ground truth and with the network."""
    algorithm: str
    automaton_type: str              # 'dfa', 'moore', 'mealy' (or 'vpa', see vpa_learning)
    states: int                      # states of the learned automaton as AALpy returns it
    moore_states: int | None         # its minimal Moore machine of outputs after each prefix (None for a VPA)
    ground_truth_states: int | None  # the ground truth's, as in ExtractionReport
    equivalent: bool | None          # bisimilar to the ground truth; None where not checked (pushdown)
    agreement_with_automaton: float  # share of conformance words agreeing after every prefix
    agreement_with_network: float
    converged: bool                  # False: MAX_ROUNDS or the query budget reached (the last hypothesis is kept)
    rounds: int
    membership_queries: int          # queries that reached the network (after AALpy's cache)
    membership_steps: int
    equivalence_queries: int         # random words the equivalence oracle ran
    seconds: float

    def as_dict(self) -> dict:
        return asdict(self)


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


def _architecture(key: str) -> str:
    """The rnn field of a result key `{language}_{rnn}_{layers}_{hidden}_{repetition}_{labeling}`."""
    return parse_key(key).network.rnn


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
