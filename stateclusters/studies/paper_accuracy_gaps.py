"""Where our conformance accuracy of a published network falls short of the paper's file, and what it is not.

    python -m stateclusters.studies.paper_accuracy_gaps \
        --paper-repo ../shared/paper experiment_results/paper_networks/paper

Section 1 counts, per language, the keys whose accuracy is below or above the paper's (by more than 0.002).
Section 2 re-measures the networks with the largest gaps (or `--networks`): on several draws of conformance
words, in float64, and with weights and hidden states rounded to 10 and 7 mantissa bits (what TF32 and
bfloat16 keep), and describes each first failing prefix: the automaton's expected output and stack height.
Rounding is emulated for one-layer networks only.
"""
from __future__ import annotations

import argparse
import collections
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from stateclusters.base.arguments import at_most, positive_int
from stateclusters.base.catalogue import MAX_REPEATS, MAX_WORDS
from stateclusters.base.cli import run_cli
from stateclusters.base.errors import UserError
from stateclusters.paper.names import split_result_key

if TYPE_CHECKING:   # torch is imported only once work starts, so --help stays fast
    import torch

MANTISSA_BITS = (10, 7)


def accuracy_gaps(accuracy: dict, expected: dict) -> dict[str, float]:
    """ours − paper's per network stem, for the first labeling of each network the file knows."""
    gaps = {}
    for key, ours in sorted(accuracy.items()):
        if key in expected:
            gaps.setdefault(split_result_key(key)[0], ours - expected[key]["accuracy"])
    return gaps


def print_language_counts(gaps: dict[str, float], tolerance: float) -> None:
    by_language = collections.defaultdict(list)
    for stem, gap in gaps.items():
        by_language[stem.rsplit("_", 5)[0]].append(gap)
    print("| language | networks | mean Δ accuracy | below the paper's | above |\n|---|---|---|---|---|")
    for language, values in sorted(by_language.items()):
        values = np.array(values)
        print(f"| {language} | {len(values)} | {values.mean():+.4f} | {(values < -tolerance).sum()} "
              f"| {(values > tolerance).sum()} |")


LATER_FILE = "later_pda_accuracies.json"   # the paper repository's later accuracy file, as JSON (../shared/paper)


def later_file_rows(accuracy: dict, expected: dict, later: dict) -> list[tuple[str, float, float, float]]:
    """(stem, ours, the later file's, accuracy_results.pickle's) for the networks both files and ours have."""
    rows = []
    for stem, later_accuracy in sorted(later.items()):
        key = f"{stem}_stackless"
        if key in accuracy and key in expected:
            rows.append((stem, accuracy[key], later_accuracy, expected[key]["accuracy"]))
    return rows


def print_later_file_comparison(accuracy: dict, expected: dict, paper_repo: Path) -> None:
    """Ours against the paper's later accuracy file, where it has the network (GRU networks of L1-L15)."""
    import json
    path = paper_repo / LATER_FILE
    rows = later_file_rows(accuracy, expected, json.loads(path.read_text())) if path.is_file() else []
    if not rows:
        print(f"\nno network of ours is in {path}")
        return
    print("\n| network | ours | later file | accuracy_results.pickle |\n|---|---|---|---|")
    for stem, ours, later_accuracy, first in rows:
        print(f"| {stem} | {ours:.4f} | {later_accuracy:.4f} | {first:.4f} |")
    print(f"mean |ours − later file| {np.mean([abs(r[1] - r[2]) for r in rows]):.4f}, "
          f"mean |ours − accuracy_results.pickle| {np.mean([abs(r[1] - r[3]) for r in rows]):.4f} "
          f"over {len(rows)} networks")


def rounded(tensor: torch.Tensor, bits: int) -> torch.Tensor:
    """float32 values rounded to nearest with `bits` mantissa bits."""
    import torch
    drop = 23 - bits
    if drop <= 0:
        return tensor.float()
    as_int = tensor.float().contiguous().view(torch.int32)
    return ((as_int + (1 << (drop - 1))) & ~((1 << drop) - 1)).view(torch.float32)


def rounded_logits(model, letters: np.ndarray, bits: int) -> torch.Tensor:
    """Class logits after every prefix of a one-layer network whose matrix products take `bits`-bit operands."""
    import torch
    with torch.inference_mode():
        layer = model.layers[0]
        inputs = model.one_hot(torch.as_tensor(letters)).float()
        w_ih, w_hh = rounded(layer.weight_ih_l0, bits), rounded(layer.weight_hh_l0, bits)
        readout = rounded(model.readout.weight, bits)
        hidden = torch.zeros(len(letters), layer.hidden_size)
        cell = torch.zeros_like(hidden)
        logits = []
        for step in range(letters.shape[1]):
            from_input = inputs[:, step] @ w_ih.T + layer.bias_ih_l0
            from_hidden = rounded(hidden, bits) @ w_hh.T + layer.bias_hh_l0
            hidden, cell = _cell(layer, from_input, from_hidden, hidden, cell)
            logits.append(rounded(hidden, bits) @ readout.T + model.readout.bias)
        return torch.stack(logits, 1)


def _cell(layer, from_input, from_hidden, hidden, cell):
    """One step of torch's RNN, GRU or LSTM equations."""
    import torch
    if isinstance(layer, torch.nn.LSTM):
        gate_in, gate_forget, candidate, gate_out = (from_input + from_hidden).chunk(4, 1)
        cell = torch.sigmoid(gate_forget) * cell + torch.sigmoid(gate_in) * torch.tanh(candidate)
        return torch.sigmoid(gate_out) * torch.tanh(cell), cell
    if isinstance(layer, torch.nn.GRU):
        input_r, input_z, input_n = from_input.chunk(3, 1)
        hidden_r, hidden_z, hidden_n = from_hidden.chunk(3, 1)
        reset, update = torch.sigmoid(input_r + hidden_r), torch.sigmoid(input_z + hidden_z)
        candidate = torch.tanh(input_n + reset * hidden_n)
        return (1 - update) * candidate + update * hidden, cell
    activation = torch.tanh if layer.nonlinearity == "tanh" else torch.relu
    return activation(from_input + from_hidden), cell


def first_failures(predictions: np.ndarray, trace, classes) -> collections.Counter:
    """(expected output, stack height without '$', or err) at each word's first wrong prefix."""
    from stateclusters.evaluation.network import wrong_prefixes
    wrong = wrong_prefixes(predictions, trace, classes)
    words = np.flatnonzero(wrong.any(axis=1))
    positions = wrong[words].argmax(axis=1)
    heights = (trace.stack_heights[words, positions] - 1 if trace.stack_heights is not None
               else np.full(len(words), -1))    # -1: a regular automaton has no stack
    return collections.Counter(
        (str(trace.outputs[word, position]), "err" if trace.states[word, position] == "err" else int(height))
        for word, position, height in zip(words, positions, heights))


def remeasure(stem: str, paper_repo: Path, expected_accuracy: float, n_words: int, seeds: int) -> None:
    from stateclusters.evaluation.network import prefix_accuracy
    from stateclusters.networks.recurrent import precise_copy, prefix_predictions
    from stateclusters.paper.jobs import PaperJobSpec, published_network_data
    from stateclusters.paper.names import MODELS_FOLDER, parse_checkpoint_name
    from stateclusters.protocol import Protocol
    from stateclusters.words.sampling import conformance_words, trace_words

    checkpoint = paper_repo / MODELS_FOLDER / f"{stem}.pt"
    spec = PaperJobSpec.under(parse_checkpoint_name(checkpoint), checkpoint, paper_repo, ("lda",), Protocol.paper())
    data, _, _ = published_network_data(spec)
    model, classes = data.model, data.model.config.output_classes
    rows = collections.defaultdict(list)
    failures = collections.Counter()
    for seed in range(seeds):
        words = conformance_words(data.automaton, n_words, seed=seed)
        trace = trace_words(data.automaton, words.letters, words.lengths, words.alphabet)
        predictions = prefix_predictions(model, words.letters)
        rows["float32"].append(prefix_accuracy(predictions, trace, classes))
        rows["float64"].append(prefix_accuracy(prefix_predictions(precise_copy(model), words.letters), trace, classes))
        if model.config.num_layers == 1:
            for bits in MANTISSA_BITS:
                rounded_predictions = rounded_logits(model, words.letters, bits).argmax(-1).numpy()
                rows[f"{bits} bits"].append(prefix_accuracy(rounded_predictions, trace, classes))
        failures += first_failures(predictions, trace, classes)
    measured = ", ".join(f"{name} {min(values):.4f}–{max(values):.4f}" for name, values in rows.items())
    print(f"\n{stem}: paper's file {expected_accuracy:.4f}; ours over {seeds} draws of {n_words} words: {measured}")
    total = sum(failures.values())
    print("  first wrong prefix (expected output / stack height, -1 without a stack, or err): " + ", ".join(
        f"{output}/{height} {count / total:.0%}" for (output, height), count in failures.most_common(6)))


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="an evaluate_paper_networks.py output folder")
    parser.add_argument("--paper-repo", type=Path, required=True, help="the paper's checkout (or ../shared/paper)")
    parser.add_argument("--networks", default=None, help="comma-separated stems (default: the largest gaps)")
    parser.add_argument("--largest", type=positive_int, default=3, help="how many of the largest gaps to re-measure")
    parser.add_argument("--words", type=at_most(MAX_WORDS), default=10_000, help="conformance words per draw")
    parser.add_argument("--seeds", type=at_most(MAX_REPEATS), default=3, help="draws of conformance words")
    parser.add_argument("--tolerance", type=float, default=0.002, help="a smaller |Δ| counts as equal")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    from stateclusters.paper.comparison import read_expected
    from stateclusters.results.files import read_results

    expected = read_expected(args.paper_repo)
    accuracy, _ = read_results(args.results)
    gaps = accuracy_gaps(accuracy, expected)
    stems = args.networks.split(",") if args.networks else sorted(gaps, key=gaps.get)[:args.largest]
    expected_by_stem = {split_result_key(key)[0]: value["accuracy"] for key, value in expected.items()}
    unknown = [stem for stem in stems if stem not in expected_by_stem]
    if unknown:
        raise UserError(f"--networks: {', '.join(unknown)} not in the paper's results "
                        f"(stems look like CFG_L_13_lstm_1_15_1_gpu)")
    print_language_counts(gaps, args.tolerance)
    print_later_file_comparison(accuracy, expected, args.paper_repo)
    for stem in stems:
        remeasure(stem, args.paper_repo, expected_by_stem[stem], args.words, args.seeds)
    return 0


if __name__ == "__main__":
    run_cli(main)
