"""How a network's labels are read against an automaton's outputs, refused when they share no value.

Labels are already plain values written as str (adapters/labels.py). An acceptor's argmax gives 1/0 where a DFA
outputs True/False: when one side's values are all in {0, 1} and the other's in {True, False}, and the two
share no value, 1 is read as True and 0 as False, and the report says so. Any other pair of sets that share no
value would score 0.0 without meaning it, and is refused.
"""
from stateclusters.base.errors import UserError

BOOLEAN_NUMBERS = {"1": "True", "0": "False"}


def label_reading(network_labels, automaton_outputs) -> dict[str, str]:
    """{network label: the automaton output it stands for} for the labels that need reading; {} for none."""
    network_labels, automaton_outputs = set(map(str, network_labels)), set(map(str, automaton_outputs))
    if not network_labels or network_labels & automaton_outputs:
        return {}
    if network_labels <= set(BOOLEAN_NUMBERS) and automaton_outputs <= set(BOOLEAN_NUMBERS.values()):
        return {label: BOOLEAN_NUMBERS[label] for label in network_labels}
    if network_labels <= set(BOOLEAN_NUMBERS.values()) and automaton_outputs <= set(BOOLEAN_NUMBERS):
        as_number = {truth: number for number, truth in BOOLEAN_NUMBERS.items()}
        return {label: as_number[label] for label in network_labels}
    raise UserError(f"the network's labels {sorted(network_labels)} and the automaton's outputs "
                    f"{sorted(automaton_outputs)} share no value: every word would score as wrong")


def read_labels(labels, reading: dict[str, str]):
    """The labels as the automaton's outputs."""
    return [reading.get(label, label) for label in labels] if reading else list(labels)
