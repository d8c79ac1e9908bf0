"""The two paths that benchmarks/bench_evaluation.py times: the naive reference (what the paper's code did) and
ours, stage by stage, and the benchmark run itself. Heavy imports live here, so that the script's --help is fast.
"""
import math
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from scipy.spatial.distance import cdist
from sklearn.cluster import DBSCAN, OPTICS, KMeans, MeanShift, estimate_bandwidth
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_info, threadpool_limits

from benchmarks.bench_networks import CHECKPOINTS, BenchNetwork
from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.automata import get_automaton
from stateclusters.clustering.dbscan import DBSCAN_MIN_SAMPLES
from stateclusters.clustering.functions import (
    FIT_FRACTION,
    FUNCTION_NAMES,
    Abstraction,
    get_function,
    labeling_k_multiplier,
    shared_clusterer,
)
from stateclusters.clustering.k_means import kmeans_k
from stateclusters.evaluation.network import conformance_accuracy
from stateclusters.evaluation.network_data import NetworkData, automaton_size
from stateclusters.evaluation.plan import TrainingPlan
from stateclusters.evaluation.training import network_config, train_or_load
from stateclusters.networks.recurrent import hidden_states, precise_copy
from stateclusters.words.runs import STACK_SIZE_CAP, trace_words
from stateclusters.words.sampling import conformance_words, validation_words


def k_multiplier(labeling: str, automaton) -> int:
    return labeling_k_multiplier(labeling, len(automaton.get_input_alphabet()))

# ------------------------------------------------------------------ the naive reference

def naive_step(model, letter: int, layer_states):
    """One letter through every layer with the state carried in Python; returns (logits, states)."""
    layer_input = model.one_hot(torch.tensor([[letter]]))
    new_states = []
    for layer, state in zip(model.layers, layer_states):
        layer_input, state = layer(layer_input, state)
        new_states.append(state)
    return model.readout(layer_input[0, -1]), new_states


@torch.no_grad()
def naive_conformance(model, automaton, words) -> float:
    """Each word letter by letter through network and automaton; a word fails at its first mismatch."""
    model.eval()
    classes, passed = model.config.output_classes, 0
    for w in range(len(words)):
        automaton.reset_to_initial()
        layer_states = [None] * len(model.layers)
        for letter in words.letters[w, :words.lengths[w]]:
            logits, layer_states = naive_step(model, int(letter), layer_states)
            if classes[int(logits.argmax())] != str(automaton.step(words.alphabet[letter])):
                break
        else:
            passed += 1
    return passed / len(words)


@torch.no_grad()
def naive_hidden_states(model, words) -> np.ndarray:
    """Letter by letter, in the same float64-rounded-to-float32 arithmetic that our extraction defines."""
    model = precise_copy(model)
    vectors = []
    for w in range(len(words)):
        layer_states = [None] * len(model.layers)
        for letter in words.letters[w, :words.lengths[w]]:
            _, layer_states = naive_step(model, int(letter), layer_states)
            pieces = [piece for state in layer_states for piece in (state if isinstance(state, tuple) else (state,))]
            vectors.append(torch.cat([piece[0, 0] for piece in pieces]).numpy().astype(np.float32))
    return np.array(vectors).astype(np.float64)


def naive_state_labels(automaton, words, labeling: str) -> list:
    labels = []
    for w in range(len(words)):
        automaton.reset_to_initial()
        for letter in words.letters[w, :words.lengths[w]]:
            automaton.step(words.alphabet[letter])
            label = str(automaton.current_state.state_id)
            if labeling == "stack_size":
                label = f"{label}|{min(len(automaton.stack), STACK_SIZE_CAP)}"
            elif labeling == "top_of_stack":
                label = f"{label}|{automaton.stack[-1]}"
            labels.append(label)
    return labels


def naive_cluster(name: str, vectors, labels, n_states: int, multiplier: int, seed: int, fit_fraction: float,
                  bandwidth: float):
    """One function with scikit-learn on all vectors (OPTICS and mean shift fit on the first quarter)."""
    function = get_function(name)
    if function.family == "linear":
        probe = (LinearDiscriminantAnalysis(solver="svd") if name == "lda"
                 else LogisticRegression(solver="saga", max_iter=1000, random_state=seed))
        return probe.fit(vectors, labels).predict(vectors)
    if function.family == "k_means":
        k = min(kmeans_k(function, n_states, multiplier), len(np.unique(vectors, axis=0)))
        return KMeans(n_clusters=k, init="k-means++", n_init="auto", random_state=seed).fit_predict(vectors)
    if function.family == "DBSCAN":
        return DBSCAN(eps=function.eps, min_samples=DBSCAN_MIN_SAMPLES).fit_predict(vectors)
    fitted = vectors[:max(1, int(len(vectors) * fit_fraction))]
    if function.family == "OPTICS":
        # Distances from coordinate differences (kd_tree, cdist), the same on every CPU (docs/reproduction.md);
        # a vector with several fitted copies takes the first copy's label.
        fitted_labels = OPTICS(algorithm="kd_tree").fit_predict(fitted)
        result = fitted_labels[cdist(vectors, fitted).argmin(axis=1)]
        result[:len(fitted)] = fitted_labels
        return result
    return MeanShift(bandwidth=bandwidth / function.bandwidth_divisor).fit(fitted).predict(vectors)


def naive_ambiguity(states, clusters) -> tuple:
    """The ambiguity (docs/contract.md, Ambiguity) with dictionaries, point by point."""
    members = {}
    for state, cluster in zip(states, clusters):
        counts = members.setdefault(cluster, {})
        counts[state] = counts.get(state, 0) + 1
    n_labels = len(set(states))
    scores, sizes = [], []
    for counts in members.values():
        size = sum(counts.values())
        score = 0.0
        if n_labels > 1 and len(counts) > 1:
            score = min(1.0, -sum(c / size * math.log(c / size, n_labels) for c in counts.values()))
        scores.append(score)
        sizes.append(size)
    return (sum(scores) / len(scores), sum(a * n for a, n in zip(scores, sizes)) / sum(sizes),
            max(scores), min(scores), len(members))


# ------------------------------------------------------------------ the two paths, timed

class Stopwatch:
    def __init__(self):
        self.seconds = {}

    def time(self, stage, function, *args, **kwargs):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - start
        return result


def run_naive(model, automaton, net: BenchNetwork, words, test_words, args):
    clock, scores = Stopwatch(), {}
    accuracy = clock.time("conformance test", naive_conformance, model, automaton, test_words)
    vectors = clock.time("hidden states", naive_hidden_states, model, words)
    labels = clock.time("state labels", naive_state_labels, automaton, words, net.labeling)
    bandwidth, bandwidth_seconds = None, 0.0
    for name in FUNCTION_NAMES:
        if get_function(name).family == "mean_shift":
            # The paper estimated the bandwidth of all vectors again for each mean-shift function. By default it
            # is estimated once here and its measured time charged to each of the four (the value is the same).
            if bandwidth is None or args.repeat_naive_bandwidth:
                start = time.perf_counter()
                bandwidth = estimate_bandwidth(vectors)
                bandwidth_seconds = time.perf_counter() - start
            clock.seconds[name] = clock.seconds.get(name, 0.0) + bandwidth_seconds
        clusters = clock.time(name, naive_cluster, name, vectors, labels, automaton_size(automaton),
                              k_multiplier(net.labeling, automaton), args.seed, FIT_FRACTION, bandwidth)
        scores[name] = clock.time("ambiguity", naive_ambiguity, labels, list(clusters))
    print(f"naive: estimate_bandwidth of all {len(vectors)} vectors took {bandwidth_seconds:.1f} s "
          f"({'each time' if args.repeat_naive_bandwidth else 'measured once, charged to each mean_shift row'})")
    return clock.seconds, scores, accuracy, vectors, labels


def our_scores(vectors, labels, automaton, net: BenchNetwork, seed: int, clock: Stopwatch) -> dict:
    """Our clustering and ambiguity of every function on the given vectors."""
    scores = {}
    clusterer = clock.time("distinct vectors", shared_clusterer, vectors, random_state=seed)
    # The mean-shift bandwidth is shared work, estimated once by the first mean_shift function (timed there).
    for name in FUNCTION_NAMES:
        abstraction = Abstraction(name, automaton_size(automaton), k_multiplier(net.labeling, automaton), seed)
        clustering = clock.time(name, abstraction.fit, vectors, labels, clusterer)
        scores[name] = clock.time("ambiguity", ambiguity_from_labels, labels, clustering.labels_)
        scores[name] += (clustering.n_clusters_,)
    return scores


def run_ours(model, automaton, net: BenchNetwork, words, args):
    clock = Stopwatch()
    data = NetworkData(model, automaton, args.seed, n_conformance_words=args.conformance_words)
    accuracy = clock.time("conformance test", conformance_accuracy, data)
    vectors = clock.time("hidden states", hidden_states, model, words.letters, words.lengths)
    labels = clock.time("state labels", lambda: trace_words(automaton, words.letters, words.lengths,
                                                            words.alphabet).state_labels(net.labeling))
    scores = our_scores(vectors, labels, automaton, net, args.seed, clock)
    return clock.seconds, scores, accuracy, vectors


# ------------------------------------------------------------------ report

def machine_description(threads: int) -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = ", ".join(sorted({f"{info['internal_api']} {info['num_threads']}" for info in threadpool_info()}))
    return (f"machine: {cpu}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, "
            f"BLAS/OpenMP threads {threads} ({blas}); Python {platform.python_version()}, torch {torch.__version__}")


def stage_rows(naive: dict, ours: dict) -> list:
    stages = ["conformance test", "hidden states", "state labels", "distinct vectors",
              *FUNCTION_NAMES, "ambiguity"]
    return [(stage, naive.get(stage, 0.0), ours.get(stage, 0.0)) for stage in stages]


LR_TOLERANCE = 0.01     # |Δ wamb| allowed between the two lr solvers


def print_table(title: str, rows) -> tuple[float, float]:
    print(f"\n{title}")
    print(f"{'stage':<20} {'naive s':>9} {'ours s':>9} {'ratio':>8}")
    for stage, naive, ours in rows:
        ratio = f"{naive / ours:8.1f}" if ours > 0 and naive > 0 else f"{'-':>8}"
        print(f"{stage:<20} {naive:9.2f} {ours:9.3f} {ratio}")
    naive_total, ours_total = sum(row[1] for row in rows), sum(row[2] for row in rows)
    print(f"{'total':<20} {naive_total:9.2f} {ours_total:9.3f} {naive_total / ours_total:8.1f}")
    return naive_total, ours_total


def differences(what: str, naive_scores: dict, our_scores: dict) -> int:
    """Print MISMATCH for every function whose [amb, wamb, max, min, n_clusters] differ (beyond 1e-12).

    lr runs another solver of the same objective (docs/contract.md, Choices): its weighted ambiguity is
    printed, and a mismatch only beyond LR_TOLERANCE.
    """
    found = 0
    for name in FUNCTION_NAMES:
        naive, ours = naive_scores[name], our_scores[name]
        if name == "lr":
            gap = abs(naive[1] - ours[1])
            print(f"lr {what}: wamb naive (saga) {naive[1]:.4f}, ours (L-BFGS) {ours[1]:.4f}")
            found += gap > LR_TOLERANCE
            continue
        if naive[4] != ours[4] or not np.allclose(naive[:4], ours[:4], rtol=0, atol=1e-12):
            print(f"MISMATCH {what} {name}: naive {tuple(map(float, naive[:4])) + naive[4:]} "
                  f"ours {tuple(map(float, ours[:4])) + ours[4:]}")
            found += 1
    return found


def load_network(net: BenchNetwork, automaton, retrain: bool, checkpoint_dir: Path = CHECKPOINTS):
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    path = checkpoint_dir / f"{net.name}.pt"
    if retrain or not path.exists():
        print(f"training {net.name} (at most {net.epochs} epochs) into {path}", flush=True)
    config = network_config(automaton, net.rnn, net.hidden)
    model, info = train_or_load(path, config, automaton, TrainingPlan(net.language, 1, 0, net.epochs),
                                torch.device("cpu"), progress=False, reuse=not retrain)
    return model, info


def run_benchmark(args, chosen: list[BenchNetwork]) -> int:
    """Time both paths on the chosen networks, print the tables and the checks; 0 (mismatches are printed)."""
    warnings.filterwarnings("ignore")        # OPTICS divides by zero reachabilities; k-means notes duplicates
    torch.set_num_threads(args.threads)
    naive_total = ours_total = 0.0
    mismatches = 0
    with threadpool_limits(args.threads):
        print(machine_description(args.threads))
        for net in chosen:
            automaton = get_automaton(net.language)
            model, info = load_network(net, automaton, args.retrain, args.checkpoint_dir)
            words = validation_words(automaton, args.seed, args.words)
            test_words = conformance_words(automaton, args.conformance_words, seed=args.seed)
            ours, scores, our_accuracy, vectors = run_ours(model, automaton, net, words, args)
            if args.only_ours:
                print(f"{net.name}: ours {sum(ours.values()):.2f} s  "
                      + "  ".join(f"{stage} {seconds:.2f}" for stage, seconds in ours.items() if seconds >= 0.05))
                continue
            naive, naive_scores, naive_accuracy, naive_vectors, naive_labels = run_naive(
                model, automaton, net, words, test_words, args)
            n_vectors = int(words.lengths.sum())
            title = (f"{net.name} ({net.labeling} labels): {len(words)} validation words, {n_vectors} vectors, "
                     f"trained {info.get('epochs_run')} epochs, validation accuracy "
                     f"{info.get('validation_accuracy')}, conformance accuracy {our_accuracy:.4f}")
            network_naive, network_ours = print_table(title, stage_rows(naive, ours))
            print(f"speedup {net.name}: {network_naive / network_ours:.1f}")
            # Same vectors: the naive path's per-letter vectors through our clustering must give its numbers.
            same_vectors = our_scores(naive_vectors, np.array(naive_labels), automaton, net, args.seed, Stopwatch())
            same = differences(f"{net.name} (same vectors)", naive_scores, same_vectors)
            print(f"same vectors (the naive path's, through our clustering): {len(FUNCTION_NAMES) - same}/"
                  f"{len(FUNCTION_NAMES)} functions give the naive values")
            # End to end: per-letter and batched network calls, both in float64 rounded to float32.
            end_to_end = differences(f"{net.name} (end to end)", naive_scores, scores)
            print(f"end to end: {len(FUNCTION_NAMES) - end_to_end}/{len(FUNCTION_NAMES)} functions equal; "
                  f"conformance accuracy naive {naive_accuracy:.4f}, ours {our_accuracy:.4f}; vectors of per-letter "
                  f"and batched network calls differ by up to {np.abs(naive_vectors - vectors).max():.1e}")
            if naive_accuracy != our_accuracy:
                print(f"MISMATCH {net.name} conformance accuracy: naive {naive_accuracy} ours {our_accuracy}")
                end_to_end += 1
            mismatches += same + end_to_end
            naive_total, ours_total = naive_total + network_naive, ours_total + network_ours
    if args.only_ours:
        return 0
    note = "each recomputed" if args.repeat_naive_bandwidth else "estimated once, its time charged to each"
    print(f"\nnaive mean-shift rows: bandwidth of all vectors {note}; ours: in the first mean_shift row")
    print("ours: the 'DBSCAN_half' row holds one distance pass shared by all five DBSCAN radii")
    print(f"{mismatches} mismatches" if mismatches else
          f"all ambiguity values and accuracies equal (naive == ours; lr within {LR_TOLERANCE} wamb)")
    print(f"speedup: {naive_total / ours_total:.1f}")
    return 0


