"""Snapshots of a network during training, and its hidden states at each snapshot, for pictures over epochs.

A snapshot is an ordinary checkpoint (networks.recurrent.save_checkpoint) named epoch_NNNN.pt in one folder, saved
through train_network's epoch_callback: the untrained network (epoch 0), every N-th epoch, and the final one.
"""
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.clustering.functions import Abstraction
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.networks.recurrent import RecurrentClassifier, hidden_states, load_checkpoint, save_checkpoint

SNAPSHOT_NAME = re.compile(r"epoch_(\d{4,})\.pt")


def snapshot_path(folder: Path, epoch: int) -> Path:
    return Path(folder) / f"epoch_{epoch:04d}.pt"


def save_snapshot(folder: Path, epoch: int, model: RecurrentClassifier, validation_accuracy=None) -> Path:
    """The network as a checkpoint, with its epoch (and validation accuracy after it, if known) as metadata."""
    metadata = {"epoch": epoch}
    if validation_accuracy is not None:
        metadata["validation_accuracy"] = float(validation_accuracy)
    path = snapshot_path(folder, epoch)
    save_checkpoint(path, model, **metadata)
    return path


def snapshot_saver(folder: Path, every: int):
    """An epoch_callback for train_network that saves epoch 0 and every `every`-th epoch into `folder`."""
    def save_every_nth_epoch(epoch: int, model: RecurrentClassifier, metrics) -> None:
        if epoch % every == 0:
            accuracy = metrics.validation_accuracy[-1] if metrics.validation_accuracy else None
            save_snapshot(folder, epoch, model, accuracy)
    return save_every_nth_epoch


def snapshot_files(folder: Path) -> list[tuple[int, Path]]:
    """(epoch, path) of every snapshot in the folder, by epoch."""
    found = [(int(match[1]), path) for path in Path(folder).glob("epoch_*.pt")
             if (match := SNAPSHOT_NAME.fullmatch(path.name))]
    return sorted(found)


def remove_snapshots(folder: Path) -> None:
    """Delete the snapshots of an earlier run, so that two runs' epochs never mix in one sequence."""
    for _, path in snapshot_files(folder):
        path.unlink()


@dataclass(frozen=True)
class SnapshotStates:
    """One snapshot's hidden states of the validation words, clustered with the chosen function."""
    epoch: int
    validation_accuracy: float | None
    vectors: np.ndarray          # the rows chosen for plotting
    cluster_labels: np.ndarray   # of those rows
    weighted_ambiguity: float    # of all rows


def snapshot_states(folder: Path, data: NetworkData, labeling: str, abstraction: Abstraction,
                    rows: np.ndarray) -> list[SnapshotStates]:
    """Every snapshot's hidden states of data's validation words (only `rows` kept) and the abstraction's clusters."""
    validation, state_labels = data.validation, data.state_labels(labeling)
    snapshots = []
    for epoch, path in snapshot_files(folder):
        model, metadata = load_checkpoint(path)
        vectors = hidden_states(model, validation.letters, validation.lengths)
        try:
            clusters = abstraction.fit_predict(vectors, state_labels)
            wamb = ambiguity_from_labels(state_labels, clusters)[1]
        except ValueError:   # e.g. an untrained relu network's NaN states: drawn without clusters
            clusters, wamb = np.zeros(len(vectors), dtype=np.int64), float("nan")
        snapshots.append(SnapshotStates(epoch, metadata.get("validation_accuracy"), vectors[rows], clusters[rows],
                                        wamb))
    return snapshots
