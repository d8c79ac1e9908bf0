"""Result files of SPEC §8: keys, the per-network layout, reading and writing the merged pickles."""
import pickle
import zlib
from pathlib import Path

from stateclusters.base.atomic_io import atomic_pickle
from stateclusters.base.errors import ResultFileError

ACCURACY_FILE = "accuracy.pickle"
AMBIGUITY_FILE = "ambiguity.pickle"
SCORES_FILE = "scores.pickle"     # not in SPEC §8: {key: {function: {score name: value}}} (agreement_scores)
LENGTH_GENERALISATION_FILE = "length_generalisation.pickle"   # not SPEC §8: see length_generalisation.py
EXTRACTION_FILE = "extraction.pickle"     # not in SPEC §8: {key: {function: report}} (cluster_automaton)
LEARNING_FILE = "learning.pickle"         # not in SPEC §8: {key: {algorithm: report}} (learning_results)
LAYER_AMBIGUITY_FILE = "layer_ambiguity.pickle"   # not SPEC §8: {key: {function: {layer: scores}}}
ACCURACY_LIVE_FILE = "accuracy_live.pickle"   # not in SPEC §8: {key: share} (live_accuracy)
# Job-record fields beyond SPEC §8, each merged into its own pickle beside accuracy.pickle and ambiguity.pickle.
EXTRA_RESULT_FILES = {"scores": SCORES_FILE, "extraction": EXTRACTION_FILE,
                      "length_generalisation": LENGTH_GENERALISATION_FILE, "learning": LEARNING_FILE,
                      "layer_ambiguity": LAYER_AMBIGUITY_FILE}


def network_name(language: str, rnn: str, layers: int, hidden: int, repetition: int) -> str:
    """`{language}_{rnn}_{layers}_{hidden}_{repetition}`: names a network, its checkpoint and its job."""
    return f"{language}_{rnn}_{layers}_{hidden}_{repetition}"


def network_seed(name: str) -> int:
    """A stable seed derived from a network's name (Python's hash() changes between runs)."""
    return zlib.crc32(name.encode("utf-8"))


def result_key(language: str, rnn: str, layers: int, hidden: int, repetition: int, labeling: str) -> str:
    """SPEC §8 key: the network's name followed by the labeling."""
    return f"{network_name(language, rnn, layers, hidden, repetition)}_{labeling}"


def write_results(directory: str | Path, accuracy: dict, ambiguity: dict) -> None:
    """Write accuracy.pickle and ambiguity.pickle atomically."""
    directory = Path(directory)
    atomic_pickle(directory / ACCURACY_FILE, accuracy)
    atomic_pickle(directory / AMBIGUITY_FILE, ambiguity)


def write_scores(directory: str | Path, scores: dict) -> None:
    """Write scores.pickle atomically, beside the SPEC §8 files."""
    atomic_pickle(Path(directory) / SCORES_FILE, scores)


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
