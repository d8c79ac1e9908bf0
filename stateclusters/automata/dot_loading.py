"""Load a DFA, Moore or Mealy machine from a .dot file in AALpy's format: validated, letters and outputs as str."""
import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import pydot
from aalpy.utils import load_automaton_from_file

from stateclusters.base.errors import AutomatonError

AUTOMATON_TYPES = ('dfa', 'moore', 'mealy')
START_NODE = '__start0'
PYDOT_ATTRIBUTE_STATEMENTS = ('node', 'edge', 'graph')  # `node [...]` etc. look like nodes to pydot


@dataclass(frozen=True)
class DotTable:
    """What a .dot file says, read by pydot: state labels by node name, labelled edges, initial-state targets."""
    state_labels: dict[str, Optional[str]]
    edges: list[tuple[str, str, Optional[str]]]   # (source, target, label)
    initial_targets: list[str]


def _unquote(text: Optional[str]) -> Optional[str]:
    if text is not None and len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding='utf-8')
    except FileNotFoundError:
        raise AutomatonError(f'{path}: no such file') from None
    except IsADirectoryError:
        raise AutomatonError(f'{path}: is a folder, not a .dot file') from None
    except UnicodeDecodeError:
        raise AutomatonError(f'{path}: is not UTF-8 text') from None
    except OSError as error:
        raise AutomatonError(f'{path}: cannot be read ({error.strerror})') from None


def _parse_dot(path: Path, text: str) -> pydot.Dot:
    """The one digraph in `text`; pydot prints parse errors, so catch its output for our message."""
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            graphs = pydot.graph_from_dot_data(text)
    except Exception as error:  # pyparsing and pydot raise many kinds on malformed input
        raise AutomatonError(f'{path}: DOT syntax error ({error})') from None
    if graphs is None:
        reasons = [line.strip() for line in printed.getvalue().splitlines() if line.strip()]
        raise AutomatonError(f'{path}: DOT syntax error ({reasons[-1] if reasons else "unparsable"})')
    if len(graphs) != 1:
        raise AutomatonError(f'{path}: holds {len(graphs)} graphs; expected exactly one digraph')
    if graphs[0].get_type() != 'digraph':
        raise AutomatonError(f'{path}: is an undirected graph; expected a digraph')
    return graphs[0]


def _dot_table(path: Path, graph: pydot.Dot) -> DotTable:
    state_labels = {}
    for node in graph.get_nodes():
        name = _unquote(node.get_name())
        if name in PYDOT_ATTRIBUTE_STATEMENTS or name == START_NODE:
            continue
        if name in state_labels:
            raise AutomatonError(f'{path}: state {name!r} is defined twice')
        state_labels[name] = _unquote(node.get_label())
    edges, initial_targets = [], []
    for edge in graph.get_edges():
        source, target = _unquote(edge.get_source()), _unquote(edge.get_destination())
        if source == START_NODE:
            initial_targets.append(target)
        else:
            edges.append((source, target, _unquote(edge.get_label())))
    return DotTable(state_labels, edges, initial_targets)


def _detect_type(path: Path, table: DotTable) -> str:
    """Mealy if an edge label has '/', Moore if a state label has '|', else DFA."""
    is_mealy = any(label and '/' in label for _, _, label in table.edges)
    is_moore = any(label and '|' in label for label in table.state_labels.values())
    if is_mealy and is_moore:
        raise AutomatonError(f"{path}: mixes Mealy edge labels ('in/out') and Moore state labels ('state|out'); "
                             f'give the automaton type')
    return 'mealy' if is_mealy else 'moore' if is_moore else 'dfa'


def _state_id(label: str, automaton_type: str) -> str:
    """The state id AALpy will give a node: its label, without the Moore output."""
    return label.split('|', 1)[0] if automaton_type == 'moore' else label


def _check_states(path: Path, table: DotTable, automaton_type: str) -> None:
    if not table.state_labels:
        raise AutomatonError(f'{path}: has no states (empty automaton)')
    state_ids = set()
    for name, label in table.state_labels.items():
        if label is None:
            raise AutomatonError(f'{path}: state {name!r} has no label')
        if automaton_type == 'moore' and '|' not in label:
            raise AutomatonError(f"{path}: state {name!r} has no output (Moore state labels are 'state|output')")
        state_id = _state_id(label, automaton_type)
        if state_id in state_ids:
            raise AutomatonError(f'{path}: two states are labelled {state_id!r}')
        state_ids.add(state_id)


def _check_initial_state(path: Path, table: DotTable) -> None:
    if not table.initial_targets:
        raise AutomatonError(f"{path}: has no initial state (expected an edge '{START_NODE} -> state')")
    if len(table.initial_targets) > 1:
        raise AutomatonError(f'{path}: has {len(table.initial_targets)} initial states; expected one')
    if table.initial_targets[0] not in table.state_labels:
        raise AutomatonError(f'{path}: initial state {table.initial_targets[0]!r} is not defined')


def _transition_letters(path: Path, table: DotTable, automaton_type: str) -> dict[str, list[str]]:
    """Letters of each state's transitions; rejects undefined states, unlabelled and duplicate transitions."""
    letters_of_state = {name: [] for name in table.state_labels}
    for source, target, label in table.edges:
        for end in (source, target):
            if end not in table.state_labels:
                raise AutomatonError(f'{path}: transition {source} -> {target} uses undefined state {end!r}')
        if not label:
            raise AutomatonError(f'{path}: transition {source} -> {target} has no label')
        if automaton_type == 'mealy' and '/' not in label:
            raise AutomatonError(f"{path}: transition {source} -> {target} label {label!r} is not 'input/output'")
        letter = label.split('/', 1)[0] if automaton_type == 'mealy' else label
        if letter in letters_of_state[source]:
            raise AutomatonError(f'{path}: state {source!r} has two transitions for letter {letter!r} '
                                 f'(nondeterministic)')
        letters_of_state[source].append(letter)
    return letters_of_state


def _check_complete(path: Path, letters_of_state: dict[str, list[str]]) -> None:
    alphabet = sorted({letter for letters in letters_of_state.values() for letter in letters})
    if not alphabet:
        raise AutomatonError(f'{path}: has no transitions (empty automaton)')
    for state, letters in letters_of_state.items():
        missing = [letter for letter in alphabet if letter not in letters]
        if missing:
            raise AutomatonError(f'{path}: state {state!r} has no transition for letter {missing[0]!r} (incomplete)')


def validate_dot_table(path: Path, table: DotTable, automaton_type: str) -> None:
    """Raise AutomatonError for the first problem, so that AALpy only ever sees a complete deterministic table."""
    _check_states(path, table, automaton_type)
    _check_initial_state(path, table)
    _check_complete(path, _transition_letters(path, table, automaton_type))


def _load_with_aalpy(path: Path, table: DotTable, automaton_type: str):
    """AALpy's loader reads line by line with regular expressions; make sure it read what pydot read."""
    hint = "AALpy's loader expects one node or edge statement per line"
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # its warnings are covered by the checks here
            automaton = load_automaton_from_file(path, automaton_type)
    except (AssertionError, AttributeError, KeyError, ValueError, IndexError, TypeError) as error:
        detail = f'{type(error).__name__}: {error}' if str(error) else type(error).__name__
        raise AutomatonError(f'{path}: AALpy cannot load it ({detail}); {hint}') from None
    n_transitions = sum(len(state.transitions) for state in automaton.states)
    if automaton.size != len(table.state_labels) or n_transitions != len(table.edges):
        raise AutomatonError(f'{path}: AALpy read {automaton.size} states and {n_transitions} transitions where '
                             f'the file has {len(table.state_labels)} and {len(table.edges)}; {hint}')
    differing = _transitions_read(automaton, automaton_type) ^ _transitions_written(table, automaton_type)
    if differing:   # e.g. a label broken over two lines: pydot reads it whole, AALpy a piece of it
        source, letter, _, _ = sorted(differing)[0]
        raise AutomatonError(f'{path}: AALpy read the transitions of state {source!r} otherwise than the file '
                             f'says (letter {letter!r}); {hint}')
    return automaton


def _transitions_written(table: DotTable, automaton_type: str) -> set[tuple]:
    """(source id, letter, target id, Mealy output) of every edge, as the file says them."""
    ids = {name: _state_id(label, automaton_type) for name, label in table.state_labels.items()}
    transitions = set()
    for source, target, label in table.edges:
        letter, output = label.split('/', 1) if automaton_type == 'mealy' else (label, None)
        transitions.add((ids[source], letter, ids[target], output))
    return transitions


def _transitions_read(automaton, automaton_type: str) -> set[tuple]:
    """The same, as AALpy read them (its digit labels turned back into str)."""
    return {(str(state.state_id), str(letter), str(target.state_id),
             str(state.output_fun[letter]) if automaton_type == 'mealy' else None)
            for state in automaton.states for letter, target in state.transitions.items()}


def _letters_and_outputs_to_str(automaton, automaton_type: str) -> None:
    """AALpy turns digit labels into ints ('0' -> 0); make every letter and output a str, letters sorted."""
    for state in automaton.states:
        state.transitions = {str(letter): target for letter, target in
                             sorted(state.transitions.items(), key=lambda item: str(item[0]))}
        if automaton_type == 'mealy':
            state.output_fun = {str(letter): str(output) for letter, output in
                                sorted(state.output_fun.items(), key=lambda item: str(item[0]))}
        if automaton_type == 'moore':
            state.output = str(state.output)


def load_dot_automaton(path, automaton_type: Optional[str] = None):
    """A complete deterministic AALpy Dfa, MooreMachine or MealyMachine; its type comes from the labels if not given."""
    path = Path(path)
    if automaton_type is not None and automaton_type not in AUTOMATON_TYPES:
        raise AutomatonError(f'unknown automaton type {automaton_type!r}; valid: {", ".join(AUTOMATON_TYPES)}')
    table = _dot_table(path, _parse_dot(path, _read_text(path)))
    automaton_type = automaton_type or _detect_type(path, table)
    validate_dot_table(path, table, automaton_type)
    automaton = _load_with_aalpy(path, table, automaton_type)
    _letters_and_outputs_to_str(automaton, automaton_type)
    return automaton
