"""The regular automata, their .dot files, the loader's validation and the registry."""
import functools
import random

import pytest

from stateclusters import automata
from stateclusters.automata import (
    DOT_DIR,
    automaton_kind,
    get_automaton,
    input_alphabet,
    is_context_free,
    list_automata,
    random_automaton_specs,
    regular_automaton_names,
)
from stateclusters.automata.dot_loading import load_dot_automaton
from stateclusters.automata.generate_dot_files import write_dot_file
from stateclusters.automata.handwritten import HANDWRITTEN_NAMES
from stateclusters.base.errors import AutomatonError

REGULAR_NAMES = regular_automaton_names()
SPECS_BY_NAME = {spec.name: spec for spec in random_automaton_specs()}
HANDWRITTEN_SIZES = {'tomita1': 2, 'tomita3': 5, 'tomita5': 4, 'tomita7': 5, 'angluin': 4, 'regex': 7,
                     'mqtt': 3, 'coffee': 7}
NOT_MINIMAL = {'coffee'}  # the contract's table keeps d and dp, which behave alike


@functools.cache
def loaded(name: str):
    """Each committed automaton parsed once per test session (pydot takes ~0.1 s a file); tests only step it."""
    return get_automaton(name)


def outputs_of(automaton, word):
    """The automaton's output after each letter of `word`."""
    automaton.reset_to_initial()
    return [automaton.step(letter) for letter in word]


def accepts(dfa, word: str) -> bool:
    dfa.reset_to_initial()
    return dfa.initial_state.is_accepting if not word else outputs_of(dfa, word)[-1]


def all_states_reachable(automaton) -> bool:
    return all(automaton.get_shortest_path(automaton.initial_state, state) is not None for state in automaton.states)


# --- the registry's names --------------------------------------------------------------------------------------

def test_regular_names_in_registry_order():
    assert len(REGULAR_NAMES) == 62 == len(set(REGULAR_NAMES))
    assert REGULAR_NAMES[:8] == list(HANDWRITTEN_NAMES) == ['tomita1', 'tomita3', 'tomita5', 'tomita7', 'angluin',
                                                            'regex', 'mqtt', 'coffee']
    assert sum(name.startswith('dfa_') for name in REGULAR_NAMES) == 30
    assert sum(name.startswith('moore_') for name in REGULAR_NAMES) == 24
    assert REGULAR_NAMES[8] == 'dfa_5_2_1' and REGULAR_NAMES[-1] == 'moore_12_4_5_3'


def test_list_automata_ends_with_the_context_free_names():
    names = list_automata()
    assert len(names) == 62 + 15
    assert names[:62] == REGULAR_NAMES
    assert names[62:] == [f'CFG_L_{number}' for number in range(1, 16)]


def test_every_regular_automaton_has_a_dot_file():
    assert sorted(path.stem for path in DOT_DIR.glob('*.dot')) == sorted(REGULAR_NAMES)


# --- each regular automaton ------------------------------------------------------------------------------------

@pytest.mark.parametrize('name', REGULAR_NAMES)
def test_regular_automaton_is_complete_reachable_and_minimal(name):
    automaton = loaded(name)
    assert automaton.is_input_complete()
    assert all_states_reachable(automaton)
    assert automaton.is_minimal() == (name not in NOT_MINIMAL)
    letters = input_alphabet(automaton)
    assert letters and all(isinstance(letter, str) for letter in letters)
    assert letters == sorted(letters)
    for state in automaton.states:
        assert list(state.transitions) == letters
        if automaton_kind(automaton) == 'mealy':
            assert all(isinstance(output, str) for output in state.output_fun.values())
        if automaton_kind(automaton) == 'moore':
            assert isinstance(state.output, str)


@pytest.mark.parametrize('name', HANDWRITTEN_NAMES)
def test_handwritten_sizes_and_kinds(name):
    automaton = loaded(name)
    assert automaton.size == HANDWRITTEN_SIZES[name]
    assert automaton_kind(automaton) == ('mealy' if name in ('mqtt', 'coffee') else 'dfa')
    assert not is_context_free(automaton)


@pytest.mark.parametrize('name', list(SPECS_BY_NAME))
def test_random_automaton_sizes(name):
    spec = SPECS_BY_NAME[name]
    automaton = loaded(name)
    assert automaton_kind(automaton) == spec.kind
    assert automaton.size == spec.n_states
    assert len(input_alphabet(automaton)) == spec.n_inputs
    if spec.kind == 'dfa':
        assert sum(state.is_accepting for state in automaton.states) == spec.n_states // 2
    else:
        assert sorted({state.output for state in automaton.states}) == [f'o{i}' for i in range(1, spec.n_outputs + 1)]


def test_named_random_examples():
    dfa = loaded('dfa_10_4_2')
    assert dfa.size == 10 and input_alphabet(dfa) == ['a', 'b', 'c', 'd']
    moore = loaded('moore_12_2_5_3')
    assert moore.size == 12 and input_alphabet(moore) == ['a', 'b']


@pytest.mark.parametrize('name, word, accepted', [
    ('tomita1', '', True), ('tomita1', '111', True), ('tomita1', '101', False),
    ('tomita3', '', True), ('tomita3', '0110', True), ('tomita3', '10', False), ('tomita3', '100', True),
    ('tomita3', '101', False), ('tomita3', '1110', False), ('tomita3', '11100', True),
    ('tomita5', '0101', True), ('tomita5', '011', False),
    ('tomita7', '0101', True), ('tomita7', '01010', False), ('tomita7', '0011', True),
    ('angluin', 'abab', True), ('angluin', 'aab', False),
    ('regex', '34', True), ('regex', '33', False), ('regex', '4444', False), ('regex', '44434', True),
    ('regex', '3456', True), ('regex', '343', False),
])
def test_dfa_languages(name, word, accepted):
    assert accepts(loaded(name), word) == accepted


def test_mqtt_outputs():
    mqtt = loaded('mqtt')
    word = ['connect', 'subscribe', 'publish', 'unsubscribe', 'publish', 'invalid', 'publish']
    assert outputs_of(mqtt, word) == ['CONNACK', 'SUBACK', 'PUBACK__PUBLISH', 'UNSUBACK', 'PUBACK', 'CONCLOSED',
                                      'CONCLOSED']


def test_coffee_outputs():
    coffee = loaded('coffee')
    assert outputs_of(coffee, ['pod', 'water', 'button']) == ['check', 'check', 'coffee']
    assert outputs_of(coffee, ['water', 'pod', 'button', 'pod']) == ['check', 'check', 'coffee', 'coffee']
    assert outputs_of(coffee, ['button', 'clean']) == ['star', 'star']
    assert outputs_of(coffee, ['pod', 'water', 'clean', 'button']) == ['check', 'check', 'check', 'star']


# --- the generator ---------------------------------------------------------------------------------------------

def test_generator_reproduces_the_committed_files(tmp_path):
    for name in REGULAR_NAMES:
        written = write_dot_file(name, tmp_path)
        assert written.read_bytes() == (DOT_DIR / f'{name}.dot').read_bytes(), name


def test_generator_leaves_the_global_random_state_alone(tmp_path):
    random.seed(7)
    expected = random.random()
    random.seed(7)
    write_dot_file('dfa_5_2_1', tmp_path)
    assert random.random() == expected


# --- the loader's validation -----------------------------------------------------------------------------------

GOOD_DFA = '''digraph g {
s0 [label="s0", shape=doublecircle];
s1 [label="s1"];
s0 -> s1 [label="0"];
s0 -> s0 [label="1"];
s1 -> s1 [label="0"];
s1 -> s1 [label="1"];
__start0 [shape=none, label=""];
__start0 -> s0 [label=""];
}
'''

BAD_FILES = {
    'syntax': (GOOD_DFA.replace('s0 -> s1 [label="0"];', 's0 -> [label="0"];'), 'syntax error'),
    'no_initial': (GOOD_DFA.replace('__start0 -> s0 [label=""];', ''), 'no initial state'),
    'undefined_initial': (GOOD_DFA.replace('__start0 -> s0', '__start0 -> s9'), "initial state 's9'"),
    'undefined_target': (GOOD_DFA.replace('s0 -> s1 [label="0"]', 's0 -> s7 [label="0"]'), "undefined state 's7'"),
    'nondeterministic': (GOOD_DFA.replace('s0 -> s0 [label="1"]', 's0 -> s0 [label="0"]'),
                         "state 's0' has two transitions for letter '0'"),
    'incomplete': (GOOD_DFA.replace('s1 -> s1 [label="1"];', ''), "state 's1' has no transition for letter '1'"),
    'empty': ('digraph g {\n}\n', 'no states'),
    'no_transitions': ('digraph g {\ns0 [label="s0"];\n__start0 -> s0;\n}\n', 'no transitions'),
    'unlabelled_transition': (GOOD_DFA.replace('s1 -> s1 [label="1"]', 's1 -> s1'), 'has no label'),
    'two_graphs': (GOOD_DFA + GOOD_DFA, '2 graphs'),
    'mixed_labels': (GOOD_DFA.replace('label="s1"', 'label="s1|x"').replace('label="0"', 'label="0/x"'), 'mixes'),
    'not_utf8': (b'digraph g { \xff }', 'UTF-8'),
}


@pytest.mark.parametrize('case', list(BAD_FILES))
def test_bad_dot_files_raise_one_line_naming_the_file(case, tmp_path, capsys):
    content, problem = BAD_FILES[case]
    path = tmp_path / f'{case}.dot'
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(AutomatonError) as raised:
        load_dot_automaton(path)
    message = str(raised.value)
    assert str(path) in message and problem in message and '\n' not in message
    assert capsys.readouterr().out == ''  # neither pydot's parse report nor AALpy's warnings leak


@pytest.mark.parametrize('text', [
    'digraph g { s0 [label="s0"]; s0 -> s0 [label="a"]; __start0 -> s0; }',
    'digraph g {\ns0 [label="s0"];\ns1 [label="s1"];\ns0 -> s1 -> s0 [label="a"];\n__start0 -> s0;\n}\n',
])
def test_valid_dot_that_aalpy_reads_differently_is_refused(text, tmp_path, capsys):
    path = tmp_path / 'one_line.dot'
    path.write_text(text)
    with pytest.raises(AutomatonError, match='one node or edge statement per line'):
        load_dot_automaton(path)
    assert capsys.readouterr().out == ''


def test_missing_and_directory_paths_raise(tmp_path):
    with pytest.raises(AutomatonError, match='nope.dot: no such file'):
        load_dot_automaton(tmp_path / 'nope.dot')
    with pytest.raises(AutomatonError, match='is a folder'):
        load_dot_automaton(tmp_path)


def test_explicit_type_must_match_the_labels(tmp_path):
    path = tmp_path / 'dfa.dot'
    path.write_text(GOOD_DFA)
    assert automaton_kind(load_dot_automaton(path, 'dfa')) == 'dfa'
    with pytest.raises(AutomatonError, match="is not 'input/output'"):
        load_dot_automaton(path, 'mealy')
    with pytest.raises(AutomatonError, match="state 's0' has no output"):
        load_dot_automaton(path, 'moore')
    with pytest.raises(AutomatonError, match="unknown automaton type 'nfa'"):
        load_dot_automaton(path, 'nfa')


def test_digit_letters_and_outputs_become_str(tmp_path):
    mealy_path, moore_path = tmp_path / 'mealy.dot', tmp_path / 'moore.dot'
    mealy_path.write_text('digraph m {\nq [label="q"];\nq -> q [label="0/1"];\nq -> q [label="1/0"];\n'
                          '__start0 [shape=none, label=""];\n__start0 -> q [label=""];\n}\n')
    moore_path.write_text('digraph m {\nq [label="q|7", shape=record];\np [label="p|8", shape=record];\n'
                          'q -> p [label="1"];\np -> q [label="1"];\n__start0 -> q;\n}\n')
    mealy, moore = load_dot_automaton(mealy_path), load_dot_automaton(moore_path)
    assert automaton_kind(mealy) == 'mealy' and automaton_kind(moore) == 'moore'
    assert outputs_of(mealy, ['0', '1']) == ['1', '0']
    assert outputs_of(moore, ['1', '1']) == ['8', '7']


# --- get_automaton by name or path -----------------------------------------------------------------------------

def test_unknown_name_lists_the_valid_names():
    with pytest.raises(AutomatonError) as raised:
        get_automaton('xyz')
    message = str(raised.value)
    assert "unknown automaton 'xyz'" in message
    for part in ['tomita1', 'tomita7', 'angluin', 'regex', 'mqtt', 'coffee', 'dfa_{5,10}_{2,4,6}_{1..5}',
                 'moore_{8,12}_{2,4}_{3,5}_{1..3}', 'CFG_L_1..CFG_L_15', '.dot file']:
        assert part in message


def test_a_dot_path_works_as_a_name(tmp_path):
    copy = tmp_path / 'my_tomita.dot'
    copy.write_bytes((DOT_DIR / 'tomita3.dot').read_bytes())
    assert get_automaton(str(copy)).size == 5
    assert get_automaton(str(DOT_DIR / 'coffee.dot')).size == 7
    with pytest.raises(AutomatonError, match='missing.dot: no such file'):
        get_automaton(str(tmp_path / 'missing.dot'))


def test_registry_does_not_depend_on_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert get_automaton('tomita3').size == 5


def test_context_free_names_are_pdas():
    pytest.importorskip('stateclusters.automata.context_free')
    pda = get_automaton('CFG_L_1')
    assert is_context_free(pda) and automaton_kind(pda) == 'pda'
    assert input_alphabet(pda) == ['a', 'b']


def test_automaton_kind_rejects_other_objects():
    with pytest.raises(TypeError):
        automaton_kind(object())
    assert not automata.is_context_free(object())
