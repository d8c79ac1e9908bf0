"""Benchmark: analyse_network's learning and scoring for a 32-wide and a 512-wide GRU on a 16-letter alphabet.

Each network is a plain torch.nn.GRU with a linear read-out (random weights, seeded), wrapped by the ready
adapter, on one core (torch.set_num_threads(1), BLAS limited to one thread). It times classify (words of
length 30), learning an automaton from the network (KV, the default budgets unless set), and scoring
the functions against the learned states, and prints one line per network. A last line does the same for a
network that computes a regular language: the exact relu network of stateclusters/networks/constructed.py
(|Q|·|Σ| = 128 units) for a random minimal 8-state DFA on the same 16 letters (AALpy's generator, seeded).

    python benchmarks/bench_analyse.py --max-seconds 300                 # about 9 minutes on 1 core (shared)
    python benchmarks/bench_analyse.py --widths 32 --max-seconds 60
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.arguments import comma_list, parser_for, positive_int, seed_int  # noqa: E402
from stateclusters.base.catalogue import NETWORK_LEARNING_SECONDS, NETWORK_LEARNING_STATES  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402

LETTERS = [f"x{i:02d}" for i in range(16)]


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
    parser.add_argument("--widths", type=comma_list, default=["32", "512"], help="GRU widths")
    parser.add_argument("--functions", default="k_means_8,DBSCAN,lda", help="functions scored")
    parser.add_argument("--max-states", type=positive_int, default=NETWORK_LEARNING_STATES)
    parser.add_argument("--max-seconds", type=positive_int, default=NETWORK_LEARNING_SECONDS)
    parser.add_argument("--seed", type=seed_int, default=0)
    return parser.parse_args(argv)


def bench_one(width: int, args) -> str:
    import torch
    from torch import nn

    import stateclusters
    torch.manual_seed(args.seed)
    network = stateclusters.wrap(nn.GRU(len(LETTERS), width, batch_first=True), nn.Linear(width, 2), LETTERS,
                                 [False, True])
    words = [tuple(LETTERS[(7 * row + 3 * position) % 16] for position in range(30)) for row in range(1000)]
    start = time.perf_counter()
    network.classify(words)
    classify_seconds = time.perf_counter() - start
    result, total = timed_analysis(network, args)
    automaton = result.report["automaton"]
    return (f"GRU {width:3d}: classify 1,000 words of 30 letters {classify_seconds:.2f} s; "
            f"learned {automaton['states']} states, converged {automaton['converged']} "
            f"(stop: {automaton.get('stop_reason')}), "
            f"{automaton['membership_queries']} membership queries, "
            f"{automaton['classified_words']} words classified, "
            f"learning {automaton['seconds']:.1f} s; learning + scoring {len(args.functions.split(','))} functions "
            f"{total:.1f} s")


def timed_analysis(network, args):
    """(the analysis with an automaton learned within the budget, its wall-clock seconds)."""
    import stateclusters
    budget = stateclusters.LearningBudget(max_states=args.max_states, max_seconds=args.max_seconds)
    start = time.perf_counter()
    result = stateclusters.analyse(network, functions=args.functions.split(","), budget=budget, seed=args.seed)
    return result, time.perf_counter() - start


def bench_regular(args, n_states: int = 8) -> str:
    import random

    from aalpy.utils import generate_random_dfa

    from stateclusters.adapters.recurrent import NetworkAdapter
    from stateclusters.evaluation.construction import construct_network
    random.seed(args.seed)
    dfa = generate_random_dfa(n_states, LETTERS, num_accepting_states=3, ensure_minimality=True)
    network = NetworkAdapter(construct_network(dfa)[0])
    result, total = timed_analysis(network, args)
    automaton = result.report["automaton"]
    return (f"exact relu network of a random {n_states}-state DFA: learned {automaton['states']} states, converged "
            f"{automaton['converged']}, {automaton['membership_queries']} membership queries, "
            f"{automaton['classified_words']} words classified, learning {automaton['seconds']:.1f} s; "
            f"learning + scoring {total:.1f} s; k_means_8 amb {result.report['functions']['k_means_8'].get('amb')}")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch
    from threadpoolctl import threadpool_limits
    torch.set_num_threads(1)
    with threadpool_limits(1):
        for width in args.widths:
            print(bench_one(int(width), args), flush=True)
        print(bench_regular(args), flush=True)
    return 0


if __name__ == "__main__":
    run_cli(main)
