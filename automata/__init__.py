"""The languages, under the name the paper's repository gives them: the registry, and in `automata/dot/` the
regular languages' .dot files. A face of the package for readers of that code: every name is
stateclusters.automata's, and `dot/` is a link to the package's own folder (DOT_DIR), not a copy."""
from stateclusters.automata import (
    DOT_DIR,
    automaton_kind,
    get_automaton,
    input_alphabet,
    is_context_free,
    list_automata,
)

__all__ = ["DOT_DIR", "automaton_kind", "get_automaton", "input_alphabet", "is_context_free", "list_automata"]
