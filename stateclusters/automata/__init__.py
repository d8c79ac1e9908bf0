"""The registry of benchmark languages: their names, and `get_automaton(name)` for each (docs/contract.md)."""
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from stateclusters.automata.handwritten import HANDWRITTEN_NAMES
from stateclusters.base.errors import AutomatonError

DOT_DIR = Path(__file__).resolve().parent / 'dot'
AUTOMATON_KINDS = ('dfa', 'moore', 'mealy', 'pda')

# The random grid (docs/contract.md, Languages): sizes, input (and output) alphabet sizes, instances of each.
DFA_SIZES, DFA_INPUT_SIZES, DFA_INSTANCES = (5, 10), (2, 4, 6), 5
MOORE_SIZES, MOORE_INPUT_SIZES, MOORE_OUTPUT_SIZES, MOORE_INSTANCES = (8, 12), (2, 4), (3, 5), 3


@dataclass(frozen=True)
class RandomAutomatonSpec:
    """One random automaton of the grid; its name fixes its seed (see generate_dot_files)."""
    kind: str                  # 'dfa' or 'moore'
    n_states: int
    n_inputs: int
    n_outputs: Optional[int]   # Moore only
    instance: int

    @property
    def name(self) -> str:
        sizes = [self.n_states, self.n_inputs] + ([self.n_outputs] if self.kind == 'moore' else [])
        return '_'.join([self.kind, *map(str, sizes), str(self.instance)])


def random_automaton_specs() -> list[RandomAutomatonSpec]:
    """The 30 random DFAs, then the 24 random Moore machines, in registry order."""
    dfas = [RandomAutomatonSpec('dfa', size, n_inputs, None, instance)
            for size in DFA_SIZES for n_inputs in DFA_INPUT_SIZES for instance in range(1, DFA_INSTANCES + 1)]
    moores = [RandomAutomatonSpec('moore', size, n_inputs, n_outputs, instance)
              for size in MOORE_SIZES for n_inputs in MOORE_INPUT_SIZES for n_outputs in MOORE_OUTPUT_SIZES
              for instance in range(1, MOORE_INSTANCES + 1)]
    return dfas + moores


def regular_automaton_names() -> list[str]:
    """All regular names: the 8 hand-written ones, then the 30 random DFAs and the 24 random Moore machines."""
    return list(HANDWRITTEN_NAMES) + [spec.name for spec in random_automaton_specs()]


def _context_free_names() -> list[str]:
    # Imported here so that the regular automata work without the PDA modules.
    from stateclusters.automata.context_free import CONTEXT_FREE_NAMES
    return list(CONTEXT_FREE_NAMES)


def list_automata() -> list[str]:
    """Every language name: the regular ones (hand-written, random DFAs, random Moore), then CFG_L_1..CFG_L_15."""
    return regular_automaton_names() + _context_free_names()


def _valid_names_text() -> str:
    """All valid names, with the random grid written as patterns."""
    def choices(values) -> str:
        return '{' + ','.join(map(str, values)) + '}'
    dfa_pattern = f'dfa_{choices(DFA_SIZES)}_{choices(DFA_INPUT_SIZES)}_{{1..{DFA_INSTANCES}}}'
    moore_pattern = (f'moore_{choices(MOORE_SIZES)}_{choices(MOORE_INPUT_SIZES)}_{choices(MOORE_OUTPUT_SIZES)}'
                     f'_{{1..{MOORE_INSTANCES}}}')
    return ', '.join([*HANDWRITTEN_NAMES, dfa_pattern, moore_pattern, 'CFG_L_1..CFG_L_15'])


def _is_context_free_name(name: str) -> bool:
    return name.startswith('CFG_L_') and name in _context_free_names()


def get_automaton(name, automaton_type: Optional[str] = None):
    """The automaton for a registry name or a path to a .dot file (`automaton_type` only applies to .dot files)."""
    from stateclusters.automata.dot_loading import (
        load_dot_automaton,  # pydot and AALpy: only when an automaton is loaded
    )
    name = os.fspath(name)
    if name in regular_automaton_names():
        return load_dot_automaton(DOT_DIR / f'{name}.dot', automaton_type)
    if _is_context_free_name(name):
        from stateclusters.automata.context_free import get_context_free_automaton
        return get_context_free_automaton(name)
    if name.endswith('.dot') or Path(name).exists():
        return load_dot_automaton(name, automaton_type)
    raise AutomatonError(f'unknown automaton {name!r}; valid names: {_valid_names_text()} or a path to a .dot file')


def is_context_free(automaton) -> bool:
    """True for our pushdown automata (checked by class name, so this module need not import them)."""
    return type(automaton).__name__ == 'Pda'


def automaton_size(automaton) -> int:
    """|Q|: number of states (PDAs: control states including err)."""
    return automaton.size if is_context_free(automaton) else len(automaton.states)


def automaton_kind(automaton) -> str:
    """One of 'dfa', 'moore', 'mealy', 'pda'."""
    if is_context_free(automaton):
        return 'pda'
    kinds = {'Dfa': 'dfa', 'MooreMachine': 'moore', 'MealyMachine': 'mealy'}
    class_name = type(automaton).__name__
    if class_name not in kinds:
        raise TypeError(f'not a benchmark automaton: {class_name}')
    return kinds[class_name]


def input_alphabet(automaton) -> list[str]:
    """The input letters, sorted by str (docs/contract.md: every alphabet is ordered this way)."""
    return sorted(automaton.get_input_alphabet(), key=str)
