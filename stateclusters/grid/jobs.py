"""One job of the experiment grid: a network (language, architecture, size, repetition) from checkpoint to scores.

`run_job(JobSpec) -> dict` runs in a worker (a pool process, a Dask worker, or the driver itself). It takes
and returns plain data, so that any backend can ship it, and it is seeded from the network's name alone,
so that it gives the same numbers whichever backend or worker count runs it. The driver writes the record
it returns to `OUT/jobs/{name}.pickle`; the merged SPEC §8 pickles are rebuilt from those files.
"""
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

from automata import get_automaton
from rnn_models import resolve_device
from stateclusters.base.atomic_io import atomic_pickle
from stateclusters.base.errors import ResultFileError
from stateclusters.evaluation.network import evaluate_network, network_config, train_or_load, validation_words
from stateclusters.extras.extraction import extract_network
from stateclusters.extras.length_generalisation import MAX_LENGTH, WORDS_PER_LENGTH, length_generalisation
from stateclusters.protocol import Protocol
from stateclusters.results.files import network_name, network_seed, read_pickle, result_key

RECORD_FORMAT = 1
DONE, FAILED, SKIPPED = "done", "failed", "skipped"
# Settings whose change makes an old job record stale (the device is left out: it should not change numbers).
RESULT_SETTINGS = ("epochs", "functions", "training_words", "validation_words", "conformance_words",
                   "fit_fraction")
# Checkpoint metadata that must agree with the job, or the network was trained for another grid.
CHECKPOINT_SETTINGS = ("seed", "epochs", "training_words", "validation_words", "early_stop", "word_counts")
# Optional per-job results: in a record's settings only when they were on.
OPTIONAL_SETTINGS = ("extract", "length_generalisation")


@dataclass(frozen=True)
class JobSpec:
    """Everything a worker needs to run one job; plain values only."""
    language: str
    rnn: str
    layers: int
    hidden: int
    repetition: int
    functions: tuple[str, ...]
    checkpoint_dir: str        # absolute, so that remote workers on a shared filesystem find it
    epochs: int = 200
    training_words: int = 50_000
    validation_words: int = 2_000
    conformance_words: int = 10_000
    fit_fraction: float = 0.25
    train: bool = True         # False: use an existing checkpoint or skip the job
    device: str = "cpu"
    extract: bool = False      # also the automata of the extraction.EXTRACTION_FUNCTIONS clusters
    length_generalisation: bool = False   # also score the functions on words of length 1..50 (new record key)
    # ---- protocol (issue 11): the settings that differ from Protocol.spec(), as (name, value) pairs; the
    # validation size is validation_words above. In a record's settings only when not empty, so records
    # from before equal spec.
    protocol: tuple = ()

    @classmethod
    def protocol_pairs(cls, protocol: Protocol) -> tuple:
        return tuple((name, value) for name, value in protocol.differences().items() if name != "validation_words")

    @property
    def protocol_settings(self) -> Protocol:
        return Protocol(**dict(self.protocol), validation_words=self.validation_words)
    # ---- end protocol

    @property
    def name(self) -> str:
        return network_name(self.language, self.rnn, self.layers, self.hidden, self.repetition)

    @property
    def seed(self) -> int:
        return network_seed(self.name)

    @property
    def checkpoint_path(self) -> Path:
        return Path(self.checkpoint_dir) / f"{self.name}.pt"

    def settings(self) -> dict:
        values = asdict(self)
        settings = {name: list(values[name]) if name == "functions" else values[name] for name in RESULT_SETTINGS}
        # Only when on, so that records from before an option (or without it) keep their settings.
        if self.extract:
            settings["extract"] = True
        if self.length_generalisation:
            settings["length_generalisation"] = [WORDS_PER_LENGTH, MAX_LENGTH]
        if self.protocol:
            settings["protocol"] = dict(self.protocol)
        return settings


@contextmanager
def single_threaded():
    """One thread for torch and for BLAS/OpenMP, so that numbers do not depend on how many threads ran them."""
    previous_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(previous_threads)


def run_job(spec: JobSpec) -> dict:
    """Train or load the network, evaluate it, and return its record; errors become a failed record."""
    start = time.perf_counter()
    if not spec.train and not spec.checkpoint_path.exists():
        record = job_record(spec, SKIPPED, error=f"no checkpoint at {spec.checkpoint_path} (--no-train)")
    else:
        try:
            with single_threaded():
                record = _evaluate_job(spec)
        except Exception as error:   # any failure of this job is its result; the grid goes on
            record = job_record(spec, FAILED, error=one_line(error), details=traceback.format_exc())
    record["seconds"]["total"] = round(time.perf_counter() - start, 3)
    return record


def _evaluate_job(spec: JobSpec) -> dict:
    automaton = get_automaton(spec.language)
    device = resolve_device(spec.device)
    config = network_config(automaton, spec.rnn, spec.hidden, spec.layers)
    protocol = spec.protocol_settings
    settings = protocol.training_config(spec.epochs, spec.seed)
    metadata = {"language": spec.language, "repetition": spec.repetition, "epochs": spec.epochs,
                "training_words": spec.training_words, "validation_words": spec.validation_words,
                **protocol.training_settings()}
    train_start = time.perf_counter()
    model, training = train_or_load(spec.checkpoint_path, config, automaton, settings, device, train=spec.train,
                                    n_training=spec.training_words, progress=False, metadata=metadata,
                                    protocol=protocol)
    if spec.train:   # with --no-train whatever checkpoint is there is the one the user wants evaluated
        check_checkpoint_settings(spec, training)
    evaluate_start = time.perf_counter()
    evaluation = evaluate_network(model, automaton, spec.functions, seed=spec.seed, fit_fraction=spec.fit_fraction,
                                  n_conformance_words=spec.conformance_words,
                                  n_validation_words=spec.validation_words, protocol=protocol)
    results = {labeling: plain_scores(function_results) for labeling, function_results in evaluation.results.items()}
    record = job_record(spec, DONE, accuracy=float(evaluation.accuracy), results=results,
                        training={key: value for key, value in training.items() if _is_plain(value)},
                        scores={labeling: plain_agreement_scores(function_results)
                                for labeling, function_results in evaluation.results.items()})
    record["n_vectors"] = evaluation.n_vectors
    record["seconds"].update(train=round(evaluate_start - train_start, 3),
                             evaluate=round(time.perf_counter() - evaluate_start, 3))
    if spec.extract:
        extract_start = time.perf_counter()
        record["extraction"] = extract_network(model, automaton, validation_words(automaton, spec.seed,
                                                                                  spec.validation_words, protocol),
                                               seed=spec.seed, n_test_words=spec.conformance_words,
                                               fit_fraction=spec.fit_fraction, clusterer=evaluation.clusterer)
        record["seconds"]["extract"] = round(time.perf_counter() - extract_start, 3)
    if spec.length_generalisation:
        length_start = time.perf_counter()
        record["length_generalisation"] = length_generalisation(
            model, automaton, spec.functions, seed=spec.seed, n_validation_words=spec.validation_words,
            fit_fraction=spec.fit_fraction, clusterer=evaluation.clusterer)
        record["seconds"]["length_generalisation"] = round(time.perf_counter() - length_start, 3)
    outcomes = [outcome for scores in results.values() for outcome in scores.values()]
    if outcomes and all(isinstance(outcome, str) for outcome in outcomes):
        # Nothing to merge (typically NaN/inf hidden states of an exploded relu network): a failed job.
        record.update(status=FAILED, error="every function failed: " + "; ".join(sorted(set(outcomes))))
    return record


def plain_scores(function_results: dict) -> dict:
    """{function: [amb, wamb, max, min, n_clusters] as Python numbers, or the reason it failed}."""
    return {name: result.error if result.error else [float(result.amb), float(result.wamb), float(result.max),
                                                     float(result.min), int(result.n_clusters)]
            for name, result in function_results.items()}


def plain_agreement_scores(function_results: dict) -> dict:
    """{function: {score name: value}} for the functions that ran; failed ones are left out."""
    return {name: {score: float(value) for score, value in result.scores.items()}
            for name, result in function_results.items() if not result.error}


def check_checkpoint_settings(spec: JobSpec, training: dict) -> None:
    """A checkpoint trained with other settings would silently mix grids; refuse it (missing fields pass)."""
    wanted = {"seed": spec.seed, "epochs": spec.epochs, "training_words": spec.training_words,
              "validation_words": spec.validation_words, **spec.protocol_settings.training_settings()}
    for name in CHECKPOINT_SETTINGS:
        if name in training and training[name] != wanted[name]:
            raise ValueError(f"checkpoint {spec.checkpoint_path} was trained with {name}={training[name]}, "
                             f"this run asks for {wanted[name]}; use another --out or delete the checkpoint")


def job_record(spec: JobSpec, status: str, *, error: str | None = None, details: str | None = None,
               accuracy: float | None = None, results: dict | None = None, training: dict | None = None,
               scores: dict | None = None) -> dict:
    """The plain-data record of one job, as stored in OUT/jobs/{name}.pickle.

    "scores" ({labeling: {function: {score name: value}}}) came after the first records; readers treat a
    missing one as empty.
    """
    return {"format": RECORD_FORMAT, "name": spec.name, "spec": asdict(spec), "settings": spec.settings(),
            "status": status, "error": error, "details": details, "accuracy": accuracy,
            "results": results or {}, "training": training or {}, "seconds": {}, "scores": scores or {}}


def failed_record(spec: JobSpec, reason: str) -> dict:
    """The record of a job whose worker died or was lost before it could report."""
    record = job_record(spec, FAILED, error=reason)
    record["seconds"]["total"] = 0.0
    return record


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _is_plain(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))


# ---- job files -------------------------------------------------------------------------------------------

def job_path(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / "jobs" / f"{name}.pickle"


def write_job_record(out_dir: Path, record: dict) -> None:
    atomic_pickle(job_path(out_dir, record["name"]), record)


def read_job_record(path: Path) -> dict:
    """A job file's record; anything unreadable or not shaped like a record is a ResultFileError."""
    record = read_pickle(path)
    required = ("format", "name", "spec", "status", "settings", "accuracy", "results")
    if not isinstance(record, dict) or any(key not in record for key in required):
        raise ResultFileError(f"job file {path} does not hold a job record")
    if record["name"] != Path(path).stem or record["format"] != RECORD_FORMAT:
        raise ResultFileError(f"job file {path} holds the record of {record['name']!r} (format {record['format']})")
    return record


def is_finished(record: dict | None, spec: JobSpec) -> bool:
    """A job is finished when its record is done and was computed with this run's settings.

    A record with optional extras (OPTIONAL_SETTINGS) that this run does not ask for still serves it.
    """
    if record is None or record["status"] != DONE:
        return False
    wanted = spec.settings()
    recorded = {name: value for name, value in record["settings"].items()
                if name not in OPTIONAL_SETTINGS or name in wanted}
    return recorded == wanted


def merged_results(records) -> tuple[dict, dict]:
    """SPEC §8 accuracy and ambiguity dictionaries from done records; failed functions are left out."""
    accuracy, ambiguity = {}, {}
    for record in sorted((r for r in records if r["status"] == DONE), key=lambda r: r["name"]):
        for labeling, scores in record["results"].items():
            spec = record["spec"]
            key = result_key(spec["language"], spec["rnn"], spec["layers"], spec["hidden"], spec["repetition"],
                             labeling)
            accuracy[key] = record["accuracy"]
            ambiguity[key] = {function: values for function, values in scores.items() if isinstance(values, list)}
    return accuracy, ambiguity


def merged_extra(records, field: str) -> dict:
    """{SPEC §8 key: {function: value}} of one record field beyond SPEC §8 (see results.EXTRA_RESULT_FILES).

    From done records that have the field; a function that failed (its value is the reason, a str) is left out.
    """
    merged = {}
    for record in sorted((r for r in records if r["status"] == DONE), key=lambda r: r["name"]):
        spec = record["spec"]
        for labeling, functions in (record.get(field) or {}).items():
            key = result_key(spec["language"], spec["rnn"], spec["layers"], spec["hidden"], spec["repetition"],
                             labeling)
            merged[key] = {function: value for function, value in functions.items() if isinstance(value, dict)}
    return merged
