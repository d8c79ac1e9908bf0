"""The automata of the paper's networks: its own .dot files, our L1-L15, and its variant of L9.

Each comes with the paper's convention for the network's input-letter and output-class order, which
stateclusters.paper.orders checks against the network.
"""
from dataclasses import dataclass
from pathlib import Path

from aalpy.utils import load_automaton_from_file

from stateclusters.automata import get_automaton, input_alphabet
from stateclusters.automata.dot_loading import load_dot_automaton
from stateclusters.automata.pda import Pda
from stateclusters.evaluation.training import output_classes
from stateclusters.paper.names import AUTOMATA_FOLDER, language_source
from stateclusters.paper.pda_letters import PDA_LETTERS

PAPER_L9 = "CFG_L_9"
PDA_CLASSES = ("False", "True")    # the paper's [False, True] for DFAs and PDAs


@dataclass(frozen=True)
class PaperAutomaton:
    """An automaton with the paper's conventional letter and class orders (None: no convention)."""
    automaton: object
    letter_convention: tuple[str, ...]
    class_convention: tuple[str, ...] | None


def paper_l9() -> Pda:
    """The paper's L9: Dyck words over (), [], {}, <>, except that `>` pops `{` (so `<` is never popped)."""
    openers = "([{<"
    rows = [("q0", openers, None, "push", "q1"), ("q1", openers, None, "push", "q1"),
            ("q1", ")", "(", "pop", "q1"), ("q1", "]", "[", "pop", "q1"), ("q1", "}", "{", "pop", "q1"),
            ("q1", ">", "{", "pop", "q1")]
    transitions = [(source, letter, guard, action, target)
                   for source, letters, guard, action, target in rows for letter in letters]
    return Pda("CFG_L_9_paper", "q0", {"q1"}, transitions)


def load_paper_automaton(paper_repo: Path, language: str) -> PaperAutomaton:
    """The automaton a network of `language` was trained on; the language must have a known source."""
    file_name, kind = language_source(language)
    if kind == "pda":
        automaton = paper_l9() if language == PAPER_L9 else get_automaton(language)
        return PaperAutomaton(automaton, PDA_LETTERS[language], PDA_CLASSES)
    path = paper_repo / AUTOMATA_FOLDER / file_name
    automaton = load_dot_automaton(path, kind)
    # The paper's code took AALpy's get_input_alphabet() order of the loaded file.
    letters = tuple(str(letter) for letter in load_automaton_from_file(str(path), kind).get_input_alphabet())
    return PaperAutomaton(automaton, letters, PDA_CLASSES if kind == "dfa" else None)


def our_orders(automaton) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The letter and class orders our networks use for this automaton (sorted by str)."""
    return tuple(input_alphabet(automaton)), tuple(output_classes(automaton))
