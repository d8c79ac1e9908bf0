"""What each result file holds, checked value by value: a well-formed pickle of the wrong types (a string
accuracy, a None score) is a corrupt file, refused in one line before anything is computed from it.

Each check returns what is wrong ('' when nothing is), for files.py to name the file with it.
"""
from stateclusters.base.catalogue import SCORE_FIELDS

DONE, FAILED, SKIPPED = "done", "failed", "skipped"   # a job record's status


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def scores_problem(values) -> str:
    """[amb, wamb, max, min, n_clusters] of one function, as ambiguity.pickle holds it."""
    if not isinstance(values, (list, tuple)) or len(values) != len(SCORE_FIELDS) or not all(map(is_number, values)):
        return f"{_shown(values)} is not [{', '.join(SCORE_FIELDS)}] as numbers"
    return ""


def accuracy_problem(accuracy) -> str:
    """{result key: accuracy}."""
    if not isinstance(accuracy, dict):
        return f"it holds a {type(accuracy).__name__}, not a dictionary"
    for key, value in accuracy.items():
        if not isinstance(key, str) or not is_number(value):
            return f"the accuracy of {_shown(key)} is {_shown(value)}, not a number"
    return ""


def ambiguity_problem(ambiguity) -> str:
    """{result key: {function: [amb, wamb, max, min, n_clusters]}}."""
    if not isinstance(ambiguity, dict):
        return f"it holds a {type(ambiguity).__name__}, not a dictionary"
    for key, functions in ambiguity.items():
        if not isinstance(key, str) or not isinstance(functions, dict):
            return f"the entry of {_shown(key)} is {_shown(functions)}, not {{function: scores}}"
        for function, values in functions.items():
            problem = scores_problem(values)
            if not isinstance(function, str) or problem:
                return f"{_shown(key)}, {_shown(function)}: {problem or 'a function name is not a string'}"
    return ""


def scores_file_problem(scores) -> str:
    """{result key: {function: {score name: number or None}}} (None: a score that does not apply)."""
    if not isinstance(scores, dict):
        return f"it holds a {type(scores).__name__}, not a dictionary"
    for key, functions in scores.items():
        if not isinstance(functions, dict) or not all(
                isinstance(values, dict) and all(value is None or is_number(value) for value in values.values())
                for values in functions.values()):
            return f"the entry of {_shown(key)} is not {{function: {{score: number}}}}"
    return ""


def job_record_problem(record) -> str:
    """A job record (grid/jobs.py job_record), its fields' types."""
    fields = {"format": int, "name": str, "spec": dict, "status": str, "settings": dict, "results": dict}
    if not isinstance(record, dict) or any(name not in record for name in (*fields, "accuracy")):
        return "it does not hold a job record"
    wrong = next((name for name, kind in fields.items() if not isinstance(record[name], kind)), None)
    if wrong:
        return f"its {wrong} is {_shown(record[wrong])}, not a {fields[wrong].__name__}"
    if record["status"] not in (DONE, FAILED, SKIPPED):
        return f"its status is {_shown(record['status'])}"
    if not (is_number(record["accuracy"]) or (record["accuracy"] is None and record["status"] != DONE)):
        return f"its accuracy is {_shown(record['accuracy'])}, not a number"
    for name in ("seconds", "training", "scores"):
        if not isinstance(record.get(name, {}), dict):
            return f"its {name} is {_shown(record[name])}, not a dictionary"
    for labeling, functions in record["results"].items():
        if not isinstance(functions, dict):
            return f"its results of {_shown(labeling)} are {_shown(functions)}, not {{function: scores}}"
        for function, values in functions.items():
            if not isinstance(values, str) and scores_problem(values):   # a str is the reason the function failed
                return f"its results, {_shown(labeling)}, {_shown(function)}: {scores_problem(values)}"
    return ""


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
