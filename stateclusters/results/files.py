"""Result keys and files (docs/contract.md, Result files): keys built and parsed here, every result file written here.

A network is named `{language}_{rnn}_{layers}_{hidden}_{repetition}`; a result key adds the labeling.
"""
import pickle
import zlib
from dataclasses import dataclass
from pathlib import Path

from stateclusters.analyses.extraction_report import ExtractionReport
from stateclusters.analyses.learning_report import LearningReport
from stateclusters.base.atomic_io import atomic_pickle
from stateclusters.base.catalogue import LABELINGS, RNN_TYPES
from stateclusters.base.errors import ResultFileError

ACCURACY_FILE = "accuracy.pickle"
AMBIGUITY_FILE = "ambiguity.pickle"
SCORES_FILE = "scores.pickle"     # beyond the contract: {key: {function: {score name: value}}} (agreement_scores)
LENGTH_GENERALISATION_FILE = "length_generalisation.pickle"   # see analyses/length_generalisation.py
EXTRACTION_FILE = "extraction.pickle"     # {key: {function: report}} (analyses/extraction_report.py)
LEARNING_FILE = "learning.pickle"         # {key: {algorithm: report}} (analyses/learning_report.py)
LAYER_AMBIGUITY_FILE = "layer_ambiguity.pickle"   # {key: {function: {layer: scores}}} (analyses/layer_ambiguity.py)
ACCURACY_LIVE_FILE = "accuracy_live.pickle"       # {key: share} (evaluation/live_accuracy.py)
RECORD_FORMAT = 1                 # of a grid job's record, OUT/jobs/{name}.pickle
JOBS_FOLDER = "jobs"
# Job-record fields beyond the contract, each merged into its own pickle beside accuracy and ambiguity.
EXTRA_RESULT_FILES = {"scores": SCORES_FILE, "extraction": EXTRACTION_FILE,
                      "length_generalisation": LENGTH_GENERALISATION_FILE, "learning": LEARNING_FILE,
                      "layer_ambiguity": LAYER_AMBIGUITY_FILE}


def name_seed(name: str) -> int:
    """A stable seed derived from a network's name (Python's hash() changes between runs)."""
    return zlib.crc32(name.encode("utf-8"))


@dataclass(frozen=True)
class NetworkId:
    """What names one network: its checkpoint, its grid job and the first part of its result keys."""
    language: str
    rnn: str
    layers: int
    hidden: int
    repetition: int

    @property
    def name(self) -> str:
        return f"{self.language}_{self.rnn}_{self.layers}_{self.hidden}_{self.repetition}"

    @property
    def seed(self) -> int:
        return name_seed(self.name)

    def key(self, labeling: str) -> str:
        """The result key of this network under one labeling."""
        return f"{self.name}_{labeling}"


@dataclass(frozen=True)
class KeyParts:
    """The fields of a result key."""
    language: str
    rnn: str
    layers: int
    hidden: int
    repetition: int
    labeling: str

    @property
    def network(self) -> NetworkId:
        return NetworkId(self.language, self.rnn, self.layers, self.hidden, self.repetition)


def parse_key(key: str) -> KeyParts:
    """Split a result key; the language may hold underscores, so the fields are taken from the right.

    A key that does not fit is a ValueError.
    """
    labeling = next((name for name in LABELINGS if key.endswith(f"_{name}")), None)
    if labeling is None:
        raise ValueError(f"key '{key}' does not end in a labeling ({', '.join(LABELINGS)})")
    fields = key[:-len(labeling) - 1].rsplit("_", 4)
    if len(fields) != 5 or not fields[0] or fields[1] not in RNN_TYPES or not all(f.isdigit() for f in fields[2:]):
        raise ValueError(f"key '{key}' is not {{language}}_{{rnn}}_{{layers}}_{{hidden}}_{{repetition}}_{{labeling}}")
    language, rnn, layers, hidden, repetition = fields
    return KeyParts(language, rnn, int(layers), int(hidden), int(repetition), labeling)


# ---- writing ---------------------------------------------------------------------------------------------

def write_results(directory: str | Path, accuracy: dict, ambiguity: dict, extras: dict | None = None,
                  accuracy_live: dict | None = None) -> None:
    """Write accuracy.pickle and ambiguity.pickle, each extra {record field: merged dict}, and accuracy_live.pickle.

    An extra that is empty is not written, and a stale file of it is removed: merged pickles are derived.
    """
    directory = Path(directory)
    atomic_pickle(directory / ACCURACY_FILE, accuracy)
    atomic_pickle(directory / AMBIGUITY_FILE, ambiguity)
    files = {EXTRA_RESULT_FILES[field]: merged for field, merged in (extras or {}).items()}
    if accuracy_live is not None:
        files[ACCURACY_LIVE_FILE] = accuracy_live
    for name, merged in files.items():
        if merged:
            atomic_pickle(directory / name, merged)
        else:
            (directory / name).unlink(missing_ok=True)


def job_path(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / JOBS_FOLDER / f"{name}.pickle"


def job_files(out_dir: Path) -> list[Path]:
    """Every job file under OUT/jobs, in name order."""
    return sorted((Path(out_dir) / JOBS_FOLDER).glob("*.pickle"))


def write_job_record(out_dir: Path, record: dict) -> None:
    atomic_pickle(job_path(out_dir, record["name"]), record)


# ---- reading ---------------------------------------------------------------------------------------------

def read_pickle(path: str | Path):
    """Load a result pickle; a missing, corrupt or truncated file is a ResultFileError naming it."""
    try:
        with open(path, "rb") as file:
            return pickle.load(file)
    except FileNotFoundError:
        raise ResultFileError(f"result file {path} does not exist") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError) as error:
        raise ResultFileError(f"result file {path} is corrupt or truncated ({type(error).__name__})") from None


def read_results(directory: str | Path) -> tuple[dict, dict]:
    """(accuracy, ambiguity) dictionaries from a results folder."""
    directory = Path(directory)
    accuracy, ambiguity = read_pickle(directory / ACCURACY_FILE), read_pickle(directory / AMBIGUITY_FILE)
    if not isinstance(accuracy, dict) or not isinstance(ambiguity, dict):
        raise ResultFileError(f"result files in {directory} do not hold dictionaries")
    return accuracy, ambiguity


def read_scores(directory: str | Path) -> dict:
    """{key: {function: {score name: value}}} from a results folder's scores.pickle."""
    path = Path(directory) / SCORES_FILE
    scores = read_pickle(path)
    if not isinstance(scores, dict) or not all(isinstance(functions, dict) and
                                               all(isinstance(values, dict) for values in functions.values())
                                               for functions in scores.values()):
        raise ResultFileError(f"result file {path} does not hold {{key: {{function: {{score: value}}}}}}")
    return scores


def read_extraction(directory: str | Path) -> dict | None:
    """extraction.pickle of a results folder ({key: {function: report}}), or None when the folder has none."""
    return _read_reports(Path(directory) / EXTRACTION_FILE, ExtractionReport, "{function: extraction report}")


def read_learning(directory: str | Path) -> dict | None:
    """learning.pickle of a results folder ({key: {algorithm: report}}), or None when the folder has none."""
    return _read_reports(Path(directory) / LEARNING_FILE, LearningReport, "{algorithm: learning report}")


def _read_reports(path: Path, report_type, shape: str) -> dict | None:
    """A pickle of {result key: {name: report as a dict}}; None when missing, a ResultFileError when malformed."""
    if not path.exists():
        return None
    reports_by_key = read_pickle(path)
    fields = set(report_type.__dataclass_fields__)
    if not isinstance(reports_by_key, dict) or not all(
            isinstance(reports, dict) and all(isinstance(report, dict) and set(report) == fields
                                              for report in reports.values()) for reports in reports_by_key.values()):
        raise ResultFileError(f"result file {path} does not map result keys to {shape}")
    return reports_by_key


def read_job_record(path: Path) -> dict:
    """A job file's record; anything unreadable or not shaped like a record is a ResultFileError."""
    record = read_pickle(path)
    required = ("format", "name", "spec", "status", "settings", "accuracy", "results")
    if not isinstance(record, dict) or any(key not in record for key in required):
        raise ResultFileError(f"job file {path} does not hold a job record")
    if record["name"] != Path(path).stem or record["format"] != RECORD_FORMAT:
        raise ResultFileError(f"job file {path} holds the record of {record['name']!r} (format {record['format']})")
    return record


def read_accuracy_live(directory: str | Path) -> dict | None:
    """accuracy_live.pickle of a results folder ({result key: share}), or None when the folder has none."""
    path = Path(directory) / ACCURACY_LIVE_FILE
    if not path.exists():
        return None
    live = read_pickle(path)
    if not isinstance(live, dict) or not all(isinstance(value, float) for value in live.values()):
        raise ResultFileError(f"result file {path} does not map result keys to shares")
    return live
