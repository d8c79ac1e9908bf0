"""The hand-written regular automata (docs/contract.md), built in code as AALpy automata (first state is initial)."""
from typing import Callable

from aalpy.automata import Dfa, MealyMachine
from aalpy.utils import get_Angluin_dfa

BINARY = ('0', '1')
REGEX_LETTERS = ('3', '4', '5', '6')
MQTT_LETTERS = ('connect', 'disconnect', 'subscribe', 'publish', 'unsubscribe', 'invalid')
COFFEE_LETTERS = ('clean', 'pod', 'water', 'button')


def _all_to(target: str, letters: tuple[str, ...]) -> dict[str, str]:
    return {letter: target for letter in letters}


def _all_to_with_output(output: str, target: str, letters: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    return {letter: (output, target) for letter in letters}


def tomita1() -> Dfa:
    """1*."""
    return Dfa.from_state_setup({
        's0': (True, {'0': 's1', '1': 's0'}),
        's1': (False, _all_to('s1', BINARY)),
    })


def tomita3() -> Dfa:
    """No odd run of 1s followed by an odd run of 0s (5 states, as tabled in docs/contract.md, Languages)."""
    return Dfa.from_state_setup({
        's0': (True, {'0': 's0', '1': 's1'}),
        's1': (True, {'0': 's2', '1': 's0'}),
        's2': (False, {'0': 's4', '1': 'sink'}),
        's4': (True, {'0': 's2', '1': 's4'}),
        'sink': (False, _all_to('sink', BINARY)),
    })


def tomita5() -> Dfa:
    """Even number of 0s and even number of 1s."""
    return Dfa.from_state_setup({
        's0': (True, {'0': 's1', '1': 's2'}),
        's1': (False, {'0': 's0', '1': 's3'}),
        's2': (False, {'0': 's3', '1': 's0'}),
        's3': (False, {'0': 's2', '1': 's1'}),
    })


def tomita7() -> Dfa:
    """0*1*0*1*."""
    return Dfa.from_state_setup({
        's0': (True, {'0': 's0', '1': 's1'}),
        's1': (True, {'0': 's2', '1': 's1'}),
        's2': (True, {'0': 's2', '1': 's3'}),
        's3': (True, {'0': 's4', '1': 's3'}),
        's4': (False, _all_to('s4', BINARY)),
    })


def angluin() -> Dfa:
    """Even number of a and even number of b: AALpy's own example DFA."""
    return get_Angluin_dfa()


def regex() -> Dfa:
    """The 7-state regular-expression DFA over 3,4,5,6 of docs/contract.md (Languages)."""
    others = ('4', '5', '6')
    return Dfa.from_state_setup({
        's0': (False, {'3': 's1', **_all_to('s3', others)}),
        's1': (False, {'3': 'sink', **_all_to('s2', others)}),
        's2': (True, {'3': 'sink', **_all_to('s2', others)}),
        's3': (False, {'3': 'sink', **_all_to('s4', others)}),
        's4': (False, {'3': 'sink', **_all_to('s5', others)}),
        's5': (False, {'3': 's1', **_all_to('s5', others)}),
        'sink': (False, _all_to('sink', REGEX_LETTERS)),
    })


def mqtt() -> MealyMachine:
    """A 3-state model of an MQTT broker: 0 disconnected, 1 connected, 2 subscribed."""
    closing = ('connect', 'disconnect', 'invalid')
    return MealyMachine.from_state_setup({
        '0': {**_all_to_with_output('CONCLOSED', '0', MQTT_LETTERS), 'connect': ('CONNACK', '1')},
        '1': {**_all_to_with_output('CONCLOSED', '0', closing), 'subscribe': ('SUBACK', '2'),
              'publish': ('PUBACK', '1'), 'unsubscribe': ('UNSUBACK', '1')},
        '2': {**_all_to_with_output('CONCLOSED', '0', closing), 'subscribe': ('SUBACK', '2'),
              'publish': ('PUBACK__PUBLISH', '2'), 'unsubscribe': ('UNSUBACK', '1')},
    })


def coffee() -> MealyMachine:
    """The 7-state coffee machine; d and dp behave alike, the contract keeps both (docs/contract.md, Choices)."""
    return MealyMachine.from_state_setup({
        'a': {'clean': ('check', 'a'), 'pod': ('check', 'b'), 'water': ('check', 'c'), 'button': ('star', 'f')},
        'b': {'clean': ('check', 'a'), 'pod': ('check', 'b'), 'water': ('check', 'd'), 'button': ('star', 'f')},
        'c': {'clean': ('check', 'a'), 'pod': ('check', 'dp'), 'water': ('check', 'c'), 'button': ('star', 'f')},
        'd': {'clean': ('check', 'a'), 'pod': ('check', 'd'), 'water': ('check', 'd'), 'button': ('coffee', 'e')},
        'dp': {'clean': ('check', 'a'), 'pod': ('check', 'dp'), 'water': ('check', 'dp'), 'button': ('coffee', 'e')},
        'e': {'clean': ('check', 'a'), **_all_to_with_output('coffee', 'f', ('pod', 'water', 'button'))},
        'f': _all_to_with_output('star', 'f', COFFEE_LETTERS),
    })


def handwritten_builders() -> dict[str, Callable]:
    """Builder of each hand-written automaton, by name, in registry order."""
    return {'tomita1': tomita1, 'tomita3': tomita3, 'tomita5': tomita5, 'tomita7': tomita7,
            'angluin': angluin, 'regex': regex, 'mqtt': mqtt, 'coffee': coffee}


HANDWRITTEN_NAMES = tuple(handwritten_builders())
