"""The full grid's training re-priced with group training (experiment_runner.py --group-training), on the CPU.

Groups are formed as the runner forms them (grid/groups.py: by architecture, depth and settings, sorted by
hidden size, at most --group-size networks and cpu_group_limit of its widest). A group's epoch costs its networks ×
the solo epoch of its widest network (padding is paid in full) ÷ the group speed-up at that width. Solo epochs
and speed-ups are interpolated log-log over hidden size (benchmarks/bench_scaling.py), speed-ups held at their
end values outside the measured widths. Every job is priced at --epochs (no early stop), as
docs/performance.md prices the solo grid. The last line splits both prices at 64 units, and says how much
less the narrower networks would have to cost for the whole to be half the solo price.

    python benchmarks/price_group_training.py --speedups 16:2.2,64:1.3,256:1.0 --lstm-speedups 16:1.4,64:1.0
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.arguments import comma_list, parser_for, positive_int  # noqa: E402
from stateclusters.base.catalogue import GROUP_SIZE  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402

# docs/performance.md, bench_scaling.py --quick on the idle 2-core machine: GRU s per epoch at 50,000 words.
SOLO_EPOCH_SECONDS = "16:1.6,64:2.7,256:15.7"
NARROW_WIDEST = 64   # the widest network the group benchmark's main table covers


def hidden_values(text: str) -> dict[int, float]:
    """'16:1.6,64:2.7' → {16: 1.6, 64: 2.7}."""
    values = {}
    for item in comma_list(text):
        hidden, _, value = item.partition(":")
        try:
            values[int(hidden)] = float(value)
        except ValueError:
            raise UserError(f"'{item}' is not HIDDEN:VALUE") from None
    if len(values) < 2 or min(values.values()) <= 0:
        raise UserError(f"'{text}' needs at least two HIDDEN:VALUE pairs with positive values")
    return values


def parse_arguments(argv=None):
    parser = parser_for(__doc__)
    parser.add_argument("--speedups", type=hidden_values, required=True,
                        help="measured group speed-ups by hidden size (bench_group_training.py), e.g. 16:3.5,64:1.5")
    parser.add_argument("--relu-speedups", type=hidden_values, default=None,
                        help="the same for relu, used for tanh too (one gate, the same kernels); default --speedups")
    parser.add_argument("--lstm-speedups", type=hidden_values, default=None,
                        help="the same for LSTM (its solo cell is oneDNN's, so it gains less); default --speedups")
    parser.add_argument("--solo", type=hidden_values, default=hidden_values(SOLO_EPOCH_SECONDS),
                        help=f"solo GRU s per epoch by hidden size (default {SOLO_EPOCH_SECONDS}, docs/performance.md)")
    parser.add_argument("--group-size", type=positive_int, default=GROUP_SIZE)
    parser.add_argument("--epochs", type=positive_int, default=200)
    return parser.parse_args(argv)


def speedup_at(speedups: dict[int, float], hidden: int) -> float:
    from bench_scaling import interpolate
    clamped = min(max(hidden, min(speedups)), max(speedups))
    return interpolate({size: (value,) for size, value in speedups.items()}, clamped, 0)


class Costs:
    """Training seconds by architecture and by width (up to NARROW_WIDEST units, or wider)."""

    def __init__(self):
        self.seconds: dict[tuple[str, bool], float] = {}

    def add(self, spec, seconds: float) -> None:
        key = (spec.rnn, spec.hidden > NARROW_WIDEST)
        self.seconds[key] = self.seconds.get(key, 0.0) + seconds

    def total(self, wide: bool | None = None, rnn: str | None = None) -> float:
        return sum(value for (own_rnn, own_wide), value in self.seconds.items()
                   if wide in (None, own_wide) and rnn in (None, own_rnn))

    def by_width(self, solo: "Costs") -> str:
        """Where the group price lies, and how much the narrow networks would have to shrink for half of solo."""
        wide = ", ".join(f"{rnn} {self.total(True, rnn) / 3600:.1f}" for rnn in ("gru", "relu", "tanh", "lstm"))
        narrow_budget = solo.total() / 2 - self.total(True)
        needed = (f"{self.total(False) / narrow_budget:.2f}x less" if narrow_budget > 0
                  else "more than all of them: the wider ones alone cost over half")
        return (f"up to {NARROW_WIDEST} units: solo {solo.total(False) / 3600:.1f}, group "
                f"{self.total(False) / 3600:.1f} core-hours; wider: solo {solo.total(True) / 3600:.1f}, group "
                f"{self.total(True) / 3600:.1f} ({wide}); half of solo needs the group price up to "
                f"{NARROW_WIDEST} units {needed}")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_scaling import epoch_seconds, grid_specs

    from stateclusters.grid.groups import training_groups
    measured = {hidden: (seconds,) for hidden, seconds in args.solo.items()}
    specs = grid_specs()
    groups = training_groups(specs, args.group_size)
    in_groups = {spec.name for group in groups for spec in group.jobs}
    solo, grouped = Costs(), Costs()
    for spec in specs:
        seconds = args.epochs * epoch_seconds(measured, spec)
        solo.add(spec, seconds)
        if spec.name not in in_groups:   # networks without a partner train solo, at the solo price
            grouped.add(spec, seconds)
    for group in groups:
        widest = group.jobs[-1]   # sorted by hidden size
        speedups = {"lstm": args.lstm_speedups, "relu": args.relu_speedups, "tanh": args.relu_speedups}.get(
            widest.rnn) or args.speedups
        share = args.epochs * epoch_seconds(measured, widest) / speedup_at(speedups, widest.hidden)
        for spec in group.jobs:   # each member pays its share of the group's epochs
            grouped.add(spec, share)
    sizes = sorted(len(group.jobs) for group in groups)
    print(f"{len(specs)} jobs, {args.epochs} epochs each; {len(in_groups)} in {len(groups)} groups (median "
          f"{sizes[len(sizes) // 2]}, largest {sizes[-1]} networks), {len(specs) - len(in_groups)} solo; speed-ups "
          f"{args.speedups}, relu and tanh {args.relu_speedups or 'the same'}, "
          f"LSTM {args.lstm_speedups or 'the same'}; solo s/epoch {args.solo}")
    print(f"training, solo:  {solo.total() / 3600:7.1f} core-hours")
    print(f"training, group: {grouped.total() / 3600:7.1f} core-hours ({grouped.total() / solo.total():.0%} of solo)")
    print(grouped.by_width(solo))
    return 0


if __name__ == "__main__":
    run_cli(main)
