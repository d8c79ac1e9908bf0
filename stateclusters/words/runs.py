"""Run the ground-truth automaton over many words and record what it is after every prefix (docs/contract.md)."""
from dataclasses import dataclass

import numpy as np

from stateclusters.automata import is_context_free
from stateclusters.automata.pda import ERROR_STATE_ID, STACK_BOTTOM
from stateclusters.automata.tables import compile_table
from stateclusters.base.catalogue import LABELINGS, PDA_LABELINGS

STACK_SIZE_CAP = 3   # stack_size labels count the stack up to this height (docs/contract.md, Labelings)


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
        """One label per letter occurrence, in word order, for a labeling of docs/contract.md (Labelings)."""
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


@dataclass(frozen=True)
class PdaTable:
    """A PDA's rules as arrays over (control state, letter[, top symbol]); stack symbols are '$' then Σ."""
    state_ids: tuple[str, ...]
    symbols: tuple[str, ...]
    initial_state: int
    error_state: int
    accepting: np.ndarray      # (n_states,) bool
    guard_holds: np.ndarray    # (n_states, n_letters, n_symbols) bool: a rule exists and the top passes its guard
    n_popped: np.ndarray       # (n_states, n_letters)
    n_pushed: np.ndarray       # (n_states, n_letters)
    target: np.ndarray         # (n_states, n_letters)


def compile_pda(pda, alphabet) -> PdaTable:
    """Arrays for stepping many words at once; the same rules as Pda.step."""
    state_ids = tuple(state.state_id for state in pda.states)
    state_index = {state_id: i for i, state_id in enumerate(state_ids)}
    symbols = (STACK_BOTTOM,) + tuple(alphabet)
    shape = (len(state_ids), len(alphabet))
    guard_holds = np.zeros(shape + (len(symbols),), dtype=bool)
    n_popped, n_pushed = np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64)
    target = np.full(shape, state_index[ERROR_STATE_ID])
    for (source, letter), rule in pda.rules().items():
        s, a = state_index[source], alphabet.index(letter)
        guard_holds[s, a] = [rule.guard is None or symbol in rule.guard for symbol in symbols]
        n_popped[s, a], n_pushed[s, a], target[s, a] = rule.n_popped, rule.n_pushed, state_index[rule.target]
    accepting = np.array([state.is_accepting for state in pda.states])
    return PdaTable(state_ids, symbols, state_index[pda.initial_state.state_id], state_index[ERROR_STATE_ID],
                    accepting, guard_holds, n_popped, n_pushed, target)


def _trace_pda(pda, letters, lengths, alphabet) -> PrefixTrace:
    """All words at once, one step per position: the stack is a (word, depth) array of symbol indices."""
    table = compile_pda(pda, tuple(alphabet))
    n_words, max_length = letters.shape
    words = np.arange(n_words)
    stack = np.zeros((n_words, 2 * max_length + 1), dtype=np.int64)   # index 0 is '$'; at most 2 pushes a letter
    height = np.ones(n_words, dtype=np.int64)
    state = np.full(n_words, table.initial_state)
    states = np.empty((n_words, max_length), dtype=np.int64)
    heights = np.empty((n_words, max_length), dtype=np.int64)
    tops = np.empty((n_words, max_length), dtype=np.int64)
    for position in range(max_length):
        letter = letters[:, position]
        popped, pushed = table.n_popped[state, letter], table.n_pushed[state, letter]
        fires = table.guard_holds[state, letter, stack[words, height - 1]] & (height > popped)
        height = np.where(fires, height - popped, height)
        symbol = letter + 1                                  # stack symbol index of the letter
        for copy in range(2):
            push_here = fires & (pushed > copy)
            stack[words[push_here], height[push_here]] = symbol[push_here]
            height = height + push_here
        state = np.where(fires, table.target[state, letter], table.error_state)
        states[:, position], heights[:, position] = state, height
        tops[:, position] = stack[words, height - 1]
    accepted = table.accepting[states] & (heights == 1)
    return PrefixTrace(np.where(accepted, "True", "False"), np.asarray(table.state_ids)[states], lengths,
                       heights, np.asarray(table.symbols)[tops])
