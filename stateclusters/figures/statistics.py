"""The figures of statistics_computation.py, drawn from plain data and written atomically.

Import this module only after the matplotlib backend is chosen: it imports pyplot.
"""
from collections.abc import Callable
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from stateclusters.ambiguity.agreement import SCORE_LABELS, SCORE_PERFECT, SIGNED_SCORES
from stateclusters.base import catalogue
from stateclusters.base.atomic_io import atomic_write
from stateclusters.base.errors import UserError
from stateclusters.clustering import functions as clustering

# Styles are handed out in registry order (catalogue.RNN_TYPES, clustering.FAMILIES), cycling, so that a new
# architecture or function family appears in every figure without a change here.
COLOURS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:red", "tab:brown", "tab:pink", "tab:olive",
           "tab:cyan", "tab:grey")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
FAMILY_LABELS = {"linear": "linear probes", "k_means": "k-means", "mean_shift": "mean shift"}   # others: as named
MIN_FIT_POINTS = 5   # fewer points get no least-squares line: a line through 2-4 points says nothing
AMBIGUITY_RANGE = "(0 = pure clusters, 1 = all states mixed)"
METRIC_AXIS_LABELS = {"amb": f"ambiguity, mean over clusters\n{AMBIGUITY_RANGE}",
                      "wamb": f"weighted ambiguity\n{AMBIGUITY_RANGE}",
                      "size": "number of clusters (log scale)",
                      **{name: f"{label}\n(1 = {SCORE_PERFECT[name]})" for name, label in SCORE_LABELS.items()}}
METRIC_TITLES = {"amb": "Ambiguity", "wamb": "Weighted ambiguity", "size": "Number of clusters",
                 **{name: label[0].upper() + label[1:] for name, label in SCORE_LABELS.items()}}
SET_LABELS = {"regular": "regular languages", "stackless": "context-free, stackless labels",
              "stack_size": "context-free, stack-size labels", "top_of_stack": "context-free, top-of-stack labels"}
IMAGE_FORMATS = ("png", "pdf")
DPI = 150
TEX_SPECIALS = {"_": r"\_", "&": r"\&", "#": r"\#", "$": r"\$"}


@dataclass(frozen=True)
class FigureData:
    """Everything the three figures show, computed by statistics_computation."""
    set_name: str
    pda_set: str
    metric: str
    filters: str
    n_networks: int
    values: dict                # function → values of the metric, for set_name
    comparison: dict            # "regular" and pda_set → (function → values)
    comparison_counts: dict     # "regular" and pda_set → number of networks
    scatter: dict               # "regular" and pda_set → {"accuracy", "wamb", "rnn"} columns
    fits: dict                  # "regular" and pda_set → Correlation or None
    scatter_function: str       # the function whose wamb is plotted against accuracy


def _in_registry_order(registry, names) -> list[str]:
    """The registry's names, then any other given names (sorted): every name gets a style."""
    return list(registry) + sorted(set(names) - set(registry))


def rnn_styles(names=()) -> dict[str, tuple[str, str]]:
    """architecture → (colour, marker), from the registry's order."""
    order = _in_registry_order(catalogue.RNN_TYPES, names)
    return dict(zip(order, zip(cycle(COLOURS), cycle(MARKERS))))


def family_colours(families=()) -> dict[str, str]:
    """function family → colour, from the registry's order."""
    return dict(zip(_in_registry_order(clustering.FAMILIES, families), cycle(COLOURS)))


def family_of(function: str) -> str:
    return next(entry.family for entry in clustering.FUNCTIONS if entry.name == function)


def family_label(family: str) -> str:
    return FAMILY_LABELS.get(family, family)


def with_filters(title: str, filters: str) -> str:
    """A title, with the active filters on a second line when there are any."""
    return f"{title}\n{filters}" if filters else title


def as_is(text: str) -> str:
    return text


def tex_escape(text: str) -> str:
    """The PGF backend hands text to LaTeX unescaped; function names hold underscores."""
    return "".join(TEX_SPECIALS.get(character, character) for character in text)


def draw_function_boxes(ax, values: dict, metric: str, escape: Callable[[str], str]) -> list:
    """One box per function, coloured by family; returns the legend handles for the families drawn."""
    names = [name for name, function_values in values.items() if function_values]
    boxes = ax.boxplot([values[name] for name in names], tick_labels=[escape(name) for name in names],
                       patch_artist=True, showmeans=True, medianprops={"color": "black"},
                       meanprops={"marker": "D", "markerfacecolor": "white", "markeredgecolor": "black",
                                  "markersize": 4})
    families_drawn = [family_of(name) for name in names]
    colours = family_colours(families_drawn)
    for patch, family in zip(boxes["boxes"], families_drawn):
        patch.set_facecolor(colours[family])
    plt.setp(ax.get_xticklabels(), rotation=45, ha="right", rotation_mode="anchor")
    ax.set_ylabel(escape(METRIC_AXIS_LABELS[metric]))
    if metric == "size":
        ax.set_yscale("log")
    else:
        ax.set_ylim(*value_range(metric, [values]))
    ax.grid(axis="y", alpha=0.3)
    families = [family for family in colours if family in families_drawn]
    return ([Patch(facecolor=colours[family], edgecolor="black", label=escape(family_label(family)))
             for family in families]
            + [Line2D([], [], color="black", label="median"),
               Line2D([], [], marker="D", linestyle="", markerfacecolor="white", markeredgecolor="black",
                      label="mean")])


def value_range(metric: str, value_sets) -> tuple[float, float]:
    """y limits: 0 to 1, lower for a chance-adjusted score (ARI, AMI) that went below 0 in any of the sets."""
    lowest = min((value for values in value_sets for numbers in values.values() for value in numbers), default=0.0)
    return (min(-0.03, lowest - 0.03) if metric in SIGNED_SCORES else -0.03), 1.03


def box_figure(data: FigureData, escape: Callable[[str], str]):
    fig, ax = plt.subplots(figsize=(max(7.0, 0.45 * len(data.values) + 3.5), 5.5), layout="constrained")
    handles = draw_function_boxes(ax, data.values, data.metric, escape)
    ax.set_title(escape(with_filters(f"{METRIC_TITLES[data.metric]} per abstraction function\n"
                                     f"{SET_LABELS[data.set_name]}, n = {data.n_networks} networks", data.filters)))
    ax.legend(handles=handles, title="family", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def note_no_networks(ax, escape: Callable[[str], str]) -> None:
    """An empty panel: the words, and no axis that would suggest a scale."""
    ax.set_axis_off()
    ax.text(0.5, 0.5, escape("no networks"), ha="center", va="center", transform=ax.transAxes)


def comparison_figure(data: FigureData, escape: Callable[[str], str]):
    n_functions = max(len(values) for values in data.comparison.values())
    fig, axes = plt.subplots(1, 2, sharey=True, figsize=(2 * max(5.5, 0.4 * n_functions + 1.5), 6.0),
                             layout="constrained")
    handles = {}
    for ax, (set_name, values) in zip(axes, data.comparison.items()):
        count = data.comparison_counts[set_name]
        ax.set_title(escape(f"{SET_LABELS[set_name]} (n = {count})"))
        if count == 0:
            note_no_networks(ax, escape)
            continue
        handles.update({handle.get_label(): handle for handle in draw_function_boxes(ax, values, data.metric, escape)})
    axes[1].set_ylabel("")
    if data.metric != "size":   # the panels share y: make room for the lowest value of both
        axes[0].set_ylim(*value_range(data.metric, data.comparison.values()))
    fig.suptitle(escape(with_filters(f"{METRIC_TITLES[data.metric]}: regular vs context-free networks", data.filters)))
    fig.legend(handles=list(handles.values()), title="family", loc="outside right upper")
    return fig


def scatter_figure(data: FigureData, escape: Callable[[str], str]):
    fig, axes = plt.subplots(1, 2, sharey=True, figsize=(12.0, 5.5), layout="constrained")
    styles = rnn_styles(name for columns in data.scatter.values() for name in columns["rnn"])
    for ax, (set_name, columns) in zip(axes, data.scatter.items()):
        ax.set_title(escape(f"{SET_LABELS[set_name]} (n = {len(columns['wamb'])})"))
        ax.set_ylim(-0.03, 1.03)
        if not columns["wamb"]:
            note_no_networks(ax, escape)
            continue
        ax.set_xlim(*accuracy_range(columns["accuracy"]))
        ax.set_xlabel(escape("conformance accuracy (fraction of test words; axis fitted to the data)"))
        ax.grid(alpha=0.3)
        draw_scatter_points(ax, columns, styles)
        draw_fit(ax, data.fits[set_name], columns["accuracy"], escape)
        ax.legend(loc="best", fontsize="small")
    axes[0].set_ylabel(escape(f"weighted ambiguity of {data.scatter_function}\n{AMBIGUITY_RANGE}"))
    fig.suptitle(escape(with_filters(f"Weighted ambiguity of {data.scatter_function} against accuracy",
                                     data.filters)))
    return fig


def accuracy_range(accuracies) -> tuple[float, float]:
    """x limits around the data (at least 0.01 wide), inside 0-1 plus a margin: small differences stay visible."""
    low, high = min(accuracies), max(accuracies)
    margin = max(0.05 * (high - low), 0.005)
    return max(low - margin, -0.02), min(high + margin, 1.02)


def draw_scatter_points(ax, columns: dict, styles: dict) -> None:
    for rnn, (colour, marker) in styles.items():
        points = [(x, y) for x, y, kind in zip(columns["accuracy"], columns["wamb"], columns["rnn"]) if kind == rnn]
        if points:
            xs, ys = zip(*points)
            ax.scatter(xs, ys, color=colour, marker=marker, alpha=0.7, label=rnn)


def draw_fit(ax, fit, accuracies, escape: Callable[[str], str]) -> None:
    """The correlations in the legend; the least-squares line only from MIN_FIT_POINTS points on."""
    if fit is None:
        ax.plot([], [], linestyle="", label=escape("correlation undefined (too few or constant values)"))
        return
    text = f"Pearson r = {fit.r:.2f} (p = {fit.p:.2g}), Spearman rho = {fit.spearman:.2f} (p = {fit.spearman_p:.2g})"
    if fit.n < MIN_FIT_POINTS:
        ax.plot([], [], linestyle="", label=escape(f"{text}; no line below n = {MIN_FIT_POINTS}"))
        return
    xs = [min(accuracies), max(accuracies)]
    ax.plot(xs, [fit.slope * x + fit.intercept for x in xs], color="black", label=escape(f"least squares; {text}"))


def build_figures(data: FigureData, tag: str, escape: Callable[[str], str]) -> list:
    """(file stem, figure) for each figure."""
    return [(f"boxplot_{data.set_name}_{data.metric}{tag}", box_figure(data, escape)),
            (f"regular_vs_{data.pda_set}_{data.metric}{tag}", comparison_figure(data, escape)),
            (f"{data.scatter_function}_wamb_vs_accuracy_regular_vs_{data.pda_set}{tag}", scatter_figure(data, escape))]


def save_figure(fig, stem: Path, file_format: str) -> Path:
    """Write one format through a temp file in the same folder, so no reader sees half a figure."""
    path = stem.with_name(f"{stem.name}.{file_format}")
    atomic_write(path, lambda file: fig.savefig(file, format=file_format, dpi=DPI, bbox_inches="tight"))
    return path


def write_figures(data: FigureData, directory: Path, tag: str, pgf: bool, show: bool) -> list[Path]:
    """PNG and PDF of every figure, then PGF if asked; --show keeps the PNG/PDF figures open at the end."""
    written = []
    figures = build_figures(data, tag, as_is)
    for stem, fig in figures:
        written += [save_figure(fig, directory / stem, file_format) for file_format in IMAGE_FORMATS]
    if not show:
        for _, fig in figures:
            plt.close(fig)
    if pgf:
        written += write_pgf_figures(data, directory, tag)
    if show:
        plt.show()
    return written


def write_pgf_figures(data: FigureData, directory: Path, tag: str) -> list[Path]:
    """The same figures with LaTeX-escaped text. The PGF backend runs LaTeX to measure every text."""
    from matplotlib.backends.backend_pgf import LatexError
    written = []
    for stem, fig in build_figures(data, tag, tex_escape):
        try:
            written.append(save_figure(fig, directory / stem, "pgf"))
        except (RuntimeError, LatexError) as error:
            first_line = str(error).splitlines()[0]
            raise UserError(f"could not write {stem}.pgf: matplotlib's PGF backend needs a working LaTeX "
                            f"(rcParams['pgf.texsystem'] = {plt.rcParams['pgf.texsystem']}) to measure text: "
                            f"{first_line}. The PNG and PDF figures were written; install a TeX system "
                            "(e.g. texlive-xetex) or leave out --pgf") from None
        finally:
            plt.close(fig)
    return written


def length_figure(curves: dict, function: str, filters: str, training_length: int):
    """Mean weighted ambiguity against word length, one curve per set, the training lengths shaded."""
    fig, ax = plt.subplots(figsize=(8.0, 5.0), layout="constrained")
    longest = max((max(lengths) for lengths, _, _ in curves.values()), default=training_length)
    ax.axvspan(0.5, training_length + 0.5, color="0.92", label=f"training lengths 1-{training_length}")
    for set_name, (lengths, means, n_networks) in curves.items():
        ax.plot(lengths, means, marker="o", markersize=3, label=f"{SET_LABELS[set_name]} (n = {n_networks})")
    if not curves:
        note_no_networks(ax, as_is)
    ax.set_xlim(0.5, longest + 0.5)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel("word length (the hidden state after the whole word)")
    ax.set_ylabel(f"weighted ambiguity of {function}, mean over networks\n{AMBIGUITY_RANGE}")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title(with_filters(f"Length generalisation of {function} fitted on lengths 1-{training_length}", filters))
    return fig


def write_length_figure(curves: dict, function: str, filters: str, training_length: int, directory: Path,
                        tag: str) -> list[Path]:
    """PNG and PDF of the length-generalisation figure, written atomically."""
    fig = length_figure(curves, function, filters, training_length)
    stem = Path(directory) / f"length_generalisation_{function}_wamb{tag}"
    try:
        return [save_figure(fig, stem, file_format) for file_format in IMAGE_FORMATS]
    finally:
        plt.close(fig)


def faithfulness_figure(columns_by_set: dict, filters: str):
    """Centroid IIA against weighted ambiguity, one point per network and function, one panel per set, coloured by
    function family."""
    fig, axes = plt.subplots(1, len(columns_by_set), sharey=True, squeeze=False, figsize=(6.0 * len(columns_by_set),
                                                                                             5.0), layout="constrained")
    for ax, (set_name, columns) in zip(axes[0], columns_by_set.items()):
        n_networks = max((len(column["wamb"]) for column in columns.values()), default=0)
        ax.set_title(f"{SET_LABELS[set_name]} (n = {n_networks} networks)")
        ax.set_xlim(-0.03, 1.03)
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel(f"weighted ambiguity\n{AMBIGUITY_RANGE}")
        ax.grid(alpha=0.3)
        if not columns:
            note_no_networks(ax, as_is)
            continue
        colours = family_colours(family_of(name) for name in columns)
        for family, colour in colours.items():
            points = [(x, y) for name, column in columns.items() if family_of(name) == family
                      for x, y in zip(column["wamb"], column["centroid_iia"])]
            if points:
                xs, ys = zip(*points)
                ax.scatter(xs, ys, color=colour, alpha=0.6, s=14, label=family_label(family))
        ax.legend(loc="best", fontsize="small")
    axes[0][0].set_ylabel("centroid IIA (1 = every cluster's centre acts as its state)")
    fig.suptitle(with_filters("Does a pure cluster act as its state? Centroid IIA against weighted ambiguity",
                              filters))
    return fig


def write_faithfulness_figure(columns_by_set: dict, filters: str, directory: Path, tag: str) -> list[Path]:
    """PNG and PDF of the faithfulness figure ({set: {function: columns}}), written atomically."""
    fig = faithfulness_figure(columns_by_set, filters)
    stem = Path(directory) / f"faithfulness_centroid_iia_vs_wamb{tag}"
    try:
        return [save_figure(fig, stem, file_format) for file_format in IMAGE_FORMATS]
    finally:
        plt.close(fig)
