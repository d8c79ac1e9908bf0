"""Benchmark: the size of a CPU group (base/catalogue.py, grid/groups.py), groups under different gate-unit limits
against solo training and against each other, in one run.

For each architecture and hidden size it trains, interleaved --rounds times, --solo-networks networks solo and
one group per limit in --gate-units (as many networks as fit: networks × gates × hidden at most the limit, at
most GROUP_SIZE), one epoch each on tomita3. It prints each group's ratio to the median solo epoch with its
range of s/net-epoch over the rounds, the last group's speed against the first's, and the runner's size.

    python benchmarks/bench_group_limit.py                       # 768 against 1536 gate units
    python benchmarks/bench_group_limit.py --quick               # seconds: a check that it runs
"""
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_group_training import (  # noqa: E402
    add_round_arguments,
    group_seconds,
    load,
    median,
    members,
    positive_ints,
    recurrent_architectures,
    runner_group_size,
    solo_seconds,
)

from stateclusters.base.arguments import parser_for  # noqa: E402
from stateclusters.base.catalogue import (  # noqa: E402
    CPU_GROUP_GATE_UNITS,
    CPU_LSTM_WIDEST,
    CPU_NARROW_GATE_UNITS,
    GROUP_SIZE,
)
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    add_round_arguments(parser, solo_networks=2)
    parser.add_argument("--gate-units", type=positive_ints, default=[CPU_GROUP_GATE_UNITS, CPU_NARROW_GATE_UNITS],
                        help="comma-separated limits, at least two")
    parser.add_argument("--quick", action="store_true", help="gru 8 and 16, 48 and 96 gate units, 500 words: seconds")
    args = parser.parse_args(argv)
    args.architectures = recurrent_architectures(args.rnn)
    if args.quick:
        args.architectures, args.hidden, args.gate_units, args.train_words, args.solo_networks, args.rounds = \
            ["gru"], [8, 16], [48, 96], 500, 1, 1
    if len(args.gate_units) < 2:
        raise UserError("--gate-units: give at least two limits to compare")
    return args


def row(rnn: str, hidden: int, args) -> str:
    """One width: solo, then each limit's group, interleaved over the rounds."""
    from stateclusters.grid.groups import networks_within
    sizes = [min(GROUP_SIZE, networks_within(rnn, hidden, units)) for units in args.gate_units]
    groups = {n: members(rnn, hidden, n, args.train_words) for n in sizes}
    solo, grouped = [], {n: [] for n in sizes}
    for _ in range(args.rounds):
        solo += solo_seconds(groups[sizes[0]][:args.solo_networks], "cpu")
        for n, group in groups.items():
            grouped[n].append(group_seconds(group, "cpu") / n)
    solo_epoch = median(solo)
    parts = [f"N={n} {solo_epoch / median(seconds):.2f}x ({min(seconds):.3f}-{max(seconds):.3f})"
             for n, seconds in grouped.items()]
    last_against_first = median(grouped[sizes[0]]) / median(grouped[sizes[-1]])
    return (f"{rnn:<5} {hidden:4d}  solo {solo_epoch:.3f}  " + "  ".join(parts) +
            f"  last/first {last_against_first:.2f}  runner N={runner_group_size(rnn, hidden)}  ")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch  # here: --help and argument mistakes must not wait for torch
    torch.set_num_threads(1)
    print(f"tomita3, {args.train_words} training words, 1 epoch, {args.rounds} rounds, gate units "
          f"{', '.join(map(str, args.gate_units))}, 1 torch thread, cpu; {os.cpu_count()} cores; {load()}")
    solo_seconds(members("gru", 4, 1, 200), "cpu")   # warm-up: the first training in a process pays for set-up
    print("rnn   hidden  solo s/net-epoch, then per limit: N, ratio to solo (s/net-epoch over the rounds)")
    for rnn in args.architectures:
        for hidden in args.hidden:
            if rnn == "lstm" and hidden > CPU_LSTM_WIDEST:
                continue   # the runner trains it solo
            start = time.perf_counter()
            print(row(rnn, hidden, args) + f"{load()}, {time.perf_counter() - start:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    run_cli(main)
