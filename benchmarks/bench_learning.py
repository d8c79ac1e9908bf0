"""Benchmark: learning an automaton of 500 states from a 64-unit LSTM on 25 letters, against the reference learner.

The network is benchmarks/checkpoints/random500_lstm_64.pt: a 64-unit LSTM trained (80 epochs, 50,000 words,
seed 0) on a random 500-state DFA over 25 letters (seed 0), `--train` rebuilds it. It learns little of the DFA
(validation accuracy about 0.5), but what it computes needs hundreds of states: the kind of network a
competition's LSTMs are. On one core (torch and BLAS one thread), with the DFA's validation words as given
words, KV learns to `--max-states` with today's learner, then with the reference learner of the same run
(benchmarks/reference_learning.py: one word per query and per classify call, the previous oracle), each under
the same time budget. It prints both and their ratio of states learned per second.

    python benchmarks/bench_learning.py                         # up to 2 × 10 minutes
    python benchmarks/bench_learning.py --max-seconds 60 --reference-seconds 60
"""
import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stateclusters.base.arguments import parser_for, positive_int  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402

CHECKPOINT = REPO / "benchmarks" / "checkpoints" / "random500_lstm_64.pt"
STATES, LETTERS = 500, 25


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.formatter_class = type("Formatter", (argparse.RawDescriptionHelpFormatter, parser.formatter_class), {})
    parser.add_argument("--max-states", type=positive_int, default=STATES)
    parser.add_argument("--max-seconds", type=positive_int, default=600, help="today's learner's time budget")
    parser.add_argument("--reference-seconds", type=positive_int, default=600, help="the reference's time budget")
    parser.add_argument("--train", action="store_true", help="retrain the checkpoint first (about 5 minutes)")
    return parser.parse_args(argv)


def random_dfa(n_states: int = STATES, n_letters: int = LETTERS, seed: int = 0):
    """A random DFA: uniform transitions, each state accepting with probability 1/2."""
    import numpy as np
    from aalpy.automata import Dfa, DfaState
    rng = np.random.default_rng(seed)
    states = [DfaState(f"q{i}", bool(rng.random() < 0.5)) for i in range(n_states)]
    targets = rng.integers(0, n_states, size=(n_states, n_letters))
    for state, row in zip(states, targets.tolist()):
        state.transitions.update({f"l{letter}": states[target] for letter, target in enumerate(row)})
    return Dfa(states[0], states)


def train_checkpoint(dfa) -> None:
    import stateclusters
    network = stateclusters.train_network(dfa, rnn="lstm", hidden_size=64, epochs=80, seed=0, n_words=50_000,
                                          progress=True)
    stateclusters.save_network(network, str(CHECKPOINT))


def learn_with_today(network, words, args) -> tuple[int, float, int]:
    from stateclusters.adapters.adapter import as_adapter
    from stateclusters.network_analysis.learning import LearningBudget, learn_automaton
    budget = LearningBudget(max_states=args.max_states, max_queries=10**8, max_seconds=args.max_seconds)
    start = time.perf_counter()
    learned = learn_automaton(as_adapter(network), words, "kv", budget, seed=0, progress=True)
    seconds = time.perf_counter() - start
    print(f"today:     {len(learned.automaton.states)} states in {seconds:.1f} s (stop: {learned.stop_reason}, "
          f"converged {learned.converged}), {learned.membership_queries} membership queries, "
          f"{learned.classified_words} words classified, oracle {learned.oracle['tried']}", flush=True)
    return len(learned.automaton.states), seconds, learned.classified_words


def learn_with_reference(network, words, args) -> tuple[int, float]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from reference_learning import LearningBudget, learn_automaton

    from stateclusters.adapters.adapter import as_adapter
    budget = LearningBudget(max_states=args.max_states, max_queries=10**8, max_seconds=args.reference_seconds)
    start = time.perf_counter()
    learned = learn_automaton(as_adapter(network), [tuple(map(str, word)) for word in words], "kv", budget, 0)
    seconds = time.perf_counter() - start
    print(f"reference: {len(learned.automaton.states)} states in {seconds:.1f} s (stop: {learned.stop_reason}), "
          f"{learned.membership_queries} membership queries, {learned.classified_words} words classified",
          flush=True)
    return len(learned.automaton.states), seconds


def main(argv=None) -> int:
    args = parse_arguments(argv)
    import torch
    from threadpoolctl import threadpool_limits

    import stateclusters
    torch.set_num_threads(1)
    dfa = random_dfa()
    with threadpool_limits(1):
        if args.train or not CHECKPOINT.exists():
            train_checkpoint(dfa)
        network = stateclusters.load_network(str(CHECKPOINT))
        words = stateclusters.draw_words(dfa, seed=0)
        print(f"network: {network}; given words: {len(words)}; agreement with the DFA "
              f"{stateclusters.agreement(network, dfa, words):.3f}", flush=True)
        states, seconds, _ = learn_with_today(network, words, args)
        reference_states, reference_seconds = learn_with_reference(network, words, args)
    ratio = (states / seconds) / (reference_states / reference_seconds)
    print(f"states learned per second: today {states / seconds:.2f}, reference "
          f"{reference_states / reference_seconds:.2f}, ratio {ratio:.1f}x")
    return 0


if __name__ == "__main__":
    run_cli(main)
