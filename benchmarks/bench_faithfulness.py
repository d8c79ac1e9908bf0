"""Benchmark: what the faithfulness scores cost beside the evaluation, for one 64-unit network on one core.

It times the grid's evaluation of the network (evaluate_network: the conformance test, the hidden states, every
function's clusters and scores under each labeling), then what `--faithfulness` adds after it on the same
NetworkData (network_faithfulness: the Myhill–Nerode scores and the interventions on every function's clusters,
at the default sizes of base/catalogue.py), and prints both and their ratio. The Myhill–Nerode scores are timed
once more alone, to split the cost. The last line is `ratio: X`, faithfulness seconds / evaluation seconds.

    python benchmarks/bench_faithfulness.py          # a GRU of 64 units on dfa_10_2_1, trained 10 epochs

The network is trained by our own code the first time and cached in --checkpoint-dir (default
benchmarks/checkpoints).
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_networks import CHECKPOINTS  # noqa: E402
from stateclusters.base.arguments import parser_for, positive_int, seed_int  # noqa: E402
from stateclusters.base.catalogue import CONFORMANCE_WORDS, TRAINING_WORDS  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
    parser.add_argument("--language", default="dfa_10_2_1", help="a regular registry language (or a .dot file)")
    parser.add_argument("--rnn", default="gru", help="architecture of the network")
    parser.add_argument("--hidden", type=positive_int, default=64, help="hidden units")
    parser.add_argument("--epochs", type=positive_int, default=10, help="training epochs the first time")
    parser.add_argument("--train-words", type=positive_int, default=TRAINING_WORDS, help="training words")
    parser.add_argument("--validation-words", type=positive_int, default=None,
                        help="validation words (default: the protocol's size for the language's family)")
    parser.add_argument("--conformance-words", type=positive_int, default=CONFORMANCE_WORDS,
                        help="words of the conformance test")
    parser.add_argument("--functions", default="all", help="comma-separated abstraction functions, or all")
    parser.add_argument("--seed", type=seed_int, default=0, help="seed of the training, the words and the scores")
    parser.add_argument("--checkpoint-dir", type=Path, default=CHECKPOINTS, help="where the network is cached")
    return parser.parse_args(argv)


def chosen_functions(text: str) -> list[str]:
    from stateclusters.clustering.functions import FUNCTION_NAMES
    names = FUNCTION_NAMES if text == "all" else [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in FUNCTION_NAMES]
    if unknown or not names:
        raise UserError(f"unknown function '{unknown[0] if unknown else text}'; valid: {', '.join(FUNCTION_NAMES)}")
    return list(names)


def bench_network(args, automaton):
    """The network, trained briefly the first time and then loaded from its cached checkpoint."""
    import torch

    from stateclusters.evaluation.plan import TrainingPlan
    from stateclusters.evaluation.training import network_config, train_or_load
    path = args.checkpoint_dir / f"{Path(args.language).stem}_{args.rnn}_1_{args.hidden}_e{args.epochs}.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    plan = TrainingPlan(args.language, 1, args.seed, args.epochs, args.train_words)
    model, _ = train_or_load(path, network_config(automaton, args.rnn, args.hidden), automaton, plan,
                             torch.device("cpu"), progress=False)
    return model


def main(argv=None) -> int:
    args = parse_arguments(argv)
    functions = chosen_functions(args.functions)
    # Imported only now: --help and argument mistakes need neither torch nor scikit-learn.
    import torch
    from threadpoolctl import threadpool_limits

    from stateclusters.adapters.adapter import as_adapter
    from stateclusters.analyses.grid_rows.faithfulness import network_faithfulness
    from stateclusters.automata import automaton_size, get_automaton, is_context_free
    from stateclusters.evaluation.network import evaluate_network
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.faithfulness.myhill_nerode import myhill_nerode_scores
    from stateclusters.faithfulness.report import describe_faithfulness

    automaton = get_automaton(args.language)
    if is_context_free(automaton):
        raise UserError(f"{args.language} is a PDA: the benchmark times a regular language's network")
    torch.set_num_threads(1)
    with threadpool_limits(1):
        model = bench_network(args, automaton)
        data = NetworkData(model, automaton, args.seed, args.validation_words, args.conformance_words)
        start = time.perf_counter()
        evaluation = evaluate_network(data, functions)
        evaluation_seconds = time.perf_counter() - start
        start = time.perf_counter()
        entry = network_faithfulness(data, functions)
        faithfulness_seconds = time.perf_counter() - start
        adapter = as_adapter(data.network)
        words = [word for word in map(data.validation.word, range(len(data.validation))) if word]
        start = time.perf_counter()
        myhill_nerode_scores(adapter, automaton, words, seed=args.seed)
        myhill_nerode_seconds = time.perf_counter() - start
    print(f"network: {args.language} ({automaton_size(automaton)} states), {args.rnn} 1x{args.hidden}, "
          f"accuracy {evaluation.accuracy:.4f}; {len(words)} validation words, {evaluation.n_vectors} vectors, "
          f"{len(functions)} functions; 1 torch and BLAS thread")
    print("\n".join(describe_faithfulness(entry)))
    print(f"evaluation:   {evaluation_seconds:8.2f} s")
    print(f"faithfulness: {faithfulness_seconds:8.2f} s  (Myhill-Nerode alone {myhill_nerode_seconds:.2f} s, "
          f"the rest the interventions and the clusters they run on)")
    print(f"ratio: {faithfulness_seconds / evaluation_seconds:.3f}")
    return 0


if __name__ == "__main__":
    run_cli(main)
