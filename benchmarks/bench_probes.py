"""Benchmark: the lr probe on big networks, and what evaluating all 2,702 published networks would cost.

1. The lr probe, ours (L-BFGS on the distinct (vector, label) pairs, weighted by count) against the contract's
   reference (saga on every vector, at most 1,000 iterations): seconds, the ratio, the share of vectors both
   label alike and the change of weighted ambiguity. Networks: the largest published ones in --paper-repo, and
   a CFG_L_10 GRU of hidden size 330 (the paper's grid gives CFG_L_10 330 and 550), trained briefly here.
2. The whole evaluation of published networks under --protocol paper (conformance test, 19 functions, every
   labeling), timed per network.
3. From those: networks per core-hour, and the time for all 2,702 on one 16-core machine and on a Dask
   cluster, each configuration's cost interpolated over its vector width (log-log; extrapolated beyond the
   widest measured network of its family).

Single-threaded, as the grid's jobs are.

    python benchmarks/bench_probes.py --quick      # fewer published networks in section 2
    python benchmarks/bench_probes.py              # everything above
    python benchmarks/bench_probes.py --skip-probe-table --time-trained   # section 3 also checks its pricing
                                                                          # on the trained CFG_L_10 network
"""
import argparse
import math
import sys
import time
from pathlib import Path
from tempfile import gettempdir

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.cli import run_cli  # noqa: E402  (the repository root is on the path only now)
from stateclusters.base.errors import UserError  # noqa: E402

CACHE = Path(gettempdir()) / "rnn-clustering-bench-probes"
PUBLISHED_NETWORKS = 2_702
BIG_LANGUAGE = "CFG_L_10"            # |Σ|·|Q| = 110: the paper's grid gives it hidden 330 and 550 (3×, 5×)
BIG_HIDDEN = (330,)
TRAINING_WORDS = 10_000
PROBE_NETWORKS = ("dfa_size_10_inputs_4_2.dot_lstm_1_60_1_gpu", "CFG_L_9_gru_1_120_1_gpu",
                  "CFG_L_9_lstm_1_120_1_gpu", "CFG_L_13_lstm_1_75_1_gpu")
TIMED_NETWORKS = ("tomita3_gru_1_10_1_gpu", "mqtt_gru_1_27_1_gpu", "dfa_size_10_inputs_4_2.dot_gru_2_40_1_gpu",
                  "dfa_size_10_inputs_4_2.dot_lstm_1_60_1_gpu", "CFG_L_13_gru_1_15_1_gpu", "CFG_L_9_gru_1_72_1_gpu",
                  "CFG_L_9_lstm_1_120_1_gpu")
QUICK_TIMED = ("tomita3_gru_1_10_1_gpu", "dfa_size_10_inputs_4_2.dot_lstm_1_60_1_gpu", "CFG_L_13_gru_1_15_1_gpu")


def published_data(paper_repo: Path, stem: str):
    """NetworkData of one published network under the paper protocol (its letter and class orders recovered)."""
    from stateclusters.clustering.functions import FUNCTION_NAMES
    from stateclusters.paper.jobs import PaperJobSpec, published_network_data
    from stateclusters.paper.names import MODELS_FOLDER, parse_checkpoint_name
    from stateclusters.protocol import Protocol
    path = paper_repo / MODELS_FOLDER / f"{stem}.pt"
    if not path.is_file():
        raise SystemExit(f"error: {path} not found (is --paper-repo a checkout of the paper's repository?)")
    spec = PaperJobSpec.under(parse_checkpoint_name(path), path, paper_repo, FUNCTION_NAMES, Protocol.paper())
    return published_network_data(spec)[0]


def trained_data(hidden: int, rnn: str = "gru"):
    """NetworkData of a CFG_L_10 network of this width, trained 5 epochs on 10,000 words (cached)."""
    import torch

    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.evaluation.plan import TrainingPlan
    from stateclusters.evaluation.training import network_config, train_or_load
    from stateclusters.protocol import Protocol
    automaton = get_automaton(BIG_LANGUAGE)
    CACHE.mkdir(exist_ok=True)
    model, _ = train_or_load(CACHE / f"{BIG_LANGUAGE}_{rnn}_1_{hidden}_e5.pt", network_config(automaton, rnn, hidden),
                             automaton, TrainingPlan(BIG_LANGUAGE, 1, 0, 5, TRAINING_WORDS), torch.device("cpu"),
                             progress=False)
    return NetworkData(model, automaton, seed=0, protocol=Protocol.paper())


def probe_row(name: str, data) -> str:
    """Ours against saga on every vector, for the first labeling of one network."""
    import warnings

    import numpy as np
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from stateclusters.ambiguity.scores import ambiguity_from_labels
    from stateclusters.clustering.probes import linear_probe_model
    vectors, labels = data.hidden_states, data.state_labels(data.labelings[0])
    start = time.perf_counter()
    ours = linear_probe_model("lr", vectors, labels).predict(vectors)
    ours_seconds = time.perf_counter() - start
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        saga = LogisticRegression(solver="saga", max_iter=1000, random_state=0).fit(vectors, labels)
    reference = saga.predict(vectors)
    saga_seconds = time.perf_counter() - start
    converged = "" if not caught else " (saga hit 1,000 iterations)"
    wamb = ambiguity_from_labels(labels, ours)[1], ambiguity_from_labels(labels, reference)[1]
    return (f"{name:<46} {vectors.shape[1]:>5} {len(vectors):>7} {saga_seconds:8.2f} {ours_seconds:7.2f} "
            f"{saga_seconds / ours_seconds:6.1f}x {np.mean(ours == reference):9.5f} {wamb[0] - wamb[1]:+8.4f}"
            f"{converged}")


def probe_table(paper_repo: Path, hidden_sizes) -> None:
    print("\n1. lr probe: the contract's saga on every vector against ours (L-BFGS, weighted distinct pairs);\n"
          "   first labeling, paper protocol (1,000 words regular, 2,000 PDAs)")
    print(f"{'network':<46} {'width':>5} {'vectors':>7} {'saga s':>8} {'ours s':>7} {'ratio':>7} {'same label':>9} "
          f"{'Δ wamb':>8}")
    for stem in PROBE_NETWORKS:
        print(probe_row(stem, published_data(paper_repo, stem)), flush=True)
    for hidden in hidden_sizes:
        print(probe_row(f"{BIG_LANGUAGE}_gru_1_{hidden} (trained here)", trained_data(hidden)), flush=True)


def evaluation_seconds(data) -> float:
    """The whole evaluation of one network, as the paper script runs it."""
    from stateclusters.clustering.functions import FUNCTION_NAMES
    from stateclusters.evaluation.network import evaluate_network
    start = time.perf_counter()
    evaluate_network(data, FUNCTION_NAMES)
    return time.perf_counter() - start


def timing_table(paper_repo: Path, stems, trained_hidden=()) -> tuple[dict, dict]:
    """Whole evaluations, printed as measured: {(context_free, vector width, |Σ|·|Q|): seconds} of the published
    networks, and the same of the networks trained here (a check of the pricing, not a basis for it)."""
    print("\n2. whole evaluation per network (paper protocol: conformance test, 19 functions, every labeling)")
    print(f"{'network':<52} {'width':>5} {'vectors':>7} {'seconds':>8}")
    published, trained = {}, {}
    networks = [(stem, published, lambda stem=stem: published_data(paper_repo, stem)) for stem in stems]
    networks += [(f"{BIG_LANGUAGE}_gru_1_{hidden} (trained here)", trained, lambda hidden=hidden: trained_data(hidden))
                 for hidden in trained_hidden]
    for name, measured, network_data in networks:
        data = network_data()
        seconds = evaluation_seconds(data)
        measured[configuration(data)] = seconds
        print(f"{name:<52} {data.hidden_states.shape[1]:>5} {len(data.hidden_states):>7} {seconds:8.2f}", flush=True)
    return published, trained


def configuration(data) -> tuple[bool, int, int]:
    """(context_free, vector width, |Σ|·|Q|) of one network."""
    from stateclusters.automata import input_alphabet, is_context_free
    from stateclusters.evaluation.network_data import automaton_size
    opt = len(input_alphabet(data.automaton)) * automaton_size(data.automaton)
    return is_context_free(data.automaton), data.hidden_states.shape[1], opt


def interpolate(points: dict, width: int) -> float:
    """Log-log interpolation over vector width (linear extrapolation in log-log beyond the ends)."""
    widths = sorted(points)
    if len(widths) == 1:
        return points[widths[0]]
    below = max([w for w in widths if w <= width], default=widths[0])
    above = min([w for w in widths if w >= width], default=widths[-1])
    if below == above:
        below, above = (widths[0], widths[1]) if width < widths[0] else (widths[-2], widths[-1])
    slope = math.log(points[above] / points[below]) / math.log(above / below)
    return points[below] * (width / below) ** slope


def paper_grid(paper_repo: Path):
    """The paper's configurations of one repetition: (context_free, vector width, |Σ|·|Q|) for each network.

    Languages: its 65 regular .dot automata and L1-L15; sizes (1, opt), (1, 1.5·opt), (2, opt), PDAs also
    (1, 3·opt), (1, 5·opt), opt = |Σ|·|Q|; relu, tanh, gru, lstm (an LSTM's vector holds h and c).
    """
    from stateclusters.automata import get_automaton, input_alphabet
    from stateclusters.commands.experiment_runner import CONTRACT_SIZES, PDA_EXTRA_SIZES
    from stateclusters.evaluation.network_data import automaton_size
    from stateclusters.paper.automata import load_paper_automaton
    from stateclusters.paper.names import NAMED_DOT_FILES
    regular = list(NAMED_DOT_FILES) + sorted(path.name for path in (paper_repo / "automata_models").glob("*.dot")
                                             if path.name.startswith(("dfa_size_", "moore_size_")))
    languages = [(name, False, load_paper_automaton(paper_repo, name).automaton) for name in regular]
    languages += [(f"CFG_L_{k}", True, get_automaton(f"CFG_L_{k}")) for k in range(1, 16)]
    configurations = []
    for _, context_free, automaton in languages:
        opt = len(input_alphabet(automaton)) * automaton_size(automaton)
        for layers, factor in CONTRACT_SIZES + (PDA_EXTRA_SIZES if context_free else ()):
            for rnn in ("relu", "tanh", "gru", "lstm"):
                width = math.floor(factor * opt) * layers * (2 if rnn == "lstm" else 1)
                configurations.append((context_free, width, opt))
    return len(regular), configurations


def pricing(measured: dict):
    """Two prices of a configuration (context_free, width, |Σ|·|Q|) from the measured published networks: by
    vector width alone (log-log), and for PDAs also scaled by |Σ|·|Q| over that of the widest measured PDA
    network (k-means' k for the top_of_stack labeling is 8·|Σ|·|Q|, and k-means dominates a PDA's evaluation)."""
    points = {family: {width: seconds for (cf, width, _), seconds in measured.items() if cf == family}
              for family in (False, True)}
    widest_pda = max((key for key in measured if key[0]), key=lambda key: key[1])

    def prices(context_free: bool, width: int, opt: int) -> tuple[float, float]:
        by_width = interpolate(points[context_free], width)
        return by_width, by_width * (max(1.0, opt / widest_pda[2]) if context_free else 1.0)
    return prices, widest_pda[2]


def projection(paper_repo: Path, measured: dict, checks: dict) -> None:
    """Both prices for every configuration of the paper's grid, and against the networks trained here."""
    n_regular, configurations = paper_grid(paper_repo)
    prices, reference_opt = pricing(measured)
    priced = [prices(*configuration) for configuration in configurations]
    widest = max(width for _, width, _ in configurations)
    print(f"\n3. all {PUBLISHED_NETWORKS} published networks: one repetition of the paper's grid has "
          f"{len(configurations)} configurations ({n_regular} regular languages × 4 × 3 sizes, 15 PDAs × 4 × 5), "
          f"vector widths up to {widest};\n   each priced from the published networks of section 2 by its width "
          f"(log-log), and for PDAs also × |Σ|·|Q| / {reference_opt} where larger; the mean taken for every "
          f"published network")
    for column, label in enumerate(("by width", "by width and k")):
        per_network = sum(price[column] for price in priced) / len(priced)
        core_hours = per_network * PUBLISHED_NETWORKS / 3600
        print(f"   {label}: mean {per_network:.1f} s per network, {3600 / per_network:.0f} networks per core-hour, "
              f"{core_hours:.1f} core-hours; one 16-core machine (--workers 16) {core_hours / 16:.1f} h; "
              f"Dask, 128 cores {core_hours / 128:.2f} h")
    for (context_free, width, opt), seconds in checks.items():
        by_width, by_width_and_k = prices(context_free, width, opt)
        print(f"   check, a network trained here (width {width}, |Σ|·|Q| {opt}): measured {seconds:.0f} s; "
              f"priced {by_width:.0f} s by width, {by_width_and_k:.0f} s by width and k")


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paper-repo", type=Path, default=REPO.parent / "shared" / "paper",
                        help="a checkout of the paper's repository (default: ../shared/paper)")
    parser.add_argument("--quick", action="store_true", help="fewer networks in section 2")
    parser.add_argument("--skip-probe-table", action="store_true", help="sections 2 and 3 only")
    parser.add_argument("--time-trained", action="store_true",
                        help=f"also time the {BIG_LANGUAGE} network(s) of section 1 in section 2, as a check of the "
                             "pricing on the widest PDAs")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    if not (args.paper_repo / "automata_models").is_dir():
        raise UserError(f"--paper-repo {args.paper_repo} has no automata_models/ "
                        "(a checkout of the paper's repository)")
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(1)
    start = time.perf_counter()
    with threadpool_limits(1):
        if not args.skip_probe_table:
            probe_table(args.paper_repo, BIG_HIDDEN)
        measured, checks = timing_table(args.paper_repo, QUICK_TIMED if args.quick else TIMED_NETWORKS,
                                        BIG_HIDDEN if args.time_trained else ())
        projection(args.paper_repo, measured, checks)
    print(f"\n(this benchmark took {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    run_cli(main)
