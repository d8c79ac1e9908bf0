"""Train N recurrent networks of one architecture and depth at once, as one stacked model (networks/stacked.py).

Each network keeps what solo training (recurrent.train_network) gives it: its seed's initialisation, its
training words and batch order, its own Adam state, its dropout draws and its early stop; it leaves the group
when it stops. The matrix products sum in another order, and validation runs on the stacked model, so the
weights agree with solo training to float rounding, not bit for bit (docs/performance.md, group training).
"""
import time
from dataclasses import dataclass

import numpy as np
import torch
from tqdm import tqdm

from stateclusters.networks.recurrent import (
    NetworkConfig,
    TrainingConfig,
    TrainingMetrics,
    build_network,
    class_indices,
    length_buckets,
    set_seed,
)
from stateclusters.networks.stacked import StackedRecurrent

BETAS, EPSILON = (0.9, 0.999), 1e-8   # torch.optim.Adam's defaults, which train_network uses


@dataclass(frozen=True)
class GroupMember:
    """One network of a group: what train_network takes, less the device."""
    config: NetworkConfig
    training_words: object
    validation_words: object
    settings: TrainingConfig


def shared_settings(members: list[GroupMember]) -> TrainingConfig:
    """The settings the group trains with; they must differ in the seed only."""
    unseeded = {TrainingConfig(**{**member.settings.__dict__, "seed": 0}) for member in members}
    if len(unseeded) != 1:
        raise ValueError("a group's networks must share their training settings except the seed")
    return members[0].settings


class StackedAdam:
    """N Adams in one: Adam is elementwise, so each network's slice follows torch.optim.Adam's single-tensor
    arithmetic, with its own step count; a network without a batch at a step is not updated."""

    def __init__(self, parameters: list[torch.Tensor], n: int, settings: TrainingConfig):
        self.parameters, self.settings = parameters, settings
        self.moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in parameters]
        self.steps = np.zeros(n, dtype=np.int64)

    def select(self, keep: list[int]) -> None:
        index = torch.as_tensor(keep, device=self.parameters[0].device)
        self.moments = [(m.index_select(0, index), v.index_select(0, index)) for m, v in self.moments]
        self.steps = self.steps[keep]

    def step(self, active: np.ndarray) -> None:
        self.steps += active
        everyone = bool(active.all())
        first, second = BETAS
        if everyone and len(set(self.steps.tolist())) == 1:   # solo's scalar arithmetic exactly
            step = int(self.steps[0])
            step_size, root = self.settings.learning_rate / (1 - first ** step), (1 - second ** step) ** 0.5
        else:
            steps = np.maximum(self.steps, 1).astype(np.float64)
            shape = (-1,) + (1,) * (self.parameters[0].dim() - 1)
            step_size = torch.as_tensor(self.settings.learning_rate / (1 - first ** steps), dtype=torch.float32,
                                        device=self.parameters[0].device).view(shape)
            root = torch.as_tensor((1 - second ** steps) ** 0.5, dtype=torch.float32,
                                   device=self.parameters[0].device).view(shape)
        keep = None if everyone else torch.as_tensor(active, device=self.parameters[0].device)
        with torch.no_grad():
            for param, (m, v) in zip(self.parameters, self.moments):
                old = None if keep is None else (param.clone(), m.clone(), v.clone())
                grad = param.grad.add(param, alpha=self.settings.weight_decay)
                m.lerp_(grad, 1 - first)
                v.mul_(beta2 := second).addcmul_(grad, grad, value=1 - beta2)
                denom = (v.sqrt() / root).add_(EPSILON)
                if isinstance(step_size, float):
                    param.addcdiv_(m, denom, value=-step_size)
                else:
                    param.addcdiv_(m * -step_size, denom)
                if old is not None:
                    where = keep.view((-1,) + (1,) * (param.dim() - 1))
                    for tensor, before in zip((param, m, v), old):
                        tensor.copy_(torch.where(where, tensor, before))
                param.grad = None


@dataclass
class _Network:
    """One member's solo module, data and running state while its group trains."""
    model: torch.nn.Module
    member: GroupMember
    rng: np.random.Generator
    dropout: torch.Generator | None
    validation_targets: np.ndarray
    metrics: TrainingMetrics


def _start(member: GroupMember) -> _Network:
    """The network exactly as train_network starts it: seeded, initialised, its own batch-order generator; the
    dropout generator continues the global one from there, as solo dropout would."""
    set_seed(member.settings.seed)
    model = build_network(member.config)
    dropout = None
    if member.config.num_layers > 1:
        dropout = torch.Generator()
        dropout.set_state(torch.get_rng_state())
    return _Network(model, member, np.random.default_rng(member.settings.seed), dropout,
                    class_indices(member.validation_words.labels, member.config.output_classes), TrainingMetrics())


def _stacked_words(networks: list[_Network], device) -> tuple[torch.Tensor, torch.Tensor]:
    """Every network's training letters [N, words, length] (zero-padded) and class indices [N, words]."""
    words = [n.member.training_words for n in networks]
    n_words, length = max(len(w) for w in words), max(w.letters.shape[1] for w in words)
    letters = np.zeros((len(words), n_words, length), dtype=np.int64)
    targets = np.zeros((len(words), n_words), dtype=np.int64)
    for i, (network, w) in enumerate(zip(networks, words)):
        letters[i, :len(w), :w.letters.shape[1]] = w.letters
        targets[i, :len(w)] = class_indices(w.labels, network.member.config.output_classes)
    return torch.as_tensor(letters, device=device), torch.as_tensor(targets, device=device)


def _epoch_schedule(networks: list[_Network], batch_size: int):
    """Each network's batches of this epoch, step by step: word indices [steps, N, batch], rows and lengths."""
    batches = [length_buckets(n.member.training_words.lengths, batch_size, n.rng) for n in networks]
    steps = max(len(b) for b in batches)
    index = np.zeros((steps, len(networks), batch_size), dtype=np.int64)
    rows = np.zeros((steps, len(networks)), dtype=np.int64)
    lengths = np.ones((steps, len(networks)), dtype=np.int64)
    for i, (network, own) in enumerate(zip(networks, batches)):
        for k, batch in enumerate(own):
            index[k, i, :len(batch)] = batch
            rows[k, i] = len(batch)
            lengths[k, i] = network.member.training_words.lengths[batch[0]]
    return index, rows, lengths


def _dropout_masks(model: StackedRecurrent, networks: list[_Network], rows, lengths, shape, device):
    """Per layer above the first, each network's solo dropout mask drawn from its own generator, zero-padded."""
    if model.num_layers == 1:
        return None
    p = networks[0].member.config.dropout
    masks = []
    for _ in range(model.num_layers - 1):
        mask = torch.ones(shape)
        for i, network in enumerate(networks):
            if rows[i]:
                # Solo dropout fills its noise in the memory order of nn.GRU/LSTM/RNN's batch_first output,
                # which is (time, batch, hidden), the stacked layout's; drawing it so gives the same mask.
                own = (int(lengths[i]), int(rows[i]), network.member.config.hidden_size)
                mask[i, :own[0], :own[1], :own[2]] = torch.empty(own).bernoulli_(
                    1 - p, generator=network.dropout).div_(1 - p)
        masks.append(mask.to(device))
    return masks


def _train_step(model, optimizer, words, targets, index, rows, lengths, networks, device) -> torch.Tensor:
    """One batch of every network: the summed losses' gradients are each network's own. Returns loss × rows."""
    width, steps = int(rows.max()), int(lengths.max())
    index_k = torch.as_tensor(index[:, :width], device=device)
    networks_axis = torch.arange(len(networks), device=device)[:, None]
    letters = words[networks_axis, index_k][:, :, :steps].transpose(1, 2)
    masks = _dropout_masks(model, networks, rows, lengths, (len(networks), steps, width, model.hidden), device)
    logits = model(letters, lengths, masks)
    losses = -torch.log_softmax(logits, dim=-1).gather(-1, targets[networks_axis, index_k][..., None])[..., 0]
    rows_t = torch.as_tensor(rows, device=device)
    if (rows != width).any():
        losses = torch.where(torch.arange(width, device=device) < rows_t[:, None], losses, 0.0)
    per_network = losses.sum(dim=1) / rows_t.clamp(min=1)
    per_network.sum().backward()
    optimizer.step(rows > 0)
    if model.padded:   # padding stays zero even where a real unit's inf made its gradient nan
        with torch.no_grad():
            for name, weight in model.weights.items():
                weight.masked_fill_(~model.own_entries(name), 0.0)
    return per_network.detach() * rows_t


@dataclass(frozen=True)
class _ValidationBatches:
    """Every network's validation words, sorted by length and cut into chunks of a training batch's size (so
    validation never needs larger buffers than training): per chunk, letters [N, T, B] (T its longest word),
    each word's last position [N, B] and its class index [N, B] (−1: no word there)."""
    letters: tuple[torch.Tensor, ...]
    last: tuple[torch.Tensor, ...]
    targets: tuple[torch.Tensor, ...]
    counts: tuple[int, ...]

    def select(self, keep: list[int]) -> "_ValidationBatches":
        index = torch.as_tensor(keep, device=self.letters[0].device)
        return _ValidationBatches(*(tuple(t.index_select(0, index) for t in part)
                                    for part in (self.letters, self.last, self.targets)),
                                  tuple(self.counts[i] for i in keep))


def _validation_batches(networks: list[_Network], chunk: int, device) -> _ValidationBatches:
    words = [n.member.validation_words for n in networks]
    orders = [np.argsort(w.lengths, kind="stable") for w in words]
    most = max(len(w.lengths) for w in words)
    parts = ([], [], [])
    for start in range(0, most, chunk):
        own = [order[start:start + chunk] for order in orders]
        steps = max(int(w.lengths[rows].max()) for w, rows in zip(words, own) if len(rows))
        width = max(len(rows) for rows in own)
        letters = np.zeros((len(words), steps, width), dtype=np.int64)
        last = np.zeros((len(words), width), dtype=np.int64)
        targets = np.full((len(words), width), -1, dtype=np.int64)
        for i, (network, w, rows) in enumerate(zip(networks, words, own)):
            length = min(steps, w.letters.shape[1])
            letters[i, :length, :len(rows)] = w.letters[rows, :length].T
            last[i, :len(rows)] = w.lengths[rows] - 1
            targets[i, :len(rows)] = network.validation_targets[rows]
        for part, array in zip(parts, (letters, last, targets)):
            part.append(torch.as_tensor(array, device=device))
    return _ValidationBatches(*(tuple(part) for part in parts), tuple(len(w.lengths) for w in words))


@torch.no_grad()
def _validation_accuracies(model: StackedRecurrent, batches: _ValidationBatches) -> list[float]:
    """Each network's validation accuracy as train_network measures it (the predicted class after each whole
    word, reading the prefix predictions at its last letter), from the stacked model."""
    correct = torch.zeros(len(batches.counts), dtype=torch.int64, device=batches.letters[0].device)
    for letters, last, targets in zip(batches.letters, batches.last, batches.targets):
        predictions = model.logits_after_every_letter(letters).argmax(dim=-1)   # [N, T, B]
        at_end = predictions.gather(1, last[:, None, :])[:, 0]
        correct += (at_end == targets).sum(dim=1)
    return [count / total for count, total in zip(correct.tolist(), batches.counts)]


def _end_epoch(model: StackedRecurrent, networks: list[_Network], losses: torch.Tensor,
               validation: _ValidationBatches, settings: TrainingConfig) -> list[int]:
    """Record each network's epoch; who stops."""
    stopped = []
    for i, (network, accuracy) in enumerate(zip(networks, _validation_accuracies(model, validation))):
        network.metrics.add_epoch(float(losses[i]) / len(network.member.training_words), accuracy)
        if settings.stops_after(network.metrics):
            stopped.append(i)
    return stopped


def train_group(members: list[GroupMember], device: torch.device = torch.device("cpu"), progress: bool = True,
                on_finished=None, description: str = "group training") -> list[tuple[torch.nn.Module, TrainingMetrics]]:
    """Train the members together; (solo module, metrics) per member, in order, as train_network returns them.

    on_finished(index, model, metrics) is called as each network stops (early stop or the last epoch), so that
    its checkpoint can be written before the rest of the group is done.
    """
    settings = shared_settings(members)
    start = time.perf_counter()
    networks = [_start(member) for member in members]
    model = StackedRecurrent([m.config for m in members],
                             [n.model.state_dict() for n in networks]).to(device)
    for network in networks:
        network.model.to(device)
    optimizer = StackedAdam(list(model.weights.values()), len(members), settings)
    words, targets = _stacked_words(networks, device)
    validation = _validation_batches(networks, settings.batch_size, device)
    remaining = list(range(len(members)))
    for _ in tqdm(range(settings.epochs), desc=description, disable=not progress, leave=False):
        index, rows, lengths = _epoch_schedule([networks[i] for i in remaining], settings.batch_size)
        losses = torch.zeros(len(remaining), device=device)
        for k in range(len(index)):
            losses += _train_step(model, optimizer, words, targets, index[k], rows[k], lengths[k],
                                  [networks[i] for i in remaining], device)
        stopped = set(_end_epoch(model, [networks[i] for i in remaining], losses.cpu(), validation, settings))
        for position in sorted(stopped):
            _finish(networks[remaining[position]], remaining[position], model.state_dict_of(position), start,
                    on_finished)
        keep = [position for position in range(len(remaining)) if position not in stopped]
        if not keep:
            break
        if stopped:
            model.select(keep)
            optimizer.select(keep)
            index_t = torch.as_tensor(keep, device=device)
            words, targets = words.index_select(0, index_t), targets.index_select(0, index_t)
            validation = validation.select(keep)
            remaining = [remaining[position] for position in keep]
    else:
        for position, original in enumerate(remaining):
            _finish(networks[original], original, model.state_dict_of(position), start, on_finished)
    return [(network.model, network.metrics) for network in networks]


def _finish(network: _Network, index: int, weights: dict, start: float, on_finished) -> None:
    """Its weights (from the stacked model) into its solo module, which on_finished then sees."""
    network.model.load_state_dict(weights)
    network.metrics.seconds = time.perf_counter() - start   # the group's time so far: its networks share it
    network.model.eval()
    if on_finished is not None:
        on_finished(index, network.model, network.metrics)
