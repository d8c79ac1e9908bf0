"""An Elman relu network whose weights are set by hand from a DFA or Moore machine, so that it is exactly right.

One hidden unit per (state q, letter a); after any non-empty prefix the hidden state is the one-hot code of
(the automaton's state, the last letter read). One layer cannot map (one-hot state, letter) to a one-hot
state alone, but (state, letter) pairs it can: the pre-activation of unit (q', a') is

    Σ_(q,a) [δ(q, a') = q'] · h_(q,a)  +  [δ(q0, a') = q'] · (1 − Σ h)  +  x_a'  −  1

where the (1 − Σ h) term stands in for the initial state while h is still zero. Exactly one unit, the
(δ(q, a), a) of the letter a just read, has pre-activation 1; all others are ≤ 0, which relu sets to 0.
The readout gives each unit's state output logit 1. Every unit of one state is pure in that state, so any
clustering that separates the one-hot codes has ambiguity 0.
"""
import numpy as np
import torch

from stateclusters.automata.tables import compile_table
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier


def state_outputs(table) -> np.ndarray:
    """The output class of each state; refuses tables whose output depends on more than the state reached."""
    outputs = np.full(len(table.state_ids), -1)
    for source in range(len(table.state_ids)):
        for letter in range(len(table.letters)):
            target, output = table.next_state[source, letter], table.output_after[source, letter]
            if outputs[target] not in (-1, output):
                raise ValueError("the output after a step depends on more than the state reached (Mealy)")
            outputs[target] = output
    return outputs


def handbuilt_network(automaton) -> RecurrentClassifier:
    """A relu RecurrentClassifier with hidden = |Q|·|Σ| that computes the automaton's output after every prefix."""
    table = compile_table(automaton)
    n_states, n_letters = len(table.state_ids), len(table.letters)
    model = RecurrentClassifier(network_config(automaton, "relu", n_states * n_letters))

    def unit(state, letter):
        return state * n_letters + letter

    def state_units(state):
        return slice(state * n_letters, (state + 1) * n_letters)

    recurrent, from_input, bias = (np.zeros((n_states * n_letters,) * 2), np.zeros((n_states * n_letters, n_letters)),
                                   np.full(n_states * n_letters, -1.0))
    for target in range(n_states):
        for letter in range(n_letters):
            from_initial = float(table.next_state[table.initial_state, letter] == target)
            recurrent[unit(target, letter)] = -from_initial
            bias[unit(target, letter)] += from_initial
            from_input[unit(target, letter), letter] = 1.0
            for source in range(n_states):
                if table.next_state[source, letter] == target:
                    recurrent[unit(target, letter), state_units(source)] += 1.0
    readout = np.zeros((len(table.output_classes), n_states * n_letters))
    for state, output in enumerate(state_outputs(table)):
        if output >= 0:
            readout[output, state_units(state)] = 1.0
    layer = model.layers[0]
    with torch.no_grad():
        for parameter, value in ((layer.weight_hh_l0, recurrent), (layer.weight_ih_l0, from_input),
                                 (layer.bias_ih_l0, bias), (layer.bias_hh_l0, np.zeros_like(bias)),
                                 (model.readout.weight, readout), (model.readout.bias, np.zeros(len(readout)))):
            parameter.copy_(torch.as_tensor(value, dtype=parameter.dtype))
    return model.eval()
