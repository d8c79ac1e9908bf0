"""Which input column is which letter, and which output row is which class, for a published network.

The paper's conventions are tried first and kept when the network's outputs agree with the automaton after
nearly every prefix of short words; otherwise letter orders are searched and, for each, the class order that
matches most prefixes is taken (an assignment on the confusion counts).
"""
import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from stateclusters.networks.recurrent import RecurrentClassifier, prefix_predictions
from stateclusters.words.runs import trace_words
from stateclusters.words.sampling import _all_words

AGREEMENT_TO_KEEP = 0.99     # short-word prefix agreement at which a convention counts as confirmed
SHORT_WORDS = 2_000          # at most this many short words (all words of the longest length that fits)
MAX_SEARCHED_LETTERS = 7     # 7! = 5,040 letter orders; beyond that only the convention is tried


@dataclass(frozen=True)
class RecoveredOrders:
    """The orders of the network's input columns and output rows, and how they were found."""
    letters: tuple[str, ...]
    classes: tuple[str, ...]
    method: str          # "convention", "classes matched", "letters and classes matched", or "unconfirmed"
    agreement: float     # share of short-word prefixes on which the network matches the automaton
    convention_agreement: float


def short_words(alphabet_size: int) -> tuple[np.ndarray, np.ndarray]:
    """All words of the longest length with at most SHORT_WORDS of them (their prefixes cover the shorter)."""
    length = max(1, int(math.log(SHORT_WORDS) / math.log(alphabet_size))) if alphabet_size > 1 else 8
    letters = _all_words(alphabet_size, length)
    return letters, np.full(len(letters), length)


def _agreement(predicted: np.ndarray, outputs: np.ndarray, valid: np.ndarray, classes) -> float:
    expected = np.full(outputs.shape, -1)
    for index, output in enumerate(classes):
        expected[outputs == output] = index
    return float((predicted[valid] == expected[valid]).mean())


def _best_classes(predicted: np.ndarray, outputs: np.ndarray, valid: np.ndarray, n_rows: int, outputs_seen):
    """The class name of each output row that matches the most prefixes, and that agreement."""
    counts = np.zeros((n_rows, len(outputs_seen)))
    column = {output: j for j, output in enumerate(outputs_seen)}
    for row, output in zip(predicted[valid], outputs[valid]):
        counts[row, column[output]] += 1
    rows, columns = linear_sum_assignment(-counts)
    if len(outputs_seen) < n_rows:
        return None, 0.0   # fewer classes than rows: cannot name every row
    classes = [None] * n_rows
    for row, col in zip(rows, columns):
        classes[row] = outputs_seen[col]
    return tuple(classes), float(counts[rows, columns].sum() / valid.sum())


def recover_orders(raw: RecurrentClassifier, automaton, alphabet, all_classes, letter_convention,
                   class_convention) -> RecoveredOrders:
    """Orders for `raw` (a network whose config names its columns by the conventions, or placeholders).

    alphabet: our letter order (the short words' indices refer to it); all_classes: our class order.
    """
    letters, lengths = short_words(len(alphabet))
    trace = trace_words(automaton, letters, lengths, tuple(alphabet))
    valid, outputs = trace.valid(), trace.outputs

    def predictions(order) -> np.ndarray:
        column_of = np.array([order.index(letter) for letter in alphabet])
        return prefix_predictions(raw, column_of[letters])

    n_rows = raw.readout.weight.shape[0]
    convention = predictions(letter_convention)
    if class_convention is not None:
        agreement = _agreement(convention, outputs, valid, class_convention)
        if agreement >= AGREEMENT_TO_KEEP:
            return RecoveredOrders(tuple(letter_convention), tuple(class_convention), "convention", agreement,
                                   agreement)
    else:
        agreement = 0.0
    classes, matched = _best_classes(convention, outputs, valid, n_rows, all_classes)
    if classes is not None and matched >= AGREEMENT_TO_KEEP:
        return RecoveredOrders(tuple(letter_convention), classes, "classes matched", matched, agreement)
    best = (matched, tuple(letter_convention), classes)
    if len(alphabet) <= MAX_SEARCHED_LETTERS:
        for order in itertools.permutations(alphabet):
            found, score = _best_classes(predictions(order), outputs, valid, n_rows, all_classes)
            if found is not None and score > best[0]:
                best = (score, order, found)
    score, order, classes = best
    if classes is None:
        classes = tuple(class_convention or all_classes)
    method = "letters and classes matched" if tuple(order) != tuple(letter_convention) else "unconfirmed"
    if method == "unconfirmed" and class_convention is None:
        method = "classes matched"
    return RecoveredOrders(tuple(order), classes, method, score, agreement)
