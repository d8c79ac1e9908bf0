"""The small experiment: 8 shipped GRU networks, 11 abstraction functions, ambiguity per function.

Loads the pretrained networks from pretrained_models/ (trained by this project's own code; `--train`
retrains and replaces them; nothing is trained without it), prints accuracy and ambiguity, and writes the
result pickles (docs/contract.md, Result files) plus scores.pickle.
"""
import argparse
import time
from pathlib import Path

from stateclusters.base.arguments import add_device_option, at_most, parser_for
from stateclusters.base.catalogue import MAX_TRAINING_EPOCHS
from stateclusters.base.cli import command
from stateclusters.base.errors import UserError
from stateclusters.base.keys import NetworkId
from stateclusters.base.paths import check_input_folder, check_output_folder, project_folder
from stateclusters.protocol import add_protocol_arguments, protocol_from_arguments
from stateclusters.results.files import SCORES_FILE, write_results

REPO = project_folder()
SMALL_LANGUAGES = ("tomita1", "tomita3", "tomita7", "coffee", "mqtt", "regex", "CFG_L_12", "CFG_L_13")
SMALL_FUNCTIONS = ("lda", "lr", "DBSCAN_half", "DBSCAN", "DBSCAN_quad", "k_means", "k_means_4", "k_means_8",
                   "OPTICS", "mean_shift", "mean_shift_4")
SMALL_PDA_LABELINGS = ("stackless", "stack_size")
RNN, LAYERS, REPETITION, EPOCHS = "gru", 1, 1, 50


def small_hidden_size(automaton) -> int:
    """2·|Σ|·|Q|, the small experiment's width."""
    from stateclusters.automata import input_alphabet
    from stateclusters.evaluation.network_data import automaton_size
    return 2 * len(input_alphabet(automaton)) * automaton_size(automaton)


def small_network(language: str) -> NetworkId:
    from stateclusters.automata import get_automaton
    return NetworkId(language, RNN, LAYERS, small_hidden_size(get_automaton(language)), REPETITION)


def check_folders(args) -> None:
    """Before any work: --out can be written, and --pretrained-dir holds every network (or, with --train, can
    take them). A mistyped folder never turns into a silent retraining."""
    check_output_folder(args.out, "--out")
    if args.train:
        check_output_folder(args.pretrained_dir, "--pretrained-dir")
        return
    check_input_folder(args.pretrained_dir, "--pretrained-dir")
    missing = [f"{network.name}.pt" for network in map(small_network, SMALL_LANGUAGES)
               if not (args.pretrained_dir / f"{network.name}.pt").is_file()]
    if missing:
        raise UserError(f"--pretrained-dir {args.pretrained_dir} lacks {len(missing)} of the {len(SMALL_LANGUAGES)} "
                        f"networks: {', '.join(missing)}; name the folder that holds them, or add --train to train "
                        "them into it")


def check_checkpoints(args, device) -> None:
    """Before any evaluation: every network loads and fits its language (not only the first ones)."""
    from stateclusters.automata import get_automaton
    from stateclusters.base.errors import CheckpointError
    from stateclusters.evaluation.training import check_trained_language, network_config
    from stateclusters.networks.recurrent import load_checkpoint
    problems = []
    for language in SMALL_LANGUAGES:
        network = small_network(language)
        config = network_config(get_automaton(language), RNN, network.hidden, LAYERS)
        path = args.pretrained_dir / f"{network.name}.pt"
        try:
            check_trained_language(path, load_checkpoint(path, expected=config, device=device)[1], language)
        except CheckpointError as error:
            problems.append(str(error))
    if problems:
        raise CheckpointError(f"{len(problems)} of the {len(SMALL_LANGUAGES)} networks cannot be used: "
                              f"{'; '.join(problems)}; replace them, or add --train to retrain all")


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.add_argument("--train", action="store_true", help="train the 8 networks and save them into "
                        "--pretrained-dir, replacing any there (without it, every network must be there)")
    parser.add_argument("--epochs", type=at_most(MAX_TRAINING_EPOCHS), default=EPOCHS,
                        help="maximum epochs when training")
    parser.add_argument("--out", type=Path, default=REPO / "experiment_results" / "small",
                        help="folder for accuracy.pickle, ambiguity.pickle and scores.pickle")
    parser.add_argument("--pretrained-dir", type=Path, default=REPO / "pretrained_models",
                        help="existing folder the networks are loaded from, and saved to with --train")
    add_device_option(parser)
    add_protocol_arguments(parser)
    return parser.parse_args(argv)


def run_language(language: str, args, device) -> tuple[dict, dict, dict]:
    """Load or train one network, evaluate it, print its lines; result entries and agreement scores per labeling."""
    from tqdm import tqdm

    from stateclusters.automata import get_automaton, is_context_free
    from stateclusters.evaluation.network import evaluate_network
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.evaluation.plan import TrainingPlan
    from stateclusters.evaluation.training import network_config, train_or_load

    automaton = get_automaton(language)
    network = small_network(language)
    config = network_config(automaton, RNN, network.hidden, LAYERS)
    protocol = args.protocol_settings
    plan = TrainingPlan(language, REPETITION, network.seed, args.epochs,
                        protocol=protocol.for_family(is_context_free(automaton)))
    model, _ = train_or_load(args.pretrained_dir / f"{network.name}.pt", config, automaton, plan, device,
                             reuse=not args.train, train=args.train, progress=args.train)
    labelings = SMALL_PDA_LABELINGS if is_context_free(automaton) else ("regular",)
    data = NetworkData(model, automaton, network.seed, protocol=protocol)
    evaluation = evaluate_network(data, SMALL_FUNCTIONS, labelings=labelings)
    tqdm.write(f"{network.name}: conformance accuracy {evaluation.accuracy:.4f}")
    accuracy, ambiguity, scores = {}, {}, {}
    for labeling, function_results in evaluation.results.items():
        key = network.key(labeling)
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
    check_folders(args)
    # Imported only now: --help and argument mistakes must not wait for torch.
    from tqdm import tqdm

    from stateclusters.grid.jobs import single_threaded
    from stateclusters.networks.recurrent import resolve_device

    device = resolve_device(args.device)
    if not args.train:
        check_checkpoints(args, device)
    start = time.perf_counter()
    accuracy, ambiguity, scores = {}, {}, {}
    # One thread: the numbers match the grid's jobs, and BLAS threads spin-wait on a busy 2-core machine.
    with single_threaded():
        for language in tqdm(SMALL_LANGUAGES, desc="small experiment", unit="network"):
            language_accuracy, language_ambiguity, language_scores = run_language(language, args, device)
            accuracy.update(language_accuracy)
            ambiguity.update(language_ambiguity)
            scores.update(language_scores)
    write_results(args.out, accuracy, ambiguity, {"scores": scores})
    print(f"wrote {args.out / 'accuracy.pickle'}, {args.out / 'ambiguity.pickle'} and {SCORES_FILE} "
          f"in {time.perf_counter() - start:.1f} s")
    return 0


run = command(main)

if __name__ == "__main__":
    run()
