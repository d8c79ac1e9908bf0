"""The equivalence oracle: test words in three parts, each asked of the network in batches.

- `given`: every prefix of the words the user gave (or the automaton's validation words). Finds what the
  network does on the data it is meant for, however rare under random sampling.
- `random_words`: uniform random words, lengths 1–30, uniform letters. Finds differences spread over the
  whole input space, none tied to the hypothesis.
- `state_walks` (the random W-method, as AALpy's RandomWMethodEqOracle): from every state's access word, a random
  walk (lengths drawn from the given words' lengths when there are any, else 1–30), then a distinguishing
  suffix of the hypothesis. Reaches every state the hypothesis has, so a state that random words almost never
  reach (a combination lock) is still tested, and the suffix tells the state reached from its neighbours.

A hypothesis passes when the network's class equals the hypothesis' output after every test word. Failing words
are kept: the next hypothesis is first tested on them (no network call), and a fresh battery of all parts is
drawn only when none of them fails any more. So "passed" is always a full, fresh battery.
"""
from dataclasses import dataclass, field

import numpy as np

from stateclusters.base.catalogue import EQ_WORDS
from stateclusters.base.errors import UserError
from stateclusters.network_analysis.hypotheses import HypothesisTable
from stateclusters.network_analysis.queries import ClassCache

ORACLE_PARTS = ("given", "random_words", "state_walks")
RANDOM_WORD_LENGTHS = (1, 30)
WALKS_PER_STATE = 10


@dataclass(frozen=True)
class OracleSettings:
    """Which parts test a hypothesis, and how many words each draws per battery."""
    parts: tuple[str, ...] = ORACLE_PARTS
    random_words: int = EQ_WORDS
    walks_per_state: int = WALKS_PER_STATE

    def __post_init__(self):
        unknown = [part for part in self.parts if part not in ORACLE_PARTS]
        if unknown or not self.parts:
            raise UserError(f"unknown oracle part(s) {', '.join(unknown) or '(none)'}; valid: "
                            f"{', '.join(ORACLE_PARTS)}")

    def as_report(self) -> dict:
        return {"parts": list(self.parts), "random_words": self.random_words,
                "random_word_lengths": list(RANDOM_WORD_LENGTHS), "walks_per_state": self.walks_per_state}


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
        self.given_prefixes = list(dict.fromkeys(word[:n] for word in self.given_words
                                                 for n in range(1, len(word) + 1)))
        self.walk_lengths = np.array(sorted({len(word) for word in self.given_words if len(word)}) or
                                     range(RANDOM_WORD_LENGTHS[0], RANDOM_WORD_LENGTHS[1] + 1))

    def walk_lengths_report(self):
        return "given words" if self.given_words else list(RANDOM_WORD_LENGTHS)

    def find_cex(self, table: HypothesisTable, suffixes) -> tuple | None:
        self.pending = self._failing(table, self.pending)
        if self.pending:
            return min(self.pending, key=len)
        self.batteries += 1
        failing = []
        for part in self.settings.parts:
            words = self._battery_words(part, table, suffixes)
            wrong = self._failing(table, words, membership=False)
            self.counts[part].words += len(words)
            self.counts[part].counterexamples += len(wrong)
            failing += wrong
        self.pending = list(dict.fromkeys(failing))
        return min(self.pending, key=len) if self.pending else None

    def _failing(self, table: HypothesisTable, words, membership: bool = False) -> list:
        if not words:
            return []
        labels = np.asarray(self.cache.classes(words, membership=membership), dtype=str)
        wrong = np.flatnonzero(table.outputs_after(words) != labels)
        return [words[i] for i in wrong]

    def _battery_words(self, part: str, table: HypothesisTable, suffixes) -> list:
        if part == "given":
            return self.given_prefixes
        if part == "random_words":
            low, high = RANDOM_WORD_LENGTHS
            return self._random_words(self.rng.integers(low, high + 1, size=self.settings.random_words))
        return self._state_walks(table, suffixes)

    def _random_words(self, lengths) -> list[tuple]:
        letters = self.rng.integers(0, len(self.cache.adapter.letter_names), size=int(np.sum(lengths)))
        names = np.asarray(self.cache.adapter.letter_names, dtype=object)[letters]
        ends = np.cumsum(lengths)
        return [tuple(names[end - length:end]) for end, length in zip(ends.tolist(), np.asarray(lengths).tolist())]

    def _state_walks(self, table: HypothesisTable, suffixes) -> list[tuple]:
        n_walks = table.n_states * self.settings.walks_per_state
        walks = self._random_words(self.rng.choice(self.walk_lengths, size=n_walks))
        suffixes = list(suffixes) or [()]
        picks = self.rng.integers(0, len(suffixes), size=n_walks)
        return [table.access_words[i // self.settings.walks_per_state] + walk + tuple(suffixes[pick])
                for i, (walk, pick) in enumerate(zip(walks, picks.tolist()))]

    def report(self) -> dict:
        """The oracle's settings and, per part, the test words it tried and the counterexamples among them."""
        return {"name": "+".join(self.settings.parts), "settings": {**self.settings.as_report(),
                                                                     "walk_lengths": self.walk_lengths_report()},
                "batteries": self.batteries,
                "tried": {part: {"words": counts.words, "counterexamples": counts.counterexamples}
                          for part, counts in self.counts.items()}}
