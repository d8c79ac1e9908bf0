"""The small experiment: 8 shipped GRU networks, 11 abstraction functions, ambiguity per function.

Loads the pretrained networks from pretrained_models/ (trained by this project's own code; `--train`
retrains and replaces them), prints accuracy and ambiguity, and writes SPEC §8 result pickles plus scores.pickle.
"""
import argparse
import time
from pathlib import Path

import torch
from tqdm import tqdm

from automata import get_automaton, input_alphabet, is_context_free
from rnn_models import resolve_device
from stateclusters.base.cli import positive_int, run_cli
from stateclusters.evaluation.network import automaton_size, evaluate_network, network_config, train_or_load
from stateclusters.grid.jobs import single_threaded
from stateclusters.protocol import add_protocol_arguments, protocol_from_arguments
from stateclusters.results.files import SCORES_FILE, network_name, network_seed, result_key, write_results, write_scores

REPO = Path(__file__).resolve().parent
SMALL_LANGUAGES = ("tomita1", "tomita3", "tomita7", "coffee", "mqtt", "regex", "CFG_L_12", "CFG_L_13")
SMALL_FUNCTIONS = ("lda", "lr", "DBSCAN_half", "DBSCAN", "DBSCAN_quad", "k_means", "k_means_4", "k_means_8",
                   "OPTICS", "mean_shift", "mean_shift_4")
SMALL_PDA_LABELINGS = ("stackless", "stack_size")
RNN, LAYERS, REPETITION, EPOCHS = "gru", 1, 1, 50


def small_hidden_size(automaton) -> int:
    """2·|Σ|·|Q|, the small experiment's width."""
    return 2 * len(input_alphabet(automaton)) * automaton_size(automaton)


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--train", action="store_true", help="retrain the 8 networks and replace the shipped ones")
    parser.add_argument("--epochs", type=positive_int, default=EPOCHS, help="maximum epochs when training")
    parser.add_argument("--out", type=Path, default=REPO / "experiment_results" / "small",
                        help="folder for accuracy.pickle, ambiguity.pickle and scores.pickle")
    parser.add_argument("--pretrained-dir", type=Path, default=REPO / "pretrained_models",
                        help="folder the networks are loaded from (and saved to with --train)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    add_protocol_arguments(parser)
    return parser.parse_args(argv)


def run_language(language: str, args, device: torch.device) -> tuple[dict, dict, dict]:
    """Load or train one network, evaluate it, print its lines; SPEC §8 entries and agreement scores per labeling."""
    automaton = get_automaton(language)
    hidden = small_hidden_size(automaton)
    name = network_name(language, RNN, LAYERS, hidden, REPETITION)
    seed = network_seed(name)
    config = network_config(automaton, RNN, hidden, LAYERS)
    protocol = args.protocol_settings
    model, _ = train_or_load(args.pretrained_dir / f"{name}.pt", config, automaton,
                             protocol.training_config(args.epochs, seed), device, reuse=not args.train,
                             progress=args.train, protocol=protocol,
                             metadata={"language": language, "repetition": REPETITION,
                                       **protocol.training_settings()})
    labelings = SMALL_PDA_LABELINGS if is_context_free(automaton) else ("regular",)
    evaluation = evaluate_network(model, automaton, SMALL_FUNCTIONS, seed=seed, labelings=labelings,
                                  n_validation_words=protocol.validation_words, protocol=protocol)
    tqdm.write(f"{name}: conformance accuracy {evaluation.accuracy:.4f}")
    accuracy, ambiguity, scores = {}, {}, {}
    for labeling, function_results in evaluation.results.items():
        key = result_key(language, RNN, LAYERS, hidden, REPETITION, labeling)
        accuracy[key] = evaluation.accuracy
        ambiguity[key] = {}
        scores[key] = {}
        for function, result in function_results.items():
            if result.error:
                tqdm.write(f"  {labeling:<12} {function:<13} failed: {result.error}")
                continue
            ambiguity[key][function] = result.as_list()
            scores[key][function] = dict(result.scores)
            tqdm.write(f"  {labeling:<12} {function:<13} amb {result.amb:.4f}  wamb {result.wamb:.4f}  "
                       f"clusters {result.n_clusters}")
    return accuracy, ambiguity, scores


def main(argv=None) -> int:
    args = parse_arguments(argv)
    args.protocol_settings = protocol_from_arguments(args)
    device = resolve_device(args.device)
    start = time.perf_counter()
    accuracy, ambiguity, scores = {}, {}, {}
    # One thread: the numbers match the grid's jobs, and BLAS threads spin-wait on a busy 2-core machine.
    with single_threaded():
        for language in tqdm(SMALL_LANGUAGES, desc="small experiment", unit="network"):
            language_accuracy, language_ambiguity, language_scores = run_language(language, args, device)
            accuracy.update(language_accuracy)
            ambiguity.update(language_ambiguity)
            scores.update(language_scores)
    write_results(args.out, accuracy, ambiguity)
    write_scores(args.out, scores)
    print(f"wrote {args.out / 'accuracy.pickle'}, {args.out / 'ambiguity.pickle'} and {SCORES_FILE} "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    run_cli(main)
