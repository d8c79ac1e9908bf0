"""Benchmark: how fast CPU group training could get if each step's elementwise work cost nothing, against solo and
group training in the same run.

For each architecture and hidden size it trains the runner's CPU group at that width (grid/groups.py:
cpu_group_limit networks, at most GROUP_SIZE) for one epoch on tomita3, three ways, interleaved --rounds times:
solo (train_network, --solo-networks of them), as a group, and as a group whose steps skip their elementwise
work (networks/stacked_layer.py: activations, gate arithmetic and their backward), with denormals flushed.
The last trains on garbage; only its time means something: the products, the Python step loop, the input
projection, the loss, Adam and validation. Since its time is a floor for any kernel that fuses only the
elementwise work, its ratio is a ceiling for one. relu's floor is tanh's (with the work skipped their steps
are the same). Ratios are against the median of all solo epochs of a row. With all of gru, relu and lstm
measured, the last two lines are price_group_training.py commands: the grid with these group ratios, and with
the ceilings.

    python benchmarks/bench_group_bound.py                     # gru, relu, lstm × 16, 32, 64, 128, 256
    python benchmarks/bench_group_bound.py --quick             # seconds: a check that it runs
"""
import contextlib
import os
import sys
import time
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_group_training import (  # noqa: E402
    add_round_arguments,
    group_seconds,
    load,
    median,
    members,
    recurrent_architectures,
    runner_group_size,
    solo_seconds,
)

from stateclusters.base.arguments import parser_for  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402

PRICED = ("gru", "relu", "lstm")   # the architectures price_group_training.py takes speed-ups for


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    add_round_arguments(parser, solo_networks=3)
    parser.add_argument("--quick", action="store_true", help="hidden 8 and 16 at N 2, 500 words, 1 round: seconds")
    args = parser.parse_args(argv)
    args.architectures = recurrent_architectures(args.rnn)
    args.group_sizes = None
    if args.quick:
        args.hidden, args.train_words, args.solo_networks, args.rounds, args.group_sizes = [8, 16], 500, 1, 1, 2
    return args


@contextlib.contextmanager
def free_elementwise():
    """Every step of the stacked layer without its elementwise work, forward and backward."""
    import torch

    from stateclusters.networks import stacked_layer
    skipped = {"_gru_forward": lambda *parts: None, "_lstm_forward": lambda *parts: None,
               "_gru_backward": lambda grad, *parts: grad, "_lstm_backward": lambda *parts: None,
               "_tanh_backward": lambda *parts: None, "tanh_into": lambda values, out=None: values}
    torch.set_flush_denormal(True)   # garbage may be denormal, which would slow the products
    try:
        with mock.patch.multiple(stacked_layer, **skipped):
            yield
    finally:
        torch.set_flush_denormal(False)


def measure(rnn: str, hidden: int, n: int, args) -> tuple[list[float], list[float], list[float]]:
    """Solo seconds per network-epoch, and group and floor seconds per network-epoch, of every round."""
    group = members(rnn, hidden, n, args.train_words)
    floor_group = group if rnn != "relu" else members("tanh", hidden, n, args.train_words)
    solo, grouped, floor = [], [], []
    for _ in range(args.rounds):
        solo += solo_seconds(group[:args.solo_networks], "cpu")
        grouped.append(group_seconds(group, "cpu") / n)
        with free_elementwise():
            floor.append(group_seconds(floor_group, "cpu") / n)
    return solo, grouped, floor


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch  # here: --help and argument mistakes must not wait for torch
    torch.set_num_threads(1)
    print(f"tomita3, {args.train_words} training words, 1 epoch, {args.rounds} rounds, 1 torch thread, cpu; "
          f"{os.cpu_count()} cores; {load()}")
    solo_seconds(members("gru", 4, 1, 200), "cpu")   # warm-up: the first training in a process pays for set-up
    print("rnn    hidden    N  solo s/net-epoch  group s/net-epoch  floor s/net-epoch  group  ceiling  load")
    ratios: dict[str, dict[str, dict[int, float]]] = {"group": {}, "ceiling": {}}
    for rnn in args.architectures:
        for hidden in args.hidden:
            n = args.group_sizes or runner_group_size(rnn, hidden)
            if n == 1 and rnn == "lstm":
                print(f"{rnn:<6} {hidden:6d}    1  (the runner trains it solo)")
                continue
            start = time.perf_counter()
            solo, grouped, floor = (median(values) for values in measure(rnn, hidden, n, args))
            ratios["group"].setdefault(rnn, {})[hidden] = solo / grouped
            ratios["ceiling"].setdefault(rnn, {})[hidden] = solo / floor
            print(f"{rnn:<6} {hidden:6d} {n:4d} {solo:17.3f} {grouped:18.3f} {floor:18.3f} {solo / grouped:5.2f}x "
                  f"{solo / floor:7.2f}x  {load()}, {time.perf_counter() - start:.0f} s", flush=True)
    if all(len(ratios["ceiling"].get(rnn, {})) >= 2 for rnn in PRICED):
        for kind, speedups in ratios.items():
            print(f"the grid at the {kind} ratios: {price_command(speedups)}")
    return 0


def price_command(speedups: dict[str, dict[int, float]]) -> str:
    """The grid's price at these speed-ups: relu's serve tanh too, as price_group_training.py takes them."""
    options = {"--speedups": "gru", "--relu-speedups": "relu", "--lstm-speedups": "lstm"}
    parts = [f"{option} " + ",".join(f"{hidden}:{value:.2f}" for hidden, value in sorted(speedups[rnn].items()))
             for option, rnn in options.items()]
    return "python benchmarks/price_group_training.py " + " ".join(parts)


if __name__ == "__main__":
    run_cli(main)
