"""Minimal demo: train (or load) one RNN, test it, cluster its hidden states, and print the ambiguity."""
import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from agreement_scores import agreement_scores
from ambiguity import ambiguity_from_labels, state_cluster_map
from automata import get_automaton
from automaton_runs import PDA_LABELINGS, labelings_for
from cli import positive_int, run_cli
from clustering import FUNCTION_NAMES, HiddenStateClusterer, cluster_hidden_states, get_function, parse_function_names
from errors import UserError
from hidden_export import export_arrays, write_hidden_export
from results import network_name
from extraction import describe_report, extract_automaton, extraction_inputs
from evaluation import (CONFORMANCE_WORDS, automaton_size, conformance_accuracy, k_multiplier, network_config, train_or_load,
                        validation_states, validation_words)
from sampling import TRAINING_WORDS, VALIDATION_WORDS
from rnn_models import RNN_TYPES, TrainingConfig, check_rnn_type, prefix_predictions, resolve_device

REPO = Path(__file__).resolve().parent


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--automaton", default="coffee", help="automaton name (see automata.list_automata()) "
                        "or a path to a .dot file")
    parser.add_argument("--rnn", default="relu", help=f"architecture: {', '.join(RNN_TYPES)}")
    parser.add_argument("--hidden", type=positive_int, default=64, help="hidden units per layer")
    parser.add_argument("--layers", type=positive_int, default=1, help="recurrent layers")
    parser.add_argument("--epochs", type=positive_int, default=100, help="maximum training epochs")
    parser.add_argument("--seed", type=int, default=0, help="seed for data, weights and clustering")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:N or auto")
    parser.add_argument("--function", default="k_means_8", help=f"abstraction function: {', '.join(FUNCTION_NAMES)}")
    parser.add_argument("--labeling", default=None, help=f"PDA state labeling: {', '.join(PDA_LABELINGS)} "
                        "(default stackless; regular automata always use their states)")
    parser.add_argument("--checkpoint-dir", type=Path, default=REPO / "pretrained_models",
                        help="where a matching checkpoint is loaded from, and a newly trained one saved")
    parser.add_argument("--retrain", action="store_true", help="train even if a matching checkpoint exists")
    parser.add_argument("--train-words", type=positive_int, default=TRAINING_WORDS, help="training set size")
    parser.add_argument("--validation-words", type=positive_int, default=VALIDATION_WORDS,
                        help="validation words whose hidden states are clustered")
    parser.add_argument("--conformance-words", type=positive_int, default=CONFORMANCE_WORDS,
                        help="random words of length 16-30 in the conformance test")
    parser.add_argument("--export-hidden", type=Path, default=None, metavar="FILE.npz",
                        help="write the hidden states, their prefixes, automaton states, outputs and cluster "
                        "labels to this .npz file (see hidden_export.py)")
    parser.add_argument("--export-functions", default="", help="with --export-hidden: comma-separated functions "
                        "(or 'all') whose cluster labels are exported besides --function's")
    parser.add_argument("--extract", action="store_true", help="also build the automaton of the clusters, "
                        "minimise it and compare it with the ground truth and the network (cluster_automaton.py)")
    return parser.parse_args(argv)


def choose_labeling(automaton, requested: str | None) -> str:
    valid = labelings_for(automaton)
    if requested is None:
        return valid[0]
    if requested not in valid:
        raise UserError(f"labeling '{requested}' does not apply to this automaton; valid: {', '.join(valid)}")
    return requested


def exported_functions(args) -> list[str]:
    """--function, then the --export-functions it does not already name; none without --export-hidden."""
    if args.export_hidden is None:
        if args.export_functions:
            raise UserError("--export-functions needs --export-hidden FILE.npz")
        return []
    if args.export_hidden.is_dir():
        raise UserError(f"--export-hidden {args.export_hidden} is a folder; name the .npz file to write")
    extra = parse_function_names(args.export_functions) if args.export_functions else []
    return list(dict.fromkeys([args.function, *extra]))


def export_hidden(args, function_names, model, automaton, validation, vectors, trace, labeling: str,
                  clusterer: HiddenStateClusterer) -> None:
    """Cluster with every exported function (sharing the clusterer's work) and write the .npz file."""
    state_labels = trace.state_labels(labeling)
    function_labels = {}
    for name in tqdm(function_names, desc="export", unit="function", leave=False):
        function_labels[name] = cluster_hidden_states(
            name, vectors, state_labels, automaton_size(automaton), k_multiplier=k_multiplier(labeling, automaton),
            random_state=args.seed, clusterer=clusterer).cluster_labels
    predicted = np.asarray(model.config.output_classes)[prefix_predictions(model, validation.letters)]
    metadata = {"automaton": args.automaton, "rnn": args.rnn, "hidden": args.hidden, "layers": args.layers,
                "seed": args.seed, "labeling": labeling}
    write_hidden_export(args.export_hidden, export_arrays(vectors, trace, validation.letters, validation.alphabet,
                                                          state_labels, predicted, function_labels, metadata))
    print(f"exported {len(vectors)} hidden states with the labels of {len(function_labels)} function(s) "
          f"to {args.export_hidden}")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    automaton = get_automaton(args.automaton)
    check_rnn_type(args.rnn)
    get_function(args.function)
    export_names = exported_functions(args)
    labeling = choose_labeling(automaton, args.labeling)
    device = resolve_device(args.device)
    config = network_config(automaton, args.rnn, args.hidden, args.layers)
    language = Path(args.automaton).stem if args.automaton.endswith(".dot") else args.automaton
    checkpoint = args.checkpoint_dir / f"{network_name(language, args.rnn, args.layers, args.hidden, args.seed)}.pt"
    print(f"automaton {args.automaton}: {automaton_size(automaton)} states, alphabet {list(config.input_alphabet)}")
    print(f"network: {args.rnn}, {args.layers} layer(s) of {args.hidden} units "
          f"({'loading' if checkpoint.exists() and not args.retrain else 'training'} {checkpoint.name})")
    model, info = train_or_load(checkpoint, config, automaton, TrainingConfig(epochs=args.epochs, seed=args.seed),
                                device, n_training=args.train_words, metadata={"language": args.automaton},
                                reuse=not args.retrain)
    print(f"trained for {info.get('epochs_run')} epochs, validation accuracy {info.get('validation_accuracy')}")
    accuracy = conformance_accuracy(model, automaton, args.conformance_words, seed=args.seed)
    print(f"conformance accuracy: {accuracy:.4f}")

    validation = validation_words(automaton, args.seed, args.validation_words)
    vectors, trace = validation_states(model, automaton, validation)
    state_labels = trace.state_labels(labeling)
    n_states = automaton_size(automaton)
    # One clusterer for the shown function and the exported ones: their shared work is done once.
    clusterer = HiddenStateClusterer(vectors, random_state=args.seed, function_names=[args.function, *export_names])
    clustering = cluster_hidden_states(args.function, vectors, state_labels, n_states,
                                       k_multiplier=k_multiplier(labeling, automaton), random_state=args.seed,
                                       clusterer=clusterer)
    print(f"{args.function} on {len(vectors)} hidden states ({labeling} labels): {clustering.n_clusters} clusters")
    print("state -> {cluster: count}")
    for state, counts in sorted(state_cluster_map(state_labels, clustering.cluster_labels).items()):
        print(f"  {state}: {dict(sorted(counts.items(), key=lambda item: -item[1]))}")
    if args.export_hidden is not None:
        export_hidden(args, export_names, model, automaton, validation, vectors, trace, labeling, clusterer)
    scores = agreement_scores(state_labels, clustering.cluster_labels)
    print("agreement: " + "  ".join(f"{name} {value:.4f}" for name, value in scores.items()))
    amb, wamb, _, _ = ambiguity_from_labels(state_labels, clustering.cluster_labels)
    print(f"ambiguity: {amb:.4f} weighted ambiguity: {wamb:.4f}")
    if args.extract:
        inputs = extraction_inputs(model, automaton, validation, args.conformance_words, seed=args.seed)
        print(describe_report(args.function, extract_automaton(inputs, clustering.cluster_labels),
                              args.conformance_words))
    return 0


if __name__ == "__main__":
    run_cli(main)
