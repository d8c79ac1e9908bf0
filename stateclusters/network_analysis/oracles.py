"""The equivalence oracle: test words in three parts, each asked of the network in batches.

- `given`: the words the user gave (or the automaton's validation words). Finds what the network does on the
  data it is meant for, however rare under random sampling.
- `pumped`: given words with two pieces of one length repeated 2–32 times each (u·vʳ·w·xʳ·y for u·v·w·x·y, the
  pumping of context-free languages), drawn evenly across the network's classes of the given words. A pushdown
  language's count or nesting grows with r and shows where the hypothesis ran out of states. A quarter as many
  words as `random_words`, at most 120 letters each.
- `random_words`: uniform random words, lengths 1–30, uniform letters. Finds differences spread over the whole
  input space, none tied to the hypothesis.
- `state_walks` (the random W-method, as AALpy's RandomWMethodEqOracle): from every state's access word, a walk,
  then distinguishing suffixes of the hypothesis (KV's discriminators, L*'s columns). Walks are uniform letters
  (lengths drawn from the given words' lengths when there are any, else 1–30) and, when words are given, every
  other walk is one of them. Reaches every state the hypothesis has, so a state that random words almost never
  reach (behind a combination lock) is still tested; a given word tried from every state shows where the
  hypothesis ran out of states for the data's own structure (a nesting, say).

Every prefix of a test word is tested, as AALpy's oracles step through a test word: a hypothesis passes when
the network's class equals its output after each of them. Failing prefixes are kept: the next hypothesis is
first tested on them (no network call), and a fresh battery of all parts is drawn only when none of them fails
any more. So "passed" is always a full, fresh battery.
"""
from dataclasses import dataclass, field

import numpy as np

from stateclusters.base.catalogue import EQ_WORDS
from stateclusters.base.errors import UserError
from stateclusters.network_analysis.hypotheses import HypothesisTable
from stateclusters.network_analysis.queries import ClassCache

ORACLE_PARTS = ("given", "pumped", "random_words", "state_walks")
PUMP_REPEATS = (2, 32)        # how often each pumped piece of a given word stands (inclusive range)
MAX_PUMPED_LETTERS = 120
RANDOM_WORD_LENGTHS = (1, 30)
WALKS_PER_STATE = 25          # AALpy's RandomWMethodEqOracle's default
SUFFIXES_PER_WALK = 8         # one suffix (AALpy) rarely tells a state reached by the walk from its neighbours


@dataclass(frozen=True)
class OracleSettings:
    """Which parts test a hypothesis, and how many words each draws per battery."""
    parts: tuple[str, ...] = ORACLE_PARTS
    random_words: int = EQ_WORDS
    walks_per_state: int = WALKS_PER_STATE
    suffixes_per_walk: int = SUFFIXES_PER_WALK

    def __post_init__(self):
        unknown = [part for part in self.parts if part not in ORACLE_PARTS]
        if unknown or not self.parts:
            raise UserError(f"unknown oracle part(s) {', '.join(unknown) or '(none)'}; valid: "
                            f"{', '.join(ORACLE_PARTS)}")

    def as_report(self) -> dict:
        return {"parts": list(self.parts), "random_words": self.random_words,
                "random_word_lengths": list(RANDOM_WORD_LENGTHS), "walks_per_state": self.walks_per_state,
                "suffixes_per_walk": self.suffixes_per_walk}


@dataclass
class PartCounts:
    words: int = 0                   # test words tried (a word tested in two batteries counts twice)
    counterexamples: int = 0         # of those, the ones the hypothesis got wrong


@dataclass
class StateCoverageOracle:
    """find_cex(table, suffixes): the shortest test word the hypothesis gets wrong, or None after a full battery."""
    cache: ClassCache
    given_words: list                          # words of letter names
    settings: OracleSettings
    seed: int = 0
    counts: dict = field(default_factory=dict)
    batteries: int = 0
    pending: list = field(default_factory=list)

    def __post_init__(self):
        self.rng = np.random.default_rng([self.seed, 38])
        self.counts = {part: PartCounts() for part in self.settings.parts}
        self.walk_lengths = np.array(sorted({len(word) for word in self.given_words if len(word)}) or
                                     range(RANDOM_WORD_LENGTHS[0], RANDOM_WORD_LENGTHS[1] + 1))

    def walk_lengths_report(self):
        return "given words" if self.given_words else list(RANDOM_WORD_LENGTHS)

    def find_cex(self, table: HypothesisTable, suffixes, state_suffixes=None) -> tuple | None:
        """`suffixes` tell all the hypothesis' states apart; `state_suffixes` (access word -> suffixes), where the
        learner has them, tell one state from all others."""
        if self.pending:   # failing prefixes of earlier batteries: their own output is all there is to test
            labels = np.asarray(self.cache.classes(self.pending, membership=False), dtype=str)
            self.pending = [self.pending[i] for i in np.flatnonzero(table.outputs_after(self.pending) != labels)]
        if self.pending:
            return min(self.pending, key=len)
        self.batteries += 1
        failing = []
        for part in self.settings.parts:
            words = self._battery_words(part, table, suffixes, state_suffixes or {})
            wrong_prefixes, wrong_words = self._failing(table, words)
            self.counts[part].words += len(words)
            self.counts[part].counterexamples += wrong_words
            failing += wrong_prefixes
        self.pending = list(dict.fromkeys(failing))
        return min(self.pending, key=len) if self.pending else None

    def _failing(self, table: HypothesisTable, words) -> tuple[list, int]:
        """(the prefixes of the words after which the hypothesis' output is not the network's class, how many of
        the words have one): as AALpy's oracles, every prefix of a test word is tested."""
        prefixes = list(dict.fromkeys(word[:n] for word in words for n in range(1, len(word) + 1)))
        if not prefixes:
            return [], 0
        labels = np.asarray(self.cache.classes(prefixes, membership=False), dtype=str)
        wrong = {prefixes[i] for i in np.flatnonzero(table.outputs_after(prefixes) != labels)}
        if not wrong:
            return [], 0
        return list(wrong), sum(1 for word in words if any(word[:n] in wrong for n in range(1, len(word) + 1)))

    def _battery_words(self, part: str, table: HypothesisTable, suffixes, state_suffixes) -> list:
        if part == "given":
            return self.given_words
        if part == "pumped":
            return self._pumped_words()
        if part == "random_words":
            low, high = RANDOM_WORD_LENGTHS
            return self._random_words(self.rng.integers(low, high + 1, size=self.settings.random_words))
        return self._state_walks(table, suffixes, state_suffixes)

    def _pumped_words(self) -> list[tuple]:
        """u·vʳ·w·xʳ·y for given words u·v·w·x·y, |v| = |x| ≥ 1, r in PUMP_REPEATS: the two-piece pumping of
        context-free languages (a count in aⁿbⁿ, a nesting in Dyck words). The words pumped are drawn evenly
        across the network's classes of them, so that a class rare in the data (an acceptor's accepted words)
        is pumped as often as a common one."""
        by_class = self._given_by_class()
        if not by_class:
            return []
        words = []
        for _ in range(max(1, self.settings.random_words // 4)):
            pool = by_class[int(self.rng.integers(len(by_class)))]
            pumped = self._pump(pool[int(self.rng.integers(len(pool)))])
            if pumped is not None:
                words.append(pumped)
        return words

    def _given_by_class(self) -> list[list[tuple]]:
        given = [word for word in dict.fromkeys(self.given_words) if len(word) > 1]
        classes = self.cache.classes(given, membership=False)
        return list({label: [word for word, other in zip(given, classes) if other == label]
                     for label in dict.fromkeys(classes)}.values())

    def _pump(self, word: tuple) -> tuple | None:
        length = int(self.rng.integers(1, len(word) // 2 + 1))
        first = int(self.rng.integers(0, len(word) - 2 * length + 1))
        second = int(self.rng.integers(first + length, len(word) - length + 1))
        repeats = int(self.rng.integers(PUMP_REPEATS[0], PUMP_REPEATS[1] + 1))
        # Every prefix is tested: bound the length, fewer repeats where the pieces are long.
        repeats = min(repeats, 1 + (MAX_PUMPED_LETTERS - len(word)) // (2 * length))
        if repeats < PUMP_REPEATS[0]:
            return None
        v, x = word[first:first + length], word[second:second + length]
        return (word[:first] + v * repeats + word[first + length:second] + x * repeats + word[second + length:])

    def _random_words(self, lengths) -> list[tuple]:
        letters = self.rng.integers(0, len(self.cache.adapter.letter_names), size=int(np.sum(lengths)))
        names = np.asarray(self.cache.adapter.letter_names, dtype=object)[letters]
        ends = np.cumsum(lengths)
        return [tuple(names[end - length:end]) for end, length in zip(ends.tolist(), np.asarray(lengths).tolist())]

    def _state_walks(self, table: HypothesisTable, suffixes, state_suffixes) -> list[tuple]:
        """From each state's access word, walks, each followed by up to `suffixes_per_walk` distinguishing
        suffixes: half of them the start state's own, nearest its leaf first, the rest at random. A walk that
        comes back to its start state (a balanced given word in a pushdown language) is judged by the former."""
        n_walks = table.n_states * self.settings.walks_per_state
        walks = self._random_words(self.rng.choice(self.walk_lengths, size=n_walks))
        if self.given_words:   # every other walk is a given word: the data's structure, from every state
            given = [word for word in self.given_words if word]
            for i, pick in zip(range(1, n_walks, 2), self.rng.integers(0, len(given), size=n_walks // 2).tolist()):
                walks[i] = given[pick]
        suffixes = list(dict.fromkeys(map(tuple, suffixes))) or [()]
        tests = []
        for i, walk in enumerate(walks):
            access = table.access_words[i // self.settings.walks_per_state]
            tests += [access + walk + suffix for suffix in self._suffixes_for(state_suffixes.get(access, ()),
                                                                               suffixes)]
        return tests

    def _suffixes_for(self, own, suffixes) -> list[tuple]:
        chosen = list(dict.fromkeys(own))[:(self.settings.suffixes_per_walk + 1) // 2]
        wanted = min(self.settings.suffixes_per_walk, len(suffixes)) - len(chosen)
        if wanted > 0:
            chosen += [suffixes[i] for i in self.rng.choice(len(suffixes), size=wanted, replace=False)]
        return list(dict.fromkeys(chosen))

    def report(self) -> dict:
        """The oracle's settings and, per part, the test words it tried and the counterexamples among them."""
        return {"name": "+".join(self.settings.parts), "settings": {**self.settings.as_report(),
                                                                     "walk_lengths": self.walk_lengths_report()},
                "batteries": self.batteries,
                "tried": {part: {"words": counts.words, "counterexamples": counts.counterexamples}
                          for part, counts in self.counts.items()}}
