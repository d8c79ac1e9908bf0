"""Analyse a network you bring: its agreement with an automaton and every abstraction function's ambiguity.

--network names an adapter file (docs/adapters.md): a Python module with ALPHABET, classify(words) and,
optionally, hidden_states(words). With --automaton the network is scored against that automaton's states;
without it an automaton is learned from the network (AALpy, --learn) and the clusters are scored against the
learned automaton's states. Writes OUT/report.json, OUT/results.csv and, when learned, OUT/automaton.dot.
"""
import argparse
from pathlib import Path

from stateclusters.base.arguments import parser_for, positive_int, seed_int
from stateclusters.base.catalogue import (
    EQ_WORDS,
    NETWORK_LEARNING_ALGORITHMS,
    NETWORK_LEARNING_QUERIES,
    NETWORK_LEARNING_SECONDS,
    NETWORK_LEARNING_STATES,
)
from stateclusters.base.cli import command
from stateclusters.base.paths import check_output_folder

DEFAULT_FUNCTIONS = "all"


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.add_argument("--network", type=Path, required=True, help="the adapter: a .py file")
    parser.add_argument("--automaton", help="a registry name (e.g. tomita3) or a .dot file; without it, one is "
                        "learned from the network")
    parser.add_argument("--words", type=Path, help="one word per line, letters separated by whitespace (default: "
                        "the automaton's validation words, or uniform random words of length 1-30)")
    parser.add_argument("--learn", choices=NETWORK_LEARNING_ALGORITHMS, default="kv",
                        help="learning algorithm without --automaton")
    parser.add_argument("--functions", default=DEFAULT_FUNCTIONS, help="comma-separated abstraction functions, "
                        "or all")
    parser.add_argument("--out", type=Path, default=Path("analysis"), help="folder for report.json and results.csv")
    parser.add_argument("--seed", type=seed_int, default=0, help="seed of the words, the clustering and learning")
    parser.add_argument("--max-states", type=positive_int, default=NETWORK_LEARNING_STATES,
                        help="learning budget: hypothesis states")
    parser.add_argument("--max-queries", type=positive_int, default=NETWORK_LEARNING_QUERIES,
                        help="learning budget: membership queries")
    parser.add_argument("--max-seconds", type=positive_int, default=NETWORK_LEARNING_SECONDS,
                        help="learning budget: seconds")
    parser.add_argument("--eq-words", type=positive_int, default=EQ_WORDS,
                        help="random words per equivalence query")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    check_output_folder(args.out, "--out")
    from stateclusters.adapters.adapter import load_adapter, probe
    from stateclusters.automata import get_automaton
    from stateclusters.clustering.functions import parse_function_names
    from stateclusters.network_analysis.analysis import analyse, check_same_alphabet
    from stateclusters.network_analysis.learning import LearningBudget
    from stateclusters.network_analysis.words_file import as_adapter_words, read_words_file
    from stateclusters.results.network_report import write_network_report
    functions = parse_function_names(args.functions)
    adapter = load_adapter(args.network)
    automaton = get_automaton(args.automaton) if args.automaton else None
    if automaton is not None:
        check_same_alphabet(adapter, automaton, args.automaton)
    words = None
    if args.words is not None:
        words = as_adapter_words(read_words_file(args.words, adapter.letter_names), adapter.letter_names,
                                 adapter.alphabet)
    probe(adapter, args.seed)
    budget = LearningBudget(args.max_states, args.max_queries, args.max_seconds, args.eq_words)
    analysis = analyse(adapter, automaton, words, functions, args.learn, budget, args.seed, args.automaton)
    write_network_report(args.out, analysis.report, analysis.rows,
                         analysis.learned.automaton if analysis.learned else None)
    print(summary(analysis.report, args.out))
    return 0


def summary(report: dict, out: Path) -> str:
    automaton = report["automaton"]
    state = "" if automaton["source"] == "given" else (", converged" if automaton["converged"] else
                                                       f", NOT converged ({automaton['stop_reason']} budget)")
    lines = [f"{automaton['source']} automaton {automaton['name']}: {automaton['states']} states{state}",
             f"agreement on {report['words']} words: {report['agreement']}"]
    if report.get("accuracy") is not None:
        lines.append(f"accuracy (conformance words, every prefix): {report['accuracy']}")
    for name, entry in report.get("functions", {}).items():
        lines.append(f"  {name}: " + (f"amb {entry['amb']:.4f}, {entry['n_clusters']} clusters" if "amb" in entry
                                      else entry["error"]))
    if "functions_skipped" in report:
        lines.append(f"functions skipped: {report['functions_skipped']}")
    return "\n".join(lines + [f"written to {out}"])


run = command(main)

if __name__ == "__main__":
    run()
