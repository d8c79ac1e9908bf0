"""results.csv: one row per network × labeling × function, readable by pandas or any spreadsheet without the project.

Written beside the pickles (which stay: they are the paper's format) by every results folder's writer.
"""
import csv
import io
import math
from dataclasses import asdict, fields
from pathlib import Path

from stateclusters.base.catalogue import SCORE_FIELDS
from stateclusters.base.keys import NetworkId, parse_key

RESULTS_CSV = "results.csv"
RESULT_COLUMNS = ("labeling", "function", *SCORE_FIELDS, "accuracy")
GRID_IDENTITY = ("network", *(field.name for field in fields(NetworkId)))


def grid_identity(key: str) -> dict:
    """The identity columns of one of our result keys; a key of another naming fills `network` alone."""
    try:
        parts = parse_key(key)
    except ValueError:
        return {"network": key, "labeling": ""}
    return {"network": parts.network.name, **asdict(parts.network), "labeling": parts.labeling}


def grid_rows(accuracy: dict, ambiguity: dict, identity=grid_identity) -> list[dict]:
    """Rows of the result pickles ({key: accuracy}, {key: {function: [amb, wamb, max, min, n_clusters]}});
    identity(key) gives a key's identity columns (the paper's keys have their own: paper/names.py)."""
    rows = []
    for key in sorted(ambiguity):
        for function, values in sorted(ambiguity[key].items()):
            numbers = dict(zip(SCORE_FIELDS, values))
            rows.append({**identity(key), "function": function, **numbers, "accuracy": accuracy.get(key)})
    return rows


def _cell(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""   # an empty cell: pandas reads it as NaN
    return value


def csv_writer(rows: list[dict], identity=GRID_IDENTITY, extra=()):
    """A writer (for atomic_write) of the rows as CSV with the identity columns first, the extra ones last."""
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=list(identity) + list(RESULT_COLUMNS) + list(extra), extrasaction="ignore",
                            lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: _cell(row.get(name)) for name in writer.fieldnames} for row in rows)
    return lambda file: file.write(text.getvalue().encode("utf-8"))


def read_results_csv(path: str | Path) -> list[dict]:
    """The rows of a results.csv, every value as text."""
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))
