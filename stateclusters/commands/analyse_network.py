"""Analyse a network you bring: its agreement with an automaton and every abstraction function's ambiguity.

--network names an adapter file (docs/api.md): a Python module with ALPHABET, classify(words) and,
optionally, hidden_states(words). With --automaton the network is scored against that automaton's states;
without it an automaton is learned from the network (AALpy KV or L*, tested by a state-coverage oracle) and the
clusters are scored against the learned automaton's states, each beside its chance level. Writes
OUT/report.json, OUT/results.csv and, when learned, OUT/automaton.dot; if the scoring fails or is interrupted
after learning, the automaton and a report that says what failed are written all the same.
"""
import argparse
import hashlib
import shlex
import sys
from pathlib import Path

from stateclusters.base.arguments import at_most, comma_list, parser_for, positive_int, seed_int
from stateclusters.base.catalogue import (
    EQ_WORDS,
    FAITHFULNESS_MEMBERS,
    FAITHFULNESS_PAIRS,
    FAITHFULNESS_SUFFIX_LIMIT,
    FAITHFULNESS_WORD_LIMIT,
    MAX_CLUSTERS,
    MAX_WALKS_PER_STATE,
    MAX_WORDS,
    NETWORK_LEARNING_ALGORITHMS,
    NETWORK_LEARNING_QUERIES,
    NETWORK_LEARNING_SECONDS,
    NETWORK_LEARNING_STATES,
)
from stateclusters.base.cli import command
from stateclusters.base.errors import UserError
from stateclusters.base.paths import check_output_folder

DEFAULT_FUNCTIONS = "all"
ORACLE_PARTS_HELP = "given,pumped,random_words,state_walks"   # oracles.ORACLE_PARTS; not imported: --help stays light


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.add_argument("--network", type=Path, required=True, help="the adapter: a .py file")
    parser.add_argument("--name", help="the network's name in report.json and results.csv (default: the adapter's "
                        "path)")
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
    budgets = parser.add_argument_group("learning budgets")
    budgets.add_argument("--max-states", type=positive_int, default=NETWORK_LEARNING_STATES,
                         help="hypothesis states: never more")
    budgets.add_argument("--max-queries", type=positive_int, default=NETWORK_LEARNING_QUERIES,
                         help="membership queries: distinct words asked for the learner")
    budgets.add_argument("--max-seconds", type=positive_int, default=NETWORK_LEARNING_SECONDS, help="seconds")
    oracle = parser.add_argument_group("equivalence oracle (docs/api.md, Oracles)")
    oracle.add_argument("--oracle", type=comma_list, default=ORACLE_PARTS_HELP,
                        help=f"the oracle's parts, comma-separated from {ORACLE_PARTS_HELP} (default: all four)")
    oracle.add_argument("--random-words", type=at_most(MAX_WORDS), default=EQ_WORDS,
                        help="random_words: words per test battery")
    oracle.add_argument("--walks-per-state", type=at_most(MAX_WALKS_PER_STATE), default=None,
                        help="state_walks: walks from each state per test battery (default 25)")
    parser.add_argument("--max-clusters", type=positive_int, default=MAX_CLUSTERS,
                        help="skip a function that asks for more clusters (k-means: k, probes: states)")
    parser.add_argument("--allow-nondeterministic", action="store_true",
                        help="go on when classify gives a word two labels (the report says so)")
    faithfulness = parser.add_argument_group("faithfulness scores (docs/faithfulness.md)")
    faithfulness.add_argument("--no-faithfulness", action="store_true", help="skip the Myhill-Nerode and "
                              "intervention scores")
    faithfulness.add_argument("--suffix-limit", type=at_most(FAITHFULNESS_WORD_LIMIT), default=None,
                              help=f"most suffixes in S (default {FAITHFULNESS_SUFFIX_LIMIT})")
    faithfulness.add_argument("--prefix-pairs", type=at_most(FAITHFULNESS_WORD_LIMIT), default=None,
                              help=f"prefix pairs drawn of each kind (default {FAITHFULNESS_PAIRS})")
    faithfulness.add_argument("--member-runs", type=at_most(FAITHFULNESS_WORD_LIMIT), default=None,
                              help=f"member vectors run per cluster (default {FAITHFULNESS_MEMBERS})")
    return parser.parse_args(argv)


SIZE_OPTIONS = ("suffix_limit", "prefix_pairs", "member_runs")


def given_sizes(args) -> list[str]:
    return [name for name in SIZE_OPTIONS if getattr(args, name) is not None]


def faithfulness_sizes(args):
    """The sizes the options ask for, the defaults for those not given; sizes without the scores are refused."""
    from stateclusters.faithfulness.sizes import FaithfulnessSizes
    given = given_sizes(args)
    if given and args.no_faithfulness:
        raise UserError(f"--{given[0].replace('_', '-')} sizes the faithfulness scores, which --no-faithfulness "
                        f"skips")
    defaults = FaithfulnessSizes()
    return FaithfulnessSizes(args.suffix_limit or defaults.suffix_limit, args.prefix_pairs or defaults.pairs,
                             args.member_runs or defaults.members)


def main(argv=None) -> int:
    args = parse_arguments(argv)
    check_output_folder(args.out, "--out")
    from stateclusters.adapters.adapter import load_adapter
    from stateclusters.automata import get_automaton
    from stateclusters.clustering.functions import parse_function_names
    from stateclusters.network_analysis import analysis
    from stateclusters.network_analysis.words_file import as_adapter_words, read_words_file
    from stateclusters.results.network_report import write_network_report
    sizes = faithfulness_sizes(args)
    settings = analysis_settings(args, parse_function_names(args.functions), sizes)
    adapter = load_adapter(args.network, name=args.name)
    automaton = get_automaton(args.automaton) if args.automaton else None
    if automaton is not None:
        analysis.check_same_alphabet(adapter, automaton, args.automaton)
    if given_sizes(args):   # refused now, not after the work
        from stateclusters.faithfulness.sizes import check_sizes
        check_sizes(sizes, automaton, adapter.alphabet)
    words = None
    if args.words is not None:
        words = as_adapter_words(read_words_file(args.words, adapter.letter_names), adapter.letter_names,
                                 adapter.alphabet)
    prepared = analysis.prepare(adapter, automaton, words, settings, args.automaton)
    prepared.report["provenance"] = provenance(args, words)
    try:
        result = analysis.score(prepared, settings)
    except BaseException as error:      # a failure or an interrupt: keep what was learned, say what failed
        if prepared.learned is not None:
            failed = {**prepared.report, "failed": f"{type(error).__name__}: {error}".rstrip(": ")}
            write_network_report(args.out, failed, None, prepared.learned.automaton)
            print(f"scoring failed; the learned automaton and a report saying so are in {args.out}", file=sys.stderr)
        raise
    write_network_report(args.out, result.report, result.rows,
                         result.learned.automaton if result.learned else None)
    print(summary(result.report, args.out))
    return 0


def analysis_settings(args, function_names, sizes):
    from stateclusters.network_analysis.analysis import AnalysisSettings
    from stateclusters.network_analysis.learning import LearningBudget
    from stateclusters.network_analysis.oracles import WALKS_PER_STATE, OracleSettings
    oracle = OracleSettings(tuple(args.oracle), args.random_words, args.walks_per_state or WALKS_PER_STATE)
    return AnalysisSettings(tuple(function_names), args.learn,
                            LearningBudget(args.max_states, args.max_queries, args.max_seconds), oracle, args.seed,
                            args.max_clusters, args.allow_nondeterministic, progress=True,
                            faithfulness=not args.no_faithfulness, faithfulness_sizes=sizes)


def provenance(args, words) -> dict:
    """What a reader needs to rerun this analysis: the toolkit, the command, and the files by their content."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        toolkit = version("stateclusters")
    except PackageNotFoundError:
        toolkit = "not installed"
    record = {"toolkit_version": toolkit, "command": shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
              "adapter": str(args.network), "adapter_sha256": sha256(args.network), "words_file": None}
    if args.words is not None:
        record.update(words_file=str(args.words), words_file_sha256=sha256(args.words), words_file_words=len(words))
    return record


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def summary(report: dict, out: Path) -> str:
    automaton = report["automaton"]
    state = "" if automaton["source"] == "given" else (", converged" if automaton["converged"] else
                                                       f", NOT converged ({automaton['stop_reason']} budget)")
    lines = [f"{automaton['source']} automaton {automaton['name']}: {automaton['states']} states{state}",
             f"agreement on {report['non_empty_words']} non-empty words: {report['agreement']}"]
    if "label_reading" in report:
        lines.append("labels read as: " + ", ".join(f"{k} as {v}" for k, v in report["label_reading"].items()))
    if report.get("accuracy") is not None:
        lines.append(f"accuracy (conformance words, every prefix): {report['accuracy']}")
    if "scores_note" in report:
        lines.append(f"note: {report['scores_note']}")
    for name, entry in report.get("functions", {}).items():
        lines.append(f"  {name}: " + (f"wamb {entry['wamb']:.4f} (chance {entry['wamb_chance']:.4f}), "
                                      f"amb {entry['amb']:.4f}, {entry['n_clusters']} clusters"
                                      if "amb" in entry else entry["error"]))
    if "functions_skipped" in report:
        lines.append(f"functions skipped: {report['functions_skipped']}")
    return "\n".join(lines + faithfulness_lines(report) + [f"written to {out}"])


def faithfulness_lines(report: dict) -> list[str]:
    if "faithfulness_skipped" in report:
        return [f"faithfulness skipped: {report['faithfulness_skipped']}"]
    if "faithfulness" not in report:
        return []
    entry = report["faithfulness"]
    lines = [f"Myhill-Nerode over {entry['suffixes']} suffixes: compression {share(entry['compression'])}, "
             f"distinction precision {share(entry['distinction_precision'])}, "
             f"recall {share(entry['distinction_recall'])}"]
    if "interventions_skipped" in entry:
        return lines + [f"interventions skipped: {entry['interventions_skipped']}"]
    interventions = entry["interventions"]
    parts = ", ".join(f"{name} {share(value)}" for name, value in interventions["parts"].items())
    lines.append(f"interventions: random vector {share(interventions['controls']['random'])}, mean vector "
                 f"{share(interventions['controls']['mean'])}" + (f"; part swaps: {parts}" if parts else ""))
    return lines + [f"  {name}: centroid IIA {share(scores.get('centroid_iia'))}, member IIA "
                    f"{share(scores.get('member_iia'))}"
                    for name, scores in interventions["functions"].items() if "error" not in scores]


def share(value) -> str:
    return "n/a" if value is None else f"{value:.4f}"


run = command(main)

if __name__ == "__main__":
    run()
