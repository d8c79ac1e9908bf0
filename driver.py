"""Minimal demo: train (or load) one RNN, test it, cluster its hidden states, and print the ambiguity."""
import argparse
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ambiguity import ambiguity_from_labels, state_cluster_map
from automata import get_automaton
from clustering import FUNCTION_NAMES, HiddenStateClusterer, cluster_hidden_states, get_function, parse_function_names
from rnn_models import RNN_TYPES, check_rnn_type, prefix_predictions, resolve_device
from stateclusters.base.cli import positive_int, run_cli
from stateclusters.base.errors import UserError
from stateclusters.evaluation.agreement_scores import agreement_scores
from stateclusters.evaluation.network import (
    CONFORMANCE_WORDS,
    automaton_size,
    conformance_accuracy,
    k_multiplier,
    network_config,
    train_or_load,
    validation_states,
    validation_words,
)
from stateclusters.extras.extraction import describe_report, extract_automaton, extraction_inputs
from stateclusters.extras.hidden_export import export_arrays, write_hidden_export
from stateclusters.extras.length_generalisation import WORDS_PER_LENGTH, format_length_table, length_bucket_table
from stateclusters.extras.training_snapshots import (
    remove_snapshots,
    save_snapshot,
    snapshot_path,
    snapshot_saver,
    snapshot_states,
)
from stateclusters.figures.hidden_states import (
    MAX_PLOTTED_POINTS,
    PROJECTIONS,
    plotted_rows,
    write_epoch_pictures,
    write_state_picture,
)
from stateclusters.protocol import Protocol, add_protocol_arguments, protocol_from_arguments
from stateclusters.results.files import network_name
from stateclusters.words.runs import PDA_LABELINGS, labelings_for
from stateclusters.words.sampling import TRAINING_WORDS, VALIDATION_WORDS

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
    parser.add_argument("--validation-words", type=positive_int, default=None,
                        help=f"validation words whose hidden states are clustered (default: the protocol's, "
                        f"{VALIDATION_WORDS} for spec)")
    add_protocol_arguments(parser)
    parser.add_argument("--conformance-words", type=positive_int, default=CONFORMANCE_WORDS,
                        help="random words of length 16-30 in the conformance test")
    beyond = parser.add_argument_group("beyond the paper")
    beyond.add_argument("--export-hidden", type=Path, default=None, metavar="FILE.npz",
                        help="write the hidden states, their prefixes, automaton states, outputs and cluster "
                        "labels to this .npz file (see hidden_export.py)")
    beyond.add_argument("--export-functions", default="", help="with --export-hidden: comma-separated functions "
                        "(or 'all') whose cluster labels are exported besides --function's")
    beyond.add_argument("--extract", action="store_true", help="also build the automaton of the clusters, "
                        "minimise it and compare it with the ground truth and the network (cluster_automaton.py)")
    beyond.add_argument("--length-generalisation", action="store_true",
                        help="also print the function's ambiguity on the state after words of length 1-50")
    beyond.add_argument("--length-words", type=positive_int, default=WORDS_PER_LENGTH,
                        help="words of each length for --length-generalisation")
    beyond.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                        help="write a 2-D projection of the validation hidden states, coloured by automaton state "
                        "and by cluster")
    beyond.add_argument("--projection", default="pca", choices=PROJECTIONS, help="projection for --plot")
    beyond.add_argument("--plot-epochs", type=positive_int, default=None, metavar="N",
                        help="with --plot: train the network afresh (the checkpoint is neither read nor replaced), "
                        "save a snapshot every N epochs into FILE_epochs/, and draw them as FILE_epochs.png (grid) "
                        "and FILE_epochs.gif")
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
    protocol = protocol_from_arguments(args)
    if args.validation_words is not None:
        protocol = protocol.with_settings([f"validation_words={args.validation_words}"])
    args.protocol_settings = protocol
    automaton = get_automaton(args.automaton)
    check_rnn_type(args.rnn)
    get_function(args.function)
    export_names = exported_functions(args)
    labeling = choose_labeling(automaton, args.labeling)
    check_plot_options(args)
    device = resolve_device(args.device)
    config = network_config(automaton, args.rnn, args.hidden, args.layers)
    print(f"automaton {args.automaton}: {automaton_size(automaton)} states, alphabet {list(config.input_alphabet)}")
    snapshots = snapshot_folder(args.plot) if args.plot_epochs else None
    model = obtain_network(args, automaton, config, device, snapshots)
    accuracy = conformance_accuracy(model, automaton, args.conformance_words, seed=args.seed)
    print(f"conformance accuracy: {accuracy:.4f}")

    validation = validation_words(automaton, args.seed, protocol.validation_words, protocol)
    vectors, trace = validation_states(model, automaton, validation)
    state_labels = trace.state_labels(labeling)
    # One clusterer for the shown function and the exported ones: their shared work is done once.
    clusterer = HiddenStateClusterer(vectors, random_state=args.seed, function_names=[args.function, *export_names],
                                     kmeans_n_init=protocol.kmeans_n_init,
                                     score_fitted_only=protocol.fit_scoring == "fitted")
    clustering = cluster_hidden_states(args.function, vectors, state_labels, automaton_size(automaton),
                                       k_multiplier=k_multiplier(labeling, automaton), random_state=args.seed,
                                       clusterer=clusterer)
    print_clustering(args.function, labeling, state_labels, clustering)
    if args.export_hidden is not None:
        export_hidden(args, export_names, model, automaton, validation, vectors, trace, labeling, clusterer)
    scored = slice(clustering.scored_rows)   # every vector, or the fitted ones (protocol fit_scoring)
    scores = agreement_scores(state_labels[scored], clustering.cluster_labels[scored])
    print("agreement: " + "  ".join(f"{name} {value:.4f}" for name, value in scores.items()))
    amb, wamb, _, _ = ambiguity_from_labels(state_labels[scored], clustering.cluster_labels[scored])
    print(f"ambiguity: {amb:.4f} weighted ambiguity: {wamb:.4f}")
    if args.extract:
        inputs = extraction_inputs(model, automaton, validation, args.conformance_words, seed=args.seed)
        print(describe_report(args.function, extract_automaton(inputs, clustering.cluster_labels),
                              args.conformance_words))
    if args.length_generalisation:
        print(format_length_table(length_bucket_table(model, automaton, args.function, labeling, vectors, state_labels,
                                                      seed=args.seed, n_per_length=args.length_words), args.function))
    if args.plot:
        draw_pictures(args, snapshots, automaton, labeling, validation, vectors, state_labels, clustering, wamb)
    return 0


def language_name(automaton: str) -> str:
    """The name checkpoints and titles use: a .dot file's stem, else the registry name."""
    return Path(automaton).stem if automaton.endswith(".dot") else automaton


def obtain_network(args, automaton, config, device, snapshots: Path | None):
    """Load or train the network; with snapshots, train afresh and save one every --plot-epochs epochs."""
    language = language_name(args.automaton)
    protocol = args.protocol_settings
    checkpoint = args.checkpoint_dir / (f"{network_name(language, args.rnn, args.layers, args.hidden, args.seed)}"
                                        f"{checkpoint_suffix(protocol)}.pt")
    if snapshots is None:
        print(f"network: {args.rnn}, {args.layers} layer(s) of {args.hidden} units "
              f"({'loading' if checkpoint.exists() and not args.retrain else 'training'} {checkpoint.name})")
    else:   # snapshots come from training; the checkpoint is neither read nor replaced
        print(f"network: {args.rnn}, {args.layers} layer(s) of {args.hidden} units (training, a snapshot every "
              f"{args.plot_epochs} epochs into {snapshots})")
        remove_snapshots(snapshots)
    model, info = train_or_load(checkpoint if snapshots is None else None, config, automaton,
                                protocol.training_config(args.epochs, args.seed), device,
                                n_training=args.train_words,
                                metadata={"language": args.automaton, **protocol.training_settings()},
                                protocol=protocol,
                                reuse=not args.retrain,
                                epoch_callback=snapshot_saver(snapshots, args.plot_epochs) if snapshots else None)
    if snapshots is not None and not snapshot_path(snapshots, info["epochs_run"]).exists():
        save_snapshot(snapshots, info["epochs_run"], model, info["validation_accuracy"])
    print(f"trained for {info.get('epochs_run')} epochs, validation accuracy {info.get('validation_accuracy')}")
    return model


def checkpoint_suffix(protocol: Protocol) -> str:
    """'' for networks trained as spec trains them; else the differing training settings, e.g. '_early_stop-False'."""
    spec = Protocol.spec().training_settings()
    return "".join(f"_{name}-{value}" for name, value in protocol.training_settings().items() if spec[name] != value)


def print_clustering(function: str, labeling: str, state_labels, clustering) -> None:
    print(f"{function} on {len(state_labels)} hidden states ({labeling} labels): {clustering.n_clusters} clusters")
    print("state -> {cluster: count}")
    for state, counts in sorted(state_cluster_map(state_labels, clustering.cluster_labels).items()):
        print(f"  {state}: {dict(sorted(counts.items(), key=lambda item: -item[1]))}")


def draw_pictures(args, snapshots, automaton, labeling, validation, vectors, state_labels, clustering,
                  wamb: float) -> None:
    """--plot's state/cluster picture and, with --plot-epochs, the pictures of the snapshots."""
    language = language_name(args.automaton)
    title = f"{language}: {args.rnn}, {args.layers}x{args.hidden}, seed {args.seed}, {labeling} labels"
    written = [write_state_picture(args.plot, vectors, state_labels, clustering.cluster_labels,
                                   projection=args.projection, seed=args.seed,
                                   state_title=f"automaton states ({len(set(state_labels.tolist()))})",
                                   cluster_title=f"{args.function}: {clustering.n_clusters} clusters, "
                                   f"wamb {wamb:.3f}", title=title)]
    if snapshots is not None:
        written += write_epoch_plots(args, snapshots, validation, state_labels, automaton, labeling, title)
    print("pictures: " + ", ".join(str(path) for path in written))


def check_plot_options(args) -> None:
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise UserError(f"--plot writes a PNG; give a file name ending in .png, not '{args.plot.name}'")
    if args.plot_epochs is not None and args.plot is None:
        raise UserError("--plot-epochs needs --plot FILE.png (the snapshots and pictures go next to it)")


def snapshot_folder(plot: Path) -> Path:
    return plot.with_name(f"{plot.stem}_epochs")


def write_epoch_plots(args, snapshots: Path, validation, state_labels, automaton, labeling, title) -> list[Path]:
    """The grid and the GIF of the snapshots' validation hidden states (the same seeded rows in every one)."""
    rows = plotted_rows(len(state_labels), MAX_PLOTTED_POINTS, args.seed)
    states = snapshot_states(snapshots, validation, state_labels, args.function, automaton_size(automaton), rows,
                             multiplier=k_multiplier(labeling, automaton), seed=args.seed)
    return write_epoch_pictures(snapshots.with_name(f"{snapshots.name}.png"),
                                snapshots.with_name(f"{snapshots.name}.gif"), states,
                                state_labels[rows], args.function, title, seed=args.seed)


if __name__ == "__main__":
    run_cli(main)
