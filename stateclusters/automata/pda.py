"""A small deterministic pushdown automaton with AALpy's stepping interface (reset, step, current_state)."""

from dataclasses import dataclass
from typing import Iterable, Mapping, NamedTuple, Optional

STACK_BOTTOM = '$'
ERROR_STATE_ID = 'err'

# Each stack action as (name, copies of the letter pushed, symbols popped).
_STACK_EFFECTS = ((None, 0, 0), ('push', 1, 0), ('push2', 2, 0), ('pop', 0, 1), ('pop2', 0, 2))
STACK_ACTIONS = tuple(action for action, _, _ in _STACK_EFFECTS)


@dataclass(frozen=True)
class PdaState:
    """A control state of a PDA; `err` is one of them."""

    state_id: str
    is_accepting: bool


class Transition(NamedTuple):
    """`source -letter[top∈guard]/action-> target`; guard None means any top; push pushes the letter."""

    source: str
    letter: str
    guard: Optional[Iterable[str]]
    action: Optional[str]
    target: str


class _Rule(NamedTuple):
    """What one (state, letter) does, prepared for fast stepping."""

    guard: Optional[frozenset]
    n_pushed: int
    n_popped: int
    target: str


def _prepare_rule(transition: Transition) -> _Rule:
    effects = {action: (n_pushed, n_popped) for action, n_pushed, n_popped in _STACK_EFFECTS}
    if transition.action not in effects:
        raise ValueError(f'unknown stack action {transition.action!r}; valid: {STACK_ACTIONS}')
    guard = None if transition.guard is None else frozenset(transition.guard)
    return _Rule(guard, *effects[transition.action], transition.target)


def _ordered_state_ids(initial_state_id: str, transitions: list[Transition]) -> list[str]:
    """Control states in order of first mention, initial first, `err` last."""
    mentioned = [initial_state_id]
    for transition in transitions:
        mentioned += [transition.source, transition.target]
    if ERROR_STATE_ID in mentioned:
        raise ValueError(f'the state name {ERROR_STATE_ID!r} is reserved for the error state')
    return list(dict.fromkeys(mentioned)) + [ERROR_STATE_ID]


class Pda:
    """Deterministic PDA accepting in an accepting control state with only `$` on the stack.

    A letter without an applicable transition, or a pop that would remove `$`, moves to the absorbing state `err`.
    """

    def __init__(self, name: str, initial_state_id: str, accepting_state_ids: Iterable[str],
                 transitions: Iterable[tuple], paper_error_letters: Mapping[str, str] | None = None):
        transitions = [Transition(*transition) for transition in transitions]
        accepting_state_ids = frozenset(accepting_state_ids)
        state_ids = _ordered_state_ids(initial_state_id, transitions)
        if not accepting_state_ids <= set(state_ids) - {ERROR_STATE_ID}:
            raise ValueError(f'accepting states {sorted(accepting_state_ids)} are not all control states')

        self.name = name
        self.states = [PdaState(state_id, state_id in accepting_state_ids) for state_id in state_ids]
        self._states_by_id = {state.state_id: state for state in self.states}
        self.initial_state = self._states_by_id[initial_state_id]
        self._accepting_ids = accepting_state_ids
        self._alphabet = sorted({transition.letter for transition in transitions}, key=str)
        self._rules = {}
        # Letters the paper's table of this language sends to `err` by an explicit transition, per state
        # (docs/paper_protocol.md, pda_bias): its sampler counted them as possible.
        self._paper_error_letters = {state: frozenset(letters)
                                     for state, letters in (paper_error_letters or {}).items()}
        for transition in transitions:
            key = (transition.source, transition.letter)
            if key in self._rules:
                raise ValueError(f'{name}: two transitions from {transition.source!r} on {transition.letter!r}')
            self._rules[key] = _prepare_rule(transition)
        self.reset_to_initial()

    def rules(self) -> dict:
        """{(control state, letter): prepared rule (guard, n_popped, n_pushed, target)}, for compiling to arrays."""
        return dict(self._rules)

    def reset_to_initial(self) -> None:
        self._state_id = self.initial_state.state_id
        self._stack = [STACK_BOTTOM]

    def _applicable_rule(self, letter: str) -> Optional[_Rule]:
        """The rule that `letter` fires in the current configuration, or None (then it leads to `err`)."""
        rule = self._rules.get((self._state_id, letter))
        if rule is None:
            return None
        stack = self._stack
        if rule.guard is not None and stack[-1] not in rule.guard:
            return None
        if len(stack) <= rule.n_popped:  # the pop would remove `$`
            return None
        return rule

    def step(self, letter: str) -> bool:
        """Read one letter; return whether the word read so far is accepted."""
        rule = self._applicable_rule(letter)
        if rule is None:
            self._state_id = ERROR_STATE_ID
            return False
        stack = self._stack
        if rule.n_popped:
            del stack[-rule.n_popped:]
        if rule.n_pushed:
            stack.extend([letter] * rule.n_pushed)
        self._state_id = rule.target
        return rule.target in self._accepting_ids and len(stack) == 1

    def is_accepting_configuration(self) -> bool:
        return self._state_id in self._accepting_ids and len(self._stack) == 1

    def accepts(self, word: Iterable[str]) -> bool:
        """Run a whole word from the initial configuration; the empty word asks about that configuration."""
        self.reset_to_initial()
        for letter in word:
            self.step(letter)
        return self.is_accepting_configuration()

    def enabled_letters(self) -> list[str]:
        """Letters with an applicable transition now (stepping any other letter leads to `err`), sorted by str."""
        return [letter for letter in self._alphabet if self._applicable_rule(letter) is not None]

    def paper_possible_letters(self) -> list[str]:
        """The letters the paper's sampler counted as possible here: a transition whose guard fits the top,
        even a pop that would remove `$`, or one of the paper's explicit transitions to `err`; in `err`, all."""
        if self._state_id == ERROR_STATE_ID:
            return list(self._alphabet)
        explicit = self._paper_error_letters.get(self._state_id, frozenset())
        top = self._stack[-1]
        return [letter for letter in self._alphabet
                if letter in explicit or ((rule := self._rules.get((self._state_id, letter))) is not None
                                          and (rule.guard is None or top in rule.guard))]

    def get_input_alphabet(self) -> list[str]:
        return list(self._alphabet)

    @property
    def current_state(self) -> PdaState:
        return self._states_by_id[self._state_id]

    @property
    def stack(self) -> tuple:
        """The stack, bottom first: `('$', ...)`."""
        return tuple(self._stack)

    @property
    def size(self) -> int:
        """Number of control states, `err` included."""
        return len(self.states)

    def __repr__(self) -> str:
        return f'Pda({self.name!r}, {self.size} states, alphabet {self._alphabet})'
