"""Minimal demo: train (or load) one RNN, test it, cluster its hidden states, and print the ambiguity."""
import argparse
from pathlib import Path

from stateclusters.base.arguments import add_device_option, at_most, parser_for, positive_int, seed_int
from stateclusters.base.catalogue import (
    CONFORMANCE_WORDS,
    DEFAULT_SATURATION,
    EQ_WORDS,
    MAX_HIDDEN,
    MAX_LAYERS,
    MAX_TRAINING_EPOCHS,
    MAX_WORDS,
    MAX_WORDS_PER_LENGTH,
    MEMBERSHIP_QUERIES,
    PDA_LABELINGS,
    PROJECTIONS,
    RNN_TYPES,
    SOLO_TRAINING,
    TRAINING_WORDS,
    VALIDATION_WORDS,
    WORDS_PER_LENGTH,
    check_construction,
    check_rnn_type,
)
from stateclusters.base.cli import command
from stateclusters.base.errors import CheckpointError, UserError
from stateclusters.base.keys import NetworkId
from stateclusters.base.paths import check_output_file, check_output_folder, check_output_name, project_folder
from stateclusters.clustering.functions import FUNCTION_NAMES, get_function, parse_function_names
from stateclusters.protocol import Protocol, add_protocol_arguments, protocol_from_arguments

REPO = project_folder()
SHIPPED_NETWORKS = REPO / "pretrained_models"
USER_NETWORKS = REPO / "experiment_results" / "user" / "networks"   # networks of automata from .dot files


# (option, the flag that uses it, its default): given without the flag, the option is refused.
DEPENDENT_OPTIONS = (("learn_words", "learn", EQ_WORDS), ("learn_queries", "learn", MEMBERSHIP_QUERIES),
                     ("length_words", "length_generalisation", WORDS_PER_LENGTH),
                     ("projection", "plot", PROJECTIONS[0]))


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.add_argument("--automaton", default="coffee", help="automaton name (see automata.list_automata()) "
                        "or a path to a .dot file, named by its stem")
    parser.add_argument("--rnn", default="relu", help=f"architecture: {', '.join(RNN_TYPES)}")
    parser.add_argument("--hidden", type=at_most(MAX_HIDDEN), default=64, help="hidden units per layer")
    parser.add_argument("--layers", type=at_most(MAX_LAYERS), default=1, help="recurrent layers")
    parser.add_argument("--epochs", type=at_most(MAX_TRAINING_EPOCHS), default=100, help="maximum training epochs")
    parser.add_argument("--repetition", type=positive_int, default=1,
                        help="which network of this size: the fifth field of its name, as in the grid")
    parser.add_argument("--seed", type=seed_int, default=None, help="seed for data, weights and clustering; a loaded "
                        "network must have been trained with it (default: a loaded network's own seed, else 0)")
    add_device_option(parser)
    parser.add_argument("--function", default="k_means_8", help=f"abstraction function: {', '.join(FUNCTION_NAMES)}")
    parser.add_argument("--labeling", default=None, help=f"PDA state labeling: {', '.join(PDA_LABELINGS)} "
                        "(default stackless; regular automata always use their states)")
    parser.add_argument("--checkpoint-dir", type=Path, default=None,
                        help="folder a matching network is loaded from, and a newly trained one saved to (made if "
                        "missing; default: pretrained_models/ for registry names, experiment_results/user/networks/ "
                        "for .dot files)")
    parser.add_argument("--retrain", action="store_true", help="train even if a matching checkpoint exists (with "
                        "--construct: train the constructed network further)")
    parser.add_argument("--train-words", type=at_most(MAX_WORDS), default=TRAINING_WORDS, help="training set size")
    parser.add_argument("--validation-words", type=at_most(MAX_WORDS), default=None,
                        help=f"validation words whose hidden states are clustered (default: the protocol's, "
                        f"{VALIDATION_WORDS} for spec)")
    add_protocol_arguments(parser)
    parser.add_argument("--conformance-words", type=at_most(MAX_WORDS), default=CONFORMANCE_WORDS,
                        help="random words of length 16-30 in the conformance test")
    constructed = parser.add_argument_group("correct-by-construction networks (docs/faithfulness.md)")
    constructed.add_argument("--construct", action="store_true",
                             help="use a network built from the automaton (regular; --rnn relu or tanh, --layers 1 "
                             "or 2; |Q|·|Σ| units, --hidden is not used) instead of a trained one; it is saved to "
                             "--checkpoint-dir (default experiment_results/user/networks/); with --retrain it is "
                             "then trained further by the ordinary training (--epochs, --train-words, --seed)")
    constructed.add_argument("--saturation", type=float, default=None,
                             help=f"with --construct: the weight scale (default {DEFAULT_SATURATION})")
    constructed.add_argument("--noise", type=float, default=None,
                             help="with --construct: σ of the Gaussian noise added to every weight, drawn from --seed "
                             "(default 0)")
    beyond = parser.add_argument_group("beyond the paper")
    beyond.add_argument("--export-hidden", type=Path, default=None, metavar="FILE.npz",
                        help="write the hidden states, their prefixes, automaton states, outputs and cluster "
                        "labels to this .npz file (see hidden_export.py)")
    beyond.add_argument("--export-functions", default="", help="with --export-hidden: comma-separated functions "
                        "(or 'all') whose cluster labels are exported besides --function's")
    beyond.add_argument("--extract", action="store_true", help="also build the automaton of the clusters, "
                        "minimise it and compare it with the ground truth and the network (cluster_automaton.py)")
    beyond.add_argument("--learn", action="store_true", help="also learn automata from the network with AALpy's L* "
                        "and KV (a VPA with KV for PDAs) and print them beside the automaton of the --function "
                        "clusters (learning_results.py)")
    beyond.add_argument("--learn-words", type=at_most(MAX_WORDS), default=None,
                        help=f"with --learn: random words of length 1-30 per equivalence query (default {EQ_WORDS})")
    beyond.add_argument("--learn-queries", type=at_most(MAX_WORDS), default=None,
                        help="with --learn: membership-query budget of one learning run "
                        f"(default {MEMBERSHIP_QUERIES})")
    beyond.add_argument("--length-generalisation", action="store_true",
                        help="also print the function's ambiguity on the state after words of length 1-50")
    beyond.add_argument("--length-words", type=at_most(MAX_WORDS_PER_LENGTH), default=None,
                        help=f"with --length-generalisation: words of each length (default {WORDS_PER_LENGTH})")
    beyond.add_argument("--faithfulness", action="store_true",
                        help="also the Myhill-Nerode scores and the interventions on the clusters of --function "
                             "(docs/faithfulness.md)")
    beyond.add_argument("--plot", type=Path, default=None, metavar="FILE.png",
                        help="write a 2-D projection of the validation hidden states, coloured by automaton state "
                        "and by cluster")
    beyond.add_argument("--projection", default=None, choices=PROJECTIONS,
                        help=f"with --plot: the projection (default {PROJECTIONS[0]})")
    beyond.add_argument("--plot-epochs", type=positive_int, default=None, metavar="N",
                        help="with --plot: train the network afresh (the checkpoint is neither read nor replaced), "
                        "save a snapshot every N epochs into FILE_epochs/, and draw them as FILE_epochs.png (grid) "
                        "and FILE_epochs.gif")
    return fill_dependent_options(parser, parser.parse_args(argv))


def choose_labeling(automaton, requested: str | None) -> str:
    from stateclusters.words.runs import labelings_for
    valid = labelings_for(automaton)
    if requested is None:
        return valid[0]
    if requested not in valid:
        raise UserError(f"labeling '{requested}' does not apply to this automaton; valid: {', '.join(valid)}")
    return requested


def fill_dependent_options(parser, args) -> argparse.Namespace:
    """An option given without the flag that uses it is refused (it would change nothing); the others get
    their defaults."""
    for option, flag, default in DEPENDENT_OPTIONS:
        value = getattr(args, option)
        if value is not None and not getattr(args, flag):
            parser.error(f"--{option.replace('_', '-')} needs --{flag.replace('_', '-')}")
        if value is None:
            setattr(args, option, default)
    return args


def exported_functions(args) -> list[str]:
    """--function, then the --export-functions it does not already name; none without --export-hidden."""
    if args.export_hidden is None:
        if args.export_functions:
            raise UserError("--export-functions needs --export-hidden FILE.npz")
        return []
    check_output_file(args.export_hidden, "--export-hidden")
    extra = parse_function_names(args.export_functions, "--export-functions") if args.export_functions else []
    return list(dict.fromkeys([args.function, *extra]))


def export_hidden(args, function_names, data, labeling: str) -> None:
    """Cluster with every exported function (sharing the clusterer's work) and write the .npz file."""
    import numpy as np
    from tqdm import tqdm

    from stateclusters.analyses.hidden_export import export_arrays, write_hidden_export

    state_labels, validation = data.state_labels(labeling), data.validation
    function_labels = {}
    for name in tqdm(function_names, desc="export", unit="function", leave=False):
        function_labels[name] = data.abstraction(name, labeling).fit_predict(data.hidden_states, state_labels,
                                                                              data.clusterer())
    predicted = np.asarray(data.model.config.output_classes)[data.validation_predictions]
    metadata = {"automaton": args.automaton, "rnn": args.rnn, "hidden": args.hidden, "layers": args.layers,
                "seed": args.seed, "labeling": labeling}
    write_hidden_export(args.export_hidden, export_arrays(data.hidden_states, data.validation_trace,
                                                          validation.letters, validation.alphabet, state_labels,
                                                          predicted, function_labels, metadata))
    print(f"exported {len(data.hidden_states)} hidden states with the labels of {len(function_labels)} function(s) "
          f"to {args.export_hidden}")


def check_request(args) -> Path:
    """Every check that needs no heavy library, before any is imported; returns the checkpoint path."""
    args.protocol_settings = protocol_from_arguments(args)
    if args.validation_words is not None:
        args.protocol_settings = args.protocol_settings.with_validation_words(args.validation_words)
    check_rnn_type(args.rnn)
    check_construction_options(args)
    get_function(args.function)
    exported_functions(args)
    check_plot_options(args)
    return checkpoint_path(args)


def check_construction_options(args) -> None:
    """--saturation and --noise belong to --construct, which builds relu or tanh networks of 1 or 2 layers."""
    if not args.construct:
        for option, value in (("--saturation", args.saturation), ("--noise", args.noise)):
            if value is not None:
                raise UserError(f"{option} needs --construct")
        return
    args.saturation = DEFAULT_SATURATION if args.saturation is None else args.saturation
    args.noise = 0.0 if args.noise is None else args.noise
    check_construction(args.rnn, args.layers, args.saturation, args.noise)
    if args.plot_epochs is not None:
        raise UserError("--plot-epochs draws a network trained afresh; it does not apply with --construct")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    checkpoint = check_request(args)
    from stateclusters.automata import get_automaton, is_context_free
    automaton = get_automaton(args.automaton)
    if args.construct and is_context_free(automaton):
        raise UserError(f"--construct needs a regular automaton (DFA, Moore or Mealy machine); {args.automaton} is "
                        "a PDA")
    labeling = choose_labeling(automaton, args.labeling)
    # Imported only now: --help and argument mistakes must not wait for torch and scikit-learn.
    from stateclusters.ambiguity.agreement import agreement_scores
    from stateclusters.ambiguity.scores import ambiguity_from_labels
    from stateclusters.evaluation.network import conformance_accuracy
    from stateclusters.evaluation.network_data import NetworkData, automaton_size
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.recurrent import resolve_device

    export_names = exported_functions(args)
    device = resolve_device(args.device)
    config = network_config(automaton, args.rnn, args.hidden, args.layers)
    print(f"automaton {args.automaton}: {automaton_size(automaton)} states, alphabet {list(config.input_alphabet)}")
    snapshots = snapshot_folder(args.plot) if args.plot_epochs else None
    if args.construct:
        model = construct_network(args, checkpoint, automaton, device)
    else:
        model = obtain_network(args, checkpoint, automaton, config, device, snapshots)
    protocol = args.protocol_settings
    data = NetworkData(model, automaton, args.seed, None, args.conformance_words, protocol)
    print(f"conformance accuracy: {conformance_accuracy(data):.4f}")

    state_labels = data.state_labels(labeling)
    # One clusterer for the shown function and the exported ones: their shared work is done once.
    clustering = data.abstraction(args.function, labeling).fit(data.hidden_states, state_labels, data.clusterer())
    print_clustering(args.function, labeling, state_labels, clustering)
    if args.export_hidden is not None:
        export_hidden(args, export_names, data, labeling)
    scored = clustering.scored_rows_   # every vector, or the fitted ones (protocol fit_scoring)
    scores = agreement_scores(state_labels[scored], clustering.labels_[scored])
    print("agreement: " + "  ".join(f"{name} {value:.4f}" for name, value in scores.items()))
    amb, wamb, _, _ = ambiguity_from_labels(state_labels[scored], clustering.labels_[scored])
    print(f"ambiguity: {amb:.4f} weighted ambiguity: {wamb:.4f}")
    print_extras(args, data, labeling, clustering)
    if args.plot:
        draw_pictures(args, snapshots, data, labeling, clustering, wamb)
    return 0


def print_extras(args, data, labeling: str, clustering) -> None:
    """--extract's report, --learn's learned automata beside it, --length-generalisation's table, and
    --faithfulness's scores."""
    if args.extract or args.learn:
        from stateclusters.analyses.extraction import extract_automaton, extraction_inputs
        from stateclusters.analyses.extraction_report import describe_report
        inputs = extraction_inputs(data)
        print(describe_report(args.function, extract_automaton(inputs, clustering.labels_), args.conformance_words))
    if args.learn:
        from stateclusters.analyses.learning_report import describe_learning
        from stateclusters.analyses.learning_results import learn_network
        reports = learn_network(data.model, data.automaton, inputs, seed=args.seed, eq_words=args.learn_words,
                                max_queries=args.learn_queries)
        print(describe_learning(next(iter(reports.values())), args.conformance_words))
    if args.length_generalisation:
        from stateclusters.analyses.length_generalisation import format_length_table, length_bucket_table
        print(format_length_table(length_bucket_table(data, args.function, labeling, n_per_length=args.length_words),
                                  args.function))
    if args.faithfulness:
        from stateclusters.analyses.grid_rows.faithfulness import network_faithfulness
        from stateclusters.faithfulness.report import describe_faithfulness
        print("\n".join(describe_faithfulness(network_faithfulness(data, [args.function]))))


def language_name(automaton: str) -> str:
    """The name checkpoints and titles use: a .dot file's stem, else the registry name."""
    return Path(automaton).stem if is_dot_file(automaton) else automaton


def is_dot_file(automaton: str) -> bool:
    return automaton.endswith(".dot") or Path(automaton).is_file()


def checkpoint_path(args) -> Path:
    """Where this network is loaded from or saved to. A folder the user named must exist; one written to is
    checked first. Networks of .dot automata default to a folder of their own, never the shipped one."""
    name = (NetworkId(language_name(args.automaton), args.rnn, args.layers, args.hidden, args.repetition).name
            + checkpoint_suffix(protocol_from_arguments(args)))
    if args.checkpoint_dir is not None:
        folder = check_output_folder(args.checkpoint_dir, "--checkpoint-dir")   # made when a network is saved
    else:
        folder = USER_NETWORKS if is_dot_file(args.automaton) or args.construct else SHIPPED_NETWORKS
    if args.construct:   # always written; its name, with its size, is known once the automaton is (constructed_path)
        return check_output_folder(folder, "--checkpoint-dir" if args.checkpoint_dir is not None else
                                   "checkpoint folder")
    path = check_output_name(folder / f"{name}.pt", f"--automaton {args.automaton} (its checkpoint)")
    if args.plot_epochs is None and (args.retrain or not path.exists()):
        check_output_folder(folder, "--checkpoint-dir" if args.checkpoint_dir is not None else "checkpoint folder")
    return path


def obtain_network(args, checkpoint: Path, automaton, config, device, snapshots: Path | None):
    """Load or train the network; with snapshots, train afresh and save one every --plot-epochs epochs."""
    from stateclusters.analyses.training_snapshots import remove_snapshots, save_snapshot, snapshot_path, snapshot_saver
    from stateclusters.automata import is_context_free
    from stateclusters.evaluation.plan import TrainingPlan
    from stateclusters.evaluation.training import train_or_load

    loading = snapshots is None and checkpoint.exists() and not args.retrain
    if snapshots is None:
        print(f"network: {args.rnn}, {args.layers} layer(s) of {args.hidden} units "
              f"({'loading' if loading else 'training'} {checkpoint.name} in {checkpoint.parent})")
    else:   # snapshots come from training; the checkpoint is neither read nor replaced
        print(f"network: {args.rnn}, {args.layers} layer(s) of {args.hidden} units (training, a snapshot every "
              f"{args.plot_epochs} epochs into {snapshots})")
        remove_snapshots(snapshots)
    plan = TrainingPlan(args.automaton, args.repetition, args.seed or 0, args.epochs, args.train_words,
                        args.protocol_settings.for_family(is_context_free(automaton)))
    try:
        model, info = train_or_load(checkpoint if snapshots is None else None, config, automaton, plan, device,
                                    reuse=not args.retrain,
                                    epoch_callback=snapshot_saver(snapshots, args.plot_epochs) if snapshots else None)
    except CheckpointError as error:
        raise CheckpointError(f"{error}; move or delete that file, or pass --retrain to train a new network and "
                              "replace it") from None
    if loading:
        args.seed = check_trained_seed(checkpoint, info, args.seed)
    elif args.seed is None:
        args.seed = 0
    if snapshots is not None and not snapshot_path(snapshots, info["epochs_run"]).exists():
        save_snapshot(snapshots, info["epochs_run"], model, info["validation_accuracy"])
    print(f"{'loaded: ' if loading else ''}trained for {info.get('epochs_run')} epochs with seed "
          f"{info.get('seed', '(not recorded)')}, validation accuracy {info.get('validation_accuracy')}")
    return model


def constructed_path(args, folder: Path, hidden: int) -> Path:
    """Where a constructed network is saved: its grid name, then how it was built (and '_retrained' and the
    training settings that differ from spec's, once trained further)."""
    name = NetworkId(language_name(args.automaton), args.rnn, args.layers, hidden, args.repetition).name
    built = f"_constructed_s{args.saturation:g}_noise{args.noise:g}_seed{args.seed}"
    trained = "_retrained" + checkpoint_suffix(protocol_from_arguments(args)) if args.retrain else ""
    return folder / f"{name}{built}{trained}.pt"


def construct_network(args, folder: Path, automaton, device):
    """Build the network (networks/constructed.py), with --retrain train it further from its weights, save it."""
    from stateclusters.automata import is_context_free
    from stateclusters.evaluation.construction import construct_network as construct
    from stateclusters.evaluation.plan import TrainingPlan
    from stateclusters.evaluation.training import training_info
    from stateclusters.networks.recurrent import save_checkpoint, train_network

    args.seed = args.seed or 0
    model, info = construct(automaton, args.rnn, args.layers, args.saturation, args.noise, args.seed)
    args.hidden = model.config.hidden_size
    path = constructed_path(args, folder, args.hidden)
    print(f"network: {args.rnn}, {args.layers} layer(s) of {args.hidden} units (constructed: saturation "
          f"{info['saturation']:g}, noise {args.noise:g}, seed {args.seed})")
    info.update(language=args.automaton, repetition=args.repetition)
    if args.retrain:
        plan = TrainingPlan(args.automaton, args.repetition, args.seed, args.epochs, args.train_words,
                            args.protocol_settings.for_family(is_context_free(automaton)))
        model, metrics = train_network(model.config, *plan.words(automaton), plan.settings, device,
                                       description="retraining", initial_weights=model.state_dict())
        info = training_info(dict(plan.metadata(), **info, retrained=True), plan.settings, metrics, SOLO_TRAINING)
        print(f"retrained for {info['epochs_run']} epochs with seed {args.seed}, validation accuracy "
              f"{info['validation_accuracy']}")
    save_checkpoint(path, model, **info)
    print(f"saved {path.name} in {path.parent}")
    return model.to(device)


def checkpoint_suffix(protocol: Protocol) -> str:
    """'' for networks trained as spec trains them; else the differing training settings, e.g. '_early_stop-False'."""
    spec = Protocol.spec().training_settings()
    return "".join(f"_{name}-{value}" for name, value in protocol.training_settings().items() if spec[name] != value)


def check_trained_seed(checkpoint: Path, info: dict, seed: int | None) -> int:
    """The seed to use: --seed, or the network's own without one. A network trained with another seed than
    --seed is not the one asked for; say how to get either."""
    trained = info.get("seed")
    if seed is None:
        return trained if trained is not None else 0
    if trained is not None and trained != seed:
        raise UserError(f"{checkpoint} was trained with seed {trained}, not --seed {seed}: pass --seed {trained} to "
                        f"use it, --retrain to replace it by one trained with seed {seed}, or another --repetition")
    return seed


def print_clustering(function: str, labeling: str, state_labels, clustering) -> None:
    from stateclusters.ambiguity.scores import state_cluster_map
    print(f"{function} on {len(state_labels)} hidden states ({labeling} labels): {clustering.n_clusters_} clusters")
    print("state -> {cluster: count}")
    for state, counts in sorted(state_cluster_map(state_labels, clustering.labels_).items()):
        print(f"  {state}: {dict(sorted(counts.items(), key=lambda item: -item[1]))}")


def draw_pictures(args, snapshots, data, labeling: str, clustering, wamb: float) -> None:
    """--plot's state/cluster picture and, with --plot-epochs, the pictures of the snapshots."""
    from stateclusters.figures.hidden_states import write_state_picture
    language = language_name(args.automaton)
    title = f"{language}: {args.rnn}, {args.layers}x{args.hidden}, seed {args.seed}, {labeling} labels"
    state_labels = data.state_labels(labeling)
    written = [write_state_picture(args.plot, data.hidden_states, state_labels, clustering.labels_,
                                   projection=args.projection, seed=args.seed,
                                   state_title=f"automaton states ({len(set(state_labels.tolist()))})",
                                   cluster_title=f"{args.function}: {clustering.n_clusters_} clusters, "
                                   f"wamb {wamb:.3f}", title=title)]
    if snapshots is not None:
        written += write_epoch_plots(args, snapshots, data, labeling, title)
    print("pictures: " + ", ".join(str(path) for path in written))


def check_plot_options(args) -> None:
    if args.plot is not None and args.plot.suffix.lower() != ".png":
        raise UserError(f"--plot writes a PNG; give a file name ending in .png, not '{args.plot.name}'")
    if args.plot_epochs is not None and args.plot is None:
        raise UserError("--plot-epochs needs --plot FILE.png (the snapshots and pictures go next to it)")
    if args.plot is not None:
        check_output_file(args.plot, "--plot")
    if args.plot_epochs is not None:
        check_output_folder(snapshot_folder(args.plot), "--plot (its snapshot folder)")


def snapshot_folder(plot: Path) -> Path:
    return plot.with_name(f"{plot.stem}_epochs")


def write_epoch_plots(args, snapshots: Path, data, labeling: str, title: str) -> list[Path]:
    """The grid and the GIF of the snapshots' validation hidden states (the same seeded rows in every one)."""
    from stateclusters.analyses.training_snapshots import snapshot_states
    from stateclusters.figures.hidden_states import MAX_PLOTTED_POINTS, plotted_rows, write_epoch_pictures
    state_labels = data.state_labels(labeling)
    rows = plotted_rows(len(state_labels), MAX_PLOTTED_POINTS, args.seed)
    states = snapshot_states(snapshots, data, labeling, data.abstraction(args.function, labeling), rows)
    return write_epoch_pictures(snapshots.with_name(f"{snapshots.name}.png"),
                                snapshots.with_name(f"{snapshots.name}.gif"), states,
                                state_labels[rows], args.function, title, seed=args.seed)


run = command(main)

if __name__ == "__main__":
    run()
