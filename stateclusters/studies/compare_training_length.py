"""Our own networks trained two ways, evaluated the same way: what training length does to the hidden states.

    python -m stateclusters.studies.compare_training_length SPEC_FOLDER PAPER_FOLDER

Both folders are experiment_runner.py results of the same configurations: SPEC_FOLDER trained with early stop
(the contract's), PAPER_FOLDER trained every epoch (`--protocol paper`). Every one-layer regular network both
hold is evaluated here the same way, under spec, so that only the training differs: epochs, conformance
accuracy, the mean pairwise distance of the hidden states, and the mean weighted ambiguity per function.
"""
import argparse
from pathlib import Path

import numpy as np

from stateclusters.base.cli import run_cli
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FUNCTION_NAMES
from stateclusters.grid.jobs import done_job_records
from stateclusters.results.files import JOBS_FOLDER

DISTANCE_SAMPLE = 2_000     # vectors whose pairwise distances are averaged (the same rows in both folders)


def evaluated_the_same_way(folder: Path, name: str, language: str) -> tuple[float, float, dict]:
    """(conformance accuracy, mean pairwise distance of the hidden states, {function: wamb}) under spec."""
    from scipy.spatial.distance import pdist

    from stateclusters.automata import get_automaton
    from stateclusters.base.keys import name_seed
    from stateclusters.evaluation.network import evaluate_network
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.networks.recurrent import load_checkpoint
    seed = name_seed(name)
    model, _ = load_checkpoint(folder / "checkpoints" / f"{name}.pt")
    data = NetworkData(model, get_automaton(language), seed=seed)
    evaluation = evaluate_network(data, FUNCTION_NAMES, labelings=("regular",))
    rows = np.random.default_rng(seed).choice(len(data.hidden_states), DISTANCE_SAMPLE, replace=False)
    wamb = {name: result.wamb for name, result in evaluation.results["regular"].items()}
    return float(evaluation.accuracy), float(pdist(data.hidden_states[rows]).mean()), wamb


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec_folder", type=Path)
    parser.add_argument("paper_folder", type=Path)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    folders = (args.spec_folder, args.paper_folder)
    for folder in folders:
        if not (folder / JOBS_FOLDER).is_dir():
            raise UserError(f"{folder} holds no jobs/ folder of experiment_runner.py")
    records = [{record["name"]: record for record in done_job_records(folder)} for folder in folders]
    names = sorted(name for name in set(records[0]) & set(records[1]) if records[0][name]["spec"]["layers"] == 1)
    if not names:
        raise UserError("the two folders have no finished one-layer network in common")
    print(f"{len(names)} networks in both, each evaluated here under spec (2,000 shuffled validation words)\n")
    print("| network | epochs (spec / paper) | accuracy | mean pairwise distance |")
    print("|---|---|---|---|")
    wambs = ([], [])
    for name in names:
        language = records[0][name]["spec"]["language"]
        results = [evaluated_the_same_way(folder, name, language) for folder in folders]
        epochs = [folder_records[name]["training"].get("epochs_run") for folder_records in records]
        for side, result in enumerate(results):
            wambs[side].append(result[2])
        print(f"| {name} | {epochs[0]} / {epochs[1]} | {results[0][0]:.4f} / {results[1][0]:.4f} | "
              f"{results[0][1]:.2f} / {results[1][1]:.2f} |", flush=True)
    print("\n| function | spec-trained | paper-trained | difference |\n|---|---|---|---|")
    for function in FUNCTION_NAMES:
        means = [np.mean([wamb[function] for wamb in side]) for side in wambs]
        print(f"| {function} | {means[0]:.3f} | {means[1]:.3f} | {means[1] - means[0]:+.3f} |")
    return 0


if __name__ == "__main__":
    run_cli(main)
