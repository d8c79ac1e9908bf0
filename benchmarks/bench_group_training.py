"""Benchmark: group training (networks/group_training.py) against solo training (train_network), in one run.

For each architecture and hidden size it trains N networks (seeds 0..N-1, tomita3, the contract's word counts)
one epoch each, once one at a time with train_network and once as one group, and prints network-epochs per
second of both and their ratio, with the machine's load (os.getloadavg) before each measurement: the machine
may be shared, and only a ratio measured in the same run is fair. After each architecture and hidden size a
"pooled solo" line gives the ratios against the median of all of its solo epochs. Single-threaded, as the
grid's workers train. On the CPU it first prints the GFLOP/s of a large product and of GRU step products alone
and stacked (the ceiling stacking has), and PyTorch's tanh against the stacked layer's.

    python benchmarks/bench_group_training.py                       # gru, lstm, relu × 16, 64, 256 × N 1..64
    python benchmarks/bench_group_training.py --rnn gru --hidden 16 --groups 32
    python benchmarks/bench_group_training.py --quick               # seconds: a check that it runs
"""
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.arguments import (  # noqa: E402
    at_most,
    comma_list,
    parse_architectures,
    parser_for,
    positive_int,
)
from stateclusters.base.catalogue import GROUP_SIZE, MAX_WORDS, RECURRENT_TYPES, TRAINING_WORDS  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402

LANGUAGE = "tomita3"


def recurrent_architectures(text: str) -> tuple[str, ...]:
    """--rnn of a group benchmark: comma-separated architectures that group training trains."""
    architectures = parse_architectures(text)
    if any(rnn not in RECURRENT_TYPES for rnn in architectures):
        raise UserError(f"--rnn: group training is for {', '.join(RECURRENT_TYPES)} only")
    return architectures


def positive_ints(text: str) -> list[int]:
    values = [positive_int(item) for item in comma_list(text)]
    if not values:
        raise UserError(f"'{text}' names no number")
    return values


def add_round_arguments(parser, solo_networks: int) -> None:
    """--rnn, --hidden, --train-words, --solo-networks and --rounds of the benchmarks that interleave solo
    training and groups at the runner's widths (bench_group_bound.py, bench_group_limit.py)."""
    parser.add_argument("--rnn", default="gru,relu,lstm", help=f"comma-separated, from {', '.join(RECURRENT_TYPES)}")
    parser.add_argument("--hidden", type=positive_ints, default=[16, 32, 64, 128, 256],
                        help="comma-separated hidden sizes")
    parser.add_argument("--train-words", type=at_most(MAX_WORDS), default=10_000, help="training words per network")
    parser.add_argument("--solo-networks", type=positive_int, default=solo_networks,
                        help="networks trained solo per round")
    parser.add_argument("--rounds", type=positive_int, default=3,
                        help="solo and the groups, interleaved this many times")


def runner_group_size(rnn: str, hidden: int) -> int:
    """How many networks of this width the runner puts in one CPU group by default."""
    from stateclusters.grid.groups import cpu_group_size
    return cpu_group_size(rnn, hidden, GROUP_SIZE)


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    parser.add_argument("--rnn", default="gru,lstm,relu", help=f"comma-separated, from {', '.join(RECURRENT_TYPES)}")
    parser.add_argument("--hidden", type=positive_ints, default=[16, 64, 256], help="comma-separated hidden sizes")
    parser.add_argument("--groups", type=positive_ints, default=[1, 8, 32, 64], help="comma-separated group sizes N")
    parser.add_argument("--train-words", type=at_most(MAX_WORDS), default=TRAINING_WORDS,
                        help="training words per network")
    parser.add_argument("--solo-networks", type=positive_int, default=2,
                        help="networks trained solo to time one solo network-epoch (the median is taken)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--quick", action="store_true", help="gru 16, N 1 and 4, 500 words: seconds")
    args = parser.parse_args(argv)
    args.architectures = recurrent_architectures(args.rnn)
    if args.quick:
        args.architectures, args.hidden, args.groups, args.train_words, args.solo_networks = ["gru"], [16], [1, 4], \
            500, 1
    return args


def members(rnn: str, hidden: int, n: int, n_words: int):
    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.group_training import GroupMember
    from stateclusters.networks.recurrent import TrainingConfig
    from stateclusters.words.sampling import training_words, validation_words
    automaton = get_automaton(LANGUAGE)
    return [GroupMember(network_config(automaton, rnn, hidden), training_words(automaton, seed, n_words),
                        validation_words(automaton, seed), TrainingConfig(epochs=1, seed=seed,
                                                                         perfect_epochs_to_stop=None))
            for seed in range(n)]


def load() -> str:
    return "load " + " ".join(f"{value:.1f}" for value in os.getloadavg())


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def solo_seconds(group, device) -> list[float]:
    """Seconds of one epoch of train_network, for each of the given networks."""
    from stateclusters.networks.recurrent import train_network
    seconds = []
    for member in group:
        start = time.perf_counter()
        train_network(member.config, member.training_words, member.validation_words, member.settings, device,
                      progress=False)
        seconds.append(time.perf_counter() - start)
    return seconds


def group_seconds(group, device) -> float:
    from stateclusters.networks.group_training import train_group
    start = time.perf_counter()
    train_group(group, device, progress=False)
    return time.perf_counter() - start


def product_rate(n: int, rows: int, inner: int, columns: int) -> float:
    """GFLOP/s of n stacked [rows × inner] × [inner × columns] products (torch.bmm), over about 0.2 s."""
    import torch
    left, right = torch.rand(n, rows, inner), torch.rand(n, inner, columns)
    flops, reps, seconds = 2 * n * rows * inner * columns, 1, 0.0
    while seconds < 0.2:
        reps *= 4
        torch.bmm(left, right)
        start = time.perf_counter()
        for _ in range(reps):
            torch.bmm(left, right)
        seconds = time.perf_counter() - start
    return flops * reps / seconds / 1e9


def product_rates(hidden_sizes: list[int], batch_size: int) -> str:
    """The core's product speed, and one GRU step product (batch × hidden by hidden × 3 hidden) alone and 32
    stacked: where a network's step already runs near the peak alone, stacking cannot speed it up."""
    steps = ", ".join(f"{hidden}: {product_rate(1, batch_size, hidden, 3 * hidden):.0f} alone, "
                      f"{product_rate(32, batch_size, hidden, 3 * hidden):.0f} stacked 32" for hidden in hidden_sizes)
    return f"products, GFLOP/s: 1024 x 1024 x 1024 {product_rate(1, 1024, 1024, 1024):.0f}; GRU step at hidden {steps}"


def microseconds(operation) -> float:
    """Median µs of one call of operation(), over 200 calls after 20 warm-up calls."""
    for _ in range(20):
        operation()
    times = []
    for _ in range(200):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return median(times) * 1e6


def tanh_rates(batch_size: int) -> str:
    """PyTorch's tanh against the stacked layer's (tanh_into: NumPy's on the CPU) on one step's GRU n part of 16
    networks of 16 units, contiguous and as the slice of the gate units that LSTM's cell gate is."""
    import torch

    from stateclusters.networks.stacked_layer import tanh_into
    units = torch.randn(16, batch_size, 3 * 16)
    contiguous, strided, out = units[..., 32:].contiguous(), units[..., 32:], torch.empty(16, batch_size, 16)
    parts = []
    for name, values in (("contiguous", contiguous), ("strided", strided)):
        theirs = microseconds(lambda: torch.tanh(values, out=out))
        ours = microseconds(lambda: tanh_into(values, out))
        parts.append(f"{name} PyTorch {theirs:.0f}, tanh_into {ours:.0f} ({theirs / ours:.1f}x)")
    return f"tanh of 16 x {batch_size} x 16 floats, µs: " + "; ".join(parts)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch  # here: --help and argument mistakes must not wait for torch

    from stateclusters.networks.recurrent import TrainingConfig, resolve_device
    device = resolve_device(args.device)
    torch.set_num_threads(1)
    print(f"{LANGUAGE}, {args.train_words} training words, 1 epoch per network, 1 torch thread, {device}; "
          f"{os.cpu_count()} cores; {load()}")
    if device.type == "cpu":
        print(product_rates(args.hidden, TrainingConfig().batch_size), flush=True)
        print(tanh_rates(TrainingConfig().batch_size), flush=True)
    solo_seconds(members("gru", 4, 1, 200), device)   # warm-up: the first training in a process pays for set-up
    group_seconds(members("gru", 4, 2, 200), device)
    print("rnn    hidden    N   solo s/net-epoch  group s/epoch  solo net-epochs/s  group net-epochs/s  ratio  load")
    for rnn in args.architectures:
        for hidden in args.hidden:
            solo_epochs, group_epochs = [], {}
            for n in args.groups:   # solo timed next to each group, so both see the same load
                own = solo_seconds(members(rnn, hidden, args.solo_networks, args.train_words), device)
                solo, solo_epochs = median(own), solo_epochs + own
                seconds = group_epochs[n] = group_seconds(members(rnn, hidden, n, args.train_words), device)
                print(f"{rnn:<6} {hidden:6d} {n:4d} {solo:17.2f} {seconds:14.2f} {1 / solo:18.3f} "
                      f"{n / seconds:19.3f} {n * solo / seconds:6.2f}  {load()}", flush=True)
            print(pooled_ratios(rnn, hidden, solo_epochs, group_epochs), flush=True)
    return 0


def pooled_ratios(rnn: str, hidden: int, solo_epochs: list[float], group_epochs: dict[int, float]) -> str:
    """The rows' ratios against the median of all their solo epochs: on a machine whose speed wanders, one
    solo median per row is noisier than the pooled one."""
    solo = median(solo_epochs)
    ratios = ", ".join(f"N={n} {n * solo / seconds:.2f}x" for n, seconds in group_epochs.items())
    return (f"pooled solo, {rnn} {hidden}: {solo:.2f} s/net-epoch, the median of {len(solo_epochs)} solo epochs "
            f"({min(solo_epochs):.2f}-{max(solo_epochs):.2f}); ratios against it: {ratios}")


if __name__ == "__main__":
    run_cli(main)
