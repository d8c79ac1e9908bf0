"""What both faithfulness scores stand on: the suffix set S, the distinct prefixes of some words and the automaton
state each reaches, sampled pairs of prefixes, and the automaton's output from a state after each suffix.

A state is the AALpy state of a regular automaton, and for a PDA its configuration: the control state with the
whole stack (docs/faithfulness.md). Words are in the network's letters; the automaton reads their str.
A Mealy machine's output after a prefix is its last transition's, not its state's, so its S holds only the
non-empty suffixes, after which the output depends on the state alone.
"""
from dataclasses import dataclass
from itertools import product

import numpy as np

from stateclusters.automata import automaton_kind, input_alphabet
from stateclusters.base.errors import UserError
from stateclusters.words.runs import trace_words


def suffix_set(alphabet, suffix_limit: int, with_empty: bool = True) -> tuple[int, tuple[tuple, ...]]:
    """(k, S): S every word over the alphabet of length 0..k (1..k without the empty word), shortest first, k the
    largest with |S| ≤ the limit."""
    if not isinstance(suffix_limit, int) or suffix_limit < 1:
        raise UserError(f"the suffix limit must be a whole number ≥ 1 (S holds at least the empty word); "
                        f"got {suffix_limit!r}")
    length, size = 0, int(with_empty)
    while size + len(alphabet) ** (length + 1) <= suffix_limit:
        length, size = length + 1, size + len(alphabet) ** (length + 1)
    if size == 0:
        raise UserError(f"the suffix limit ({suffix_limit}) is below the {len(alphabet)} one-letter suffixes that "
                        f"S needs for a Mealy machine (whose S has no empty word)")
    suffixes = [suffix for n in range(1 - int(with_empty), length + 1)
                for suffix in product(tuple(alphabet), repeat=n)]
    return length, tuple(suffixes)


def automaton_suffix_set(automaton, alphabet, suffix_limit: int) -> tuple[int, tuple[tuple, ...]]:
    """suffix_set for this automaton: without the empty word for a Mealy machine (module docstring); None stands
    for an automaton still to be learned, a DFA or a Moore machine."""
    with_empty = automaton is None or automaton_kind(automaton) != "mealy"
    return suffix_set(alphabet, suffix_limit, with_empty=with_empty)


def suffix_parents(suffixes) -> np.ndarray:
    """The index in S of each suffix without its last letter, -1 where that is not in S (the empty word); S holds
    every non-empty prefix of its words."""
    index = {suffix: i for i, suffix in enumerate(suffixes)}
    return np.array([index.get(suffix[:-1], -1) if suffix else -1 for suffix in suffixes], dtype=np.int64)


def check_word_count(n_words: int, word_limit: int, what: str) -> None:
    """Refuse, before any work, a score that would send more words to the network than the limit."""
    if n_words > word_limit:
        raise UserError(f"{what} would classify {n_words:,} words, more than the limit of {word_limit:,}; "
                        f"lower the suffix limit or the pairs")


def check_count(value, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
        raise UserError(f"{name} must be a whole number ≥ 1; got {value!r}")
    return int(value)


@dataclass(frozen=True)
class PrefixStates:
    """The distinct non-empty prefixes of some words, in order of first appearance, and the state each reaches."""
    prefixes: tuple[tuple, ...]
    states: np.ndarray            # state index of each prefix; states are numbered in order of first appearance
    row_prefixes: np.ndarray      # prefix index of every letter occurrence of the words, in word order
    state_keys: tuple             # what each state index is: the AALpy state id, or (control state, stack)

    @property
    def n_states(self) -> int:
        return len(self.state_keys)

    def representatives(self, states) -> list[tuple]:
        """The first prefix reaching each of these states."""
        first = np.full(self.n_states, -1)
        first[self.states[::-1]] = np.arange(len(self.states))[::-1]
        return [self.prefixes[first[state]] for state in states]


def prefix_states(automaton, words) -> PrefixStates:
    """The distinct non-empty prefixes of the words and their states (PDAs: control state and whole stack)."""
    words = [tuple(word) for word in words if len(word)]
    keys = _pda_keys(automaton, words) if automaton_kind(automaton) == "pda" else _regular_keys(automaton, words)
    prefix_index, state_index, states, row_prefixes = {}, {}, [], []
    for word, word_keys in zip(words, keys):
        for length, key in enumerate(word_keys, start=1):
            prefix = word[:length]
            if prefix not in prefix_index:
                prefix_index[prefix] = len(prefix_index)
                states.append(state_index.setdefault(key, len(state_index)))
            row_prefixes.append(prefix_index[prefix])
    return PrefixStates(tuple(prefix_index), np.array(states, dtype=np.int64),
                        np.array(row_prefixes, dtype=np.int64), tuple(state_index))


def _regular_keys(automaton, words) -> list[list]:
    if not words:
        return []
    trace = trace_in_any_letters(automaton, words)
    return [trace.states[row, :len(word)].tolist() for row, word in enumerate(words)]


def _pda_keys(pda, words) -> list[list]:
    """Each prefix's control state and whole stack, stepping the PDA through each word once."""
    keys = []
    for word in words:
        pda.reset_to_initial()
        word_keys = []
        for letter in word:
            pda.step(str(letter))
            word_keys.append((pda.current_state.state_id, pda.stack))
        keys.append(word_keys)
    return keys


def trace_in_any_letters(automaton, words):
    """The automaton's PrefixTrace of non-empty words given in any letters whose str the automaton reads."""
    from stateclusters.networks.recurrent import padded_letters
    alphabet = tuple(sorted(map(str, input_alphabet(automaton))))
    index = {letter: i for i, letter in enumerate(alphabet)}
    try:
        letters, lengths = padded_letters([tuple(map(str, word)) for word in words], index)
    except KeyError as error:
        raise UserError(f"letter {error.args[0]!r} is not in the automaton's alphabet") from None
    return trace_words(automaton, letters, lengths, alphabet)


def state_outputs(automaton, reached: PrefixStates, states, suffixes) -> np.ndarray:
    """(len(states), |S|) str: the automaton's output after each suffix from each state, read after the state's
    first prefix followed by the suffix (a deterministic automaton's output after a suffix of S depends only on
    the state)."""
    words = [prefix + suffix for prefix in reached.representatives(states) for suffix in suffixes]
    if not words:
        return np.zeros((0, len(suffixes)), dtype=str)
    return trace_in_any_letters(automaton, words).final_outputs().reshape(len(states), len(suffixes))


@dataclass(frozen=True)
class PrefixPairs:
    """Sampled pairs of prefix indices: both in one state, and in two different states."""
    same_state: np.ndarray         # (n, 2)
    different_states: np.ndarray   # (n, 2)


def sample_pairs(states: np.ndarray, n_pairs: int, seed: int) -> PrefixPairs:
    """n_pairs draws of each kind, repeated pairs kept once (docs/faithfulness.md, Pairs).

    Same state: a state uniformly among those with two or more prefixes, then two of its prefixes uniformly.
    Different states: two states uniformly among those reached, then one prefix of each uniformly.
    """
    rng = np.random.default_rng(seed)
    members = [np.flatnonzero(states == state) for state in range(int(states.max(initial=-1)) + 1)]
    shared = [group for group in members if len(group) >= 2]
    same, different = {}, {}
    for _ in range(n_pairs if shared else 0):
        group = shared[rng.integers(len(shared))]
        first, second = rng.choice(group, size=2, replace=False)
        same.setdefault(frozenset((int(first), int(second))), (int(first), int(second)))
    for _ in range(n_pairs if len(members) >= 2 else 0):
        one, other = rng.choice(len(members), size=2, replace=False)
        first, second = members[one][rng.integers(len(members[one]))], members[other][rng.integers(len(members[other]))]
        different.setdefault(frozenset((int(first), int(second))), (int(first), int(second)))
    return PrefixPairs(_pair_array(same.values()), _pair_array(different.values()))


def _pair_array(pairs) -> np.ndarray:
    return np.array(list(pairs), dtype=np.int64).reshape(-1, 2)


def mean_of_group_means(values: np.ndarray, groups: list) -> float | None:
    """The mean over groups of each group's mean value (None without values)."""
    by_group = {}
    for value, group in zip(values.tolist(), groups):
        by_group.setdefault(group, []).append(value)
    return float(np.mean([np.mean(group_values) for group_values in by_group.values()])) if by_group else None
