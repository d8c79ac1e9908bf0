"""Our results on the paper's networks against its own result files (expected_paper_results.json)."""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FUNCTION_NAMES
from stateclusters.paper.names import split_result_key

EXPECTED_FILE = "expected_paper_results.json"
WAMB = 1   # index of the weighted ambiguity in [amb, wamb, max, min, n_clusters]


@dataclass(frozen=True)
class Comparison:
    """Agreement over the keys both have, for one group of labelings."""
    keys: tuple[str, ...]
    mean_ours: dict           # function -> mean wamb over the keys
    mean_paper: dict
    mean_absolute_difference: float   # mean over keys and functions of |Δ wamb|
    spearman: float           # of the function means
    accuracy_difference: float        # mean |Δ accuracy| over the networks

    def largest_mean_gap(self) -> tuple[str, float]:
        name = max(self.mean_ours, key=lambda f: abs(self.mean_ours[f] - self.mean_paper[f]))
        return name, abs(self.mean_ours[name] - self.mean_paper[name])


def read_expected(paper_repo: Path) -> dict:
    """The paper's own numbers; a missing or unreadable file is a UserError naming it."""
    path = Path(paper_repo) / EXPECTED_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path} does not exist: --paper-repo must hold the paper's result numbers") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"{path} is not valid JSON ({error})") from None


def compare(accuracy: dict, ambiguity: dict, expected: dict, labelings, functions=FUNCTION_NAMES) -> Comparison:
    """Compare on the keys of the given paper labelings that both sides have (with every function)."""
    keys = tuple(sorted(key for key in ambiguity if key in expected and split_result_key(key)[1] in labelings
                        and all(f in ambiguity[key] and f in expected[key]["functions"] for f in functions)))
    if not keys:
        raise ValueError(f"no common keys for labelings {labelings}")
    ours = np.array([[ambiguity[key][f][WAMB] for f in functions] for key in keys])
    paper = np.array([[expected[key]["functions"][f][WAMB] for f in functions] for key in keys])
    first_keys = {}   # stem -> its first key: a network's accuracy is the same under every labeling
    for key in keys:
        first_keys.setdefault(split_result_key(key)[0], key)
    accuracy_gap = np.mean([abs(accuracy[key] - expected[key]["accuracy"]) for key in first_keys.values()])
    return Comparison(keys, dict(zip(functions, ours.mean(axis=0))), dict(zip(functions, paper.mean(axis=0))),
                      float(np.abs(ours - paper).mean()),
                      float(spearmanr(ours.mean(axis=0), paper.mean(axis=0)).statistic), float(accuracy_gap))


def comparison_table(comparison: Comparison) -> str:
    """A Markdown table of the function means, ours and the paper's."""
    lines = ["| function | ours | paper | Δ |", "|---|---|---|---|"]
    for name in comparison.mean_ours:
        ours, paper = comparison.mean_ours[name], comparison.mean_paper[name]
        lines.append(f"| {name} | {ours:.3f} | {paper:.3f} | {ours - paper:+.3f} |")
    return "\n".join(lines)
