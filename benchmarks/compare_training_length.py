"""Our own networks trained two ways, evaluated the same way: what training length does to the hidden states.

    python benchmarks/compare_training_length.py SPEC_FOLDER PAPER_FOLDER

Both folders are experiment_runner.py results of the same configurations: SPEC_FOLDER trained with early stop
(the contract's), PAPER_FOLDER trained every epoch (`--protocol paper`, or its training settings alone). For the
networks both hold it prints epochs and accuracy, the mean pairwise distance of their hidden states on the
same validation words, and the mean weighted ambiguity per function as each folder's records have it.
"""
import argparse
from pathlib import Path

import numpy as np

from clustering import FUNCTION_NAMES
from stateclusters.base.cli import run_cli
from stateclusters.base.errors import UserError
from stateclusters.results.files import read_job_record, read_results

DISTANCE_SAMPLE = 2_000     # vectors whose pairwise distances are averaged (the same rows in both folders)


def done_records(folder: Path) -> dict:
    records = {}
    for path in sorted((folder / "jobs").glob("*.pickle")):
        record = read_job_record(path)
        if record["status"] == "done":
            records[record["name"]] = record
    return records


def mean_pairwise_distance(folder: Path, name: str, language: str) -> float:
    """Mean distance between the hidden states of DISTANCE_SAMPLE validation prefixes (spec's words, one seed)."""
    from scipy.spatial.distance import pdist

    from automata import get_automaton
    from rnn_models import load_checkpoint
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.results.files import name_seed
    seed = name_seed(name)
    model, _ = load_checkpoint(folder / "checkpoints" / f"{name}.pt")
    data = NetworkData(model, get_automaton(language), seed=seed)
    rows = np.random.default_rng(seed).choice(len(data.hidden_states), DISTANCE_SAMPLE, replace=False)
    return float(pdist(data.hidden_states[rows]).mean())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("spec_folder", type=Path)
    parser.add_argument("paper_folder", type=Path)
    args = parser.parse_args(argv)
    for folder in (args.spec_folder, args.paper_folder):
        if not (folder / "jobs").is_dir():
            raise UserError(f"{folder} holds no jobs/ folder of experiment_runner.py")
    spec, paper = done_records(args.spec_folder), done_records(args.paper_folder)
    names = sorted(set(spec) & set(paper))
    if not names:
        raise UserError("the two folders have no finished network in common")
    print(f"{len(names)} networks in both\n")
    print("| network | epochs (spec / paper) | accuracy | mean pairwise distance |")
    print("|---|---|---|---|")
    for name in names:
        language = spec[name]["spec"]["language"]
        distances = [mean_pairwise_distance(folder, name, language) for folder in (args.spec_folder, args.paper_folder)]
        epochs = [records[name]["training"].get("epochs_run") for records in (spec, paper)]
        accuracy = [records[name]["accuracy"] for records in (spec, paper)]
        print(f"| {name} | {epochs[0]} / {epochs[1]} | {accuracy[0]:.4f} / {accuracy[1]:.4f} | "
              f"{distances[0]:.2f} / {distances[1]:.2f} |")
    ambiguities = [read_results(folder)[1] for folder in (args.spec_folder, args.paper_folder)]
    keys = [f"{name}_regular" for name in names]
    print("\n| function | spec-trained | paper-trained | difference |\n|---|---|---|---|")
    for function in FUNCTION_NAMES:
        means = [np.mean([ambiguity[key][function][1] for key in keys]) for ambiguity in ambiguities]
        print(f"| {function} | {means[0]:.3f} | {means[1]:.3f} | {means[1] - means[0]:+.3f} |")
    return 0


if __name__ == "__main__":
    run_cli(main)
