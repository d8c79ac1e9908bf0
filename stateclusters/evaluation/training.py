"""A network for an automaton: its configuration, and training it or loading its checkpoint."""
from pathlib import Path

import torch

from stateclusters.automata import input_alphabet, is_context_free
from stateclusters.automata.tables import compile_table
from stateclusters.base.catalogue import SOLO_TRAINING
from stateclusters.base.errors import CheckpointError
from stateclusters.evaluation.plan import TrainingPlan
from stateclusters.networks.recurrent import (
    NetworkConfig,
    RecurrentClassifier,
    TrainingConfig,
    load_checkpoint,
    save_checkpoint,
    train_network,
)


def training_info(metadata: dict | None, settings: TrainingConfig, metrics, mode: str) -> dict:
    """A trained network's checkpoint metadata: the caller's, then seed, epochs, accuracy, seconds and mode."""
    return dict(metadata or {}, seed=settings.seed, epochs_run=metrics.epochs_run,
                validation_accuracy=metrics.validation_accuracy[-1] if metrics.validation_accuracy else 0.0,
                training_seconds=round(metrics.seconds, 3), training_mode=mode)


def output_classes(automaton) -> tuple[str, ...]:
    """The network's classes, sorted by str so that index order never changes between runs."""
    if is_context_free(automaton):
        return ("False", "True")
    return compile_table(automaton).output_classes


def check_trained_language(checkpoint: Path, metadata: dict, language: str) -> None:
    """A network trained on another language is never scored as this one (its metadata names its language;
    a .dot file counts by its stem, as checkpoints are named)."""
    def name(text: str) -> str:
        return Path(text).stem if text.endswith(".dot") else text
    trained = metadata.get("language")
    if trained is not None and name(str(trained)) != name(language):
        raise CheckpointError(f"{checkpoint} holds a network trained on {trained}, not {language} (its metadata "
                              "says so)")


def network_config(automaton, rnn: str, hidden_size: int, num_layers: int = 1) -> NetworkConfig:
    return NetworkConfig(rnn=rnn, input_alphabet=tuple(input_alphabet(automaton)),
                         output_classes=output_classes(automaton), hidden_size=hidden_size, num_layers=num_layers)


def train_or_load(checkpoint_path: Path | None, config: NetworkConfig, automaton, plan: TrainingPlan,
                  device: torch.device, train: bool = True, progress: bool = True, reuse: bool = True,
                  epoch_callback=None) -> tuple[RecurrentClassifier, dict]:
    """Load a matching checkpoint if there is one (and reuse is on), else train (and save) a network by its plan.
    A checkpoint of another network or of another language is a CheckpointError.

    epoch_callback: see networks.recurrent.train_network (e.g. saving snapshots for pictures over training).
    """
    if reuse and checkpoint_path is not None and Path(checkpoint_path).exists():
        model, info = load_checkpoint(checkpoint_path, expected=config, device=device)
        check_trained_language(checkpoint_path, info, plan.language)
        return model, info
    if not train:
        raise FileNotFoundError(f"no checkpoint at {checkpoint_path} and training is off")
    model, metrics = train_network(config, *plan.words(automaton), plan.settings, device, progress,
                                   epoch_callback=epoch_callback)
    info = training_info(plan.metadata(), plan.settings, metrics, SOLO_TRAINING)
    if checkpoint_path is not None:
        save_checkpoint(checkpoint_path, model, **info)
    return model, info
