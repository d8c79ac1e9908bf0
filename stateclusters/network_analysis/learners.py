"""KV and L* as AALpy runs them (its classification tree, observation table and Rivest–Schapire counterexample
processing), with the network's membership queries asked in batches and every hypothesis tested by our oracle.

AALpy asks one word at a time. Before KV sifts its new transitions into the classification tree, the same
sifting is done here level by level, one batch of `classify` per level; before L* fills its table, every missing
cell is asked in one batch. AALpy's own calls then find every answer in the cache. Only a word's final class is
ever needed (KV and L* read the last output of a query), so a query costs one word, not one per prefix.
"""
from dataclasses import dataclass, field
from itertools import product

from stateclusters.base.errors import UserError
from stateclusters.network_analysis.hypotheses import HypothesisTable, freeze
from stateclusters.network_analysis.oracles import StateCoverageOracle
from stateclusters.network_analysis.queries import BudgetExceeded, ClassCache

DFA_LABELS = ("True", "False")


def label_translation(automaton_type: str):
    """A network label (str) as the learner's output: a DFA's bool, a Moore machine's str."""
    if automaton_type != "dfa":
        return str

    def accepting(label: str) -> bool:
        if label not in DFA_LABELS:
            raise UserError(f"classify returned '{label}' after only True/False labels: learn it as a Moore "
                            "machine (its labels are not an acceptor's)")
        return label == "True"
    return accepting


def _sul(cache: ClassCache, translate):
    from aalpy.base import SUL

    class CachedNetworkSUL(SUL):
        """The network as AALpy's SUL: a query's last output is the class of the whole word, from the cache."""

        def query(self, word: tuple) -> list:
            self.num_queries += 1
            return [translate(cache.class_of(tuple(word)))]

        def pre(self):
            pass

        def post(self):
            pass

        def step(self, letter):
            raise NotImplementedError("the learners here only ask whole words")

    return CachedNetworkSUL()


@dataclass
class LearningMonitor:
    """Tests each hypothesis, keeps the last complete one, and stops at the states budget."""
    oracle: StateCoverageOracle
    automaton_type: str
    letters: tuple
    max_states: int
    on_hypothesis: object = None            # called with each tested HypothesisTable (progress)
    last: HypothesisTable | None = None
    hypotheses: int = 0
    passed: bool = field(default=False)

    def test(self, hypothesis, suffixes, state_suffixes=None) -> tuple | None:
        table = freeze(hypothesis, self.automaton_type, self.letters)
        if table.n_states > self.max_states:
            raise BudgetExceeded("states")
        self.last, self.hypotheses = table, self.hypotheses + 1
        if self.on_hypothesis:
            self.on_hypothesis(table)
        cex = self.oracle.find_cex(table, suffixes, state_suffixes)
        self.passed = cex is None
        if cex is not None and table.n_states >= self.max_states:
            raise BudgetExceeded("states")   # every later hypothesis has more states
        return cex


def run_kv(cache: ClassCache, monitor: LearningMonitor) -> None:
    """KV until the oracle passes a hypothesis or a budget stops it (BudgetExceeded)."""
    from aalpy.automata import Dfa, DfaState, MooreMachine, MooreState
    from aalpy.learning_algs.deterministic.ClassificationTree import ClassificationTree
    from aalpy.learning_algs.deterministic.CounterExampleProcessing import counterexample_successfully_processed
    letters, automaton_type = list(monitor.letters), monitor.automaton_type
    translate = label_translation(automaton_type)
    sul = _sul(cache, translate)
    empty_output = sul.query(())[-1]
    initial = DfaState("q0", empty_output) if automaton_type == "dfa" else MooreState("q0", empty_output)
    initial.prefix = ()
    initial.transitions.update({letter: initial for letter in letters})
    machine = Dfa if automaton_type == "dfa" else MooreMachine
    cex = monitor.test(machine(initial, [initial]), [()])
    if cex is None:
        return
    tree = ClassificationTree(alphabet=letters, sul=sul, automaton_type=automaton_type, cex=cex)
    while True:
        sift_ahead(tree, cache, translate, letters)
        hypothesis = tree.update_hypothesis()
        if counterexample_successfully_processed(sul, cex, hypothesis):
            cex = monitor.test(hypothesis, discriminators(tree.root), identifying_suffixes(tree))
            if cex is None:
                return
        tree.process_counterexample(cex, hypothesis, "rs")


def sift_ahead(tree, cache: ClassCache, translate, letters) -> None:
    """Ask, one batch per tree level, every query that sifting the tree's pending transitions will ask."""
    words = [state.prefix + (letter,) for state, letter in tree.transitions_to_update]
    words += [node.access_string + (letter,) for node, letter in product(tree.new_states, letters)]
    frontier = [(word, tree.root) for word in dict.fromkeys(words)]
    while frontier:
        labels = cache.classes([word + node.distinguishing_string for word, node in frontier])
        below = [(word, node.children.get(translate(label))) for (word, node), label in zip(frontier, labels)]
        frontier = [(word, child) for word, child in below if child is not None and not child.is_leaf()]


def discriminators(node) -> list[tuple]:
    """The distinguishing words of a classification tree's inner nodes: they tell every two leaves apart."""
    found, stack = [], [node]
    while stack:
        node = stack.pop()
        if not node.is_leaf():
            found.append(tuple(node.distinguishing_string))
            stack.extend(node.children.values())
    return found


def identifying_suffixes(tree) -> dict[tuple, list[tuple]]:
    """Per state (by access word), the discriminators on its leaf's path to the root, nearest first: the
    suffixes that tell that state from all others."""
    found = {}
    for access, leaf in tree.leaf_nodes.items():
        path, node = [], leaf.parent
        while node is not None:
            path.append(tuple(node.distinguishing_string))
            node = node.parent
        found[tuple(access)] = path
    return found


def run_lstar(cache: ClassCache, monitor: LearningMonitor) -> None:
    """L* (closing shortest rows first, Rivest–Schapire suffixes) until the oracle passes or a budget stops it."""
    from aalpy.learning_algs.deterministic.CounterExampleProcessing import (
        counterexample_successfully_processed,
        rs_cex_processing,
    )
    from aalpy.learning_algs.deterministic.ObservationTable import ObservationTable
    from aalpy.utils.HelperFunctions import extend_set
    letters = list(monitor.letters)
    sul = _sul(cache, label_translation(monitor.automaton_type))
    table = ObservationTable(letters, sul, monitor.automaton_type, prefixes_in_cell=False)
    fill_table(table, cache)
    cex = None
    while True:
        rows = table.get_rows_to_close("shortest_first")
        while rows is not None:
            table.S.extend(rows)
            fill_table(table, cache, s_set=[row + (letter,) for row in rows for letter in letters])
            rows = table.get_rows_to_close("shortest_first")
        hypothesis = table.gen_hypothesis()
        if cex is None or counterexample_successfully_processed(sul, cex, hypothesis):
            cex = monitor.test(hypothesis, table.E)
            if cex is None:
                return
        added = extend_set(table.E, rs_cex_processing(sul, cex, hypothesis, suffix_closedness=False))
        fill_table(table, cache, e_set=added)


def fill_table(table, cache: ClassCache, s_set=None, e_set=None) -> None:
    """table.update_obs_table(s_set, e_set), with every cell it will ask asked first in one batch."""
    rows = list(s_set) if s_set else list(table.S) + list(table.s_dot_a())
    columns = e_set if e_set else table.E
    cache.classes([row + column for row in rows for column in columns if len(table.T[row]) != len(table.E)])
    table.update_obs_table(s_set=s_set, e_set=e_set)
