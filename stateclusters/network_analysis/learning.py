"""Learning an automaton from an adapter with AALpy's KV or L*, within budgets, tested by a state-coverage oracle.

"converged" means exactly: the last hypothesis passed every test of the stated oracle (oracles.py). A budget
(states, membership queries, seconds) stops learning cleanly and returns the last complete hypothesis, never one
with more states than the states budget, as not converged with the budget that stopped it. Letters are the str()
of the adapter's, so the learned automaton is written and read like any .dot file.
"""
import time
from dataclasses import dataclass, field

from stateclusters.adapters.adapter import Adapter
from stateclusters.base.catalogue import (
    NETWORK_LEARNING_ALGORITHMS,
    NETWORK_LEARNING_QUERIES,
    NETWORK_LEARNING_SECONDS,
    NETWORK_LEARNING_STATES,
)
from stateclusters.base.errors import UserError
from stateclusters.network_analysis.determinism import determinism_check
from stateclusters.network_analysis.learners import DFA_LABELS, LearningMonitor, run_kv, run_lstar
from stateclusters.network_analysis.oracles import RANDOM_WORD_LENGTHS, OracleSettings, StateCoverageOracle
from stateclusters.network_analysis.queries import BudgetExceeded, ClassCache

ALGORITHMS = NETWORK_LEARNING_ALGORITHMS
__all__ = ["ALGORITHMS", "RANDOM_WORD_LENGTHS", "LearnedAutomaton", "LearningBudget", "learn_automaton"]


@dataclass(frozen=True)
class LearningBudget:
    """When learning stops unconverged: a hypothesis too large, too many membership queries, or too long."""
    max_states: int = NETWORK_LEARNING_STATES
    max_queries: int = NETWORK_LEARNING_QUERIES     # membership queries: distinct words asked for the learner
    max_seconds: float = NETWORK_LEARNING_SECONDS

    def __post_init__(self):
        for name in ("max_states", "max_queries", "max_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise UserError(f"learning budget {name} must be a positive number, not {value!r}")

    def as_report(self) -> dict:
        return {"max_states": self.max_states, "max_queries": self.max_queries, "max_seconds": self.max_seconds}


@dataclass(frozen=True)
class LearnedAutomaton:
    """The learned DFA or Moore machine (letters: str) and what learning it took."""
    automaton: object
    algorithm: str
    membership_queries: int
    equivalence_queries: int          # hypotheses tested by the oracle
    classified_words: int             # distinct words sent to classify (membership and test words)
    converged: bool
    stop_reason: str | None           # the budget that stopped learning: 'states', 'membership queries', 'seconds'
    seconds: float
    oracle: dict = field(default_factory=dict)        # settings and per part: words tried, counterexamples
    determinism: dict = field(default_factory=dict)   # the check before learning


def learning_type(labels) -> str:
    """'dfa' when the network's classes are True/False, else 'moore'."""
    return "dfa" if set(labels) <= set(DFA_LABELS) else "moore"


def learn_automaton(adapter: Adapter, given_words=(), algorithm: str = "kv", budget: LearningBudget = LearningBudget(),
                    seed: int = 0, automaton_type: str | None = None, oracle: OracleSettings = OracleSettings(),
                    allow_nondeterministic: bool = False, progress: bool = False) -> LearnedAutomaton:
    """Learn the automaton the adapter computes; a run stopped by its budget is returned as not converged."""
    if algorithm not in ALGORITHMS:
        raise UserError(f"unknown learning algorithm '{algorithm}'; valid: {', '.join(ALGORITHMS)}")
    start = time.monotonic()
    given = [tuple(map(str, word)) for word in given_words if len(word)]
    cache = ClassCache(adapter, budget.max_queries, start + budget.max_seconds)
    unknown = next((letter for word in given for letter in word if letter not in cache.letter_of), None)
    if unknown is not None:
        raise UserError(f"a given word holds the letter {unknown!r}, which is not in the network's ALPHABET "
                        f"({', '.join(adapter.letter_names)})")
    sample = given or determinism_sample(oracle_for(cache, (), oracle, seed))
    determinism = determinism_check(adapter, [cache_words(cache, word) for word in sample], seed,
                                    allow_nondeterministic)
    equivalence = oracle_for(cache, given, oracle, seed)
    monitor, stop_reason = None, None
    with learning_progress(progress, budget, cache) as on_hypothesis:
        try:   # from the first word the cache classifies, any budget may stop learning
            automaton_type = automaton_type or learning_type(cache.classes(sample, membership=False))
            monitor = LearningMonitor(equivalence, automaton_type, tuple(adapter.letter_names), budget.max_states,
                                      on_hypothesis)
            (run_kv if algorithm == "kv" else run_lstar)(cache, monitor)
        except BudgetExceeded as exceeded:
            stop_reason = str(exceeded.args[0])
            if monitor is None or monitor.last is None:
                raise UserError(f"learning stopped by its {stop_reason} budget before a first hypothesis") from None
    return LearnedAutomaton(merged_initial_state(monitor.last.to_automaton()), algorithm,
                            cache.counts.membership_queries, monitor.hypotheses, len(cache.known),
                            stop_reason is None and monitor.passed, stop_reason, round(time.monotonic() - start, 3),
                            equivalence.report(), determinism)


def oracle_for(cache: ClassCache, given, settings: OracleSettings, seed: int) -> StateCoverageOracle:
    return StateCoverageOracle(cache, list(given), settings, seed)


def determinism_sample(oracle: StateCoverageOracle) -> list[tuple]:
    """Words for the checks before learning when none are given: uniform random words, as the oracle draws."""
    from stateclusters.network_analysis.determinism import DETERMINISM_WORDS
    low, high = RANDOM_WORD_LENGTHS
    return oracle._random_words(oracle.rng.integers(low, high + 1, size=DETERMINISM_WORDS))


def cache_words(cache: ClassCache, word: tuple) -> tuple:
    """A word of letter names as the adapter's letters."""
    return tuple(cache.letter_of[name] for name in word)


class learning_progress:
    """A tqdm bar over hypothesis states, with the queries so far (off unless asked for)."""

    def __init__(self, enabled: bool, budget: LearningBudget, cache: ClassCache):
        self.enabled, self.budget, self.cache, self.bar = enabled, budget, cache, None

    def __enter__(self):
        if not self.enabled:
            return None
        from tqdm import tqdm
        self.bar = tqdm(total=self.budget.max_states, desc="learning", unit="state", leave=False)
        return self.update

    def update(self, table) -> None:
        self.bar.n = table.n_states
        self.bar.set_postfix(queries=self.cache.counts.membership_queries, tests=self.cache.counts.test_words,
                             refresh=True)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
        return False


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
