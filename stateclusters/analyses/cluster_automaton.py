"""The automaton of the clusters: one state per cluster of hidden states plus the initial state, majority
transitions and outputs, minimised with AALpy and compared with the ground truth.

A vector is the network's state after one prefix of one validation word. Reading the prefix's last letter
moved the network from the vector of the prefix one letter shorter (for a word's first letter: from the
initial hidden state, which is no vector) to this one; the clusters of those two vectors give one observed
transition. For each (state, letter) the successor is the cluster most observed transitions lead to; a
(state, letter) never observed goes to a sink. Each cluster's output is the majority of the outputs given
for its vectors (the callers give the network's predictions, so the automaton is extracted from the network).
The empty word has no vector and no prediction, so the initial state carries the ground truth's output for
it (a marker for Mealy machines, which have none); equivalence is therefore equivalence on non-empty words.

Everything is a Moore machine whose output after a prefix is what the network is trained to say after it:
a DFA's accept/reject (as "True"/"False"), a Moore machine's output, a Mealy machine's last transition output.
"""
from collections import deque
from dataclasses import dataclass

import numpy as np
from aalpy.automata import MooreMachine, MooreState
from aalpy.utils import bisimilar

from stateclusters.analyses.extraction_report import ExtractionReport
from stateclusters.automata import automaton_kind
from stateclusters.automata.tables import compile_table

NO_DATA_OUTPUT = "<no data>"      # the sink's output: the clusters never showed what happens there
EMPTY_WORD_OUTPUT = "<empty>"     # the initial state's output where the ground truth has none (Mealy)


@dataclass(frozen=True)
class AbstractAutomaton:
    """A complete Moore machine as arrays: clusters 0..n-1, then the initial state, then the sink if needed."""
    next_state: np.ndarray           # (n_states, n_letters)
    outputs: np.ndarray              # (n_states,) str
    initial_state: int
    alphabet: tuple[str, ...]
    transition_conflicts: int        # (state, letter) pairs whose observed successors lie in several clusters
    output_conflicts: int            # clusters whose vectors were given several outputs
    missing_transitions: int         # (state, letter) pairs never observed, sent to the sink

    @property
    def n_states(self) -> int:
        return len(self.outputs)




def prefix_predecessors(lengths: np.ndarray) -> np.ndarray:
    """For each vector (word order, prefix order) the index of the same word's previous prefix; -1 for a
    word's first letter, whose predecessor is the initial state."""
    assert (lengths > 0).all(), "every word has a letter"
    predecessors = np.arange(int(lengths.sum())) - 1
    predecessors[np.cumsum(lengths) - lengths] = -1
    return predecessors


def majority(keys: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """Per key the most frequent value (ties: the smallest; -1 where the key never occurs) and the number of
    distinct values seen with it."""
    pairs, counts = np.unique(np.stack([keys, values], axis=1), axis=0, return_counts=True)
    ranked = pairs[np.lexsort((pairs[:, 1], -counts, pairs[:, 0]))]
    first_of_key = np.r_[True, ranked[1:, 0] != ranked[:-1, 0]]
    winners = np.full(n_keys, -1, dtype=np.int64)
    winners[ranked[first_of_key, 0]] = ranked[first_of_key, 1]
    return winners, np.bincount(pairs[:, 0], minlength=n_keys)


def build_cluster_automaton(cluster_labels: np.ndarray, predecessors: np.ndarray, letters_read: np.ndarray,
                            vector_outputs: np.ndarray, alphabet, initial_output: str) -> AbstractAutomaton:
    """The abstract automaton of one clustering (labels of any kind; DBSCAN's noise is one more cluster)."""
    _, cluster_index = np.unique(cluster_labels, return_inverse=True)
    n_clusters, n_letters = int(cluster_index.max()) + 1, len(alphabet)
    initial = n_clusters
    sources = np.where(predecessors >= 0, cluster_index[predecessors], initial)
    successors, n_successors = majority(sources * n_letters + letters_read, cluster_index,
                                        (n_clusters + 1) * n_letters)
    output_names, output_index = np.unique(np.asarray(vector_outputs, dtype=str), return_inverse=True)
    cluster_outputs, n_outputs = majority(cluster_index, output_index, n_clusters)
    outputs = list(output_names[cluster_outputs]) + [initial_output]
    missing = successors < 0
    if missing.any():
        sink = len(outputs)
        successors = np.append(np.where(missing, sink, successors), [sink] * n_letters)
        outputs.append(NO_DATA_OUTPUT)
    return AbstractAutomaton(successors.reshape(len(outputs), n_letters), np.asarray(outputs, dtype=str), initial,
                             tuple(alphabet), int((n_successors > 1).sum()), int((n_outputs > 1).sum()),
                             int(missing.sum()))


def to_moore_machine(abstract: AbstractAutomaton) -> MooreMachine:
    """An AALpy MooreMachine of the states reachable from the initial state."""
    reachable = reachable_states(abstract.next_state, abstract.initial_state)
    states = {index: MooreState(f"s{index}", output=str(abstract.outputs[index])) for index in reachable}
    for index, state in states.items():
        for letter_index, letter in enumerate(abstract.alphabet):
            state.transitions[letter] = states[int(abstract.next_state[index, letter_index])]
    return MooreMachine(states[abstract.initial_state], list(states.values()))


def reachable_states(next_state: np.ndarray, initial_state: int) -> list[int]:
    """States reachable from the initial one, in breadth-first order."""
    seen, queue = {initial_state: None}, deque([initial_state])
    while queue:
        for target in next_state[queue.popleft()].tolist():
            if target not in seen:
                seen[target] = None
                queue.append(target)
    return list(seen)


def minimise(machine: MooreMachine) -> MooreMachine:
    """The minimal Moore machine of the states reachable from the initial one, by partition refinement.

    Moore's algorithm: start from the blocks of equal outputs and split by the blocks of the successors
    until nothing splits. AALpy's own minimize() merges one pair at a time and searches distinguishing
    sequences breadth-first without de-duplicating its queue; on the 58-state automaton of the driver's
    coffee network it was still running after 15 minutes. The quotient is checked against it on small machines (tests).
    """
    letters, (next_state, initial) = machine.get_input_alphabet(), _transition_array(machine)
    reachable = np.array(reachable_states(next_state, initial))     # the initial state first
    new_index = np.full(len(machine.states), -1)
    new_index[reachable] = np.arange(len(reachable))
    next_state, states = new_index[next_state[reachable]], [machine.states[index] for index in reachable]
    _, block = np.unique(np.array([str(state.output) for state in states]), return_inverse=True)
    while True:
        _, refined = np.unique(np.column_stack([block, block[next_state]]), axis=0, return_inverse=True)
        refined = refined.reshape(-1)
        if refined.max() == block.max():
            break
        block = refined
    blocks = {int(b): MooreState(f"q{b}", output=states[i].output) for i, b in enumerate(block.tolist())}
    for i, b in enumerate(block.tolist()):
        blocks[b].transitions = {letter: blocks[int(block[next_state[i, j]])] for j, letter in enumerate(letters)}
    initial = blocks[int(block[0])]
    return MooreMachine(initial, [initial] + [state for state in blocks.values() if state is not initial])


def _transition_array(machine: MooreMachine) -> tuple[np.ndarray, int]:
    """(next_state, initial index) over machine.states, letters in get_input_alphabet() order."""
    index_of = {id(state): i for i, state in enumerate(machine.states)}
    letters = machine.get_input_alphabet()
    next_state = np.array([[index_of[id(state.transitions[letter])] for letter in letters]
                           for state in machine.states]).reshape(len(machine.states), len(letters))
    return next_state, index_of[id(machine.initial_state)]


def empty_word_output(automaton) -> str:
    """What the ground truth outputs for the empty word, as a network class name (a marker for Mealy)."""
    kind = automaton_kind(automaton)
    if kind in ("dfa", "pda"):   # a PDA's initial configuration has only '$' on the stack
        return str(automaton.initial_state.is_accepting)
    return str(automaton.initial_state.output) if kind == "moore" else EMPTY_WORD_OUTPUT


def ground_truth_machine(automaton) -> MooreMachine:
    """A regular automaton as the Moore machine of its outputs after each prefix.

    Its states are the reachable pairs (state, output of the last step); for a DFA or a Moore machine the
    output is the state's own, so this is the automaton itself; a Mealy machine gets one state per pair.
    """
    table = compile_table(automaton)
    initial_output = empty_word_output(automaton)
    initial = (table.initial_state, initial_output)
    pairs, queue = {initial: MooreState(0, output=initial_output)}, deque([initial])
    while queue:
        state, output = pair = queue.popleft()
        for letter_index, letter in enumerate(table.letters):
            target = (int(table.next_state[state, letter_index]),
                      table.output_classes[table.output_after[state, letter_index]])
            if target not in pairs:
                pairs[target] = MooreState(len(pairs), output=target[1])
                queue.append(target)
            pairs[pair].transitions[letter] = pairs[target]
    return MooreMachine(pairs[initial], list(pairs.values()))


def prefix_outputs(abstract: AbstractAutomaton, letters: np.ndarray) -> np.ndarray:
    """The abstract automaton's output after every prefix: (n_words, max_length) str, padding is junk."""
    state = np.full(len(letters), abstract.initial_state)
    outputs = np.empty(letters.shape, dtype=abstract.outputs.dtype)
    for position in range(letters.shape[1]):
        state = abstract.next_state[state, letters[:, position]]
        outputs[:, position] = abstract.outputs[state]
    return outputs


def word_agreement(outputs: np.ndarray, expected: np.ndarray, valid: np.ndarray) -> float:
    """Share of words whose outputs equal the expected ones after every prefix (docs/contract.md, Accuracy)."""
    return float(((outputs == expected) | ~valid).all(axis=1).mean())


def compare_with_ground_truth(abstract: AbstractAutomaton, ground_truth: MooreMachine | None,
                              test_letters: np.ndarray, test_valid: np.ndarray, truth_outputs: np.ndarray,
                              network_outputs: np.ndarray) -> ExtractionReport:
    """Minimise, check equivalence (regular ground truth only), and measure agreement on the test words."""
    minimal = minimise(to_moore_machine(abstract))
    outputs = prefix_outputs(abstract, test_letters)
    return ExtractionReport(
        states_before=abstract.n_states, states_after=len(minimal.states),
        ground_truth_states=None if ground_truth is None else len(minimise(ground_truth).states),
        conflicts=abstract.transition_conflicts, output_conflicts=abstract.output_conflicts,
        missing_transitions=abstract.missing_transitions,
        equivalent=None if ground_truth is None else bool(bisimilar(minimal, ground_truth)),
        agreement_with_automaton=word_agreement(outputs, truth_outputs, test_valid),
        agreement_with_network=word_agreement(outputs, network_outputs, test_valid))
