"""Tables and figures from result pickles (docs/contract.md, Statistics): how ambiguous is each function's clustering?

load → filter → table rows (plain data) → print → figures. The figures live in
stateclusters/figures/statistics.py, which is imported only after the backend is chosen (headless Agg unless
--show). Neither torch nor AALpy is imported: reading results needs neither.
"""
import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stateclusters.ambiguity.agreement import SCORE_LABELS, SCORE_NAMES
from stateclusters.analyses import registry
from stateclusters.analyses.live_accuracy import passes_live_filter
from stateclusters.analyses.registry import StatisticsView
from stateclusters.base.arguments import parse_architectures, parser_for, unit_interval
from stateclusters.base.catalogue import LABELINGS, MAX_TRAINING_LENGTH, PDA_LABELINGS, RNN_TYPES
from stateclusters.base.cli import command
from stateclusters.base.errors import ResultFileError, UserError
from stateclusters.base.keys import parse_key
from stateclusters.base.paths import check_input_folder, check_output_folder, project_folder
from stateclusters.clustering.functions import FUNCTION_NAMES
from stateclusters.results.files import (
    ACCURACY_LIVE_FILE,
    AMBIGUITY_FILE,
    SCORES_FILE,
    read_analysis,
    read_results,
    read_scores,
)
from stateclusters.results.length_curves import describe_length_curves, length_curves

REPO = project_folder()
# Positions in [amb, wamb, max, min, n_clusters] (docs/contract.md, Result files).
METRIC_INDEX = {"amb": 0, "wamb": 1, "size": 4}
WAMB_INDEX = METRIC_INDEX["wamb"]
LINEAR_PROBES = ("lda", "lr")
SCATTER_FUNCTION = "k_means_8"  # the paper's function for ambiguity against accuracy




@dataclass(frozen=True)
class FunctionRow:
    """One line of the table: the metric over the selected networks for one abstraction function.

    std is the population standard deviation (ddof=0, numpy's default). `missing` counts selected networks with
    no number for the function (it failed there: the runner leaves it out, or an older file holds NaN); they are
    left out of count and the statistics.
    """
    function: str
    mean: float
    std: float
    max: float
    zeros: int
    count: int
    missing: int


@dataclass(frozen=True)
class Correlation:
    """Pearson and Spearman correlation of two samples, and their least-squares line y = slope·x + intercept."""
    r: float
    p: float
    slope: float
    intercept: float
    n: int
    spearman: float
    spearman_p: float




def load_results(directory: str | Path) -> tuple[dict, dict]:
    """(accuracy, ambiguity) from a results folder, checked so that later steps can trust every entry.

    A folder of evaluate_paper_networks.py (keys `{checkpoint}_gpu_{paper's labeling}`) is read as ours."""
    accuracy, ambiguity = paper_keys_as_ours(*read_results(directory))
    path = Path(directory) / AMBIGUITY_FILE
    for key, functions in ambiguity.items():
        try:
            parse_key(key)
        except ValueError as error:
            raise ResultFileError(f"result file {path} is corrupt: {error}") from None
        if key not in accuracy:
            raise ResultFileError(f"result file {path} holds '{key}', which accuracy.pickle lacks")
        _check_function_entries(path, key, functions)
    return accuracy, ambiguity


def paper_keys_as_ours(accuracy: dict, ambiguity: dict) -> tuple[dict, dict]:
    """The dictionaries with the paper-network keys of evaluate_paper_networks.py renamed to our key form."""
    from stateclusters.paper.names import our_result_key
    renamed = {key: our_result_key(key) for key in ambiguity}
    if not any(renamed.values()):
        return accuracy, ambiguity
    print("a folder of evaluate_paper_networks.py: its keys {checkpoint}_gpu_{labeling} are read as ours "
          "(stackful as stack_size)")
    rename = {key: new or key for key, new in renamed.items()}
    rename.update({key: our_result_key(key) or key for key in accuracy if key not in rename})
    return ({rename[key]: value for key, value in accuracy.items()},
            {rename[key]: value for key, value in ambiguity.items()})


def _check_function_entries(path: Path, key: str, functions) -> None:
    if not isinstance(functions, dict):
        raise ResultFileError(f"result file {path} is corrupt: '{key}' does not map function names to numbers")
    for name, numbers in functions.items():
        if name not in FUNCTION_NAMES:
            raise ResultFileError(f"result file {path} holds unknown abstraction function '{name}' under '{key}'")
        if not isinstance(numbers, (list, tuple)) or len(numbers) != 5:
            raise ResultFileError(f"result file {path} is corrupt: '{key}' {name} is not [amb, wamb, max, min, "
                                  "n_clusters]")


def select_networks(accuracy: dict, ambiguity: dict, set_name: str, rnn_types=None, min_accuracy: float = 0.0,
                    perfect_separability: bool = False) -> list[str]:
    """Sorted result keys of one set that pass the filters; rnn_types None means every architecture."""
    selected = []
    for key, functions in ambiguity.items():
        parts = parse_key(key)
        if parts.labeling != set_name or (rnn_types is not None and parts.network.rnn not in rnn_types):
            continue
        if accuracy[key] < min_accuracy:
            continue
        if perfect_separability and not is_perfectly_separable(functions):
            continue
        selected.append(key)
    return sorted(selected)


def is_perfectly_separable(functions: dict) -> bool:
    """Both linear probes reach weighted ambiguity 0. A missing probe cannot vouch for separability.

    Exact comparison is right here: a pure cluster's ambiguity is −1·log 1, which is exactly 0.0.
    """
    return all(probe in functions and functions[probe][WAMB_INDEX] == 0 for probe in LINEAR_PROBES)


def count_in_set(ambiguity: dict, set_name: str) -> int:
    return sum(parse_key(key).labeling == set_name for key in ambiguity)


def metric_values(ambiguity: dict, keys, metric: str, scores: dict | None = None) -> dict[str, list[float]]:
    """Per function present in the selected networks (FUNCTION_NAMES order): its finite values of the metric.

    An agreement score (SCORE_NAMES) is read from `scores` (scores.pickle); the others from `ambiguity`.
    """
    if metric in SCORE_NAMES:
        return score_values(scores, keys, metric)
    values = {}
    for name in FUNCTION_NAMES:
        entries = [ambiguity[key][name] for key in keys if name in ambiguity[key]]
        if entries:
            # The runner leaves failed functions out; a NaN entry (FunctionResult's failure, 0 clusters) is none.
            values[name] = [float(entry[METRIC_INDEX[metric]]) for entry in entries if math.isfinite(entry[WAMB_INDEX])]
    return values


def score_values(scores: dict, keys, metric: str) -> dict[str, list[float]]:
    """metric_values for an agreement score; a key or function without the score (an older job) has none."""
    values = {}
    for name in FUNCTION_NAMES:
        entries = [scores[key][name] for key in keys if name in scores.get(key, {})]
        if entries:
            values[name] = [float(entry[metric]) for entry in entries
                            if metric in entry and math.isfinite(entry[metric])]
    return values


def load_scores(directory: Path, metric: str) -> dict | None:
    """scores.pickle for an agreement-score metric (None for the others); its absence is the user's to fix."""
    if metric not in SCORE_NAMES:
        return None
    if not (Path(directory) / SCORES_FILE).exists():
        raise UserError(f"--metric {metric} needs {SCORES_FILE} in {directory}, which has none (results written "
                        "before the agreement scores existed); rerun the experiment into a new folder")
    return read_scores(directory)


def function_table(ambiguity: dict, keys, metric: str, scores: dict | None = None) -> list[FunctionRow]:
    """The table's rows for the selected networks, one per function present."""
    rows = []
    for name, values in metric_values(ambiguity, keys, metric, scores).items():
        array = np.asarray(values, dtype=float)
        if len(array):
            rows.append(FunctionRow(name, float(array.mean()), float(array.std(ddof=0)), float(array.max()),
                                    int((array == 0).sum()), len(array), len(keys) - len(array)))
        else:
            rows.append(FunctionRow(name, math.nan, math.nan, math.nan, 0, 0, len(keys)))
    return rows


def format_table(rows: list[FunctionRow], metric: str) -> str:
    width = max([len("function"), *(len(row.function) for row in rows)])
    lines = [f"{'function':<{width}}  {'mean':>9}  {'std':>9}  {'max':>9}  {'zeros':>5}  {'count':>5}  {'missing':>7}"
             f"   ({metric}; std with ddof=0)"]
    for row in rows:
        lines.append(f"{row.function:<{width}}  {row.mean:9.4f}  {row.std:9.4f}  {row.max:9.4f}  "
                     f"{row.zeros:5d}  {row.count:5d}  {row.missing:7d}")
    return "\n".join(lines)


def accuracy_and_wamb(accuracy: dict, ambiguity: dict, keys, function: str = SCATTER_FUNCTION) -> dict[str, list]:
    """Columns for the scatter plot: accuracy, the function's wamb and the rnn type of each network that has it."""
    columns = {"accuracy": [], "wamb": [], "rnn": []}
    for key in keys:
        entry = ambiguity[key].get(function)
        if entry is not None and math.isfinite(entry[WAMB_INDEX]):
            columns["accuracy"].append(float(accuracy[key]))
            columns["wamb"].append(float(entry[WAMB_INDEX]))
            columns["rnn"].append(parse_key(key).network.rnn)
    return columns


def correlation(x, y) -> Correlation | None:
    """Pearson r and the least-squares line; None where they are undefined (under 2 points, or a constant)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    from scipy.stats import pearsonr, spearmanr  # here: scipy.stats takes seconds to import
    pearson, spearman = pearsonr(x, y), spearmanr(x, y)
    slope, intercept = np.polyfit(x, y, 1)
    return Correlation(float(pearson.statistic), float(pearson.pvalue), float(slope), float(intercept), len(x),
                       float(spearman.statistic), float(spearman.pvalue))


def describe_correlation(set_label: str, fit: Correlation | None, n_points: int) -> str:
    if fit is None:
        return f"{set_label}: correlation undefined (n = {n_points}; needs 2 points and values that vary)"
    return (f"{set_label}: Pearson r = {fit.r:.3f} (p = {fit.p:.3g}), Spearman rho = {fit.spearman:.3f} "
            f"(p = {fit.spearman_p:.3g}), n = {fit.n}")


def describe_filters(rnn_types, min_accuracy: float, perfect_separability: bool) -> str:
    """The active filters in words, for titles and messages ('' when none). Plain ASCII: PGF passes it to LaTeX."""
    parts = [f"rnn: {', '.join(rnn_types)}" if rnn_types is not None else "",
             f"accuracy at least {min_accuracy:.2f}" if min_accuracy > 0 else "",
             "perfectly linearly separable only" if perfect_separability else ""]
    return "; ".join(part for part in parts if part)


def filter_tag(rnn_types, min_accuracy: float, perfect_separability: bool) -> str:
    """Suffix for figure file names, so that runs with different filters do not overwrite each other."""
    parts = []
    if rnn_types is not None:
        parts.append("rnn-" + "-".join(rnn_types))
    if min_accuracy > 0:
        parts.append(f"minacc-{min_accuracy:g}")
    if perfect_separability:
        parts.append("separable")
    return "".join(f"_{part}" for part in parts)


def parse_rnn_types(text: str) -> tuple[str, ...] | None:
    """'all' → None; otherwise the comma-separated architectures, each checked."""
    return parse_architectures(text, allow_all=True)


def parse_arguments(argv=None) -> argparse.Namespace:
    parser = parser_for(__doc__)
    parser.add_argument("--results", type=Path, default=REPO / "experiment_results" / "reproduction",
                        help="folder with accuracy.pickle and ambiguity.pickle")
    parser.add_argument("--set", default="regular", choices=LABELINGS, help="which results: regular networks, "
                        "or PDA networks under one state labeling")
    parser.add_argument("--pda-set", default=None, choices=PDA_LABELINGS,
                        help="PDA labeling compared with the regular set (default: --set if it is a PDA labeling, "
                        "else stackless)")
    parser.add_argument("--rnn", default="all", help=f"comma-separated architectures ({', '.join(RNN_TYPES)}) or all")
    parser.add_argument("--min-accuracy", type=unit_interval, default=0.0,
                        help="keep networks whose conformance accuracy is at least this")
    parser.add_argument("--min-accuracy-live", type=unit_interval, default=0.0,
                        help=f"keep networks whose accuracy_live, on words drawn like the training words from "
                        f"{ACCURACY_LIVE_FILE}, is at least this; networks without one fail any threshold above 0")
    parser.add_argument("--perfect-separability", action="store_true",
                        help="keep only networks whose lda and lr weighted ambiguity are both 0")
    parser.add_argument("--metric", default="wamb", choices=tuple(METRIC_INDEX) + SCORE_NAMES,
                        help="amb: mean cluster ambiguity; wamb: weighted ambiguity; size: number of clusters; "
                        + "; ".join(f"{name}: {label}" for name, label in SCORE_LABELS.items())
                        + f"; the agreement scores are read from {SCORES_FILE}")
    parser.add_argument("--figures", type=Path, default=None, help="folder for the figures (default: RESULTS/figures)")
    parser.add_argument("--pgf", action="store_true", help="also write .pgf figures (needs a LaTeX installation)")
    parser.add_argument("--length-function", default=SCATTER_FUNCTION, choices=FUNCTION_NAMES, metavar="FUNCTION",
                        help="function whose weighted ambiguity vs word length is drawn, when the results folder "
                        "has length_generalisation.pickle")
    parser.add_argument("--show", action="store_true", help="open the figures in windows after writing them")
    return parser.parse_args(argv)


def choose_backend(show: bool) -> None:
    """Headless unless the user wants windows; must run before pyplot is imported."""
    if not show:
        import matplotlib
        matplotlib.use("Agg")


def require_networks(keys, ambiguity: dict, set_name: str, filters: str, directory: Path) -> None:
    """A filter that leaves nothing is the user's to change; say which part emptied the selection."""
    if keys:
        return
    in_set = count_in_set(ambiguity, set_name)
    if in_set == 0:
        present = sorted({parse_key(key).labeling for key in ambiguity})
        raise UserError(f"results in {directory} hold no '{set_name}' networks (sets present: "
                        f"{', '.join(present) or 'none'})")
    raise UserError(f"no network passed the filters ({filters or 'none'}); {in_set} '{set_name}' networks "
                    "before filtering")


def main(argv=None) -> int:
    args = parse_arguments(argv)
    rnn_types = parse_rnn_types(args.rnn)
    check_input_folder(args.results, "--results")
    args.figures = check_output_folder(args.figures or args.results / "figures", "--figures")
    pda_set = args.pda_set or (args.set if args.set in PDA_LABELINGS else "stackless")
    choose_backend(args.show)
    # Every input file is read and checked before anything is printed or written.
    accuracy, ambiguity = load_results(args.results)
    scores = load_scores(args.results, args.metric)
    merged = {analysis.name: read_analysis(args.results, analysis) for analysis in registry.ANALYSES}
    filters = describe_filters(rnn_types, args.min_accuracy, args.perfect_separability)
    live = merged["accuracy_live"]
    if args.min_accuracy_live > 0:
        if live is None:
            raise UserError(f"--min-accuracy-live needs {args.results / ACCURACY_LIVE_FILE} "
                            "(experiment_runner.py --accuracy-live)")
        filters += f"; accuracy_live at least {args.min_accuracy_live:.2f}"

    def select(set_name):
        return [key for key in select_networks(accuracy, ambiguity, set_name, rnn_types, args.min_accuracy,
                                               args.perfect_separability)
                if passes_live_filter(live, key, args.min_accuracy_live)]

    keys = select(args.set)
    require_networks(keys, ambiguity, args.set, filters, args.results)
    print(f"networks: {len(keys)} of {count_in_set(ambiguity, args.set)} '{args.set}' networks passed the filters "
          f"({filters or 'none active'})")
    print(format_table(function_table(ambiguity, keys, args.metric, scores), args.metric))

    selections = {"regular": select("regular"), pda_set: select(pda_set)}
    scatter = {name: accuracy_and_wamb(accuracy, ambiguity, chosen) for name, chosen in selections.items()}
    fits = {name: correlation(columns["accuracy"], columns["wamb"]) for name, columns in scatter.items()}
    for name, fit in fits.items():
        print(describe_correlation(f"{SCATTER_FUNCTION} wamb vs accuracy, {name}", fit, len(scatter[name]["wamb"])))

    import stateclusters.figures.statistics as statistics_figures  # only now: pyplot must come after choose_backend
    written = statistics_figures.write_figures(
        statistics_figures.FigureData(
            set_name=args.set, pda_set=pda_set, metric=args.metric, filters=filters, n_networks=len(keys),
            values=metric_values(ambiguity, keys, args.metric, scores),
            comparison={name: metric_values(ambiguity, chosen, args.metric, scores)
                        for name, chosen in selections.items()},
            comparison_counts={name: len(chosen) for name, chosen in selections.items()},
            scatter=scatter, fits=fits, scatter_function=SCATTER_FUNCTION),
        args.figures, filter_tag(rnn_types, args.min_accuracy, args.perfect_separability), args.pgf, args.show)
    written += report_extras(args, (accuracy, ambiguity), merged, select, filters,
                             filter_tag(rnn_types, args.min_accuracy, args.perfect_separability))
    print("figures: " + ", ".join(str(path) for path in written))
    return 0


def report_extras(args, results: tuple[dict, dict], merged: dict, select, filters: str, tag: str) -> list[Path]:
    """What the results folder holds beyond the contract's files (`merged`: {analysis: its merged file or None}):
    each analysis's summary, the length curves."""
    accuracy, ambiguity = results
    view = StatisticsView(accuracy, ambiguity, {"regular": select("regular"), "stackless": select("stackless")},
                          merged)
    for analysis in registry.ANALYSES:
        if merged[analysis.name] is not None:   # written by experiment_runner.py with analysis.flag
            for line in analysis.functions().summary_lines(merged[analysis.name], view):
                print(line)
    written = report_faithfulness(merged["faithfulness"], view, filters, args.figures, tag)
    length_results = merged["length_generalisation"]
    if length_results is None:
        return written
    import stateclusters.figures.statistics as statistics_figures  # after choose_backend, like the other figures
    curves = length_curves(length_results, {name: select(name) for name in LABELINGS}, args.length_function)
    print("\n".join(describe_length_curves(curves, args.length_function, MAX_TRAINING_LENGTH)))
    return written + statistics_figures.write_length_figure(curves, args.length_function, filters,
                                                            MAX_TRAINING_LENGTH, args.figures, tag)


def report_faithfulness(merged: dict | None, view: StatisticsView, filters: str, figures: Path, tag: str) -> list[Path]:
    """Per set and function, weighted ambiguity against centroid IIA across networks: the correlations, and the
    figure (faithfulness_centroid_iia_vs_wamb); nothing without a faithfulness file."""
    if merged is None:
        return []
    from stateclusters.analyses.grid_rows.faithfulness import iia_columns
    columns_by_set = {name: iia_columns(merged, view.ambiguity, keys) for name, keys in view.keys_by_set.items()}
    for set_name, columns in columns_by_set.items():
        for function, column in sorted(columns.items()):
            print(describe_correlation(f"{function} wamb vs centroid IIA, {set_name}",
                                       correlation(column["wamb"], column["centroid_iia"]), len(column["wamb"])))
    import stateclusters.figures.statistics as statistics_figures  # after choose_backend, like the other figures
    return statistics_figures.write_faithfulness_figure(columns_by_set, filters, figures, tag)


run = command(main)

if __name__ == "__main__":
    run()
