"""Pictures of hidden-state vectors: a 2-D projection coloured by automaton state and, beside it, by cluster;
and the same over training epochs (a grid of state-coloured panels, and an animated GIF of the pairs).

Figures are matplotlib Figure objects drawn without pyplot, so nothing here needs or changes a global
backend (it works headless); every file is written atomically.
"""
import io
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image  # Pillow is a dependency of matplotlib
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE

from stateclusters.base.atomic_io import atomic_write
from stateclusters.base.catalogue import PROJECTIONS

MAX_PLOTTED_POINTS = 20_000     # more are subsampled (seeded) for drawing
MAX_TSNE_POINTS = 5_000         # t-SNE is slow: it sees at most this many
MAX_LEGEND_ENTRIES = 19         # more labels (or clusters, plus noise) get a colour bar instead
NOISE_COLOUR = "0.8"            # DBSCAN/OPTICS noise (-1)
GRID_COLUMNS = 4
GIF_FRAME_MS = 800
DPI = 110
GRID_DPI = 90                   # a grid has many panels: fewer dots per inch keep its file small


# ---- which points, and where -----------------------------------------------------------------------------

def plotted_rows(n_vectors: int, max_points: int, seed: int = 0) -> np.ndarray:
    """All row indices, or a seeded sorted subsample of max_points of them."""
    if n_vectors <= max_points:
        return np.arange(n_vectors)
    return np.sort(np.random.default_rng(seed).choice(n_vectors, size=max_points, replace=False))


def project(vectors: np.ndarray, projection: str = "pca", seed: int = 0) -> np.ndarray:
    """(n, 2) coordinates: the first two principal components, or a seeded t-SNE embedding."""
    if projection not in PROJECTIONS:
        raise ValueError(f"unknown projection '{projection}'; valid: {', '.join(PROJECTIONS)}")
    if vectors.shape[1] < 2 or len(vectors) < 3:   # nothing to reduce: pad with zeros
        return np.hstack([vectors[:, :2], np.zeros((len(vectors), max(0, 2 - vectors.shape[1])))])
    if projection == "pca":
        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    perplexity = min(30.0, (len(vectors) - 1) / 3)
    return TSNE(n_components=2, init="pca", perplexity=perplexity, random_state=seed).fit_transform(vectors)


def align_signs(points: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Flip each axis that runs against the reference's (PCA's signs are arbitrary), so a sequence stays steady."""
    signs = np.where(np.einsum("ij,ij->j", points - points.mean(0), reference - reference.mean(0)) < 0, -1.0, 1.0)
    return points * signs


# ---- drawing ---------------------------------------------------------------------------------------------

def label_colours(values: list) -> dict:
    """A colour for each distinct label, in sorted order; noise (-1) is light grey."""
    regular = [value for value in values if not _is_noise(value)]
    # The qualitative maps without their greys, which would look like noise.
    tab10, tab20 = [i for i in range(10) if i != 7], [i for i in range(20) if i not in (14, 15)]
    if len(regular) <= len(tab10):
        palette = [colormaps["tab10"](tab10[i]) for i in range(len(regular))]
    elif len(regular) <= len(tab20):
        palette = [colormaps["tab20"](tab20[i]) for i in range(len(regular))]
    else:   # too many for distinct hues: spread them over a continuous map
        palette = [colormaps["turbo"](i / (len(regular) - 1)) for i in range(len(regular))]
    colours = dict(zip(regular, palette))
    colours.update({value: to_rgba(NOISE_COLOUR) for value in values if _is_noise(value)})
    return colours


def _is_noise(value) -> bool:
    return isinstance(value, (int, np.integer)) and value == -1


def draw_labelled_points(ax, points: np.ndarray, labels: np.ndarray, title: str, what: str, seed: int = 0,
                         colours: dict | None = None) -> None:
    """Scatter coloured by label, in a shuffled order so that no label hides the others; legend or colour bar.

    `colours` (label → colour) keeps the colours of a sequence of panels the same; default: label_colours.
    """
    values = np.unique(labels).tolist()
    colours = colours or label_colours(values)
    order = np.random.default_rng(seed).permutation(len(points))
    ax.scatter(points[order, 0], points[order, 1], c=[colours[label] for label in labels[order].tolist()],
               s=5, alpha=0.7, linewidths=0, rasterized=True)
    ax.set_title(title, fontsize="medium")
    ax.set_xticks([])
    ax.set_yticks([])
    if len(values) <= MAX_LEGEND_ENTRIES:
        handles = [Line2D([], [], marker="o", linestyle="", color=colours[value],
                          label="noise" if _is_noise(value) else str(value)) for value in values]
        ax.legend(handles=handles, title=what, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small",
                  markerscale=1.2, frameon=False)
    else:
        draw_label_colour_bar(ax, values, colours, what)


def draw_label_colour_bar(ax, values: list, colours: dict, what: str) -> None:
    """Many labels: a colour bar of the labels in sorted order, with about ten named ticks."""
    norm = BoundaryNorm(np.arange(len(values) + 1) - 0.5, len(values))
    mappable = ScalarMappable(norm=norm, cmap=ListedColormap([colours[value] for value in values]))
    ticks = np.unique(np.linspace(0, len(values) - 1, min(10, len(values))).round().astype(int))
    bar = ax.figure.colorbar(mappable, ax=ax, ticks=ticks, fraction=0.05, pad=0.02)
    bar.ax.set_yticklabels(["noise" if _is_noise(values[i]) else str(values[i])[:14] for i in ticks])
    bar.set_label(f"{what} ({len(values)}, sorted)")


def state_cluster_figure(points: np.ndarray, state_labels: np.ndarray, cluster_labels: np.ndarray,
                         state_title: str, cluster_title: str, title: str, seed: int = 0) -> Figure:
    """Two panels of the same points: coloured by automaton state, and by cluster."""
    fig = Figure(figsize=(13.0, 5.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    draw_labelled_points(left, points, state_labels, state_title, "state", seed)
    draw_labelled_points(right, points, cluster_labels, cluster_title, "cluster", seed)
    fig.suptitle(title)
    return fig


def epoch_grid_figure(panels: list[tuple[np.ndarray, np.ndarray, str]], title: str, seed: int = 0) -> Figure:
    """One state-coloured panel per snapshot (points, state labels, panel title), GRID_COLUMNS to a row."""
    n_rows = -(-len(panels) // GRID_COLUMNS)
    n_columns = min(GRID_COLUMNS, len(panels))
    fig = Figure(figsize=(3.3 * n_columns + 2.2, 3.2 * n_rows + 0.8), layout="constrained")
    axes = fig.subplots(n_rows, n_columns, squeeze=False).ravel()
    values = np.unique(np.concatenate([state_labels for _, state_labels, _ in panels])).tolist()
    colours = label_colours(values)
    for ax, (points, state_labels, panel_title) in zip(axes, panels):
        draw_labelled_points(ax, points, state_labels, panel_title, "state", seed, colours)
        if ax.get_legend() is not None:
            ax.get_legend().remove()
    for ax in axes[len(panels):]:
        ax.set_axis_off()
    if len(values) <= MAX_LEGEND_ENTRIES:   # one legend for all panels (else each panel's colour bar stays)
        fig.legend(handles=[Line2D([], [], marker="o", linestyle="", color=colours[value], label=str(value))
                            for value in values], title="state", loc="outside right upper", frameon=False)
    fig.suptitle(title)
    return fig


# ---- files -----------------------------------------------------------------------------------------------

def save_png(fig: Figure, path: Path, dpi: int = DPI) -> Path:
    atomic_write(path, lambda file: fig.savefig(file, format="png", dpi=dpi))
    return Path(path)


def save_gif(figures: list[Figure], path: Path, frame_ms: int = GIF_FRAME_MS) -> Path:
    """An endlessly looping GIF with one frame per figure (all the same size: their figsize)."""
    frames = []
    for fig in figures:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI // 2 + 20)
        frames.append(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB").quantize(colors=128))
    atomic_write(path, lambda file: frames[0].save(file, format="GIF", save_all=True, append_images=frames[1:],
                                                   duration=frame_ms, loop=0))
    return Path(path)


# ---- the pictures the driver writes ----------------------------------------------------------------------

def write_state_picture(path: Path, vectors: np.ndarray, state_labels: np.ndarray, cluster_labels: np.ndarray, *,
                        projection: str = "pca", seed: int = 0, state_title: str = "automaton states",
                        cluster_title: str = "clusters", title: str = "") -> Path:
    """The two-panel picture of (a seeded subsample of) the vectors, projected to 2-D, as a PNG."""
    rows = plotted_rows(len(vectors), MAX_TSNE_POINTS if projection == "tsne" else MAX_PLOTTED_POINTS, seed)
    rows = rows[np.isfinite(vectors[rows]).all(axis=1)]   # NaN/inf (exploded relu states) cannot be projected
    points = project(vectors[rows], projection, seed)
    shown = f"{projection.upper() if projection == 'pca' else 't-SNE'} of {len(rows):,} of {len(vectors):,} vectors"
    fig = state_cluster_figure(points, state_labels[rows], cluster_labels[rows], state_title, cluster_title,
                               f"{title}\n{shown}" if title else shown, seed)
    return save_png(fig, path)


def write_epoch_pictures(grid_path: Path, gif_path: Path | None, snapshots, state_labels: np.ndarray,
                         function_name: str, title: str, seed: int = 0) -> list[Path]:
    """A grid PNG of state-coloured panels, one per snapshot, and a GIF of the two-panel picture per snapshot.

    Each snapshot gets its own PCA (its hidden units mean different things than the final network's), with
    the axes' signs aligned to the previous snapshot's so that the sequence does not flip back and forth.
    `snapshots` are training_snapshots.SnapshotStates of the same rows; `state_labels` are those rows' labels.
    """
    panels, frames, previous = [], [], None
    for snapshot in snapshots:
        finite = np.isfinite(snapshot.vectors).all(axis=1)
        points = np.zeros((len(finite), 2))
        points[finite] = project(snapshot.vectors[finite], "pca", seed)
        if previous is not None:
            points = align_signs(points, previous)
        previous = points
        accuracy = "" if snapshot.validation_accuracy is None else f", val. acc. {snapshot.validation_accuracy:.3f}"
        panels.append((points[finite], state_labels[finite], f"epoch {snapshot.epoch}{accuracy}\n{function_name} wamb "
                                       f"{snapshot.weighted_ambiguity:.3f}"))
        if gif_path is not None:
            frames.append(state_cluster_figure(
                points[finite], state_labels[finite], snapshot.cluster_labels[finite], "automaton states",
                f"{function_name}: wamb {snapshot.weighted_ambiguity:.3f}",
                f"{title}\nepoch {snapshot.epoch}{accuracy} (PCA of {finite.sum():,} vectors)", seed))
    grid = epoch_grid_figure(panels, f"{title}\nPCA of the validation hidden states after each snapshot's epoch, "
                             "coloured by automaton state", seed)
    written = [save_png(grid, grid_path, GRID_DPI)]
    if gif_path is not None:
        written.append(save_gif(frames, gif_path))
    return written
