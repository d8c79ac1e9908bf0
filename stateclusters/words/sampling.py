"""Seeded words and labels, and the random words of the conformance test (docs/contract.md, Words, Accuracy)."""
import itertools
from dataclasses import dataclass
from itertools import chain, zip_longest

import numpy as np

from stateclusters.automata import input_alphabet, is_context_free
from stateclusters.automata.tables import compile_table
from stateclusters.base.catalogue import (
    CONFORMANCE_LENGTHS,
    CONFORMANCE_WORDS,
    MAX_TRAINING_LENGTH,
    TRAINING_WORDS,
    VALIDATION_WORDS,
)
from stateclusters.protocol import Protocol
from stateclusters.words.runs import trace_words

# Independent draws from one network's seed: [seed, stream] seeds numpy's generator.
TRAINING_STREAM, VALIDATION_STREAM, LENGTH_GENERALISATION_STREAM = 0, 1, 2
POOL_FACTOR = 4   # a PDA's length-generalisation words: candidates drawn per kept word, for the rare end states
FAVOURED_SHARE = 0.75   # a PDA's words: the chance that a letter is drawn from the favoured ones
SPEC_PROTOCOL = Protocol.spec()


@dataclass(frozen=True)
class WordSet:
    """Words as a padded letter-index array, with lengths and the label of each whole word."""
    letters: np.ndarray   # (n_words, max_length) letter indices into alphabet, 0 past a word's end
    lengths: np.ndarray   # (n_words,)
    labels: np.ndarray    # (n_words,) str: the automaton's output after the last letter
    alphabet: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.lengths)

    def word(self, i: int) -> tuple[str, ...]:
        return tuple(self.alphabet[letter] for letter in self.letters[i, :self.lengths[i]])


def words_per_length(n_words: int, alphabet_size: int, max_length: int = MAX_TRAINING_LENGTH,
                     rule: str = "distinct") -> dict[int, int]:
    """Length l gets ⌊N·l/Σl⌋+1 words, capped at |Σ|^l with the surplus spread over the other lengths.

    rule "distinct" spreads until every length fits (no length gets more words than it has); rule "paper"
    spreads the surplus once, evenly over the lengths that had room, which may then hold duplicates.
    """
    total_weight = max_length * (max_length + 1) // 2
    counts = {length: n_words * length // total_weight + 1 for length in range(1, max_length + 1)}
    capacity = {length: alphabet_size ** length for length in counts}
    if rule == "paper":
        return _paper_words_per_length(counts, capacity)
    surplus = 0
    while True:
        for length in counts:
            if counts[length] > capacity[length]:
                surplus += counts[length] - capacity[length]
                counts[length] = capacity[length]
        open_lengths = [length for length in counts if counts[length] < capacity[length]]
        if surplus == 0 or not open_lengths:
            return counts
        share, remainder = divmod(surplus, len(open_lengths))
        # Longer lengths take the remainder: they have the most room.
        for rank, length in enumerate(reversed(open_lengths)):
            counts[length] += share + (1 if rank < remainder else 0)
        surplus = 0


def _paper_words_per_length(counts: dict[int, int], capacity: dict[int, int]) -> dict[int, int]:
    # The paper's rule; the remainder of an uneven share is dropped (binary alphabets divide evenly).
    full = [length for length in counts if counts[length] >= capacity[length]]
    open_lengths = [length for length in counts if length not in full]
    surplus = sum(counts[length] - capacity[length] for length in full)
    share = surplus // len(open_lengths) if open_lengths else 0
    return {length: capacity[length] if length in full else counts[length] + share for length in counts}


def _random_letters(automaton, n_words: int, length: int, alphabet: tuple, rng, bias: str = "alive",
                    favoured_share: float = FAVOURED_SHARE) -> np.ndarray:
    """Uniform letters; for a PDA, with probability favoured_share a letter drawn from the favoured ones (bias
    "alive": those that avoid err; "paper": those the paper's sampler counted as possible)."""
    if not is_context_free(automaton):
        return rng.integers(0, len(alphabet), size=(n_words, length))
    favoured = automaton.enabled_letters if bias == "alive" else automaton.paper_possible_letters
    letter_index = {letter: i for i, letter in enumerate(alphabet)}
    words = np.empty((n_words, length), dtype=np.int64)
    for w in range(n_words):
        automaton.reset_to_initial()
        for position in range(length):
            enabled = favoured()
            if enabled and rng.random() < favoured_share:
                letter = enabled[rng.integers(len(enabled))]
            else:
                letter = alphabet[rng.integers(len(alphabet))]
            automaton.step(letter)
            words[w, position] = letter_index[letter]
    return words


def _all_words(alphabet_size: int, length: int) -> np.ndarray:
    return np.array(list(itertools.product(range(alphabet_size), repeat=length)), dtype=np.int64).reshape(-1, length)


def sample_words(automaton, n_words: int, seed: int, max_length: int = MAX_TRAINING_LENGTH,
                 counts: str = "distinct", order: str = "shuffled", bias: str = "alive") -> WordSet:
    """N labelled words of lengths 1..max_length, reproducible from the seed.

    counts: the words_per_length rule; order: "shuffled", or "length" (generation order, shortest first);
    bias: which letters a PDA's sampler favours (_random_letters).
    """
    rng = np.random.default_rng(seed)
    alphabet = tuple(input_alphabet(automaton))
    blocks = []
    for length, count in words_per_length(n_words, len(alphabet), max_length, counts).items():
        if count == len(alphabet) ** length:
            blocks.append((length, _all_words(len(alphabet), length)))
        else:
            blocks.append((length, _random_letters(automaton, count, length, alphabet, rng, bias)))
    return _labelled_word_set(automaton, blocks, alphabet, rng, shuffle=order == "shuffled")


def words_of_each_length(automaton, n_words: int, lengths, seed, favoured_share: float = FAVOURED_SHARE) -> WordSet:
    """n_words words of every given length (all |Σ|^l words where there are fewer), drawn like sample_words."""
    rng = np.random.default_rng(seed)
    alphabet = tuple(input_alphabet(automaton))
    blocks = []
    for length in lengths:
        if len(alphabet) ** length <= n_words:
            blocks.append((length, _all_words(len(alphabet), length)))
        else:
            blocks.append((length, _random_letters(automaton, n_words, length, alphabet, rng,
                                                   favoured_share=favoured_share)))
    return _labelled_word_set(automaton, blocks, alphabet, rng)


def words_by_end_state(automaton, n_words: int, lengths, seed) -> WordSet:
    """Up to n_words words of every given length, spread evenly over the states a word of that length can end in.

    For a regular automaton each word is drawn uniformly among the words of its length that end in its state
    (letter by letter, weighted by how many completions still end there). A PDA's words come from a pool of
    POOL_FACTOR · n_words words, kept round-robin over their control end states: half drawn like the training
    words, which mostly end in err at long lengths, half taking a letter that avoids err whenever there is one.
    """
    rng = np.random.default_rng(seed)
    alphabet = tuple(input_alphabet(automaton))
    if is_context_free(automaton):
        half = n_words * POOL_FACTOR // 2
        pools = [words_of_each_length(automaton, half, lengths, [*np.atleast_1d(seed), part], share)
                 for part, share in enumerate((FAVOURED_SHARE, 1.0))]
        letters, lengths_, labels = _concatenated(pools)
        end_states = trace_words(automaton, letters, lengths_, alphabet).states[np.arange(len(letters)), lengths_ - 1]
        keep = balanced_by_end_state(lengths_, end_states, n_words, rng)
        return WordSet(letters[keep], lengths_[keep], labels[keep], alphabet)
    table = compile_table(automaton)
    completions = _completions(table.next_state, max(lengths))
    blocks = []
    for length in lengths:
        if len(alphabet) ** length <= n_words:   # all words of the length: every reachable end state is there
            blocks.append((length, _all_words(len(alphabet), length)))
            continue
        reachable = np.flatnonzero(completions[length][table.initial_state] > 0)
        per_state = -(-n_words // len(reachable))
        words = np.concatenate([_words_ending_in(table, completions, length, target, per_state, rng)
                                for target in reachable])
        keep = balanced_by_end_state(np.full(len(words), length), np.repeat(reachable, per_state), n_words, rng)
        blocks.append((length, words[keep]))
    return _labelled_word_set(automaton, blocks, alphabet, rng)


def _concatenated(word_sets) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The letters (padded to the longest), lengths and labels of several word sets, one after the other."""
    width = max(words.letters.shape[1] for words in word_sets)
    letters = np.concatenate([np.pad(words.letters, ((0, 0), (0, width - words.letters.shape[1])))
                              for words in word_sets])
    return (letters, np.concatenate([words.lengths for words in word_sets]),
            np.concatenate([words.labels for words in word_sets]))


def balanced_by_end_state(lengths: np.ndarray, end_states: np.ndarray, n_per_length: int, rng) -> np.ndarray:
    """Indices of at most n_per_length words of each length, taken round-robin over the states they end in."""
    keep = []
    for length in np.unique(lengths):
        members = np.flatnonzero(lengths == length)
        by_state = [rng.permutation(members[end_states[members] == state])
                    for state in np.unique(end_states[members])]
        interleaved = [word for word in chain.from_iterable(zip_longest(*by_state)) if word is not None]
        keep.extend(interleaved[:n_per_length])
    return np.sort(np.array(keep, dtype=np.int64))


def _completions(next_state: np.ndarray, max_length: int) -> list[np.ndarray]:
    """[k][q, t]: the number of words of length k leading from state q to state t (float64: only ratios matter)."""
    n_states = len(next_state)
    counts = [np.eye(n_states)]
    for _ in range(max_length):
        counts.append(counts[-1][next_state].sum(axis=1))
    return counts


def _words_ending_in(table, completions, length: int, target: int, n_words: int, rng) -> np.ndarray:
    """n_words words of the given length from the initial state to `target`, each uniform among all such words."""
    letters = np.empty((n_words, length), dtype=np.int64)
    state = np.full(n_words, table.initial_state)
    for position in range(length):
        weights = completions[length - position - 1][table.next_state[state], target]   # (n_words, n_letters)
        cumulative = np.cumsum(weights, axis=1)
        letters[:, position] = (rng.random(n_words)[:, None] * cumulative[:, -1:] >= cumulative).sum(axis=1)
        state = table.next_state[state, letters[:, position]]
    return letters


def training_words(automaton, seed: int, n_words: int = TRAINING_WORDS,
                   protocol: Protocol = SPEC_PROTOCOL) -> WordSet:
    """Training words: the same generator as the validation words, an independent draw from the seed."""
    return sample_words(automaton, n_words, seed=[seed, TRAINING_STREAM], counts=protocol.word_counts,
                        bias=protocol.pda_bias)


def validation_words(automaton, seed: int, n_words: int = VALIDATION_WORDS,
                     protocol: Protocol = SPEC_PROTOCOL) -> WordSet:
    """Validation words: their per-length rule and order follow the protocol (docs/paper_protocol.md)."""
    return sample_words(automaton, n_words, seed=[seed, VALIDATION_STREAM], counts=protocol.word_counts,
                        order=protocol.validation_order, bias=protocol.pda_bias)


def conformance_words(automaton, n_words: int = CONFORMANCE_WORDS, seed: int = 0) -> WordSet:
    """Uniformly random words with lengths uniform in CONFORMANCE_LENGTHS (docs/contract.md, Accuracy)."""
    min_length, max_length = CONFORMANCE_LENGTHS
    rng = np.random.default_rng(seed)
    alphabet = tuple(input_alphabet(automaton))
    lengths = rng.integers(min_length, max_length + 1, size=n_words)
    letters = rng.integers(0, len(alphabet), size=(n_words, max_length))
    letters[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    labels = trace_words(automaton, letters, lengths, alphabet).final_outputs()
    return WordSet(letters, lengths, labels, alphabet)


def live_words(automaton, n_words: int, min_length: int = CONFORMANCE_LENGTHS[0],
               max_length: int = CONFORMANCE_LENGTHS[1], seed: int = 0) -> WordSet:
    """Words with lengths uniform in [min_length, max_length], drawn like the training words (for a PDA: 0.75
    bias toward letters that keep it alive), labelled and in shuffled order; for regular automata uniform."""
    rng = np.random.default_rng(seed)
    alphabet = tuple(input_alphabet(automaton))
    lengths, counts = np.unique(rng.integers(min_length, max_length + 1, size=n_words), return_counts=True)
    blocks = [(int(length), _random_letters(automaton, int(count), int(length), alphabet, rng))
              for length, count in zip(lengths, counts)]
    return _labelled_word_set(automaton, blocks, alphabet, rng)


def _labelled_word_set(automaton, blocks, alphabet, rng, shuffle: bool = True) -> WordSet:
    n_words = sum(len(words) for _, words in blocks)
    max_length = max(length for length, _ in blocks)
    letters = np.zeros((n_words, max_length), dtype=np.int64)
    lengths = np.empty(n_words, dtype=np.int64)
    row = 0
    for length, words in blocks:
        letters[row:row + len(words), :length] = words
        lengths[row:row + len(words)] = length
        row += len(words)
    if shuffle:
        order = rng.permutation(n_words)
        letters, lengths = letters[order], lengths[order]
    labels = trace_words(automaton, letters, lengths, alphabet).final_outputs()
    return WordSet(letters, lengths, labels, alphabet)
