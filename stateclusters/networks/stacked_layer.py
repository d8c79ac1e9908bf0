"""One recurrent layer of N stacked networks over all steps, as one autograd node with its own backward.

Autograd recording every step's elementwise ops (and replaying twice as many in backward) is what limits a
group of small networks on the CPU, with fresh buffers that page-fault on first touch. Here the forward loop
runs untracked into reused buffers (a Workspace) and keeps only the gates; backward does one product per
step for the recurrent gradient and one over all steps for each weight. Networks are sorted by their words'
length (longest first), so a step runs on the networks that still have a letter (`actives`): no masks, no
wasted steps.
The arithmetic is PyTorch's cell equations (GRU r, z, n; LSTM i, f, g, o): the backward equals finite
differences (tests/test_stacked_layer.py), and training equals solo training to float rounding
(tests/test_group_training.py).

Layout: network-major, then time, then batch: inputs [N, T, B, ·], states [N, T, B, H]; the projection and
what backward keeps are time-major [T, N, B, ·], so that one step's slice is contiguous. Each step has as
few passes as PyTorch's ops allow: a recurrent bias joins the input's, the product adds in place, GRU's
update is one lerp, and backward uses aten's sigmoid, tanh and threshold backward kernels. On the CPU the
forward tanh is NumPy's (tanh_into).
"""
from dataclasses import dataclass

import numpy as np
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

    def actives(self) -> list[int]:
        """Per step, how many networks (the first ones) still have a letter there."""
        return [sum(length > step for length in self.lengths) for step in range(self.lengths[0])]

    def buffer(self, part: str, shape, like) -> torch.Tensor:
        return self.workspace.get(f"{self.name}.{part}", shape, like)


# What each step keeps for backward besides the states, time-major [T, N, B, width in hidden units] so that a
# step's slice is contiguous: GRU σ(r, z), n and the recurrent product (its n part is r's factor); LSTM the
# cell state and its tanh (its activated gates stay in the projection, where they were computed).
GATE_PARTS = {"relu": {}, "tanh": {}, "gru": {"reset_update": 2, "new": 1, "recurrent": 3},
              "lstm": {"cells": 1, "tanh_cell": 1}}


def _project(run: LayerRun, layer_input, weight_ih, bias) -> tuple[torch.Tensor, torch.Tensor]:
    """Input part of every gate plus `bias`, time-major [T, N, B, width] (a step's slice is contiguous, so the
    step's product can add into it in place), and the input as [N, T·B, ·] (letters: their indices [N, T·B]).
    A letter's row of the weights is gathered, not multiplied by a one-hot vector: the same sums (w + b),
    without a product over the alphabet."""
    n, steps, batch = layer_input.shape[:3]
    width = weight_ih.shape[2]
    projected = run.buffer("projected", (steps, n, batch, width), weight_ih)
    if layer_input.dtype == torch.int64:
        offsets = torch.arange(n, device=layer_input.device)[:, None, None] * weight_ih.shape[1]
        rows = (layer_input + offsets).transpose(0, 1).reshape(-1)
        torch.index_select(weight_ih.reshape(-1, width), 0, rows, out=projected.view(-1, width))
        projected.add_(bias)
        return projected, layer_input.reshape(n, steps * batch)
    layer_input = layer_input.reshape(n, steps * batch, -1)
    by_network = torch.baddbmm(bias, layer_input, weight_ih, out=run.buffer("by_network", (n, steps * batch, width),
                                                                            weight_ih))
    projected.copy_(by_network.view(n, steps, batch, width).transpose(0, 1))
    return projected, layer_input


def _input_weight_grad(run: LayerRun, flat_input, flat_grads, alphabet: int) -> torch.Tensor:
    """Gradient of the input weights [N, inputs, width]. For letters it is one product with their one-hot rows,
    which sums in a fixed order and beats index_add (a scatter) on the CPU."""
    if flat_input.dtype == torch.int64:
        one_hot = run.buffer("one_hot", (*flat_input.shape, alphabet), flat_grads).zero_()
        flat_input = one_hot.scatter_(2, flat_input[..., None], 1.0)
    return torch.bmm(flat_input.transpose(1, 2), flat_grads)


def _forward_steps(run: LayerRun, projected, weight_hh, recurrent_bias):
    """The layer's states [N, T, B, H] and what backward needs by name (GATE_PARTS). The projection holds the
    recurrent bias but GRU's n part, so the step's product adds straight into it; GRU's recurrent product
    starts from `recurrent_bias` [N, 1, 3H] (b_hn in the n part, zero in r and z)."""
    steps, n, batch, _ = projected.shape
    hidden = weight_hh.shape[1]
    states = run.buffer("states", (n, steps, batch, hidden), projected)
    gates = {part: run.buffer(part, (steps, n, batch, units * hidden), projected)
             for part, units in GATE_PARTS[run.rnn].items()}
    if run.rnn == "lstm":
        gates["gates"] = projected
    start = projected.new_zeros(n, batch, hidden)
    for step, m in enumerate(run.actives()):
        h = states[:m, step - 1] if step else start[:m]
        at = {part: gate[step, :m] for part, gate in gates.items()}
        out, pre = states[:m, step], projected[step, :m]
        if run.rnn == "gru":
            torch.baddbmm(recurrent_bias[:m], h, weight_hh[:m], out=at["recurrent"])
            _gru_forward(pre, h, at, out, hidden)
        else:
            pre.baddbmm_(h, weight_hh[:m])
            if run.rnn == "lstm":
                c = gates["cells"][step - 1, :m] if step else start[:m]
                _lstm_forward(c, at, out, hidden, None if run.padding is None else run.padding[:m])
            elif run.rnn == "relu":
                torch.clamp_min(pre, 0.0, out=out)
            else:
                tanh_into(pre, out)
        if run.padding is not None:   # padded units stay exactly zero, whatever the real units overflow to
            out.masked_fill_(run.padding[:m], 0.0)
    for i, length in enumerate(run.lengths):   # an ended word keeps its state
        states[i, length:] = states[i, length - 1]
    return states, gates


NUMPY_FLOATS = (torch.float32, torch.float64)   # the dtypes tanh_into hands to NumPy


def tanh_into(values: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """tanh of `values` into `out` (default: in place). On the CPU through NumPy: its SIMD tanh is within 1 ulp
    of PyTorch's and several times faster there (docs/performance.md, group training)."""
    out = values if out is None else out
    if values.device.type == "cpu" and values.dtype in NUMPY_FLOATS and not values.requires_grad:
        np.tanh(values.numpy(), out=out.numpy())
        return out
    return torch.tanh(values, out=out)


def _gru_parts(units, hidden):
    """The r and z parts side by side, and the n part (PyTorch's gate order), of GRU gate units [..., 3·hidden],
    as views."""
    return units[..., :2 * hidden], units[..., 2 * hidden:]


def _gru_forward(p, h, at, out, hidden):
    """PyTorch's GRU cell h' = n + z·(h − n) (a lerp), n = tanh(p_n + r·hh_n), r, z = σ(p + hh), into `out`."""
    reset_update = at["reset_update"]
    (p_reset_update, p_new), (hh_reset_update, hh_new) = _gru_parts(p, hidden), _gru_parts(at["recurrent"], hidden)
    torch.add(p_reset_update, hh_reset_update, out=reset_update).sigmoid_()
    tanh_into(torch.addcmul(p_new, reset_update[..., :hidden], hh_new, out=at["new"]))
    torch.lerp(at["new"], h, reset_update[..., hidden:], out=out)


def _lstm_parts(gates, hidden):
    """The i, f, g, o parts (PyTorch's gate order) of LSTM gate units [..., 4·hidden], as views."""
    return tuple(gates[..., k * hidden:(k + 1) * hidden] for k in range(4))


def _lstm_forward(c, at, out, hidden, padding):
    """PyTorch's LSTM cell c' = f·c + i·g, h' = o·tanh(c'), from the pre-activations in at["gates"] (activated
    in place) into at["cells"] and `out`."""
    gates, new_c = at["gates"], at["cells"]
    input_gate, forget_gate, cell_gate, output_gate = _lstm_parts(gates, hidden)
    gates[..., :2 * hidden].sigmoid_()
    tanh_into(cell_gate)
    output_gate.sigmoid_()
    torch.mul(forget_gate, c, out=new_c).addcmul_(input_gate, cell_gate)
    if padding is not None:
        new_c.masked_fill_(padding, 0.0)
    torch.mul(output_gate, tanh_into(new_c, at["tanh_cell"]), out=out)


class StackedLayer(torch.autograd.Function):
    """States [N, T, B, H] and final states [N, B, H] (each at its word's last letter) of one layer."""

    @staticmethod
    def forward(ctx, layer_input, weight_ih, bias_ih, weight_hh, bias_hh, run: LayerRun):
        # A recurrent bias only adds to the pre-activation, so it joins the input's; but GRU's n part, which sits
        # inside r·(hh_n + b_hn).
        bias, recurrent_bias = bias_ih + bias_hh, None
        if run.rnn == "gru":
            hidden = weight_hh.shape[1]
            recurrent_bias = torch.zeros_like(bias_hh)
            _gru_parts(recurrent_bias, hidden)[1].copy_(_gru_parts(bias_hh, hidden)[1])
            _gru_parts(bias, hidden)[1].copy_(_gru_parts(bias_ih, hidden)[1])
        projected, flat_input = _project(run, layer_input, weight_ih, bias)
        states, gates = _forward_steps(run, projected, weight_hh, recurrent_bias)
        ctx.run, ctx.gates, ctx.needs_input = run, gates, layer_input.dtype != torch.int64
        ctx.save_for_backward(flat_input, weight_ih, weight_hh, states)
        ctx.set_materialize_grads(False)
        final = states[:, -1]   # every network keeps its last letter's state up to step T − 1
        return states, final

    @staticmethod
    def backward(ctx, state_grads, final_grads):
        flat_input, weight_ih, weight_hh, states = ctx.saved_tensors
        run = ctx.run
        projected_grads, hh_grads = _backward_steps(run, state_grads, final_grads, weight_hh, states, ctx.gates)
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
            bias_ih_grad = flat_grads.sum(dim=1, keepdim=True)
        else:   # every position has one letter, so the one-hot product's rows sum to the positions' sum
            bias_ih_grad = weight_ih_grad.sum(dim=1, keepdim=True)
        bias_hh_grad = bias_ih_grad.clone()   # the same pre-activations, but for GRU's n part
        if run.rnn == "gru":
            _gru_parts(bias_hh_grad, hidden)[1].copy_(_gru_parts(hh_grads, hidden)[1].sum(dim=(1, 2))[:, None])
        return input_grad, weight_ih_grad, bias_ih_grad, weight_hh_grad, bias_hh_grad, None


def _backward_steps(run: LayerRun, state_grads, final_grads, weight_hh, states, gates):
    """Gradients of the pre-activations, input part [N, T, B, width] and recurrent part (they differ for GRU)."""
    n, steps, batch, hidden = states.shape
    width = weight_hh.shape[2]
    projected_grads = run.buffer("projected_grads", (n, steps, batch, width), states)
    hh_grads = projected_grads if run.rnn != "gru" else run.buffer("hh_grads", (n, steps, batch, width), states)
    for i, length in enumerate(run.lengths):   # steps after a word's end: no gradient
        projected_grads[i, length:] = 0.0
        hh_grads[i, length:] = 0.0
    weight_t = weight_hh.transpose(1, 2).contiguous()   # a contiguous operand: about a tenth off each product
    carried = states.new_zeros(n, batch, hidden)
    carried_c = states.new_zeros(n, batch, hidden) if run.rnn == "lstm" else None
    zero = states.new_zeros(())
    ending = _ending_grads(run.lengths, state_grads, final_grads)
    for step, m in reversed(list(enumerate(run.actives()))):
        for i in ending.get(step, ()):
            carried[i] += ending[step][i]
        grad = carried[:m] if state_grads is None else carried[:m] + state_grads[:m, step]
        if run.padding is not None:
            grad = grad.masked_fill(run.padding[:m], 0.0)
        at = {part: gate[step, :m] for part, gate in gates.items()}
        pre_grad, hh_grad = projected_grads[:m, step], hh_grads[:m, step]
        direct = None
        if run.rnn == "relu":
            torch.ops.aten.threshold_backward.grad_input(grad, states[:m, step], 0.0, grad_input=pre_grad)
        elif run.rnn == "tanh":
            _tanh_backward(grad, states[:m, step], pre_grad)
        elif run.rnn == "gru":
            previous = states[:m, step - 1] if step else zero.expand(m, batch, hidden)
            direct = _gru_backward(grad, previous, at, pre_grad, hh_grad, hidden)
        else:
            previous_c = gates["cells"][step - 1, :m] if step else zero.expand(m, batch, hidden)
            grad_c = carried_c[:m] if run.padding is None else carried_c[:m].masked_fill(run.padding[:m], 0.0)
            _lstm_backward(grad, grad_c, previous_c, at, pre_grad, carried_c[:m], hidden)
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


def _sigmoid_backward(grad, output, into) -> None:
    """grad·y·(1 − y) into `into` (which may be grad), for y = σ(x)."""
    torch.ops.aten.sigmoid_backward.grad_input(grad, output, grad_input=into)


def _tanh_backward(grad, output, into) -> None:
    """grad·(1 − y²) into `into` (which may be grad), for y = tanh(x)."""
    torch.ops.aten.tanh_backward.grad_input(grad, output, grad_input=into)


def _gru_backward(grad, previous, at, pre_grad, hh_grad, hidden):
    """One GRU step back: fills the input and recurrent pre-activation gradients; returns the gradient that
    reaches h directly (through z·h)."""
    reset_update, new, recurrent = at["reset_update"], at["new"], at["recurrent"]
    grad_reset_update, grad_new = _gru_parts(pre_grad, hidden)
    hh_grad_reset_update, hh_grad_new = _gru_parts(hh_grad, hidden)
    direct = torch.mul(grad, reset_update[..., hidden:])
    _tanh_backward(torch.sub(grad, direct), new, grad_new)   # through n: grad·(1 − z)
    torch.mul(grad_new, _gru_parts(recurrent, hidden)[1], out=grad_reset_update[..., :hidden])   # through r
    torch.sub(previous, new, out=grad_reset_update[..., hidden:]).mul_(grad)   # through z
    _sigmoid_backward(grad_reset_update, reset_update, grad_reset_update)
    hh_grad_reset_update.copy_(grad_reset_update)
    torch.mul(grad_new, reset_update[..., :hidden], out=hh_grad_new)
    return direct


def _lstm_backward(grad, grad_c, previous_c, at, pre_grad, carried_c, hidden):
    """One LSTM step back: fills the pre-activation gradient (input and recurrent alike) and `carried_c`, the
    gradient reaching the previous cell state (grad_c, which may be a view of it, is read before)."""
    gates, tanh_c = at["gates"], at["tanh_cell"]
    input_gate, forget_gate, cell_gate, output_gate = _lstm_parts(gates, hidden)
    grad_input, grad_forget, grad_cell, grad_output = _lstm_parts(pre_grad, hidden)
    through_h = torch.mul(grad, output_gate)
    _tanh_backward(through_h, tanh_c, through_h)
    grad_c = through_h.add_(grad_c)
    torch.mul(grad_c, cell_gate, out=grad_input)
    torch.mul(grad_c, previous_c, out=grad_forget)
    torch.mul(grad_c, input_gate, out=grad_cell)
    torch.mul(grad, tanh_c, out=grad_output)
    input_forget = pre_grad[..., :2 * hidden]   # i and f side by side: one sigmoid backward for both
    _sigmoid_backward(input_forget, gates[..., :2 * hidden], input_forget)
    _tanh_backward(grad_cell, cell_gate, grad_cell)
    _sigmoid_backward(grad_output, output_gate, grad_output)
    torch.mul(grad_c, forget_gate, out=carried_c)
