"""The Myhill–Nerode scores of a network against an automaton (Vafa et al., NeurIPS 2024), exact for an acceptor.

Compression: do two prefixes in one state get the same class after every suffix of S? Distinction: for prefixes
in two states, the automaton's boundary (the suffixes of S telling the states apart while no proper prefix of
theirs does) against the network's. Definitions and sources: docs/faithfulness.md.
"""
from dataclasses import dataclass

import numpy as np

from stateclusters.adapters.adapter import Adapter, as_adapter
from stateclusters.base.catalogue import FAITHFULNESS_PAIRS, FAITHFULNESS_SUFFIX_LIMIT, FAITHFULNESS_WORD_LIMIT
from stateclusters.faithfulness.prefixes import (
    PrefixStates,
    automaton_suffix_set,
    check_count,
    check_word_count,
    mean_of_group_means,
    prefix_states,
    sample_pairs,
    state_outputs,
    suffix_parents,
)

CLASSIFY_CHUNK = 8192   # words per classify call: one batched call per chunk, never one word per call


@dataclass(frozen=True)
class MyhillNerodeScores:
    """The scores (shares in [0, 1]; None where no pair of that kind was found) and what they were computed on."""
    suffix_length: int
    suffixes: int
    compression: float | None
    distinction_precision: float | None
    distinction_recall: float | None
    compression_pairs: int
    distinction_pairs: int
    states: int            # states the prefixes reach


def myhill_nerode_scores(network, automaton, words, suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT,
                         pairs: int = FAITHFULNESS_PAIRS, seed: int = 0,
                         word_limit: int = FAITHFULNESS_WORD_LIMIT) -> MyhillNerodeScores:
    """Compression and distinction of the network's classes after the prefixes of `words`, over S."""
    adapter = as_adapter(network)
    pairs = check_count(pairs, "pairs")
    suffix_length, suffixes = checked_suffixes(automaton, adapter.alphabet, suffix_limit, pairs, word_limit)
    reached = prefix_states(automaton, words)
    sampled = sample_pairs(reached.states, pairs, seed)
    classes = PrefixClasses.of(adapter, reached, np.concatenate([sampled.same_state, sampled.different_states]),
                               suffixes)
    return MyhillNerodeScores(
        suffix_length, len(suffixes), compression(classes, reached, sampled.same_state),
        *distinction(classes, reached, sampled.different_states, automaton, suffixes),
        len(sampled.same_state), len(sampled.different_states), reached.n_states)


def checked_suffixes(automaton, alphabet, suffix_limit: int, pairs: int,
                     word_limit: int = FAITHFULNESS_WORD_LIMIT) -> tuple[int, tuple[tuple, ...]]:
    """(k, S) for the automaton (prefixes.automaton_suffix_set), refused before any work where the scores would
    send the network more words than the limit."""
    suffix_length, suffixes = automaton_suffix_set(automaton, alphabet, suffix_limit)
    check_word_count(4 * pairs * len(suffixes), word_limit, "the Myhill–Nerode scores")
    return suffix_length, suffixes


@dataclass(frozen=True)
class PrefixClasses:
    """The network's class after prefix · suffix for the prefixes of some pairs, one row per prefix."""
    rows: dict               # prefix index -> row of `classes`
    classes: np.ndarray      # (n_prefixes, |S|) str

    @classmethod
    def of(cls, adapter: Adapter, reached: PrefixStates, pairs: np.ndarray, suffixes) -> "PrefixClasses":
        used = np.unique(pairs).tolist()
        words = [reached.prefixes[prefix] + suffix for prefix in used for suffix in suffixes]
        labels = [adapter.classify(words[start:start + CLASSIFY_CHUNK])
                  for start in range(0, len(words), CLASSIFY_CHUNK)]
        flat = np.concatenate(labels) if labels else np.zeros(0, dtype=str)
        return cls({prefix: row for row, prefix in enumerate(used)}, flat.reshape(len(used), len(suffixes)))

    def of_pairs(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(n, |S|) classes after the first and after the second prefix of each pair."""
        return tuple(self.classes[[self.rows[prefix] for prefix in pairs[:, side].tolist()]] for side in (0, 1))


def compression(classes: PrefixClasses, reached: PrefixStates, pairs: np.ndarray) -> float | None:
    """Per state, the share of its pairs with the same class after every suffix; then the mean over states."""
    first, second = classes.of_pairs(pairs)
    same = (first == second).all(axis=1)
    return mean_of_group_means(same, reached.states[pairs[:, 0]].tolist())


def boundary(first: np.ndarray, second: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """(n, |S|) bool: the suffixes after which the two rows differ while after no proper prefix of theirs they do."""
    differ = first != second
    earlier = np.zeros_like(differ)   # some proper prefix differs; S is shortest first, so parents come first
    for column, parent in enumerate(parents.tolist()):
        if parent >= 0:
            earlier[:, column] = earlier[:, parent] | differ[:, parent]
    return differ & ~earlier


def distinction(classes: PrefixClasses, reached: PrefixStates, pairs: np.ndarray, automaton,
                suffixes) -> tuple[float | None, float | None]:
    """(precision, recall) per pair of prefixes in two states, averaged per pair of states, then over them."""
    parents = suffix_parents(suffixes)
    network_first, network_second = classes.of_pairs(pairs)
    first_states, second_states = reached.states[pairs[:, 0]], reached.states[pairs[:, 1]]
    needed = np.unique(np.concatenate([first_states, second_states]))
    outputs = state_outputs(automaton, reached, needed.tolist(), suffixes)
    automaton_first = outputs[np.searchsorted(needed, first_states)]
    automaton_second = outputs[np.searchsorted(needed, second_states)]
    automaton_boundary = boundary(automaton_first, automaton_second, parents)
    network_boundary = boundary(network_first, network_second, parents)
    # Recall: the automaton's boundary told apart in the same direction, i.e. both classes are the automaton's.
    recalled = automaton_boundary & (network_first == automaton_first) & (network_second == automaton_second)
    # Precision: the network's boundary where the automaton's outputs differ too.
    confirmed = network_boundary & (automaton_first != automaton_second)
    state_pairs = [tuple(sorted(pair)) for pair in zip(first_states.tolist(), second_states.tolist())]
    return (mean_of_group_means(_share(confirmed, network_boundary), state_pairs),
            mean_of_group_means(_share(recalled, automaton_boundary), state_pairs))


def _share(hits: np.ndarray, of: np.ndarray) -> np.ndarray:
    """Per row, hits / |of|; 1 where `of` is empty (Vafa et al.: an empty boundary is fully recalled/precise)."""
    sizes = of.sum(axis=1)
    return np.where(sizes > 0, hits.sum(axis=1) / np.maximum(sizes, 1), 1.0)
