"""What every clustering family of one network's vectors shares, as plain data: the distinct vectors, the
fitted prefix and blocked distances.

The validation words share most of their prefixes, so most hidden-state vectors occur many times (tomita3:
21,380 vectors, 4,315 distinct). The family kernels work on the distinct vectors with their multiplicities and
return what scikit-learn returns on the expanded vectors, in memory bounded by BLOCK_ENTRIES, not by n².
"""
from dataclasses import dataclass

import numpy as np

from stateclusters.base.errors import UserError

BLOCK_ENTRIES = 2_000_000      # distances per row block (16 MB of float64): bounds memory for any n


@dataclass(frozen=True)
class DistinctVectors:
    """The distinct rows of a matrix, in order of first occurrence, with their multiplicities."""
    vectors: np.ndarray   # (n_distinct, dim)
    counts: np.ndarray    # (n_distinct,) how often each occurs
    inverse: np.ndarray   # (n,) index into vectors of every original row

    def __len__(self) -> int:
        return len(self.vectors)

    def expand(self, distinct_labels: np.ndarray) -> np.ndarray:
        """Per-distinct-vector labels → one label per original row."""
        return np.asarray(distinct_labels)[self.inverse]

    def head(self, n_rows: int) -> "DistinctVectors":
        """The distinct vectors of the first n_rows rows (still in order of first occurrence)."""
        present = np.bincount(self.inverse[:n_rows], minlength=len(self.vectors))
        keep = np.flatnonzero(present)
        position = np.full(len(self.vectors), -1)
        position[keep] = np.arange(len(keep))
        return DistinctVectors(self.vectors[keep], present[keep], position[self.inverse[:n_rows]])


@dataclass(frozen=True)
class SharedWork:
    """The work a family's estimator is handed instead of redoing it: the vectors' distinct rows, and the
    family's own shared result over all its functions (its row's `shared_work`; None where it has none)."""
    distinct: DistinctVectors
    family_work: object = None


def distinct_vectors(vectors: np.ndarray) -> DistinctVectors:
    """Deduplicate equal rows exactly, keeping the order of first occurrence."""
    vectors = np.ascontiguousarray(vectors, dtype=np.float64) + 0.0   # + 0.0 turns -0.0 into 0.0: equal bits
    rows = vectors.view(np.dtype((np.void, vectors.dtype.itemsize * vectors.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    inverse = rank[inverse.ravel()]
    return DistinctVectors(vectors[first[order]], np.bincount(inverse, minlength=len(order)), inverse)


def shared_work_for(vectors: np.ndarray, shared: SharedWork | None) -> SharedWork:
    """The given shared work, or that of these vectors alone (an estimator fitted without the shared work)."""
    return shared if shared is not None else SharedWork(distinct_vectors(vectors))


def check_finite(hidden_states: np.ndarray) -> None:
    """Refuse NaN/inf vectors (exploding relu networks) with a clear reason."""
    if not np.isfinite(hidden_states).all():
        raise ValueError("hidden states contain NaN or inf (the network's activations exploded)")


def fitted_row_count(n_rows: int, fit_fraction: float) -> int:
    """How many first rows a family fitted on a fraction of the vectors is fitted on (at least one)."""
    if not 0 < fit_fraction <= 1:
        raise UserError(f"fit fraction must be in (0, 1], got {fit_fraction}")
    return max(1, int(n_rows * fit_fraction))


def upper_triangle_blocks(n_points: int):
    """(row block, first column): rows [a, b) against columns [a, n), so every pair is met once."""
    for block in row_blocks(n_points, n_points):
        yield block, block.start


def row_blocks(n_rows: int, n_columns: int):
    """Slices of rows whose distances to n_columns columns fit in BLOCK_ENTRIES."""
    step = max(1, BLOCK_ENTRIES // max(1, n_columns))
    for start in range(0, n_rows, step):
        yield slice(start, min(start + step, n_rows))


class SquaredDistances:
    """‖x−y‖² to fixed columns in one matrix product, [x, ‖x‖², 1]·[−2y, 1, ‖y‖²] (float64, as scikit-learn's
    brute-force neighbours expand it); rounding can leave −1e-15 where x = y, harmless for ≤ radius."""

    def __init__(self, columns: np.ndarray):
        ones = np.ones((len(columns), 1))
        self.columns = np.ascontiguousarray(np.hstack([-2.0 * columns, ones, squared_norms(columns)[:, None]]).T)

    def __call__(self, rows: np.ndarray, first_column: int = 0) -> np.ndarray:
        """Squared distances of the rows to columns first_column, first_column + 1, ..."""
        ones = np.ones((len(rows), 1))
        return np.hstack([rows, squared_norms(rows)[:, None], ones]) @ self.columns[:, first_column:]


def squared_norms(vectors: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->i", vectors, vectors)


@dataclass(frozen=True)
class FitSettings:
    """What a family's estimator is built from besides its function row: |Q|, the labeling's k multiplier,
    the seed, the fitted fraction and the protocol's clustering settings (docs/paper_protocol.md)."""
    n_states: int
    k_multiplier: int
    random_state: int
    fit_fraction: float
    kmeans_n_init: int
    lr_solver: str
