"""Result files (docs/contract.md, Result files): every result file is written and read here (keys: base/keys.py)."""
import json
import pickle
from pathlib import Path

from stateclusters.analyses import registry
from stateclusters.analyses.registry import Analysis, analysis_named
from stateclusters.base.atomic_io import atomic_pickle, atomic_write_all, pickle_writer
from stateclusters.base.errors import ResultFileError
from stateclusters.base.safe_pickle import load_plain
from stateclusters.results import shapes
from stateclusters.results.tidy import RESULTS_CSV, csv_writer, grid_identity, grid_rows

ACCURACY_FILE = "accuracy.pickle"
AMBIGUITY_FILE = "ambiguity.pickle"
SCORES_FILE = "scores.pickle"     # beyond the contract: {key: {function: {score name: value}}} (agreement_scores)
RECORD_FORMAT = 1                 # of a grid job's record, OUT/jobs/{name}.pickle
JOBS_FOLDER = "jobs"
EXTRACTION_FILE, LENGTH_GENERALISATION_FILE, LEARNING_FILE, ACCURACY_LIVE_FILE, LAYER_AMBIGUITY_FILE = (
    analysis_named(name).result_file
    for name in ("extract", "length_generalisation", "learn", "accuracy_live", "layer_ambiguity"))


# ---- writing ---------------------------------------------------------------------------------------------

def extra_result_files() -> dict[str, str]:
    """{job-record field beyond the contract: the pickle it is merged into beside accuracy and ambiguity}."""
    return {"scores": SCORES_FILE, **{analysis.field: analysis.result_file for analysis in registry.ANALYSES}}


def write_results(directory: str | Path, accuracy: dict, ambiguity: dict, extras: dict | None = None,
                  json_files: dict | None = None, identity=grid_identity) -> None:
    """Write accuracy.pickle, ambiguity.pickle and their tidy results.csv (identity: a key's identity columns,
    tidy.grid_identity for our keys), and each extra {record field: merged dict} (extra_result_files).

    An extra that is empty is not written, and a stale file of it is removed: merged pickles are derived.
    json_files ({file name: value}) go with them. The files are replaced all together or not at all (a full disk
    leaves the old set).
    """
    directory = Path(directory)
    files = extra_result_files()
    values = {directory / ACCURACY_FILE: accuracy, directory / AMBIGUITY_FILE: ambiguity}
    values.update({directory / files[field]: merged for field, merged in (extras or {}).items() if merged})
    writes = {path: pickle_writer(value) for path, value in values.items()}
    writes[directory / RESULTS_CSV] = csv_writer(grid_rows(accuracy, ambiguity, identity))
    writes.update({directory / name: _json_writer(value) for name, value in (json_files or {}).items()})
    atomic_write_all(writes)
    for field, merged in (extras or {}).items():
        if not merged:
            (directory / files[field]).unlink(missing_ok=True)


def _json_writer(value):
    return lambda file: file.write(json.dumps(value, indent=1).encode())


def job_path(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / JOBS_FOLDER / f"{name}.pickle"


def job_files(out_dir: Path) -> list[Path]:
    """Every job file under OUT/jobs, in name order."""
    return sorted((Path(out_dir) / JOBS_FOLDER).glob("*.pickle"))


def write_job_record(out_dir: Path, record: dict) -> None:
    atomic_pickle(job_path(out_dir, record["name"]), record)


# ---- reading ---------------------------------------------------------------------------------------------

def read_pickle(path: str | Path):
    """Load a result pickle as plain data; a missing, corrupt or truncated file is a ResultFileError naming it,
    one that names anything beyond plain data an UnsafePickleError (never run)."""
    try:
        with open(path, "rb") as file:
            return load_plain(file, f"result file {path}")
    except FileNotFoundError:
        raise ResultFileError(f"result file {path} does not exist") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError, IndexError) as error:
        raise ResultFileError(f"result file {path} is corrupt or truncated ({type(error).__name__})") from None


def read_checked(path: str | Path, problem):
    """read_pickle, then `problem(value)` ('' when the value has the file's shape, else what is wrong)."""
    value = read_pickle(path)
    found = problem(value)
    if found:
        raise ResultFileError(f"result file {path} is corrupt: {found}")
    return value


def read_results(directory: str | Path) -> tuple[dict, dict]:
    """(accuracy, ambiguity) dictionaries from a results folder, every value checked."""
    directory = Path(directory)
    return (read_checked(directory / ACCURACY_FILE, shapes.accuracy_problem),
            read_checked(directory / AMBIGUITY_FILE, shapes.ambiguity_problem))


def read_scores(directory: str | Path) -> dict:
    """{key: {function: {score name: value}}} from a results folder's scores.pickle."""
    return read_checked(Path(directory) / SCORES_FILE, shapes.scores_file_problem)


def read_analysis(directory: str | Path, analysis: Analysis) -> dict | None:
    """An optional analysis's merged file, or None when the folder has none; a malformed one is a ResultFileError."""
    path = Path(directory) / analysis.result_file
    if not path.exists():
        return None
    merged = read_pickle(path)
    if not analysis.functions().is_valid(merged):
        raise ResultFileError(f"result file {path} is corrupt: it does not hold what {analysis.flag} writes")
    return merged


def read_extraction(directory: str | Path) -> dict | None:
    """extraction.pickle of a results folder ({key: {function: report}}), or None when the folder has none."""
    return read_analysis(directory, analysis_named("extract"))


def read_learning(directory: str | Path) -> dict | None:
    """learning.pickle of a results folder ({key: {algorithm: report}}), or None when the folder has none."""
    return read_analysis(directory, analysis_named("learn"))


def read_job_record(path: Path) -> dict:
    """A job file's record; anything unreadable or not shaped like a record is a ResultFileError."""
    record = read_pickle(path)
    problem = shapes.job_record_problem(record)
    if problem:
        raise ResultFileError(f"job file {path} is corrupt: {problem}")
    if record["name"] != Path(path).stem or record["format"] != RECORD_FORMAT:
        raise ResultFileError(f"job file {path} holds the record of {record['name']!r} (format {record['format']})")
    return record


def read_accuracy_live(directory: str | Path) -> dict | None:
    """accuracy_live.pickle of a results folder ({result key: share}), or None when the folder has none."""
    return read_analysis(directory, analysis_named("accuracy_live"))
