"""The 15 context-free benchmark languages L1–L15 of docs/contract.md (Languages) as pushdown automata.

Each language is a table of rows `(source, letters, guard, action, target)`: `letters` is a string of
single-character letters that share the row, `guard` a string of allowed top symbols (None: any top).
Every automaton starts in `q0`; push pushes the letter read.
"""

from stateclusters.automata.pda import Pda
from stateclusters.base.errors import AutomatonError


def _l1():
    """aⁿbⁿ."""
    return {'q2'}, [
        ('q0', 'a', None, 'push', 'q1'),
        ('q1', 'a', None, 'push', 'q1'),
        ('q1', 'b', 'a', 'pop', 'q2'),
        ('q2', 'b', 'a', 'pop', 'q2'),
    ]


def _l2():
    """{a,b}ⁿ{c,d}ⁿ."""
    return {'q2'}, [
        ('q0', 'ab', None, 'push', 'q1'),
        ('q1', 'ab', None, 'push', 'q1'),
        ('q1', 'cd', 'ab', 'pop', 'q2'),
        ('q2', 'cd', 'ab', 'pop', 'q2'),
    ]


def _l3():
    """(ab|cd)ⁿ(ef|gh)ⁿ."""
    return {'q2'}, [
        ('q0', 'a', None, 'push', 'q0a'),
        ('q0', 'c', None, 'push', 'q0c'),
        ('q0a', 'b', None, 'push', 'q1'),
        ('q0c', 'd', None, 'push', 'q1'),
        ('q1', 'a', None, 'push', 'q1a'),
        ('q1', 'c', None, 'push', 'q1c'),
        ('q1', 'e', 'bd', 'pop', 'q2e'),
        ('q1', 'g', 'bd', 'pop', 'q2g'),
        ('q1a', 'b', None, 'push', 'q1'),
        ('q1c', 'd', None, 'push', 'q1'),
        ('q2e', 'f', 'ac', 'pop', 'q2'),
        ('q2g', 'h', 'ac', 'pop', 'q2'),
        ('q2', 'e', 'bd', 'pop', 'q2e'),
        ('q2', 'g', 'bd', 'pop', 'q2g'),
    ]


def _l4():
    """(ab)ⁿ(cd)ⁿ."""
    return {'q2'}, [
        ('q0', 'a', None, 'push', 'q01'),
        ('q01', 'b', None, 'push', 'q1'),
        ('q1', 'a', None, 'push', 'q11'),
        ('q11', 'b', None, 'push', 'q1'),
        ('q1', 'c', 'b', 'pop', 'q21'),
        ('q21', 'd', 'a', 'pop', 'q2'),
        ('q2', 'c', 'b', 'pop', 'q21'),
    ]


def _l5():
    """(abc)ⁿ(def)ⁿ."""
    return {'q2'}, [
        ('q0', 'a', None, 'push', 'q01'),
        ('q01', 'b', None, 'push', 'q02'),
        ('q02', 'c', None, 'push', 'q1'),
        ('q1', 'a', None, 'push', 'q11'),
        ('q11', 'b', None, 'push', 'q12'),
        ('q12', 'c', None, 'push', 'q1'),
        ('q1', 'd', 'c', 'pop', 'q21'),
        ('q21', 'e', 'b', 'pop', 'q22'),
        ('q22', 'f', 'a', 'pop', 'q2'),
        ('q2', 'd', 'c', 'pop', 'q21'),
    ]


def _l6():
    """(ab|c)ⁿ(de|f)ⁿ without guards: every unit pushes two symbols and pops two."""
    return {'q2'}, [
        ('q0', 'a', None, 'push', 'q0a'),
        ('q0', 'c', None, 'push2', 'q1'),
        ('q0a', 'b', None, 'push', 'q1'),
        ('q1', 'a', None, 'push', 'q1a'),
        ('q1', 'c', None, 'push2', 'q1'),
        ('q1', 'd', None, 'pop', 'q2d'),
        ('q1', 'f', None, 'pop2', 'q2'),
        ('q1a', 'b', None, 'push', 'q1'),
        ('q2d', 'e', None, 'pop', 'q2'),
        ('q2', 'd', None, 'pop', 'q2d'),
        ('q2', 'f', None, 'pop2', 'q2'),
    ]


def _dyck_rows(bracket_pairs):
    """Non-empty Dyck words over the given bracket pairs, e.g. ('()', '[]')."""
    openers = ''.join(opener for opener, _ in bracket_pairs)
    return {'q1'}, [
        ('q0', openers, None, 'push', 'q1'),
        ('q1', openers, None, 'push', 'q1'),
    ] + [('q1', closer, opener, 'pop', 'q1') for opener, closer in bracket_pairs]


def _l7():
    """Non-empty Dyck-2."""
    return _dyck_rows(('()', '[]'))


def _l8():
    """Non-empty Dyck-3."""
    return _dyck_rows(('()', '[]', '{}'))


def _l9():
    """Non-empty Dyck-4 (`<` pairs with `>`; the paper's code paired `>` with `{`)."""
    return _dyck_rows(('()', '[]', '{}', '<>'))


def _l10():
    """Dyck-1 with opener word abcde and closer word vwxyz."""
    return {'q1'}, [
        ('q0', 'a', None, 'push', 'qa'),
        ('qa', 'b', None, None, 'qb'),
        ('qb', 'c', None, None, 'qc'),
        ('qc', 'd', None, None, 'qd'),
        ('qd', 'e', None, None, 'q1'),
        ('q1', 'a', None, 'push', 'qa'),
        ('q1', 'v', 'a', 'pop', 'qv'),
        ('qv', 'w', None, None, 'qw'),
        ('qw', 'x', None, None, 'qx'),
        ('qx', 'y', None, None, 'qy'),
        ('qy', 'z', None, None, 'q1'),
    ]


def _l11():
    """Dyck-1 with openers ab or c and closers de or f."""
    return {'q1'}, [
        ('q0', 'a', None, 'push', 'qa'),
        ('q0', 'c', None, 'push', 'q1'),
        ('qa', 'b', None, None, 'q1'),
        ('q1', 'a', None, 'push', 'qa'),
        ('q1', 'c', None, 'push', 'q1'),
        ('q1', 'd', 'ac', 'pop', 'qd'),
        ('q1', 'f', 'ac', 'pop', 'q1'),
        ('qd', 'e', None, None, 'q1'),
    ]


def _l12():
    """Single-nested Dyck-2: all openers, then the matching closers."""
    return {'q2'}, [
        ('q0', '([', None, 'push', 'q1'),
        ('q1', '([', None, 'push', 'q1'),
        ('q1', ')', '(', 'pop', 'q2'),
        ('q1', ']', '[', 'pop', 'q2'),
        ('q2', ')', '(', 'pop', 'q2'),
        ('q2', ']', '[', 'pop', 'q2'),
    ]


def _dyck_with_neutral_letters_rows(bracket_pairs):
    """Non-empty words whose brackets form a Dyck word over the pairs; a, b, c may appear anywhere."""
    openers = ''.join(opener for opener, _ in bracket_pairs)
    return {'q1'}, [
        ('q0', openers, None, 'push', 'q1'),
        ('q0', 'abc', None, None, 'q1'),
        ('q1', openers, None, 'push', 'q1'),
        ('q1', 'abc', None, None, 'q1'),
    ] + [('q1', closer, opener, 'pop', 'q1') for opener, closer in bracket_pairs]


def _l13():
    """Dyck-1 with neutral letters a, b, c."""
    return _dyck_with_neutral_letters_rows(('()',))


def _l14():
    """Dyck-2 with neutral letters a, b, c."""
    return _dyck_with_neutral_letters_rows(('()', '[]'))


def _l15():
    """Dyck-1 with neutral word abc and neutral letter d."""
    return {'q1'}, [
        ('q0', '(', None, 'push', 'q1'),
        ('q0', 'a', None, None, 'qa'),
        ('q0', 'd', None, None, 'q1'),
        ('q1', '(', None, 'push', 'q1'),
        ('q1', ')', '(', 'pop', 'q1'),
        ('q1', 'a', None, None, 'qa'),
        ('q1', 'd', None, None, 'q1'),
        ('qa', 'b', None, None, 'qb'),
        ('qb', 'c', None, None, 'q1'),
    ]


# The paper's own tables of L1, L2 and L4 also list transitions into `err` (state: letters); they change no
# language, only which letters its sampler favoured (Pda.paper_possible_letters, docs/paper_protocol.md).
PAPER_ERROR_LETTERS = {
    'CFG_L_1': {'q0': 'b', 'q2': 'a'},
    'CFG_L_2': {'q0': 'cd', 'q2': 'ab'},
    'CFG_L_4': {'q0': 'b', 'q01': 'a', 'q1': 'b', 'q11': 'a'},
}

_LANGUAGE_TABLES = (_l1, _l2, _l3, _l4, _l5, _l6, _l7, _l8, _l9, _l10, _l11, _l12, _l13, _l14, _l15)
CONTEXT_FREE_NAMES = tuple(f'CFG_L_{number}' for number in range(1, len(_LANGUAGE_TABLES) + 1))


def get_context_free_automaton(name: str) -> Pda:
    """A fresh PDA for one of CONTEXT_FREE_NAMES, in its initial configuration."""
    if name not in CONTEXT_FREE_NAMES:
        raise AutomatonError(f'unknown context-free language {name!r}; valid names: {", ".join(CONTEXT_FREE_NAMES)}')
    accepting_state_ids, rows = _LANGUAGE_TABLES[CONTEXT_FREE_NAMES.index(name)]()
    transitions = [(source, letter, guard, action, target)
                   for source, letters, guard, action, target in rows for letter in letters]
    return Pda(name, 'q0', accepting_state_ids, transitions, PAPER_ERROR_LETTERS.get(name))
