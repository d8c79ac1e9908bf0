"""Run the ground-truth automaton over many words and record what it is after every prefix (SPEC §2, §5)."""
from dataclasses import dataclass

import numpy as np

from automata import is_context_free
from automata.tables import compile_table

LABELINGS = ("regular", "stackless", "stack_size", "top_of_stack")
PDA_LABELINGS = ("stackless", "stack_size", "top_of_stack")
STACK_SIZE_CAP = 3


@dataclass(frozen=True)
class PrefixTrace:
    """Per word and position (padded like the letters): output and state after that prefix."""
    outputs: np.ndarray        # (n_words, max_length) str
    states: np.ndarray         # (n_words, max_length) str control-state id
    lengths: np.ndarray
    stack_heights: np.ndarray | None = None   # PDAs: stack height including '$'
    stack_tops: np.ndarray | None = None      # PDAs: top stack symbol

    def valid(self) -> np.ndarray:
        """Mask of the positions inside their word; row-major order is word order."""
        return np.arange(self.outputs.shape[1])[None, :] < self.lengths[:, None]

    def final_outputs(self) -> np.ndarray:
        return self.outputs[np.arange(len(self.lengths)), self.lengths - 1]

    def state_labels(self, labeling: str) -> np.ndarray:
        """One label per letter occurrence, in word order, for a SPEC §5 labeling."""
        mask = self.valid()
        states = self.states[mask]
        if labeling in ("regular", "stackless"):
            return states
        if labeling == "stack_size":
            heights = np.minimum(self.stack_heights[mask], STACK_SIZE_CAP).astype(str)
            return np.char.add(np.char.add(states, "|"), heights)
        if labeling == "top_of_stack":
            return np.char.add(np.char.add(states, "|"), self.stack_tops[mask])
        raise ValueError(f"unknown labeling '{labeling}'; valid: {', '.join(LABELINGS)}")


def labelings_for(automaton) -> tuple[str, ...]:
    return PDA_LABELINGS if is_context_free(automaton) else ("regular",)


def trace_words(automaton, letters: np.ndarray, lengths: np.ndarray, alphabet) -> PrefixTrace:
    """The automaton's output and state after every prefix of every word."""
    if is_context_free(automaton):
        return _trace_pda(automaton, letters, lengths, alphabet)
    return _trace_regular(automaton, letters, lengths, alphabet)


def _trace_regular(automaton, letters, lengths, alphabet) -> PrefixTrace:
    table = compile_table(automaton)
    if tuple(table.letters) != tuple(alphabet):
        raise ValueError(f"alphabet {alphabet} does not match the automaton's {table.letters}")
    n_words, max_length = letters.shape
    state_index = np.full(n_words, table.initial_state)
    states = np.empty((n_words, max_length), dtype=np.int64)
    outputs = np.empty((n_words, max_length), dtype=np.int64)
    # Vectorized over words, one step per position: positions past a word's end are masked later.
    for position in range(max_length):
        column = letters[:, position]
        outputs[:, position] = table.output_after[state_index, column]
        state_index = table.next_state[state_index, column]
        states[:, position] = state_index
    return PrefixTrace(np.asarray(table.output_classes)[outputs], np.asarray(table.state_ids)[states], lengths)


def _trace_pda(pda, letters, lengths, alphabet) -> PrefixTrace:
    n_words, max_length = letters.shape
    outputs = np.full((n_words, max_length), "", dtype=object)
    states = np.full((n_words, max_length), "", dtype=object)
    heights = np.zeros((n_words, max_length), dtype=np.int64)
    tops = np.full((n_words, max_length), "", dtype=object)
    for w in range(n_words):
        pda.reset_to_initial()
        for position in range(lengths[w]):
            outputs[w, position] = str(pda.step(alphabet[letters[w, position]]))
            states[w, position] = pda.current_state.state_id
            stack = pda.stack
            heights[w, position] = len(stack)
            tops[w, position] = stack[-1]
    return PrefixTrace(outputs.astype(str), states.astype(str), lengths, heights, tops.astype(str))
