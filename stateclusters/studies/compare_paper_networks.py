"""Compare results of evaluate_paper_networks.py with the paper's own files, and tabulate an ablation.

    python -m stateclusters.studies.compare_paper_networks \
        --paper-repo ../shared/paper experiment_results/paper_networks/paper
    python -m stateclusters.studies.compare_paper_networks --paper-repo ../shared/paper --ablation OUT1 OUT2 ...

The first form prints, per labeling group, the mean weighted ambiguity per function (ours, the paper's), the
mean per-network |Δ wamb|, the Spearman ρ of the function means, and the mean |Δ accuracy|. The second prints
one column of mean weighted ambiguity per folder, over the result keys every folder has (regular and
stackless labelings), with the paper's files as the last column.
"""
import argparse
from pathlib import Path

import numpy as np

from stateclusters.base.cli import run_cli
from stateclusters.clustering.functions import FUNCTION_NAMES
from stateclusters.paper.comparison import compare, comparison_table, read_expected
from stateclusters.paper.names import split_result_key
from stateclusters.results.files import read_results

GROUPS = {"regular": ("regular",), "stackless": ("stackless",), "stackful": ("stackful",),
          "top_of_stack": ("top_of_stack",)}


def print_comparison(folder: Path, expected: dict) -> None:
    accuracy, ambiguity = read_results(folder)
    for group, labelings in GROUPS.items():
        try:
            comparison = compare(accuracy, ambiguity, expected, labelings)
        except ValueError:
            continue
        worst, gap = comparison.largest_mean_gap()
        print(f"\n## {group}: {len(comparison.keys)} keys; mean |Δ wamb| {comparison.mean_absolute_difference:.3f}; "
              f"Spearman ρ {comparison.spearman:.3f}; largest mean gap {worst} {gap:.3f}; "
              f"mean |Δ accuracy| {comparison.accuracy_difference:.3f}\n")
        print(comparison_table(comparison))


def print_ablation(folders: list[Path], expected: dict) -> None:
    results = [read_results(folder)[1] for folder in folders]
    keys = sorted(set.intersection(*(set(result) for result in results)) & set(expected))
    keys = [key for key in keys if split_result_key(key)[1] in ("regular", "stackless")]
    print(f"{len(keys)} result keys (regular and stackless)\n")
    print("| function | " + " | ".join(folder.name for folder in folders) + " | paper's files |")
    print("|---" * (len(folders) + 2) + "|")
    # Folders evaluated with --functions have only some rows: the functions that every folder has.
    functions = [name for name in FUNCTION_NAMES if all(name in result[key] for result in results for key in keys)]
    for function in functions:
        means = [np.mean([result[key][function][1] for key in keys]) for result in results]
        paper = np.mean([expected[key]["functions"][function][1] for key in keys])
        print(f"| {function} | " + " | ".join(f"{mean:.3f}" for mean in means) + f" | {paper:.3f} |")


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paper-repo", type=Path, required=True, help="folder with expected_paper_results.json")
    parser.add_argument("--ablation", action="store_true", help="tabulate the folders side by side")
    parser.add_argument("folders", type=Path, nargs="+", help="output folders of evaluate_paper_networks.py")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    expected = read_expected(args.paper_repo)
    if args.ablation:
        print_ablation(args.folders, expected)
    else:
        for folder in args.folders:
            print(f"# {folder}")
            print_comparison(folder, expected)
    return 0


if __name__ == "__main__":
    run_cli(main)
