"""Correct-by-construction Elman networks: relu or tanh, one or two layers, from an automaton's transition arrays
(docs/faithfulness.md, Correct-by-construction networks). In the spirit of the paper's `Aut2RNNOneLayer.py` and
`Aut2RNNTwoLayer*.py`, but started from the zero state, as every network of this project is.

Layer 1 has one unit per (source state p, letter a), unit p·|Σ| + a; after a non-empty prefix exactly one unit is
on, the (p, a) of the last step, and every other unit is off. It determines the current state δ(p, a) and the
output after the step (for a Mealy machine too). The pre-activation of unit (p', a') is

    s · (T_p'(h) + x_a' − 1.5),   T_p'(h) = [the code h is in state p']   (at the zero start vector: [p' = q0])

so the unit whose state is reached and whose letter was read gets +s/2 and every other −s/2 or less. T_p' is an
affine function of h that takes these values on the codes and on the zero vector (`_reading`): for relu the
codes are 0 and s/2; for tanh they are ±1, where exactly one unit is +1, so the sum of h is 2 − H on every code
and 0 at the start, which makes room for the start's value (H ≥ 3 units: a tiny automaton gets a spare unit that
is always off). Layer 2 (two layers) has one unit per (state, output) pair, on when the current state and output
are its own (pre-activation ±s/2 from layer 1's code); its other units are always off. The read-out reads the last
layer: logit of class c is s·[the code's output is c], and at the zero vector s·[c is the initial state's output].

Why it is exact. relu: every value is a small multiple of s/2 (s is rounded to 16 significant bits), so float32
and float64 compute them without rounding and the step maps a code to the next code exactly. tanh: if every unit
is within ε of its code (±1), a pre-activation is within ‖W row‖₁·ε of its exact value, whose size is at least s/2;
when 1 − tanh(s/2 − ‖W row‖₁·ε) ≤ ε the next state is again within ε, so by induction the class is right after
words of every length (tests/test_constructed_networks.py checks this bound for the default s on every registry
language). Noise: Gaussian σ on every weight and bias, drawn from the seed in parameter order.
"""
import math
from dataclasses import dataclass

import numpy as np
import torch

from stateclusters.base.catalogue import check_construction
from stateclusters.networks.recurrent import NetworkConfig, RecurrentClassifier

MIN_UNITS = 3            # the tanh reading needs H ≥ 3 (see the module docstring)
SIGNIFICANT_BITS = 16    # relu's saturation is rounded to this many bits, so its sums are exact in float32


@dataclass(frozen=True)
class TransitionArrays:
    """An automaton as integer arrays: what a construction needs, free of AALpy (automata/tables.py makes them)."""
    next_state: np.ndarray          # (n_states, n_letters): the state after the letter
    output_after: np.ndarray        # (n_states, n_letters): the class index after that step
    initial_state: int
    initial_output: int | None      # the class index of the empty word; None when there is none (Mealy)

    @property
    def hidden_size(self) -> int:
        return max(self.next_state.size, MIN_UNITS)


def exact_saturation(saturation: float) -> float:
    """The saturation rounded to SIGNIFICANT_BITS bits: multiples of s/2 up to 4s are then exact in float32."""
    mantissa, exponent = math.frexp(float(saturation))
    return math.ldexp(round(mantissa * 2 ** SIGNIFICANT_BITS) / 2 ** SIGNIFICANT_BITS, exponent)


def _reading(values: np.ndarray, at_start: float, rnn: str, saturation: float) -> tuple[np.ndarray, float]:
    """(w, b) with w·code_u + b = values[u] for every unit u's code and b = at_start (the zero vector).

    relu codes: s/2 on unit u, 0 elsewhere. tanh codes: +1 on u, −1 elsewhere; with G = values − at_start,
    2·w_u − Σw = G_u for all u gives Σw = ΣG / (2 − H) and w_u = (G_u + Σw) / 2.
    """
    gaps = values - at_start
    if rnn == "relu":
        return gaps / (saturation / 2), at_start
    total = gaps.sum() / (2 - len(gaps))
    return (gaps + total) / 2, at_start


def _first_layer(arrays: TransitionArrays, rnn: str, saturation: float):
    """(W_ih, W_hh, bias) of layer 1: the step from one (p, a) code to the next."""
    n_states, n_letters = arrays.next_state.shape
    units = arrays.hidden_size
    reached = np.full(units, -1)
    reached[:arrays.next_state.size] = arrays.next_state.reshape(-1)   # unit p·|Σ| + a reaches δ(p, a)
    from_input, recurrent, bias = np.zeros((units, n_letters)), np.zeros((units, units)), np.full(units, -0.5)
    for state in range(n_states):
        weights, offset = _reading((reached == state).astype(float), float(state == arrays.initial_state), rnn,
                                   saturation)
        for letter in range(n_letters):
            unit = state * n_letters + letter
            recurrent[unit], bias[unit], from_input[unit, letter] = weights, offset - 1.5, 1.0
    return saturation * from_input, saturation * recurrent, saturation * bias


def _groups(arrays: TransitionArrays) -> tuple[np.ndarray, np.ndarray]:
    """Layer 2's unit of each layer-1 unit (its distinct (state reached, output) pair; −1 for spare units), and
    each layer-2 unit's class."""
    pairs = list(zip(arrays.next_state.reshape(-1).tolist(), arrays.output_after.reshape(-1).tolist()))
    distinct = sorted(set(pairs))
    group = np.full(arrays.hidden_size, -1)
    group[:len(pairs)] = [distinct.index(pair) for pair in pairs]
    classes = np.full(arrays.hidden_size, -1)
    classes[:len(distinct)] = [output for _, output in distinct]
    return group, classes


def _second_layer(arrays: TransitionArrays, rnn: str, saturation: float, group: np.ndarray):
    """(W_ih, W_hh, bias) of layer 2: unit k on when layer 1's code is in group k (a layer-2 unit is never 0
    from the start: layer 1 has always read a letter, so any start value serves)."""
    units = arrays.hidden_size
    from_layer1, bias = np.zeros((units, units)), np.full(units, -0.5)
    for unit in range(group.max() + 1):
        from_layer1[unit], offset = _reading((group == unit).astype(float), 0.0, rnn, saturation)
        bias[unit] = offset - 0.5
    return saturation * from_layer1, np.zeros((units, units)), saturation * bias


def _readout(arrays: TransitionArrays, rnn: str, saturation: float, unit_classes: np.ndarray, n_classes: int):
    """(weight, bias) of the read-out: s on the class of the last layer's code, s on the initial output at zero."""
    weight, bias = np.zeros((n_classes, len(unit_classes))), np.zeros(n_classes)
    for output in range(n_classes):
        weights, offset = _reading((unit_classes == output).astype(float),
                                   float(arrays.initial_output == output), rnn, saturation)
        weight[output], bias[output] = weights, offset
    return saturation * weight, saturation * bias


def constructed_network(arrays: TransitionArrays, input_alphabet, output_classes, rnn: str = "relu",
                        layers: int = 1, saturation: float = 10.0, noise: float = 0.0,
                        seed: int = 0) -> RecurrentClassifier:
    """The network that computes the automaton of `arrays` (see the module docstring), with Gaussian noise of σ
    `noise` on every parameter, drawn from `seed`. Refuses (UserError) what check_construction refuses."""
    check_construction(rnn, layers, saturation, noise)
    if rnn == "relu":
        saturation = exact_saturation(saturation)
    config = NetworkConfig(rnn=rnn, input_alphabet=tuple(input_alphabet), output_classes=tuple(output_classes),
                           hidden_size=arrays.hidden_size, num_layers=layers)
    model = RecurrentClassifier(config)
    weights = [_first_layer(arrays, rnn, saturation)]
    unit_classes = np.full(arrays.hidden_size, -1)
    unit_classes[:arrays.output_after.size] = arrays.output_after.reshape(-1)
    if layers == 2:
        group, unit_classes = _groups(arrays)
        weights.append(_second_layer(arrays, rnn, saturation, group))
    values = {}
    for depth, (from_input, recurrent, bias) in enumerate(weights):
        values.update({f"layers.{depth}.weight_ih_l0": from_input, f"layers.{depth}.weight_hh_l0": recurrent,
                       f"layers.{depth}.bias_ih_l0": bias, f"layers.{depth}.bias_hh_l0": np.zeros_like(bias)})
    values["readout.weight"], values["readout.bias"] = _readout(arrays, rnn, saturation, unit_classes,
                                                                len(output_classes))
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            value = values[name] + (rng.normal(0.0, noise, size=parameter.shape) if noise > 0 else 0.0)
            parameter.copy_(torch.as_tensor(value, dtype=parameter.dtype))
    return model.eval()
