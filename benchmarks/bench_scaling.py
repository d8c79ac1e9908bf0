"""Benchmark: how our evaluation of one network scales, and what the full grid would cost.

1. Validation words 1k, 2k, 4k, 8k on the two networks of bench_evaluation.py (tomita3 GRU 20,
   CFG_L_14 GRU 105): vectors, distinct vectors, seconds per stage group, peak memory.
2. Hidden size 16 … 512 (CFG_L_12 GRU, briefly trained on 10,000 words): training seconds per epoch and the
   whole evaluate_network (conformance test, all 19 functions, all three PDA labelings), peak memory.
3. The full grid of experiment_runner.py (docs/contract.md) priced with those measurements: per-job training and
   evaluation time, summed, then divided over 2 cores, 16 workers, or a Dask cluster.

Every measurement runs in a fresh process (so its peak memory is its own), single-threaded as the grid's
jobs are.

    python benchmarks/bench_scaling.py --quick     # 1k/2k words, hidden 16/64/256: a few minutes
    python benchmarks/bench_scaling.py             # everything above
"""
import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path
from tempfile import gettempdir

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

CACHE = Path(gettempdir()) / "rnn-clustering-bench-scaling"
HIDDEN_LANGUAGE = "CFG_L_12"
TRAINING_WORDS_FOR_SCALING = 10_000


def measure_words(language: str, n_words: int) -> dict:
    """Our path on one benchmark network with n_words validation words, stage by stage."""
    from benchmarks.bench_evaluation import NETWORKS
    from benchmarks.evaluation_paths import k_multiplier, load_network
    from stateclusters.ambiguity.scores import ambiguity_from_labels
    from stateclusters.automata import get_automaton
    from stateclusters.clustering.functions import FUNCTION_NAMES, Abstraction, get_function, shared_clusterer
    from stateclusters.evaluation.network_data import automaton_size
    from stateclusters.networks.recurrent import hidden_states
    from stateclusters.words.runs import trace_words
    from stateclusters.words.sampling import validation_words
    net = next(net for net in NETWORKS if net.language == language)
    automaton = get_automaton(language)
    model, _ = load_network(net, automaton, retrain=False)
    seconds = {}

    def timed(stage, function, *args):
        start = time.perf_counter()
        result = function(*args)
        seconds[stage] = seconds.get(stage, 0.0) + time.perf_counter() - start
        return result

    words = validation_words(automaton, 0, n_words)
    vectors = timed("hidden states", hidden_states, model, words.letters, words.lengths)
    labels = timed("state labels", lambda: trace_words(automaton, words.letters, words.lengths,
                                                       words.alphabet).state_labels(net.labeling))
    # The mean-shift bandwidth is shared work, estimated once by the first mean_shift function (timed there).
    clusterer = timed("distinct vectors", lambda: shared_clusterer(vectors))
    for name in FUNCTION_NAMES:
        abstraction = Abstraction(name, automaton_size(automaton), k_multiplier(net.labeling, automaton))
        clustering = timed(get_function(name).family, abstraction.fit, vectors, labels, clusterer)
        timed("ambiguity", ambiguity_from_labels, labels, clustering.labels_)
    return {"vectors": len(vectors), "distinct": len(clusterer.distinct), "seconds": seconds}


def measure_hidden(hidden: int, train_epochs: int) -> dict:
    """Train (or load) a CFG_L_12 GRU of this width briefly, then time what evaluate_network does, with all
    functions: for the first labeling alone (a one-labeling job, like a regular language's) and for all three."""
    import torch

    from stateclusters.automata import get_automaton
    from stateclusters.clustering.functions import FUNCTION_NAMES
    from stateclusters.evaluation.network import conformance_accuracy, evaluate_functions
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.evaluation.plan import TrainingPlan
    from stateclusters.evaluation.training import network_config, train_or_load
    automaton = get_automaton(HIDDEN_LANGUAGE)
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{HIDDEN_LANGUAGE}_gru_1_{hidden}_e{train_epochs}.pt"
    model, info = train_or_load(path, network_config(automaton, "gru", hidden), automaton,
                                TrainingPlan(HIDDEN_LANGUAGE, 1, 0, train_epochs, TRAINING_WORDS_FOR_SCALING),
                                torch.device("cpu"), progress=False)
    start = time.perf_counter()     # the steps of evaluate_network, timed after the first labeling
    data = NetworkData(model, automaton, seed=0)
    accuracy = conformance_accuracy(data)
    clusterer = data.clusterer()
    failed, one_labeling = set(), None
    for labeling in data.labelings:
        results = evaluate_functions(data.hidden_states, data.state_labels(labeling), FUNCTION_NAMES, data.n_states,
                                     data.k_multiplier(labeling), clusterer=clusterer)
        failed |= {f"{name}: {result.error}" for name, result in results.items() if result.error}
        one_labeling = one_labeling or time.perf_counter() - start
    return {"evaluate": time.perf_counter() - start, "evaluate_one_labeling": one_labeling,
            "vectors": len(data.hidden_states),
            "accuracy": accuracy, "epoch_seconds_10k_words": info["training_seconds"] / info["epochs_run"],
            "failed": sorted(failed)}


def run_child(argv=None) -> None:
    """Entry point of one measurement process: prints a JSON line with its result and its peak memory."""
    import torch
    from threadpoolctl import threadpool_limits
    kind, value, extra = argv
    torch.set_num_threads(1)
    with threadpool_limits(1):
        result = measure_words(value, int(extra)) if kind == "words" else measure_hidden(int(value), int(extra))
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def in_fresh_process(*arguments) -> dict:
    completed = subprocess.run([sys.executable, __file__, "--child", *map(str, arguments)], capture_output=True,
                               text=True, cwd=REPO)
    if completed.returncode != 0:
        raise RuntimeError(f"measurement {arguments} failed:\n{completed.stderr[-2000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def words_table(word_counts) -> None:
    print("\n1. validation words (our path, 1 thread; seconds per stage group, all 19 functions)")
    groups = ["hidden states", "state labels", "distinct vectors", "linear", "k_means", "DBSCAN", "OPTICS",
              "mean_shift", "ambiguity"]
    print(f"{'network':<20} {'words':>6} {'vectors':>8} {'distinct':>8} "
          + " ".join(f"{group[:9]:>9}" for group in groups) + f" {'total':>7} {'peak MB':>8}")
    for language in ("tomita3", "CFG_L_14"):
        for n_words in word_counts:
            result = in_fresh_process("words", language, n_words)
            seconds = result["seconds"]
            print(f"{language:<20} {n_words:>6} {result['vectors']:>8} {result['distinct']:>8} "
                  + " ".join(f"{seconds.get(group, 0.0):9.2f}" for group in groups)
                  + f" {sum(seconds.values()):7.2f} {result['peak_mb']:8.0f}", flush=True)


def hidden_table(hidden_sizes, train_epochs: int) -> dict:
    print(f"\n2. hidden size ({HIDDEN_LANGUAGE} GRU trained {train_epochs} epochs on {TRAINING_WORDS_FOR_SCALING} "
          f"words; whole evaluate_network: conformance, 19 functions, 3 labelings; 1 thread)")
    print(f"{'hidden':>6} {'vectors':>8} {'epoch s (50k words)':>20} {'evaluate s':>11} {'1 labeling s':>13} "
          f"{'peak MB':>8}  accuracy")
    measured = {}
    for hidden in hidden_sizes:
        result = in_fresh_process("hidden", hidden, train_epochs)
        epoch = result["epoch_seconds_10k_words"] * 50_000 / TRAINING_WORDS_FOR_SCALING
        measured[hidden] = (epoch, result["evaluate"], result["evaluate_one_labeling"])
        failed = f"  failed: {'; '.join(result['failed'])}" if result["failed"] else ""
        print(f"{hidden:>6} {result['vectors']:>8} {epoch:20.1f} {result['evaluate']:11.2f} "
              f"{result['evaluate_one_labeling']:13.2f} {result['peak_mb']:8.0f}  {result['accuracy']:.3f}{failed}",
              flush=True)
    return measured


def interpolate(measured: dict, hidden: int, which: int) -> float:
    """Log-log interpolation (and extrapolation at the ends) of a measured cost over hidden size."""
    sizes = sorted(measured)
    below = max([size for size in sizes if size <= hidden], default=sizes[0])
    above = min([size for size in sizes if size >= hidden], default=sizes[-1])
    if below == above:
        below, above = (sizes[0], sizes[1]) if hidden < sizes[0] else (sizes[-2], sizes[-1])
    slope = math.log(measured[above][which] / measured[below][which]) / math.log(above / below)
    return measured[below][which] * (hidden / below) ** slope


def grid_specs() -> list:
    """The full grid's jobs, as experiment_runner.py builds them by default."""
    from stateclusters.commands.experiment_runner import build_grid, parse_arguments
    return build_grid(parse_arguments(["--out", str(CACHE / "grid")]))


def epoch_seconds(measured: dict, spec) -> float:
    """One training epoch of a job, solo, from the measured GRU epochs (benchmarks/price_group_training.py too)."""
    lstm_factor, layer_factor = 4 / 3, 2.0      # gate count; a second layer doubles the recurrent work
    per_epoch = interpolate(measured, spec.hidden, 0) * spec.layers ** math.log2(layer_factor)
    return per_epoch * (lstm_factor if spec.rnn == "lstm" else 1.0)


def grid_estimate(measured: dict) -> None:
    from stateclusters.automata import get_automaton, is_context_free
    specs = grid_specs()
    totals = {}
    for epochs in (20, 100, 200):
        train = evaluate = 0.0
        for spec in specs:
            per_epoch = epoch_seconds(measured, spec)
            labelings = 3 if is_context_free(get_automaton(spec.language)) else 1
            width = spec.hidden * spec.layers * (2 if spec.rnn == "lstm" else 1)
            train += epochs * per_epoch
            evaluate += interpolate(measured, width, 1 if labelings == 3 else 2)
        totals[epochs] = (train, evaluate)
    print(f"\n3. full grid: {len(specs)} jobs (62 regular languages × 4 architectures × 3 sizes × 2, "
          f"15 PDAs × 4 × 5 × 2); training at most 200 epochs with early stop")
    print("   per-job costs interpolated from section 2 over hidden size (training: LSTM ×4/3, two layers ×2; "
          "evaluation: by vector width, one labeling for regular languages, three for PDAs)")
    print(f"{'epochs per job':>15} {'train h':>9} {'evaluate h':>11} {'2 cores':>10} {'16 workers':>11} "
          f"{'Dask 128 cores':>15}")
    for epochs, (train, evaluate) in totals.items():
        hours = (train + evaluate) / 3600
        print(f"{epochs:>15} {train / 3600:9.1f} {evaluate / 3600:11.1f} {hours / 2:9.1f}h {hours / 16:10.1f}h "
              f"{hours / 128:14.2f}h")


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer word counts and hidden sizes")
    parser.add_argument("--train-epochs", type=int, default=10, help="training epochs of the hidden-size networks")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    if args.child:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        run_child(args.child)
        return 0
    word_counts = (1000, 2000) if args.quick else (1000, 2000, 4000, 8000)
    hidden_sizes = (16, 64, 256) if args.quick else (16, 32, 64, 128, 256, 512)
    start = time.perf_counter()
    words_table(word_counts)
    measured = hidden_table(hidden_sizes, args.train_epochs)
    grid_estimate(measured)
    print(f"\n(this benchmark took {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
