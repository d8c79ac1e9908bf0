"""The networks (docs/contract.md, Networks): the four recurrent architectures and a causal transformer, training,
checkpoints, batched evaluation. This module builds every architecture (build_network); the transformer lives in
stateclusters/networks/transformer.py."""
import copy
import io
import random
import time
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from stateclusters.base.atomic_io import atomic_write
from stateclusters.base.catalogue import (
    MAX_EPOCHS,
    RECURRENT_TYPES,
    check_rnn_type,
)
from stateclusters.base.errors import CheckpointError, UserError
from stateclusters.networks.transformer import CausalTransformerClassifier

EVALUATION_CHUNK = 2048  # words per forward pass when evaluating; bounds memory for long words


@dataclass(frozen=True)
class NetworkConfig:
    """Everything needed to rebuild a network without its training data."""
    rnn: str
    input_alphabet: tuple[str, ...]
    output_classes: tuple[str, ...]
    hidden_size: int
    num_layers: int = 1
    attention_heads: int = 2       # transformer only
    feedforward_factor: int = 4    # transformer only: feed-forward width = factor × d_model

    @property
    def dropout(self) -> float:
        return 0.1 if self.num_layers > 1 else 0.0

    @property
    def model_width(self) -> int:
        """Width of a layer's output: the hidden size, for a transformer (d_model) rounded up to a multiple of heads."""
        if self.rnn != "transformer":
            return self.hidden_size
        return -(-self.hidden_size // self.attention_heads) * self.attention_heads

    def hidden_state_size(self) -> int:
        """Length of one hidden-state vector: all layers' h (and c for LSTM), or all transformer layers' outputs."""
        return self.model_width * self.num_layers * (2 if self.rnn == "lstm" else 1)


@dataclass(frozen=True)
class TrainingConfig:
    """Optimiser and stopping settings; defaults are those of docs/contract.md, Networks."""
    epochs: int = MAX_EPOCHS
    batch_size: int = 128
    learning_rate: float = 5e-4
    weight_decay: float = 1e-6
    perfect_epochs_to_stop: int | None = 3   # early stop after this many epochs at 100% accuracy; None: never
    seed: int = 0

    def stops_after(self, metrics: "TrainingMetrics") -> bool:
        """Early stop: the last perfect_epochs_to_stop epochs all reached 100 % validation accuracy."""
        needed = self.perfect_epochs_to_stop
        return needed is not None and len(metrics.validation_accuracy) >= needed and \
            all(accuracy == 1.0 for accuracy in metrics.validation_accuracy[-needed:])


@dataclass
class TrainingMetrics:
    epochs_run: int = 0
    validation_accuracy: list = field(default_factory=list)
    training_loss: list = field(default_factory=list)
    seconds: float = 0.0

    def add_epoch(self, loss: float, accuracy: float) -> None:
        self.epochs_run += 1
        self.training_loss.append(loss)
        self.validation_accuracy.append(accuracy)


def set_seed(seed: int) -> None:
    """Seed every random number generator that training touches, in one place."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def resolve_device(name: str) -> torch.device:
    """'cpu' (default), 'cuda' or 'auto'; asking for CUDA without it is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise UserError(f"device '{name}' requested but CUDA is not available; use --device cpu")
    if name != "cpu" and not name.startswith("cuda"):
        raise UserError(f"unknown device '{name}'; valid: cpu, cuda, cuda:N, auto")
    return torch.device(name)


def _recurrent_layer(rnn: str, input_size: int, hidden_size: int) -> nn.Module:
    if rnn in ("relu", "tanh"):
        return nn.RNN(input_size, hidden_size, nonlinearity=rnn, batch_first=True)
    return (nn.GRU if rnn == "gru" else nn.LSTM)(input_size, hidden_size, batch_first=True)


class RecurrentClassifier(nn.Module):
    """Stacked one-layer recurrent modules (so every layer's states are visible) and a linear readout."""

    def __init__(self, config: NetworkConfig):
        super().__init__()
        if config.rnn not in RECURRENT_TYPES:
            raise ValueError(f"'{config.rnn}' is not recurrent; build_network builds every architecture")
        self.config = config
        sizes = [len(config.input_alphabet)] + [config.hidden_size] * config.num_layers
        self.layers = nn.ModuleList(_recurrent_layer(config.rnn, sizes[i], sizes[i + 1])
                                    for i in range(config.num_layers))
        self.dropout = nn.Dropout(config.dropout)
        self.readout = nn.Linear(config.hidden_size, len(config.output_classes))

    def one_hot(self, letters: torch.Tensor) -> torch.Tensor:
        """One-hot letters in the parameters' precision (float32, or float64 for a `precise_copy`)."""
        return nn.functional.one_hot(letters, len(self.config.input_alphabet)).to(self.readout.weight.dtype)

    def layer_outputs(self, letters: torch.Tensor,
                      start: list | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """(input, h sequence) of every layer for a (batch, time) letter-index tensor; `start`, if given, holds
        each layer's state before the first letter (split_state), else every layer starts from zero."""
        layer_input = self.one_hot(letters)
        outputs = []
        for depth, layer in enumerate(self.layers):
            if depth > 0:
                layer_input = self.dropout(layer_input)
            hidden_sequence, _ = layer(layer_input) if start is None else layer(layer_input, start[depth])
            outputs.append((layer_input, hidden_sequence))
            layer_input = hidden_sequence
        return outputs

    def state_parts(self) -> dict[str, slice]:
        """The columns of each part of a state_sequence vector: `layer1`, `layer2`, … (an LSTM: `layer1_h`,
        `layer1_c`, `layer2_h`, …), in the order state_sequence concatenates them."""
        width, lstm = self.config.hidden_size, self.config.rnn == "lstm"
        names = [f"layer{depth}{suffix}" for depth in range(1, self.config.num_layers + 1)
                 for suffix in (("_h", "_c") if lstm else ("",))]
        return {name: slice(i * width, (i + 1) * width) for i, name in enumerate(names)}

    def split_state(self, vectors: torch.Tensor) -> list:
        """state_sequence vectors (batch, d) as each layer's start state for torch's modules: h of shape
        (1, batch, hidden), and for an LSTM the pair (h, c)."""
        width, lstm = self.config.hidden_size, self.config.rnn == "lstm"
        pieces = [vectors[:, i * width:(i + 1) * width].unsqueeze(0).contiguous()
                  for i in range(self.config.num_layers * (2 if lstm else 1))]
        return [tuple(pieces[2 * depth:2 * depth + 2]) for depth in range(self.config.num_layers)] if lstm \
            else pieces

    def classes_from(self, vectors: torch.Tensor, letters: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The class index after each word started from its vector (batch, d); an empty word: the read-out of
        its vector's last layer."""
        last_layer = vectors[:, self.state_parts()[f"layer{self.config.num_layers}"
                                                    + ("_h" if self.config.rnn == "lstm" else "")]]
        logits = self.readout(last_layer)
        if letters.shape[1]:
            sequence = self.layer_outputs(letters, self.split_state(vectors))[-1][1]
            rows = torch.arange(len(lengths), device=lengths.device)
            after = self.readout(sequence[rows, (lengths - 1).clamp(min=0)])
            logits = torch.where((lengths > 0)[:, None], after, logits)
        return logits.argmax(dim=-1)

    def state_sequence(self, letters: torch.Tensor) -> torch.Tensor:
        """Hidden state after every prefix: all layers' h (and the LSTM's c), concatenated."""
        per_layer = []
        for layer, (layer_input, hidden_sequence) in zip(self.layers, self.layer_outputs(letters)):
            per_layer.append(hidden_sequence)
            if isinstance(layer, nn.LSTM):
                per_layer.append(_lstm_cell_states(layer, layer_input, hidden_sequence))
        return torch.cat(per_layer, dim=-1)

    def forward(self, letters: torch.Tensor) -> torch.Tensor:
        """Class logits after every prefix: (batch, time, n_classes)."""
        return self.readout(self.layer_outputs(letters)[-1][1])


Network = RecurrentClassifier | CausalTransformerClassifier


def build_network(config: NetworkConfig) -> Network:
    """A freshly initialised network of the config's architecture."""
    check_rnn_type(config.rnn)
    return CausalTransformerClassifier(config) if config.rnn == "transformer" else RecurrentClassifier(config)


def _lstm_cell_states(layer: nn.LSTM, layer_input: torch.Tensor, hidden_sequence: torch.Tensor) -> torch.Tensor:
    """Recover the LSTM's c after every step from its inputs and h: one matmul, then an elementwise scan."""
    previous_h = torch.cat([torch.zeros_like(hidden_sequence[:, :1]), hidden_sequence[:, :-1]], dim=1)
    gates = (layer_input @ layer.weight_ih_l0.T + layer.bias_ih_l0
             + previous_h @ layer.weight_hh_l0.T + layer.bias_hh_l0)
    input_gate, forget_gate, cell_gate, _ = gates.chunk(4, dim=-1)
    increments = torch.sigmoid(input_gate) * torch.tanh(cell_gate)
    forget_gate = torch.sigmoid(forget_gate)
    cell_states = torch.empty_like(hidden_sequence)
    cell = torch.zeros_like(hidden_sequence[:, 0])
    for step in range(hidden_sequence.shape[1]):
        cell = forget_gate[:, step] * cell + increments[:, step]
        cell_states[:, step] = cell
    return cell_states


def _chunks(n_words: int):
    for start in range(0, n_words, EVALUATION_CHUNK):
        yield slice(start, min(start + EVALUATION_CHUNK, n_words))


def precise_copy(model: Network) -> Network:
    """The same network in float64, for evaluation whose rounding must not depend on how words are batched."""
    return copy.deepcopy(model).double().eval()


def padded_letters(words, index: dict) -> tuple[np.ndarray, np.ndarray]:
    """Words as padded letter indices (at least one column, 0 past a word's end) and their lengths; a letter
    that `index` lacks is a KeyError."""
    lengths = np.array([len(word) for word in words], dtype=np.int64)
    letters = np.zeros((len(words), max(1, int(lengths.max(initial=0)))), dtype=np.int64)
    for row, word in enumerate(words):
        letters[row, :len(word)] = [index[letter] for letter in word]
    return letters, lengths


@torch.inference_mode()
def hidden_states(model: Network, letters: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """One vector per letter occurrence, in word order: all layers' states (Network.state_sequence), concatenated.

    Computed in float64 and rounded to float32, the network's precision: float32 arithmetic rounds differently
    in batched and one-letter calls (up to ~1e-6), enough to move OPTICS's clusters; float64 results differ by
    ~1e-15 and so round to the same float32 value, whichever way the words are fed.
    """
    model = precise_copy(model)
    device = next(model.parameters()).device
    mask = np.arange(letters.shape[1])[None, :] < lengths[:, None]
    pieces = []
    for part in _chunks(len(letters)):
        states = model.state_sequence(torch.as_tensor(letters[part], device=device)).cpu().numpy()
        pieces.append(states[mask[part]].astype(np.float32))
    return np.concatenate(pieces).astype(np.float64)


@torch.inference_mode()
def prefix_predictions(model: Network, letters: np.ndarray) -> np.ndarray:
    """Predicted class index after every prefix: (n_words, max_length); padded positions are junk."""
    model.eval()
    device = next(model.parameters()).device
    predictions = [model(torch.as_tensor(letters[part], device=device)).argmax(dim=-1).cpu().numpy()
                   for part in _chunks(len(letters))]
    return np.concatenate(predictions)


def final_predictions(model: Network, letters: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Predicted class index after each whole word."""
    return prefix_predictions(model, letters)[np.arange(len(lengths)), lengths - 1]


@torch.inference_mode()
def predictions_from(model: RecurrentClassifier, vectors: np.ndarray, letters: np.ndarray,
                     lengths: np.ndarray) -> np.ndarray:
    """The class index after each word (padded letters, lengths) read from its start vector (n, d), vectors as
    hidden_states gives them; batched like prefix_predictions, in the network's precision."""
    model.eval()
    parameter = next(model.parameters())
    predictions = [model.classes_from(torch.as_tensor(vectors[part], dtype=parameter.dtype, device=parameter.device),
                                      torch.as_tensor(letters[part], device=parameter.device),
                                      torch.as_tensor(lengths[part], device=parameter.device)).cpu().numpy()
                   for part in _chunks(len(letters))]
    return np.concatenate(predictions) if predictions else np.zeros(0, dtype=np.int64)


def class_indices(labels: np.ndarray, output_classes) -> np.ndarray:
    """Map str labels to class indices, refusing labels the network has no class for."""
    labels = np.asarray(labels)
    values, inverse = np.unique(labels, return_inverse=True)
    index_of = {label: i for i, label in enumerate(output_classes)}
    unknown = set(values.tolist()) - set(index_of)
    if unknown:
        raise ValueError(f"labels {sorted(unknown)} are not among the network's classes {list(output_classes)}")
    return np.array([index_of[value] for value in values.tolist()], dtype=np.int64)[inverse.reshape(labels.shape)]


def length_buckets(lengths: np.ndarray, batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Shuffled batches whose words all have the same length, so no batch carries padding."""
    batches = []
    for length in np.unique(lengths):
        members = rng.permutation(np.flatnonzero(lengths == length))
        batches.extend(np.array_split(members, max(1, -(-len(members) // batch_size))))
    return [batches[i] for i in rng.permutation(len(batches))]


def validation_accuracy(model: Network, validation, targets: np.ndarray) -> float:
    predictions = final_predictions(model, validation.letters, validation.lengths)
    return float((predictions == targets).mean())


def train_network(config: NetworkConfig, training_words, validation_words, settings: TrainingConfig,
                  device: torch.device = torch.device("cpu"), progress: bool = True,
                  description: str = "training",
                  epoch_callback=None, initial_weights: dict | None = None) -> tuple[Network, TrainingMetrics]:
    """Adam with early stopping once validation accuracy has been 100% for a few epochs in a row.

    epoch_callback(epoch, model, metrics), if given, sees the untrained network (epoch 0) and the network
    after every epoch; it must not change the model or draw random numbers, so the weights stay the same.
    initial_weights: a state dict of a network of this config to start from (e.g. a constructed one) in place
    of the seeded initialisation; the seed still orders the batches.
    """
    set_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    model = build_network(config)
    if initial_weights is not None:
        model.load_state_dict(initial_weights, strict=True)
    model = model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    loss_function = nn.CrossEntropyLoss()
    targets = torch.as_tensor(class_indices(training_words.labels, config.output_classes), device=device)
    validation_targets = class_indices(validation_words.labels, config.output_classes)
    letters = torch.as_tensor(training_words.letters, device=device)
    metrics, start = TrainingMetrics(), time.perf_counter()
    epochs = tqdm(range(settings.epochs), desc=description, disable=not progress, leave=False)
    if epoch_callback is not None:
        epoch_callback(0, model, metrics)
    for _ in epochs:
        model.train()
        total_loss = 0.0
        for batch in length_buckets(training_words.lengths, settings.batch_size, rng):
            length = int(training_words.lengths[batch[0]])
            batch_index = torch.as_tensor(batch, device=device)
            logits = model(letters[batch_index, :length])[:, -1]
            loss = loss_function(logits, targets[batch_index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
        accuracy = validation_accuracy(model, validation_words, validation_targets)
        metrics.add_epoch(total_loss / len(training_words), accuracy)
        epochs.set_postfix(loss=f"{metrics.training_loss[-1]:.4f}", val_acc=f"{accuracy:.4f}")
        if epoch_callback is not None:
            epoch_callback(metrics.epochs_run, model, metrics)
        if settings.stops_after(metrics):
            break
    metrics.seconds = time.perf_counter() - start
    return model, metrics


def save_checkpoint(path, model: Network, **metadata) -> None:
    """Weights plus plain metadata (str, int, float, lists), written atomically."""
    config = asdict(model.config)
    config["input_alphabet"] = list(config["input_alphabet"])
    config["output_classes"] = list(config["output_classes"])
    config["d_model"] = model.config.model_width   # for readers; derived from the fields above
    checkpoint = {"format": 1, "config": config, "metadata": metadata,
                  "state_dict": {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}}
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    atomic_write(path, lambda file: file.write(buffer.getvalue()))


TRANSFORMER_SETTINGS = ("attention_heads", "feedforward_factor")   # absent from older checkpoints: defaults


def _config_from_checkpoint(checkpoint, path) -> NetworkConfig:
    try:
        raw = checkpoint["config"]
        settings = {name: int(raw[name]) for name in TRANSFORMER_SETTINGS if name in raw}
        config = NetworkConfig(rnn=check_rnn_type(str(raw["rnn"])), input_alphabet=tuple(raw["input_alphabet"]),
                               output_classes=tuple(raw["output_classes"]), hidden_size=int(raw["hidden_size"]),
                               num_layers=int(raw["num_layers"]), **settings)
    except (KeyError, TypeError, ValueError, UserError) as error:
        raise CheckpointError(f"checkpoint {path} has no valid network description ({error})") from None
    if int(raw.get("d_model", config.model_width)) != config.model_width:
        raise CheckpointError(f"checkpoint {path} has d_model {raw['d_model']}, its settings give {config.model_width}")
    return config


def load_checkpoint(path, expected: NetworkConfig | None = None,
                    device: torch.device = torch.device("cpu")) -> tuple[Network, dict]:
    """Rebuild the network of a checkpoint; refuse one that is corrupt or differs from `expected`."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise CheckpointError(f"checkpoint {path} does not exist") from None
    except Exception as error:
        raise CheckpointError(f"checkpoint {path} is corrupt or truncated ({type(error).__name__})") from None
    if not isinstance(checkpoint, dict) or "state_dict" not in checkpoint:
        raise CheckpointError(f"checkpoint {path} is not a checkpoint of this project")
    config = _config_from_checkpoint(checkpoint, path)
    if expected is not None:
        for name in ("rnn", "hidden_size", "num_layers", "input_alphabet", "output_classes", *TRANSFORMER_SETTINGS):
            found, wanted = getattr(config, name), getattr(expected, name)
            if found != wanted:
                raise CheckpointError(f"checkpoint {path} does not match: {name} is {found}, expected {wanted}")
    model = build_network(config)
    try:
        model.load_state_dict(checkpoint["state_dict"], strict=True)
    except (RuntimeError, TypeError) as error:
        first_line = str(error).strip().splitlines()[0]
        raise CheckpointError(f"checkpoint {path} weights do not fit its network ({first_line})") from None
    return model.to(device).eval(), dict(checkpoint.get("metadata", {}))
