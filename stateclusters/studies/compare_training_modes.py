"""Do group-trained networks give the grid the same numbers as solo-trained ones, within the seed-to-seed noise?

Runs one grid slice three ways with experiment_runner.py: repetitions 1..R trained solo, the same repetitions
(the same seeds) with --group-training, and repetitions R+1..2R trained solo (other seeds: the noise). Prints,
per abstraction function, the mean weighted ambiguity (and ambiguity) of each, and the two differences.

    python -m stateclusters.studies.compare_training_modes --out /tmp/modes   # 4 tomita languages × gru, relu × 1x1 × 2
    python -m stateclusters.studies.compare_training_modes --out /tmp/modes --epochs 50 --workers 16   # full size
"""
from pathlib import Path

from stateclusters.base.arguments import parser_for, positive_int
from stateclusters.base.catalogue import TRAINING_WORDS
from stateclusters.base.cli import run_cli

RUNS = ("solo", "group", "solo, other seeds")


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the three runs' results folders")
    parser.add_argument("--languages", default="tomita1,tomita3,tomita5,tomita7")
    parser.add_argument("--rnn", default="gru,relu")
    parser.add_argument("--sizes", default="1x1")
    parser.add_argument("--repeats", type=positive_int, default=2, help="R: repetitions per run")
    parser.add_argument("--epochs", type=positive_int, default=10)
    parser.add_argument("--train-words", type=positive_int, default=TRAINING_WORDS)
    parser.add_argument("--validation-words", type=positive_int, default=None, help="default the runner's")
    parser.add_argument("--conformance-words", type=positive_int, default=None, help="default the runner's")
    parser.add_argument("--workers", type=positive_int, default=1)
    parser.add_argument("--functions", default="all")
    return parser.parse_args(argv)


def run_grid(args, out: Path, repeats: int, *extra: str) -> None:
    from stateclusters.commands import experiment_runner
    for option in ("validation_words", "conformance_words"):
        if getattr(args, option) is not None:
            extra += (f"--{option.replace('_', '-')}", str(getattr(args, option)))
    experiment_runner.main(["--languages", args.languages, "--rnn", args.rnn, "--sizes", args.sizes,
                            "--repeats", str(repeats), "--epochs", str(args.epochs), "--train-words",
                            str(args.train_words), "--workers", str(args.workers), "--functions", args.functions,
                            "--out", str(out), *extra])


def function_means(out: Path, repetitions: range) -> dict[str, tuple[float, float]]:
    """{function: (mean ambiguity, mean weighted ambiguity)} over the keys of the given repetitions."""
    import numpy as np

    from stateclusters.base.keys import parse_key
    from stateclusters.results.files import read_results
    _, ambiguity = read_results(out)
    values: dict[str, list] = {}
    for key, functions in ambiguity.items():
        if parse_key(key).network.repetition in repetitions:
            for function, result in functions.items():
                values.setdefault(function, []).append(result[:2])
    return {function: tuple(np.mean(pairs, axis=0)) for function, pairs in values.items()}


def main(argv=None) -> int:
    args = parse_arguments(argv)
    solo, group = args.out / "solo", args.out / "group"
    run_grid(args, solo, 2 * args.repeats)             # repetitions 1..2R, solo
    run_grid(args, group, args.repeats, "--group-training")
    first, second = range(1, args.repeats + 1), range(args.repeats + 1, 2 * args.repeats + 1)
    means = [function_means(solo, first), function_means(group, first), function_means(solo, second)]
    print(f"mean ambiguity / weighted ambiguity per function, {args.languages} × {args.rnn} × {args.sizes}, "
          f"{args.repeats} repetitions, {args.epochs} epochs, {args.train_words} training words")
    print(f"{'function':<22}" + "".join(f"{run:>22}" for run in RUNS) + f"{'group - solo':>22}{'noise':>22}")
    for function in sorted(means[0]):
        pairs = [m.get(function, (float("nan"),) * 2) for m in means]
        cells = [f"{a:.4f} / {w:.4f}" for a, w in pairs]
        cells += [f"{pairs[1][0] - pairs[0][0]:+.4f} / {pairs[1][1] - pairs[0][1]:+.4f}",
                  f"{pairs[2][0] - pairs[0][0]:+.4f} / {pairs[2][1] - pairs[0][1]:+.4f}"]
        print(f"{function:<22}" + "".join(f"{cell:>22}" for cell in cells))
    return 0


if __name__ == "__main__":
    run_cli(main)
