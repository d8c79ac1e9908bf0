"""Hidden-state export: one network's vectors with everything known about each of them, in one .npz file.

One row per vector (per letter occurrence of the validation words, in word order, as NetworkData.hidden_states
gives them). Readable by numpy alone (`np.load(path)`; no pickled objects); load_hidden_export wraps it.
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stateclusters.base.atomic_io import atomic_write
from stateclusters.words.runs import PrefixTrace

LABELS_PREFIX = "labels_"
METADATA = ("automaton", "rnn", "hidden", "layers", "seed", "labeling")
NO_LETTER = -1   # pads `prefix` past the prefix's end


def prefix_matrix(letters: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """(n_vectors, max_length) letter indices of each vector's prefix, padded with NO_LETTER."""
    mask = np.arange(letters.shape[1])[None, :] < lengths[:, None]
    word_index, position = np.nonzero(mask)
    columns = np.arange(letters.shape[1])[None, :]
    prefixes = np.where(columns <= position[:, None], letters[word_index], NO_LETTER)
    return prefixes.astype(np.int16)


def export_arrays(vectors: np.ndarray, trace: PrefixTrace, letters: np.ndarray, alphabet, state_labels: np.ndarray,
                  predicted: np.ndarray, function_labels: dict, metadata: dict) -> dict[str, np.ndarray]:
    """The arrays of the export file; `predicted` is the network's class after every prefix, (n_words, max_length)."""
    mask = trace.valid()
    word_index, position = np.nonzero(mask)
    arrays = {"vectors": vectors.astype(np.float32), "word_index": word_index.astype(np.int64),
              "position": (position + 1).astype(np.int64), "prefix": prefix_matrix(letters, trace.lengths),
              "alphabet": np.asarray(alphabet, dtype=str), "state": trace.states[mask],
              "state_labels": np.asarray(state_labels), "output": trace.outputs[mask],
              "predicted": np.asarray(predicted)[mask]}
    if trace.stack_heights is not None:
        arrays["stack_height"] = trace.stack_heights[mask].astype(np.int64)
        arrays["stack_top"] = trace.stack_tops[mask]
    arrays.update({f"{LABELS_PREFIX}{name}": np.asarray(labels) for name, labels in function_labels.items()})
    arrays.update({name: np.asarray(metadata[name]) for name in METADATA})
    lengths = {name: len(array) for name, array in arrays.items() if array.ndim > 0 and name != "alphabet"}
    assert len(set(lengths.values())) == 1, f"export arrays of unequal length: {lengths}"
    return arrays


def write_hidden_export(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """np.savez_compressed through a temp file in the same folder, so no reader sees half a file."""
    atomic_write(path, lambda file: np.savez_compressed(file, **arrays))


@dataclass(frozen=True)
class HiddenExport:
    """The arrays of an export file; stack fields are None for regular automata."""
    vectors: np.ndarray          # (n, hidden state size) float32
    word_index: np.ndarray       # (n,) which validation word
    position: np.ndarray         # (n,) prefix length, 1-based
    prefix: np.ndarray           # (n, max_length) letter indices into alphabet, NO_LETTER past the prefix
    alphabet: np.ndarray         # (|Σ|,) str
    state: np.ndarray            # (n,) str automaton (control) state after the prefix
    state_labels: np.ndarray     # (n,) str labels of the chosen labeling, which the clusters were scored against
    output: np.ndarray           # (n,) str automaton output after the prefix (ground truth)
    predicted: np.ndarray        # (n,) str the network's output class after the prefix
    labels: dict                 # function name → (n,) cluster labels
    metadata: dict               # automaton, rnn, hidden, layers, seed, labeling
    stack_height: np.ndarray | None = None   # (n,) PDA stack height including '$'
    stack_top: np.ndarray | None = None      # (n,) PDA top stack symbol

    def prefix_letters(self, row: int) -> tuple[str, ...]:
        """The letters of one vector's prefix."""
        return tuple(self.alphabet[self.prefix[row, :self.position[row]]].tolist())


def load_hidden_export(path: str | Path) -> HiddenExport:
    """Read a file written by driver.py --export-hidden (no pickles are loaded)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files}
    labels = {name[len(LABELS_PREFIX):]: arrays.pop(name) for name in list(arrays) if name.startswith(LABELS_PREFIX)}
    metadata = {name: arrays.pop(name).item() for name in METADATA}
    return HiddenExport(labels=labels, metadata=metadata, **arrays)
