"""The PDAs (docs/contract.md) against membership checks written independently from each language's definition."""

import random
import re

import pytest

from stateclusters.automata.context_free import CONTEXT_FREE_NAMES, get_context_free_automaton
from stateclusters.automata.pda import Pda
from stateclusters.base.errors import AutomatonError

# ---------------------------------------------------------------- independent membership checks


def _is_dyck(brackets, closer_to_opener):
    """Whether the brackets balance; anything that is neither opener nor closer is neutral."""
    openers = set(closer_to_opener.values())
    open_brackets = []
    for bracket in brackets:
        if bracket in openers:
            open_brackets.append(bracket)
        elif bracket in closer_to_opener:
            if not open_brackets or open_brackets.pop() != closer_to_opener[bracket]:
                return False
    return not open_brackets


def _two_blocks_of_equal_units(word, first_units, second_units):
    """Whether word = u v, u made of n ≥ 1 units of first_units, v of n units of second_units."""
    first, second = '|'.join(first_units), '|'.join(second_units)
    match = re.fullmatch(f'((?:{first})+)((?:{second})+)', word)
    if match is None:
        return False
    return len(re.findall(first, match.group(1))) == len(re.findall(second, match.group(2)))


def _is_token_dyck(word, token_to_bracket, closer_to_opener):
    """Non-empty word made of the tokens whose brackets balance; tokens mapped to '' are neutral."""
    token_pattern = '|'.join(map(re.escape, token_to_bracket))
    if not re.fullmatch(f'(?:{token_pattern})+', word):
        return False
    return _is_dyck([token_to_bracket[token] for token in re.findall(token_pattern, word)], closer_to_opener)


def _is_single_nested(word):
    match = re.fullmatch(r'([(\[]+)([)\]]*)', word)
    return match is not None and match.group(2) == match.group(1)[::-1].translate(str.maketrans('([', ')]'))


def _brackets(pairs, neutral_tokens=''):
    """Token table for plain brackets plus neutral tokens."""
    return {**{bracket: bracket for pair in pairs for bracket in pair}, **{token: '' for token in neutral_tokens}}


_PAIRS = {')': '(', ']': '[', '}': '{', '>': '<'}

# A word is in the language iff the check returns True; all 15 languages exclude the empty word.
MEMBERSHIP = {
    'CFG_L_1': lambda w: _two_blocks_of_equal_units(w, ['a'], ['b']),
    'CFG_L_2': lambda w: _two_blocks_of_equal_units(w, ['a', 'b'], ['c', 'd']),
    'CFG_L_3': lambda w: _two_blocks_of_equal_units(w, ['ab', 'cd'], ['ef', 'gh']),
    'CFG_L_4': lambda w: _two_blocks_of_equal_units(w, ['ab'], ['cd']),
    'CFG_L_5': lambda w: _two_blocks_of_equal_units(w, ['abc'], ['def']),
    'CFG_L_6': lambda w: _two_blocks_of_equal_units(w, ['ab', 'c'], ['de', 'f']),
    'CFG_L_7': lambda w: _is_token_dyck(w, _brackets(['()', '[]']), _PAIRS),
    'CFG_L_8': lambda w: _is_token_dyck(w, _brackets(['()', '[]', '{}']), _PAIRS),
    'CFG_L_9': lambda w: _is_token_dyck(w, _brackets(['()', '[]', '{}', '<>']), _PAIRS),
    'CFG_L_10': lambda w: _is_token_dyck(w, {'abcde': '(', 'vwxyz': ')'}, _PAIRS),
    'CFG_L_11': lambda w: _is_token_dyck(w, {'ab': '(', 'c': '(', 'de': ')', 'f': ')'}, _PAIRS),
    'CFG_L_12': _is_single_nested,
    'CFG_L_13': lambda w: _is_token_dyck(w, _brackets(['()'], 'abc'), _PAIRS),
    'CFG_L_14': lambda w: _is_token_dyck(w, _brackets(['()', '[]'], 'abc'), _PAIRS),
    'CFG_L_15': lambda w: _is_token_dyck(w, _brackets(['()'], ['abc', 'd']), _PAIRS),
}

# |Q| counted by hand from the tables in docs/contract.md (Languages), err included.
EXPECTED_SIZES = {'CFG_L_1': 4, 'CFG_L_2': 4, 'CFG_L_3': 10, 'CFG_L_4': 7, 'CFG_L_5': 10, 'CFG_L_6': 7,
                  'CFG_L_7': 3, 'CFG_L_8': 3, 'CFG_L_9': 3, 'CFG_L_10': 11, 'CFG_L_11': 5, 'CFG_L_12': 4,
                  'CFG_L_13': 3, 'CFG_L_14': 3, 'CFG_L_15': 5}

# ---------------------------------------------------------------- word generators biased towards members


def _dyck_tokens(rng, opener_closer_pairs, n_pairs):
    """A random balanced sequence of n_pairs (opener, closer) token pairs."""
    tokens, open_closers, n_opened = [], [], 0
    while n_opened < n_pairs or open_closers:
        if n_opened < n_pairs and (not open_closers or rng.random() < 0.5):
            opener, closer = rng.choice(opener_closer_pairs)
            tokens.append(opener)
            open_closers.append(closer)
            n_opened += 1
        else:
            tokens.append(open_closers.pop())
    return tokens


def _sprinkle(rng, tokens, neutral_tokens, n_neutral):
    for _ in range(n_neutral):
        tokens.insert(rng.randint(0, len(tokens)), rng.choice(neutral_tokens))
    return tokens


def _units(rng, choices, n):
    return ''.join(rng.choice(choices) for _ in range(n))


def _member(name, rng):
    """A random member of the language (by construction, not by the PDA)."""
    n = rng.randint(1, 5)
    builders = {
        'CFG_L_1': lambda: 'a' * n + 'b' * n,
        'CFG_L_2': lambda: _units(rng, 'ab', n) + _units(rng, 'cd', n),
        'CFG_L_3': lambda: _units(rng, ['ab', 'cd'], n) + _units(rng, ['ef', 'gh'], n),
        'CFG_L_4': lambda: 'ab' * n + 'cd' * n,
        'CFG_L_5': lambda: 'abc' * n + 'def' * n,
        'CFG_L_6': lambda: _units(rng, ['ab', 'c'], n) + _units(rng, ['de', 'f'], n),
        'CFG_L_7': lambda: ''.join(_dyck_tokens(rng, ['()', '[]'], n)),
        'CFG_L_8': lambda: ''.join(_dyck_tokens(rng, ['()', '[]', '{}'], n)),
        'CFG_L_9': lambda: ''.join(_dyck_tokens(rng, ['()', '[]', '{}', '<>'], n)),
        'CFG_L_10': lambda: ''.join(_dyck_tokens(rng, [('abcde', 'vwxyz')], n)),
        'CFG_L_11': lambda: ''.join(_dyck_tokens(rng, [(o, c) for o in ('ab', 'c') for c in ('de', 'f')], n)),
        'CFG_L_12': lambda: (lambda u: u + u[::-1].replace('(', ')').replace('[', ']'))(_units(rng, '([', n)),
        'CFG_L_13': lambda: ''.join(_sprinkle(rng, _dyck_tokens(rng, ['()'], n - 1), 'abc', rng.randint(1, 3))),
        'CFG_L_14': lambda: ''.join(_sprinkle(rng, _dyck_tokens(rng, ['()', '[]'], n - 1), 'abc',
                                              rng.randint(1, 3))),
        'CFG_L_15': lambda: ''.join(_sprinkle(rng, _dyck_tokens(rng, ['()'], n - 1), ['abc', 'd'],
                                              rng.randint(1, 3))),
    }
    return builders[name]()


def _mutate(rng, word, alphabet):
    """Delete, insert, replace or swap one letter, or append another member-like chunk."""
    position = rng.randint(0, max(len(word) - 1, 0))
    kind = rng.randrange(5)
    if kind == 0:
        return word[:position] + word[position + 1:]
    if kind == 1:
        return word[:position] + rng.choice(alphabet) + word[position:]
    if kind == 2:
        return word[:position] + rng.choice(alphabet) + word[position + 1:]
    if kind == 3 and len(word) > 1:
        position = min(position, len(word) - 2)
        return word[:position] + word[position + 1] + word[position] + word[position + 2:]
    return word + word[:rng.randint(0, len(word))]


def _sampler_word(pda, rng, length):
    """The word generator of docs/contract.md (Words): with prob. 0.75 an enabled letter, else any letter."""
    pda.reset_to_initial()
    word = ''
    for _ in range(length):
        enabled = pda.enabled_letters()
        letter = rng.choice(enabled if enabled and rng.random() < 0.75 else pda.get_input_alphabet())
        pda.step(letter)
        word += letter
    return word


def _test_words(name, seed=0):
    rng = random.Random(seed)
    pda = get_context_free_automaton(name)
    alphabet = pda.get_input_alphabet()
    members = [_member(name, rng) for _ in range(300)]
    mutated = [_mutate(rng, rng.choice(members), alphabet) for _ in range(300)]
    uniform = [''.join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(300)]
    sampled = [_sampler_word(pda, rng, rng.randint(1, 20)) for _ in range(300)]
    return members + mutated + uniform + sampled


# ---------------------------------------------------------------- tests


@pytest.mark.parametrize('name', CONTEXT_FREE_NAMES)
def test_pda_agrees_with_definition_on_every_prefix(name):
    pda = get_context_free_automaton(name)
    is_member = MEMBERSHIP[name]
    n_accepted = n_rejected = 0
    for word in _test_words(name):
        pda.reset_to_initial()
        for length, letter in enumerate(word, start=1):
            accepted = pda.step(letter)
            assert accepted == is_member(word[:length]), (name, word[:length])
            n_accepted += accepted
            n_rejected += not accepted
    assert n_accepted >= 100 and n_rejected >= 100, (n_accepted, n_rejected)


@pytest.mark.parametrize('name', CONTEXT_FREE_NAMES)
def test_constructed_members_are_accepted_and_empty_word_is_not(name):
    pda = get_context_free_automaton(name)
    rng = random.Random(1)
    for _ in range(50):
        assert pda.accepts(_member(name, rng))
    assert not pda.accepts('')


@pytest.mark.parametrize('name', CONTEXT_FREE_NAMES)
def test_enabled_letters_are_exactly_those_that_avoid_err(name):
    pda = get_context_free_automaton(name)
    rng = random.Random(2)
    alphabet = pda.get_input_alphabet()
    for _ in range(30):
        word = _sampler_word(pda, rng, rng.randint(0, 12))
        for length in range(len(word) + 1):
            pda.accepts(word[:length])
            enabled = pda.enabled_letters()
            assert enabled == sorted(enabled, key=str)
            for letter in alphabet:
                pda.accepts(word[:length])
                pda.step(letter)
                assert (pda.current_state.state_id != 'err') == (letter in enabled), (word[:length], letter)


@pytest.mark.parametrize('name', CONTEXT_FREE_NAMES)
def test_size_counts_err_and_initial_configuration(name):
    pda = get_context_free_automaton(name)
    assert pda.name == name
    assert pda.size == EXPECTED_SIZES[name] == len(pda.states)
    assert 'err' in [state.state_id for state in pda.states]
    assert pda.stack == ('$',)
    assert pda.current_state == pda.initial_state and pda.initial_state.state_id == 'q0'
    assert pda.get_input_alphabet() == sorted(pda.get_input_alphabet(), key=str)


def test_err_is_absorbing_and_keeps_the_stack():
    pda = get_context_free_automaton('CFG_L_1')
    for letter in 'aab':
        pda.step(letter)
    assert pda.stack == ('$', 'a')
    assert pda.step('a') is False
    assert pda.current_state.state_id == 'err' and not pda.current_state.is_accepting
    assert pda.stack == ('$', 'a')
    assert pda.enabled_letters() == []
    assert [pda.step(letter) for letter in 'bbab'] == [False] * 4
    assert pda.current_state.state_id == 'err'


def test_push2_and_pop2_and_popping_the_bottom_marker():
    pda = get_context_free_automaton('CFG_L_6')
    pda.step('c')
    assert pda.stack == ('$', 'c', 'c')
    assert pda.step('f') is True and pda.stack == ('$',)
    assert pda.step('f') is False and pda.current_state.state_id == 'err'  # pop2 would remove `$`
    assert pda.accepts('abcff') and not pda.accepts('abcfff') and not pda.accepts('cdf')


def test_dyck4_pairs_angle_brackets_with_each_other():
    pda = get_context_free_automaton('CFG_L_9')
    assert pda.accepts('<>') and pda.accepts('{<>}')
    assert not pda.accepts('{>') and not pda.accepts('<}')


def test_unknown_name_lists_valid_names():
    with pytest.raises(AutomatonError, match='CFG_L_15'):
        get_context_free_automaton('CFG_L_16')


def test_a_fresh_automaton_each_call():
    first = get_context_free_automaton('CFG_L_7')
    first.step('(')
    assert get_context_free_automaton('CFG_L_7').stack == ('$',)


def test_invalid_tables_are_refused():
    with pytest.raises(ValueError, match='two transitions'):
        Pda('x', 'q0', ['q0'], [('q0', 'a', None, 'push', 'q0'), ('q0', 'a', 'a', 'pop', 'q0')])
    with pytest.raises(ValueError, match='reserved'):
        Pda('x', 'q0', ['q0'], [('q0', 'a', None, None, 'err')])
    with pytest.raises(ValueError, match='stack action'):
        Pda('x', 'q0', ['q0'], [('q0', 'a', None, 'jump', 'q0')])
