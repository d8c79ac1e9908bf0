"""Integer transition tables of regular automata, for stepping many words at once with numpy."""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TransitionTable:
    """A complete DFA, Moore or Mealy machine as arrays; letters and outputs sorted by str."""
    state_ids: tuple[str, ...]
    letters: tuple[str, ...]
    output_classes: tuple[str, ...]
    initial_state: int
    next_state: np.ndarray      # (n_states, n_letters) -> state index
    output_after: np.ndarray    # (n_states, n_letters) -> output class index after that step


def _output_of_step(automaton, state, letter) -> str:
    if hasattr(state, "output_fun"):        # Mealy: the transition's output
        return str(state.output_fun[letter])
    target = state.transitions[letter]
    if hasattr(target, "is_accepting"):     # DFA: accepted after the step?
        return str(target.is_accepting)
    return str(target.output)               # Moore: the reached state's output


def compile_table(automaton) -> TransitionTable:
    """Arrays for an AALpy DFA, Moore or Mealy machine (complete, str letters)."""
    states = list(automaton.states)
    letters = sorted(automaton.get_input_alphabet(), key=str)
    index_of_state = {id(state): i for i, state in enumerate(states)}
    outputs = [[_output_of_step(automaton, state, letter) for letter in letters] for state in states]
    output_classes = sorted({output for row in outputs for output in row})
    class_index = {output: i for i, output in enumerate(output_classes)}
    next_state = np.array([[index_of_state[id(state.transitions[letter])] for letter in letters]
                           for state in states], dtype=np.int64).reshape(len(states), len(letters))
    output_after = np.array([[class_index[output] for output in row] for row in outputs],
                            dtype=np.int64).reshape(len(states), len(letters))
    return TransitionTable(tuple(str(state.state_id) for state in states), tuple(str(letter) for letter in letters),
                           tuple(output_classes), index_of_state[id(automaton.initial_state)],
                           next_state, output_after)
