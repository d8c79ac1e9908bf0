"""Active automata learning with the network as the system under learning (AALpy's L* and KV).

The network answers membership queries: its output class after every prefix of the queried word. A DFA is
learned for a DFA language (the network's "True"/"False" read as accept/reject), a Moore or Mealy machine for
Moore and Mealy languages. Equivalence queries draw random words of length 1–30 (uniform length, uniform
letters, from Python's `random` like AALpy's RandomWordEqOracle) up to a budget per hypothesis, but ask the
network for a whole batch of them in one forward pass: stepping the network letter by letter, as AALpy's own
oracle does, cost about 1 ms a letter (an L* run on the hand-built tomita5 network: 4,851 oracle letters, 4.2 s).

The empty word has no network prediction; the ground truth's output for it is used, as the clusters'
automaton does (cluster_automaton.empty_word_output), so equivalence with the ground truth is equivalence
on non-empty words. The learned automaton is then compared like the clusters' automaton:
as the Moore machine of its outputs after each prefix, minimised, bisimilar to the ground truth's, and its
agreement after every prefix of the conformance words. Pushdown languages are handled in vpa_learning.
"""
import random
import time
from contextlib import contextmanager

import numpy as np
import torch
from aalpy.base import SUL, Oracle
from aalpy.learning_algs import run_KV, run_Lstar
from aalpy.utils import bisimilar

from stateclusters.analyses.cluster_automaton import empty_word_output, ground_truth_machine, minimise, word_agreement
from stateclusters.analyses.extraction import ExtractionInputs
from stateclusters.analyses.learning_report import LearningReport
from stateclusters.automata import automaton_kind
from stateclusters.automata.tables import compile_table
from stateclusters.base.catalogue import EQ_WORDS, MEMBERSHIP_QUERIES
from stateclusters.networks.recurrent import RecurrentClassifier, prefix_predictions

LEARNING_ALGORITHMS = {"lstar": run_Lstar, "kv": run_KV}
MIN_EQ_LENGTH, MAX_EQ_LENGTH = 1, 30
MAX_ROUNDS = 25                     # learning rounds before giving up (a network far from any small automaton)


class QueryBudgetExceeded(Exception):
    """The learner asked the network more membership queries than the budget allows."""




class NetworkSUL(SUL):
    """The network as an AALpy SUL, answering from a memo of its output after each prefix.

    A prefix's output is fixed the first time a word through it is computed: a batched, padded forward pass
    can differ from a single word's pass in the last bits, and a network whose logits are that close to a tie
    must not give a counterexample that the membership query then contradicts (L* would retry it forever).
    """

    def __init__(self, model: RecurrentClassifier, alphabet, empty_output, translate=str,
                 max_queries: int = MEMBERSHIP_QUERIES):
        super().__init__()
        self.max_queries = max_queries
        self.model, self.empty_output, self.translate = model.eval(), empty_output, translate
        self.letter_index = {letter: i for i, letter in enumerate(alphabet)}
        self.classes = list(model.config.output_classes)
        self.prefix: list = []
        self.output_after: dict[tuple, object] = {}

    def _known_length(self, word: tuple) -> int:
        return next((length for length in range(len(word), 0, -1) if word[:length] in self.output_after), 0)

    def _remember(self, word: tuple, predicted: list, known: int) -> None:
        for length in range(known + 1, len(word) + 1):
            self.output_after[word[:length]] = self.translate(self.classes[predicted[length - 1]])

    def outputs(self, word: tuple) -> list:
        """The translated output class after every prefix of the word."""
        known = self._known_length(word)
        if known < len(word):
            letters = torch.as_tensor([[self.letter_index[letter] for letter in word]])
            with torch.no_grad():
                self._remember(word, self.model(letters).argmax(dim=-1)[0].tolist(), known)
        return [self.output_after[word[:length]] for length in range(1, len(word) + 1)]

    def batch_outputs(self, words: list[tuple]) -> list[list]:
        """outputs() of many words, computing those not known yet in one batched pass."""
        new = [word for word in dict.fromkeys(words) if self._known_length(word) < len(word)]
        if new:
            letters = np.zeros((len(new), max(map(len, new))), dtype=np.int64)
            for row, word in enumerate(new):
                letters[row, :len(word)] = [self.letter_index[letter] for letter in word]
            for word, predicted in zip(new, prefix_predictions(self.model, letters).tolist()):
                self._remember(word, predicted, self._known_length(word))
        return [self.outputs(word) for word in words]

    def query(self, word: tuple) -> list:
        self.num_queries += 1
        if self.num_queries > self.max_queries:
            raise QueryBudgetExceeded(f"more than {self.max_queries} membership queries")
        self.num_steps += len(word)
        return [self.empty_output] if len(word) == 0 else list(self.outputs(tuple(word)))

    def pre(self) -> None:
        self.prefix = []

    def post(self) -> None:
        self.prefix = []

    def step(self, letter):
        if letter is None:       # AALpy's way of asking for the empty word's output
            return self.empty_output
        self.prefix.append(letter)
        return self.outputs(tuple(self.prefix))[-1]


def learning_target(automaton) -> tuple[str, object, object]:
    """(AALpy automaton type, translation of a network class name, output for the empty word)."""
    kind = automaton_kind(automaton)
    if kind == "dfa":
        return "dfa", lambda name: name == "True", automaton.initial_state.is_accepting
    if kind in ("moore", "mealy"):
        return kind, str, empty_word_output(automaton)
    raise ValueError(f"no regular automaton type to learn for a {kind}")


def uniform_words(alphabet: list, min_length: int = MIN_EQ_LENGTH, max_length: int = MAX_EQ_LENGTH):
    """A drawer of n random words (uniform length, uniform letters) from Python's `random`, as AALpy draws."""
    def draw(n_words: int) -> list[tuple]:
        return [tuple(random.choice(alphabet) for _ in range(random.randint(min_length, max_length)))
                for _ in range(n_words)]
    return draw


class BatchedRandomWordEqOracle(Oracle):
    """Random words from `draw_words`; the first whose outputs differ after some prefix is the counterexample
    (cut after that prefix). Up to `num_words` words per hypothesis, asked of the network in batches."""

    def __init__(self, alphabet: list, sul: NetworkSUL, draw_words, num_words: int = EQ_WORDS,
                 batch_size: int = 500):
        super().__init__(alphabet, sul)
        self.draw_words, self.num_words, self.batch_size = draw_words, num_words, batch_size
        self.last_hypothesis = None

    def find_cex(self, hypothesis):
        self.last_hypothesis = hypothesis
        for start in range(0, self.num_words, self.batch_size):
            words = self.draw_words(min(self.batch_size, self.num_words - start))
            for word, network_outputs in zip(words, self.sul.batch_outputs(words)):
                self.num_queries += 1
                hypothesis.reset_to_initial()
                for position, (letter, expected) in enumerate(zip(word, network_outputs)):
                    self.num_steps += 1
                    if hypothesis.step(letter) != expected:
                        return word[:position + 1]
        return None


@contextmanager
def seeded_python_random(seed: int):
    """AALpy draws from Python's `random`: seed it for the run and restore the caller's state afterwards."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def run_learning(model: RecurrentClassifier, automaton_type: str, alphabet, translate, empty_output, draw_words,
                 algorithm: str, seed: int, eq_words: int, max_rounds: int, max_queries: int = MEMBERSHIP_QUERIES):
    """(learned AALpy automaton, AALpy's info dict with the oracle's word count, NetworkSUL).

    `alphabet` is what the algorithm takes (a list, or a SevpaAlphabet for a VPA); `draw_words(n)` gives the
    equivalence oracle's words and may use Python's `random`, which is seeded here. Past the membership query
    budget the last hypothesis given to the oracle is returned, as not converged (rounds set to max_rounds).
    """
    letters = list(model.config.input_alphabet)
    sul = NetworkSUL(model, letters, empty_output, translate, max_queries)
    with seeded_python_random(seed):
        oracle = BatchedRandomWordEqOracle(letters, sul, draw_words, num_words=eq_words)
        try:
            learned, info = LEARNING_ALGORITHMS[algorithm](alphabet, sul, oracle, automaton_type,
                                                           max_learning_rounds=max_rounds, return_data=True,
                                                           print_level=0)
        except QueryBudgetExceeded:
            if oracle.last_hypothesis is None:
                raise
            learned, info = oracle.last_hypothesis, {"learning_rounds": max_rounds}
            sul.num_queries = max_queries
    info["eq_queries_total"] = oracle.num_queries
    return learned, info, sul


def learn_automaton(model: RecurrentClassifier, automaton, algorithm: str = "lstar", seed: int = 0,
                    eq_words: int = EQ_WORDS, max_rounds: int = MAX_ROUNDS, max_queries: int = MEMBERSHIP_QUERIES):
    """run_learning for a regular ground truth: a DFA, Moore or Mealy machine from uniform random words."""
    automaton_type, translate, empty_output = learning_target(automaton)
    letters = list(model.config.input_alphabet)
    return run_learning(model, automaton_type, letters, translate, empty_output, uniform_words(letters), algorithm,
                        seed, eq_words, max_rounds, max_queries)


def moore_prefix_outputs(machine, letters: np.ndarray) -> np.ndarray:
    """A Moore machine's output after every prefix of padded letter-index words (letters sorted by str)."""
    table = compile_table(machine)
    state = np.full(len(letters), table.initial_state)
    outputs = np.empty(letters.shape, dtype=object)
    classes = np.asarray(table.output_classes, dtype=object)
    for position in range(letters.shape[1]):
        outputs[:, position] = classes[table.output_after[state, letters[:, position]]]
        state = table.next_state[state, letters[:, position]]
    return outputs.astype(str)


def learning_report(model: RecurrentClassifier, automaton, inputs: ExtractionInputs, algorithm: str = "lstar",
                    seed: int = 0, eq_words: int = EQ_WORDS, max_rounds: int = MAX_ROUNDS,
                    max_queries: int = MEMBERSHIP_QUERIES) -> LearningReport:
    """Learn from the network and compare the result as the clusters' automaton is compared."""
    start = time.perf_counter()
    learned, info, sul = learn_automaton(model, automaton, algorithm, seed, eq_words, max_rounds, max_queries)
    seconds = time.perf_counter() - start
    as_moore = minimise(ground_truth_machine(learned))
    outputs = moore_prefix_outputs(as_moore, inputs.test_letters)
    return LearningReport(
        algorithm=algorithm, automaton_type=learning_target(automaton)[0], states=len(learned.states),
        moore_states=len(as_moore.states), ground_truth_states=len(minimise(inputs.ground_truth).states),
        equivalent=bool(bisimilar(as_moore, inputs.ground_truth)),
        agreement_with_automaton=word_agreement(outputs, inputs.truth_outputs, inputs.test_valid),
        agreement_with_network=word_agreement(outputs, inputs.network_outputs, inputs.test_valid),
        **run_counts(info, sul, max_rounds, seconds))


def run_counts(info: dict, sul: NetworkSUL, max_rounds: int, seconds: float) -> dict:
    """The LearningReport fields that count the run's work."""
    return dict(converged=info["learning_rounds"] < max_rounds, rounds=int(info["learning_rounds"]),
                membership_queries=sul.num_queries, membership_steps=sul.num_steps,
                equivalence_queries=int(info["eq_queries_total"]), seconds=round(seconds, 3))
