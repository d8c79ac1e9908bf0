"""One recurrent layer of N stacked networks over all steps, as one autograd node with its own backward.

Autograd recording every step's elementwise ops (and replaying twice as many in backward) is what limits a
group of small networks on the CPU, with fresh buffers that page-fault on first touch. Here the forward loop
runs untracked into reused buffers (a Workspace) and keeps only the gates; backward does one product per
step for the recurrent gradient and one over all steps for each weight. Networks are sorted by their words'
length (longest first), so step t runs on the first `active(t)` networks only: no masks, no wasted steps.
The arithmetic is PyTorch's cell equations (GRU r, z, n; LSTM i, f, g, o): the backward equals finite
differences (tests/test_stacked_layer.py), and training equals solo training to float rounding
(tests/test_group_training.py).

Layout: network-major, then time, then batch: inputs [N, T, B, ·], states [N, T, B, H].
"""
from dataclasses import dataclass

import torch


class Workspace:
    """Buffers reused from batch to batch (each name its own), grown when a batch needs more."""

    def __init__(self):
        self.buffers: dict[str, torch.Tensor] = {}

    def get(self, name: str, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
        """A contiguous [shape] view of buffer `name`; its contents are whatever the last batch left."""
        size = 1
        for extent in shape:
            size *= extent
        buffer = self.buffers.get(name)
        if buffer is None or buffer.numel() < size or buffer.dtype != like.dtype or buffer.device != like.device:
            buffer = self.buffers[name] = torch.empty(size, dtype=like.dtype, device=like.device)
        return buffer[:size].view(shape)


@dataclass(frozen=True)
class LayerRun:
    """What is fixed for one batch: the architecture, each network's word length (non-increasing), which units
    are padding [N, 1, H] (None: nothing padded), the buffers and this layer's name in them."""
    rnn: str
    lengths: tuple[int, ...]
    padding: torch.Tensor | None
    workspace: Workspace
    name: str

    def active(self, step: int) -> int:
        """How many networks (the first ones) still have a letter at `step`."""
        return sum(length > step for length in self.lengths)

    def buffer(self, part: str, shape, like) -> torch.Tensor:
        return self.workspace.get(f"{self.name}.{part}", shape, like)


GATE_PARTS = {"relu": (), "tanh": (), "gru": ("reset", "update", "new", "hidden_new"),
              "lstm": ("input", "forget", "cell", "output", "tanh_cell")}


def _project(run: LayerRun, layer_input, weight_ih, bias_ih) -> tuple[torch.Tensor, torch.Tensor]:
    """Input part of every gate for all steps [N, T, B, width], and the input as [N, T·B, ·] (letters: their
    indices [N, T·B]). A letter's row of the weights is gathered, not multiplied by a one-hot vector: the same
    sums (w + b), without a product over the alphabet."""
    n, steps, batch = layer_input.shape[:3]
    width = weight_ih.shape[2]
    projected = run.buffer("projected", (n, steps * batch, width), weight_ih)
    if layer_input.dtype == torch.int64:
        letters = layer_input.reshape(n, steps * batch)
        offsets = torch.arange(n, device=letters.device)[:, None] * weight_ih.shape[1]
        torch.index_select(weight_ih.reshape(-1, width), 0, (letters + offsets).view(-1), out=projected.view(-1, width))
        projected.add_(bias_ih)
        return projected.view(n, steps, batch, width), letters
    layer_input = layer_input.reshape(n, steps * batch, -1)
    torch.baddbmm(bias_ih, layer_input, weight_ih, out=projected)
    return projected.view(n, steps, batch, width), layer_input


def _input_weight_grad(run: LayerRun, flat_input, flat_grads, alphabet: int) -> torch.Tensor:
    """Gradient of the input weights [N, inputs, width]. For letters it is one product with their one-hot rows,
    which sums in a fixed order and beats index_add (a scatter) on the CPU."""
    if flat_input.dtype == torch.int64:
        one_hot = run.buffer("one_hot", (*flat_input.shape, alphabet), flat_grads).zero_()
        flat_input = one_hot.scatter_(2, flat_input[..., None], 1.0)
    return torch.bmm(flat_input.transpose(1, 2), flat_grads)


def _forward_steps(run: LayerRun, projected, weight_hh, bias_hh):
    """The layer's states [N, T, B, H] and its gates by name, each [N, T, B, H]."""
    n, steps, batch, _ = projected.shape
    hidden = weight_hh.shape[1]
    states = run.buffer("states", (n, steps, batch, hidden), projected)
    gates = {part: run.buffer(part, (n, steps, batch, hidden), projected) for part in GATE_PARTS[run.rnn]}
    cells = run.buffer("cells", (n, steps, batch, hidden), projected) if run.rnn == "lstm" else None
    start = projected.new_zeros(n, batch, hidden)
    for step in range(steps):
        m = run.active(step)
        h = states[:m, step - 1] if step else start[:m]
        hh = run.buffer("hh", (m, batch, weight_hh.shape[2]), projected)
        torch.baddbmm(bias_hh[:m], h, weight_hh[:m], out=hh)
        at = {part: gate[:m, step] for part, gate in gates.items()}
        out = states[:m, step]
        if run.rnn == "lstm":
            c = cells[:m, step - 1] if step else start[:m]
            _lstm_forward(projected[:m, step], hh, c, at, cells[:m, step], out, hidden,
                          None if run.padding is None else run.padding[:m])
        elif run.rnn == "gru":
            _gru_forward(projected[:m, step], hh, h, at, out, hidden)
        else:
            torch.add(projected[:m, step], hh, out=out)
            out.relu_() if run.rnn == "relu" else out.tanh_()
        if run.padding is not None:   # padded units stay exactly zero, whatever the real units overflow to
            out.masked_fill_(run.padding[:m], 0.0)
    for i, length in enumerate(run.lengths):   # an ended word keeps its state
        states[i, length:] = states[i, length - 1]
    return states, gates, cells


def _gru_forward(p, hh, h, at, out, hidden):
    """PyTorch's GRU cell h' = n + z·(h − n), n = tanh(p_n + r·hh_n), r, z = σ(p + hh), into `out`."""
    torch.add(p[..., :hidden], hh[..., :hidden], out=at["reset"]).sigmoid_()
    torch.add(p[..., hidden:2 * hidden], hh[..., hidden:2 * hidden], out=at["update"]).sigmoid_()
    at["hidden_new"].copy_(hh[..., 2 * hidden:])
    torch.addcmul(p[..., 2 * hidden:], at["reset"], at["hidden_new"], out=at["new"]).tanh_()
    torch.sub(h, at["new"], out=out).mul_(at["update"]).add_(at["new"])


def _lstm_forward(p, hh, c, at, new_c, out, hidden, padding):
    """PyTorch's LSTM cell c' = f·c + i·g, h' = o·tanh(c'), into `new_c` and `out`."""
    for k, part in enumerate(("input", "forget", "cell", "output")):
        pre = torch.add(p[..., k * hidden:(k + 1) * hidden], hh[..., k * hidden:(k + 1) * hidden], out=at[part])
        pre.tanh_() if part == "cell" else pre.sigmoid_()
    torch.mul(at["forget"], c, out=new_c).addcmul_(at["input"], at["cell"])
    if padding is not None:
        new_c.masked_fill_(padding, 0.0)
    torch.mul(at["output"], torch.tanh(new_c, out=at["tanh_cell"]), out=out)


class StackedLayer(torch.autograd.Function):
    """States [N, T, B, H] and final states [N, B, H] (each at its word's last letter) of one layer."""

    @staticmethod
    def forward(ctx, layer_input, weight_ih, bias_ih, weight_hh, bias_hh, run: LayerRun):
        projected, flat_input = _project(run, layer_input, weight_ih, bias_ih)
        states, gates, cells = _forward_steps(run, projected, weight_hh, bias_hh)
        ctx.run, ctx.gates, ctx.needs_input = run, gates, layer_input.dtype != torch.int64
        ctx.save_for_backward(flat_input, weight_ih, weight_hh, states, cells)
        ctx.set_materialize_grads(False)
        final = states[:, -1]   # every network keeps its last letter's state up to step T − 1
        return states, final

    @staticmethod
    def backward(ctx, state_grads, final_grads):
        flat_input, weight_ih, weight_hh, states, cells = ctx.saved_tensors
        run = ctx.run
        projected_grads, hh_grads = _backward_steps(run, state_grads, final_grads, weight_hh, states,
                                                    ctx.gates, cells)
        n, steps, batch, width = hh_grads.shape
        hidden = states.shape[-1]
        # h_{-1} = 0 contributes nothing, so step t's recurrent gradient pairs with the state of step t − 1.
        previous = states[:, :-1].reshape(n, (steps - 1) * batch, hidden)
        weight_hh_grad = torch.bmm(previous.transpose(1, 2), hh_grads[:, 1:].reshape(n, (steps - 1) * batch, width))
        flat_grads = projected_grads.view(n, steps * batch, width)
        weight_ih_grad = _input_weight_grad(run, flat_input, flat_grads, weight_ih.shape[1])
        input_grad = None
        if ctx.needs_input:
            input_grad = torch.bmm(flat_grads, weight_ih.transpose(1, 2)).view(n, steps, batch, -1)
        return (input_grad, weight_ih_grad, projected_grads.sum(dim=(1, 2))[:, None], weight_hh_grad,
                hh_grads.sum(dim=(1, 2))[:, None], None)


def _backward_steps(run: LayerRun, state_grads, final_grads, weight_hh, states, gates, cells):
    """Gradients of the pre-activations, input part [N, T, B, width] and recurrent part (they differ for GRU)."""
    n, steps, batch, hidden = states.shape
    width = weight_hh.shape[2]
    projected_grads = run.buffer("projected_grads", (n, steps, batch, width), states)
    hh_grads = projected_grads if run.rnn != "gru" else run.buffer("hh_grads", (n, steps, batch, width), states)
    for i, length in enumerate(run.lengths):   # steps after a word's end: no gradient
        projected_grads[i, length:] = 0.0
        hh_grads[i, length:] = 0.0
    weight_t = weight_hh.transpose(1, 2)
    carried = states.new_zeros(n, batch, hidden)
    carried_c = states.new_zeros(n, batch, hidden) if run.rnn == "lstm" else None
    zero = states.new_zeros(())
    ending = _ending_grads(run.lengths, state_grads, final_grads)
    for step in reversed(range(steps)):
        m = run.active(step)
        for i in ending.get(step, ()):
            carried[i] += ending[step][i]
        grad = carried[:m] if state_grads is None else carried[:m] + state_grads[:m, step]
        if run.padding is not None:
            grad = grad.masked_fill(run.padding[:m], 0.0)
        at = {part: gate[:m, step] for part, gate in gates.items()}
        previous = states[:m, step - 1] if step else zero.expand(m, batch, hidden)
        pre_grad, hh_grad = projected_grads[:m, step], hh_grads[:m, step]
        direct = None
        if run.rnn == "relu":
            torch.where(states[:m, step] > 0, grad, zero, out=pre_grad)
        elif run.rnn == "tanh":
            torch.mul(grad, 1 - states[:m, step].square(), out=pre_grad)
        elif run.rnn == "gru":
            direct = _gru_backward(grad, previous, at, pre_grad, hh_grad, hidden)
        else:
            previous_c = cells[:m, step - 1] if step else zero.expand(m, batch, hidden)
            grad_c = carried_c[:m] if run.padding is None else carried_c[:m].masked_fill(run.padding[:m], 0.0)
            carried_c[:m] = _lstm_backward(grad, grad_c, previous_c, at, pre_grad, hidden)
        if direct is None:   # grad (a view of carried) is spent: the product may overwrite it
            torch.bmm(hh_grad, weight_t[:m], out=carried[:m])
        else:
            torch.baddbmm(direct, hh_grad, weight_t[:m], out=carried[:m])
    return projected_grads, hh_grads


def _ending_grads(lengths, state_grads, final_grads) -> dict[int, dict[int, torch.Tensor]]:
    """{step: {network: gradient}} reaching each network's last letter's state from its copies: the final
    state and the states after its word's end."""
    ending = {}
    for i, length in enumerate(lengths):
        parts = [] if final_grads is None else [final_grads[i]]
        if state_grads is not None and length < state_grads.shape[1]:
            parts.append(state_grads[i, length:].sum(dim=0))
        if parts:
            ending.setdefault(length - 1, {})[i] = sum(parts[1:], parts[0])
    return ending


def _gru_backward(grad, previous, at, pre_grad, hh_grad, hidden):
    """One GRU step back: fills the input and recurrent pre-activation gradients; returns the gradient that
    reaches h directly (through z·h). Each x·(1 − y) is x − x·y (addcmul), to spare a pass for 1 − y."""
    reset, update, new = at["reset"], at["update"], at["new"]
    grad_reset, grad_update, grad_new = (pre_grad[..., k * hidden:(k + 1) * hidden] for k in range(3))
    direct = torch.mul(grad, update)
    through_new = torch.sub(grad, direct)   # grad·(1 − z)
    torch.addcmul(through_new, through_new, new.square(), value=-1, out=grad_new)
    through_update = torch.sub(previous, new).mul_(direct)   # grad·z·(h − n)
    torch.addcmul(through_update, through_update, update, value=-1, out=grad_update)
    through_reset = torch.mul(grad_new, at["hidden_new"]).mul_(reset)
    torch.addcmul(through_reset, through_reset, reset, value=-1, out=grad_reset)
    hh_grad[..., :2 * hidden] = pre_grad[..., :2 * hidden]
    torch.mul(grad_new, reset, out=hh_grad[..., 2 * hidden:])
    return direct


def _lstm_backward(grad, grad_c, previous_c, at, pre_grad, hidden):
    """One LSTM step back: fills the pre-activation gradient (input and recurrent alike); returns the gradient
    reaching the previous cell state."""
    input_gate, forget_gate, cell_gate, output_gate = (at[part] for part in ("input", "forget", "cell", "output"))
    tanh_c = at["tanh_cell"]
    grad_c = torch.mul(grad, output_gate).mul_(1 - tanh_c.square()).add_(grad_c)
    pre_grad[..., :hidden] = grad_c * cell_gate * input_gate * (1 - input_gate)
    pre_grad[..., hidden:2 * hidden] = grad_c * previous_c * forget_gate * (1 - forget_gate)
    pre_grad[..., 2 * hidden:3 * hidden] = grad_c * input_gate * (1 - cell_gate.square())
    pre_grad[..., 3 * hidden:] = grad * tanh_c * output_gate * (1 - output_gate)
    return grad_c * forget_gate
