"""A learner's hypothesis frozen as arrays: what the oracle tests, and what learning returns when a budget stops it.

AALpy's KV changes its hypothesis' states in place while it learns the next one, so a hypothesis kept from an
earlier round can point at states it does not list. A HypothesisTable is a complete copy taken when the
hypothesis is made: every transition leads to one of its states.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HypothesisTable:
    """A complete DFA or Moore machine: each state's output (str) and access word, and its transitions."""
    automaton_type: str                 # 'dfa' or 'moore'
    letters: tuple[str, ...]
    outputs: tuple[str, ...]            # the output (str) of each state; a DFA's is 'True' or 'False'
    access_words: tuple[tuple, ...]     # a word that reaches each state
    next_state: np.ndarray              # (states, letters) -> state
    initial: int = 0

    @property
    def n_states(self) -> int:
        return len(self.outputs)

    def letter_indices(self, words) -> tuple[np.ndarray, np.ndarray]:
        """Padded letter indices of words (letter names) and their lengths."""
        index = {letter: i for i, letter in enumerate(self.letters)}
        lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
        letters = np.zeros((len(words), max(1, int(lengths.max(initial=0)))), dtype=np.int64)
        for row, word in enumerate(words):
            letters[row, :len(word)] = [index[letter] for letter in word]
        return letters, lengths

    def states_after(self, words) -> np.ndarray:
        """The state reached by each word."""
        letters, lengths = self.letter_indices(words)
        states = np.full(len(words), self.initial)
        for position in range(letters.shape[1]):
            going = position < lengths
            states[going] = self.next_state[states[going], letters[going, position]]
        return states

    def outputs_after(self, words) -> np.ndarray:
        """The output (str) after each word."""
        return np.asarray(self.outputs, dtype=object)[self.states_after(words)].astype(str) if len(words) \
            else np.array([], dtype=str)

    def to_automaton(self):
        """An AALpy Dfa or MooreMachine with the same states, outputs and transitions."""
        from aalpy.automata import Dfa, DfaState, MooreMachine, MooreState
        if self.automaton_type == "dfa":
            states = [DfaState(f"s{i}", output == "True") for i, output in enumerate(self.outputs)]
        else:
            states = [MooreState(f"s{i}", output) for i, output in enumerate(self.outputs)]
        for state, access, targets in zip(states, self.access_words, self.next_state.tolist()):
            state.prefix = access
            state.transitions.update({letter: states[target] for letter, target in zip(self.letters, targets)})
        machine = (Dfa if self.automaton_type == "dfa" else MooreMachine)(states[self.initial], states)
        return machine


def freeze(hypothesis, automaton_type: str, letters) -> HypothesisTable:
    """A HypothesisTable of an AALpy DFA or Moore hypothesis whose states carry their access word (`prefix`)."""
    states = list(hypothesis.states)
    number = {id(state): i for i, state in enumerate(states)}
    next_state = np.array([[number[id(state.transitions[letter])] for letter in letters] for state in states],
                          dtype=np.int64).reshape(len(states), len(letters))
    outputs = tuple(str(state.is_accepting if automaton_type == "dfa" else state.output) for state in states)
    return HypothesisTable(automaton_type, tuple(letters), outputs, tuple(tuple(state.prefix) for state in states),
                           next_state, number[id(hypothesis.initial_state)])
