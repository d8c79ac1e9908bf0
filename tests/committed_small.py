"""The committed small-experiment numbers, and how closely a run on any machine must give them
(docs/reproduction.md, On another machine)."""
from pathlib import Path

from stateclusters.results.files import AMBIGUITY_FILE, SCORES_FILE, read_pickle

COMMITTED = Path(__file__).resolve().parents[1] / "experiment_results" / "small"
EXACT = 1e-9
# lr's L-BFGS stops at scikit-learn's tolerance along a path that depends on the BLAS kernel: its numbers may differ
# by this much; every other number is the same on every machine.
LR_TOLERANCE = 0.01


def committed_results() -> tuple[dict, dict]:
    """{key: {function: [amb, wamb, max, min, n_clusters]}} and {key: {function: {score: value}}} as committed."""
    return read_pickle(COMMITTED / AMBIGUITY_FILE), read_pickle(COMMITTED / SCORES_FILE)


def differences(ambiguity: dict, scores: dict) -> list[str]:
    """Each number of a run that is farther from the committed one than its function allows."""
    committed_ambiguity, committed_scores = committed_results()
    found = []
    for key, functions in ambiguity.items():
        for function, numbers in functions.items():
            allowed = LR_TOLERANCE if function == "lr" else EXACT
            ours = dict(zip(("amb", "wamb", "max", "min"), numbers[:4])) | scores[key][function]
            theirs = (dict(zip(("amb", "wamb", "max", "min"), committed_ambiguity[key][function][:4]))
                      | committed_scores[key][function])
            found += [f"{key} {function} {name}: {value} against {theirs[name]} committed"
                      for name, value in ours.items() if abs(value - theirs[name]) > allowed]
            if function != "lr" and numbers[4] != committed_ambiguity[key][function][4]:
                found.append(f"{key} {function}: {numbers[4]} clusters against {committed_ambiguity[key][function][4]}")
    return found
