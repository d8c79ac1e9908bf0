"""Benchmark: one network's evaluation (docs/contract.md), our path against a naive reference, stage by stage.

For a tomita3 GRU (hidden 20) and a context-free GRU (CFG_L_14, hidden 105 = 5·|Σ|·|Q|), on the same
validation words, it times the conformance test, hidden-state extraction, state labelling, each of the 19
abstraction functions and the ambiguity, for our path and for the naive reference in this file (what the
paper's code did: one network call per letter, the automaton stepped per letter, scikit-learn on every
vector for every function with nothing reused, ambiguity counted in dictionaries). It checks that both paths
give the same ambiguity values and prints `MISMATCH …` where they do not. The last line is `speedup: X`,
naive total / our total over both networks.

    python benchmarks/bench_evaluation.py              # about 5–8 minutes on 2 cores, mostly the naive path
    python benchmarks/bench_evaluation.py --threads 2  # BLAS/OpenMP/torch threads for both paths

The networks are trained by our own code (train_network) the first time and cached in
benchmarks/checkpoints/ (tiny files); --retrain trains them again.
"""
import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_networks import CHECKPOINTS, NETWORKS, BenchNetwork  # noqa: E402
from stateclusters.base.arguments import at_most, parser_for, positive_int, seed_int  # noqa: E402
from stateclusters.base.catalogue import MAX_WORDS  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
    parser.add_argument("--words", type=at_most(MAX_WORDS), default=2000, help="validation words per network")
    parser.add_argument("--conformance-words", type=at_most(MAX_WORDS), default=10_000,
                        help="words of the conformance test")
    parser.add_argument("--threads", type=positive_int, default=1, help="torch and BLAS/OpenMP threads for both paths")
    parser.add_argument("--seed", type=seed_int, default=0, help="seed of the words and of k-means")
    parser.add_argument("--networks", default=",".join(net.language for net in NETWORKS),
                        help="which of the benchmark networks to run")
    parser.add_argument("--retrain", action="store_true", help="train the networks again instead of loading them")
    parser.add_argument("--checkpoint-dir", type=Path, default=CHECKPOINTS,
                        help="where the networks are cached (default: benchmarks/checkpoints)")
    parser.add_argument("--repeat-naive-bandwidth", action="store_true",
                        help="let the naive path estimate the bandwidth for each mean-shift function, as the "
                        "paper did (default: estimate once and charge the measured time to each of the four)")
    parser.add_argument("--only-ours", action="store_true", help="time our path only (no table, no checks)")
    return parser.parse_args(argv)


def chosen_networks(text: str) -> list[BenchNetwork]:
    """The benchmark networks named in --networks; an unknown name is a UserError listing the valid ones."""
    by_language = {net.language: net for net in NETWORKS}
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_language]
    if unknown or not names:
        raise UserError(f"unknown benchmark network '{unknown[0] if unknown else text}'; "
                        f"valid: {', '.join(by_language)}")
    return [by_language[name] for name in dict.fromkeys(names)]


def main(argv=None) -> int:
    args = parse_arguments(argv)
    chosen = chosen_networks(args.networks)
    # Imported only now: the two paths need torch and scikit-learn, --help and argument mistakes do not.
    from benchmarks.evaluation_paths import run_benchmark
    return run_benchmark(args, chosen)


if __name__ == "__main__":
    run_cli(main)
