"""--length-generalisation: each function scored on words of length 1-50 (analyses/length_generalisation.py).

The statistics draw its curves and figure (results/length_curves.py) under their --length-function.
"""
from stateclusters.base.catalogue import LENGTH_GENERALISATION_MAX, WORDS_PER_LENGTH
from stateclusters.base.keys import parse_key


def settings(options: dict):
    return [WORDS_PER_LENGTH, LENGTH_GENERALISATION_MAX, "balanced by end state"]


def run(data, spec) -> dict:
    from stateclusters.analyses.length_generalisation import length_generalisation
    return length_generalisation(data, spec.functions)


def is_valid(merged) -> bool:
    """{result key: {function: {word length: [amb, wamb, n, states]}}}; files from before the words were balanced by
    end state hold [amb, wamb, n] and are read as well."""
    if not isinstance(merged, dict):
        return False
    try:
        for key, functions in merged.items():
            parse_key(key)
            if not all(isinstance(lengths, dict) and all(isinstance(length, int) and len(scores) in (3, 4) and
                                                         all(isinstance(score, (int, float)) for score in scores)
                                                         for length, scores in lengths.items())
                       for lengths in functions.values()):
                return False
    except (ValueError, TypeError, AttributeError):
        return False
    return True


def summary_lines(merged: dict, view) -> list[str]:
    return []
