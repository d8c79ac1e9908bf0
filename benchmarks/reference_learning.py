"""The reference for benchmarks/bench_learning.py: the learner as it was before batched queries and the
state-coverage oracle (stateclusters 0.3.0, network_analysis/learning.py), kept unchanged to time against.

Learning an automaton from an adapter with AALpy (KV or L*), within budgets, every word classified once.

Membership queries go through a cache of the adapter's class of every word asked so far; a query asks for the
classes after every prefix, and the prefixes not yet known go to `classify` in one call. Each equivalence
query first checks the given words after every prefix, then random words (uniform length 1–30, uniform
letters) by their class, each batch in one `classify` call. Letters are the str() of the adapter's, so the
learned automaton is written and read like any .dot file.
"""
import time
from dataclasses import dataclass

import numpy as np

from stateclusters.adapters.adapter import Adapter
from stateclusters.base.catalogue import (
    EQ_WORDS,
    NETWORK_LEARNING_ALGORITHMS,
    NETWORK_LEARNING_QUERIES,
    NETWORK_LEARNING_SECONDS,
    NETWORK_LEARNING_STATES,
)
from stateclusters.base.errors import UserError

ALGORITHMS = NETWORK_LEARNING_ALGORITHMS
RANDOM_WORD_LENGTHS = (1, 30)
EQ_BATCH = 500                 # random words per classify call in an equivalence query


@dataclass(frozen=True)
class LearningBudget:
    """When learning stops unconverged: a hypothesis too large, too many membership queries, or too long."""
    max_states: int = NETWORK_LEARNING_STATES
    max_queries: int = NETWORK_LEARNING_QUERIES     # membership queries
    max_seconds: float = NETWORK_LEARNING_SECONDS
    eq_words: int = EQ_WORDS                        # random words per equivalence query


@dataclass(frozen=True)
class LearnedAutomaton:
    """The learned DFA or Moore machine (letters: str) and what learning it took."""
    automaton: object
    algorithm: str
    membership_queries: int
    equivalence_queries: int
    classified_words: int
    converged: bool
    stop_reason: str | None
    seconds: float


class BudgetExceeded(Exception):
    """Learning went past one of its LearningBudget limits."""


class ClassCache:
    """The adapter's class (str) of every word asked so far, words written with str letters."""

    def __init__(self, adapter: Adapter, deadline: float):
        self.adapter, self.deadline = adapter, deadline
        self.letter_of = dict(zip(adapter.letter_names, adapter.alphabet))
        self.known: dict[tuple, str] = {}

    def classes(self, words) -> list[str]:
        """The class of each word; those not known yet are classified in one call."""
        new = [word for word in dict.fromkeys(words) if word not in self.known]
        if new:
            if time.monotonic() > self.deadline:
                raise BudgetExceeded("time")
            labels = self.adapter.classify([tuple(self.letter_of[name] for name in word) for word in new])
            self.known.update(zip(new, labels.tolist()))
        return [self.known[word] for word in words]

    def prefix_classes(self, word: tuple) -> list[str]:
        return self.classes([word[:length] for length in range(1, len(word) + 1)])


def _sul_class():
    from aalpy.base import SUL

    class AdapterSUL(SUL):
        """The adapter as AALpy's system under learning: a query's outputs after every prefix, from the cache."""

        def __init__(self, cache: ClassCache, translate, max_queries: int):
            super().__init__()
            self.cache, self.translate, self.max_queries = cache, translate, max_queries
            self.prefix: list = []

        def query(self, word: tuple) -> list:
            self.num_queries += 1
            if self.num_queries > self.max_queries:
                raise BudgetExceeded("membership queries")
            self.num_steps += len(word)
            word = tuple(word)
            outputs = self.cache.prefix_classes(word) if word else self.cache.classes([()])
            return [self.translate(label) for label in outputs]

        def pre(self):
            self.prefix = []

        def post(self):
            self.prefix = []

        def step(self, letter):
            if letter is None:
                return self.translate(self.cache.classes([()])[0])
            self.prefix.append(letter)
            return self.translate(self.cache.classes([tuple(self.prefix)])[0])

    return AdapterSUL


def _oracle_class():
    from aalpy.base import Oracle

    class GivenThenRandomWordsOracle(Oracle):
        """The given words after every prefix, then random words by their class; the first difference is the cex."""

        def __init__(self, alphabet, sul, given_words, budget: LearningBudget, seed: int):
            super().__init__(alphabet, sul)
            # AALpy swaps self.sul for its caching wrapper: keep our own SUL's cache and translation.
            self.cache, self.translate = sul.cache, sul.translate
            self.given_words, self.budget = given_words, budget
            self.rng = np.random.default_rng(seed)
            self.last_hypothesis = None

        def find_cex(self, hypothesis):
            self.last_hypothesis = hypothesis
            self.num_queries += 1
            if len(hypothesis.states) > self.budget.max_states:
                raise BudgetExceeded("states")
            self.cache.classes([word[:n] for word in self.given_words for n in range(1, len(word) + 1)])
            for word in self.given_words:
                if cex := self._first_difference(hypothesis, word, self.cache.prefix_classes(word)):
                    return cex
            for start in range(0, self.budget.eq_words, EQ_BATCH):
                words = self._random_words(min(EQ_BATCH, self.budget.eq_words - start))
                for word, label in zip(words, self.cache.classes(words)):
                    if self._output_after(hypothesis, word) != self.translate(label):
                        return word
            return None

        def _first_difference(self, hypothesis, word, labels):
            hypothesis.reset_to_initial()
            for position, (letter, label) in enumerate(zip(word, labels)):
                if hypothesis.step(letter) != self.translate(label):
                    return word[:position + 1]
            return None

        @staticmethod
        def _output_after(hypothesis, word):
            hypothesis.reset_to_initial()
            output = None
            for letter in word:
                output = hypothesis.step(letter)
            return output

        def _random_words(self, n_words: int) -> list[tuple]:
            low, high = RANDOM_WORD_LENGTHS
            lengths = self.rng.integers(low, high + 1, size=n_words)
            return [tuple(self.alphabet[i] for i in self.rng.integers(0, len(self.alphabet), size=length))
                    for length in lengths]

    return GivenThenRandomWordsOracle


def learning_type(labels) -> str:
    """'dfa' when the network's classes are True/False, else 'moore'."""
    return "dfa" if set(labels) <= {"True", "False"} else "moore"


def learn_automaton(adapter: Adapter, given_words=(), algorithm: str = "kv", budget: LearningBudget = LearningBudget(),
                    seed: int = 0, automaton_type: str | None = None) -> LearnedAutomaton:
    """Learn the automaton the adapter computes; a run stopped by its budget is returned as not converged."""
    from aalpy.learning_algs import run_KV, run_Lstar
    if algorithm not in ALGORITHMS:
        raise UserError(f"unknown learning algorithm '{algorithm}'; valid: {', '.join(ALGORITHMS)}")
    start = time.monotonic()
    cache = ClassCache(adapter, start + budget.max_seconds)
    given = [tuple(map(str, word)) for word in given_words if len(word)]
    automaton_type = automaton_type or learning_type(cache.classes(given or [(adapter.letter_names[0],)]))
    translate = (lambda label: label == "True") if automaton_type == "dfa" else str
    letters = list(adapter.letter_names)
    sul = _sul_class()(cache, translate, budget.max_queries)
    oracle = _oracle_class()(letters, sul, given, budget, seed)
    run = run_KV if algorithm == "kv" else run_Lstar
    stop_reason = None
    try:
        learned = run(letters, sul, oracle, automaton_type, return_data=False, print_level=0)
    except BudgetExceeded as exceeded:
        if oracle.last_hypothesis is None:
            raise UserError(f"learning stopped by its {exceeded} budget before a first hypothesis") from None
        learned, stop_reason = oracle.last_hypothesis, str(exceeded)
    return LearnedAutomaton(merged_initial_state(learned), algorithm, sul.num_queries, oracle.num_queries,
                            len(cache.known), stop_reason is None, stop_reason, round(time.monotonic() - start, 3))


def merged_initial_state(automaton):
    """Drop an initial state that only the empty word reaches and that steps like another state.

    Hidden states exist only after letters, so such a state (it differs from its twin by its output on the
    empty word alone, e.g. the read-out of a network's zero state) labels no vector; merging it keeps the
    automaton's outputs on every non-empty word.
    """
    initial = automaton.initial_state
    if any(target is initial for state in automaton.states for target in state.transitions.values()):
        return automaton
    twin = next((state for state in automaton.states if state is not initial and
                 all(state.transitions[letter] is target for letter, target in initial.transitions.items())), None)
    if twin is None:
        return automaton
    automaton.states.remove(initial)
    automaton.initial_state = twin
    automaton.current_state = twin
    return automaton
