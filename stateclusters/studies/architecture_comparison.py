"""Markdown tables comparing architectures in one grid results folder, read from its job records.

Per network: validation and conformance accuracy, training seconds per epoch, weighted ambiguity of k-means 8·|Q|
and the two probes. Per architecture: mean weighted ambiguity per function family, and k-means 8·|Q| weighted
ambiguity of the state after whole words of the training lengths (1–14) and beyond (15–50).

    python -m stateclusters.studies.architecture_comparison experiment_results/transformer_comparison
"""
import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

from stateclusters.base.catalogue import MAX_TRAINING_LENGTH
from stateclusters.clustering.functions import FAMILIES, FUNCTIONS
from stateclusters.grid.jobs import done_job_records

FAMILY_OF = {function.name: function.family for function in FUNCTIONS}
SHOWN_FUNCTIONS = ("k_means_8", "lda", "lr")
MAIN_LABELINGS = ("regular", "stackless")   # one labeling per network for the per-network table


def architecture(spec: dict) -> str:
    return f"{spec['rnn']} {spec['layers']}x1"


def wamb(values) -> float:
    return values[1] if isinstance(values, list) else float("nan")


def network_table(records: list[dict]) -> None:
    print("| network | epochs | validation acc. | conformance acc. | s/epoch | " +
          " | ".join(f"wamb {name}" for name in SHOWN_FUNCTIONS) + " |")
    print("|---" * (5 + len(SHOWN_FUNCTIONS)) + "|")
    for record in records:
        training = record["training"]
        labeling = next(name for name in MAIN_LABELINGS if name in record["results"])
        functions = record["results"][labeling]
        print(f"| {record['name']} | {training['epochs_run']} | {training['validation_accuracy']:.3f} | "
              f"{record['accuracy']:.3f} | {training['training_seconds'] / training['epochs_run']:.2f} | " +
              " | ".join(f"{wamb(functions.get(name)):.3f}" for name in SHOWN_FUNCTIONS) + " |")


def family_table(records: list[dict], labeling: str) -> None:
    per_architecture = defaultdict(lambda: defaultdict(list))
    for record in records:
        for name, values in record["results"].get(labeling, {}).items():
            per_architecture[architecture(record["spec"])][FAMILY_OF[name]].append(wamb(values))
    if not per_architecture:
        return
    print(f"\nmean weighted ambiguity per function family, {labeling} labels (networks × functions averaged)\n")
    print("| architecture | networks | " + " | ".join(FAMILIES) + " |")
    print("|---" * (2 + len(FAMILIES)) + "|")
    for name, families in sorted(per_architecture.items()):
        n_networks = sum(1 for r in records if architecture(r["spec"]) == name and labeling in r["results"])
        print(f"| {name} | {n_networks} | " +
              " | ".join(f"{np.nanmean(families[family]):.3f}" for family in FAMILIES) + " |")


def length_table(records: list[dict], function: str = "k_means_8") -> None:
    rows = defaultdict(lambda: ([], []))
    for record in records:
        for key_labeling in MAIN_LABELINGS:
            per_length = record.get("length_generalisation", {}).get(key_labeling, {}).get(function)
            if per_length:
                short, long = rows[(architecture(record["spec"]), key_labeling)]
                short.append(np.mean([v[1] for length, v in per_length.items() if length <= MAX_TRAINING_LENGTH]))
                long.append(np.mean([v[1] for length, v in per_length.items() if length > MAX_TRAINING_LENGTH]))
    print(f"\n{function} weighted ambiguity of the state after whole words, mean over lengths and networks\n")
    print(f"| architecture | labels | networks | lengths 1-{MAX_TRAINING_LENGTH} | "
          f"lengths {MAX_TRAINING_LENGTH + 1}-50 |")
    print("|---|---|---|---|---|")
    for (name, labeling), (short, long) in sorted(rows.items()):
        print(f"| {name} | {labeling} | {len(short)} | {np.mean(short):.3f} | {np.mean(long):.3f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="grid results folder (with jobs/)")
    args = parser.parse_args(argv)
    records = done_job_records(args.results)
    network_table(records)
    for labeling in ("regular", "stackless", "stack_size", "top_of_stack"):
        family_table(records, labeling)
    length_table(records)
    return 0


if __name__ == "__main__":
    sys.exit(main())
