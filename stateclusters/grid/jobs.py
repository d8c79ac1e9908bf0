"""One job of the experiment grid: a network (language, architecture, size, repetition) from checkpoint to scores.

`run_job(JobSpec) -> dict` runs in a worker (a pool process, a Dask worker, or the driver itself). It takes
and returns plain data, so that any backend can ship it, and it is seeded from the network's name alone,
so that it gives the same numbers whichever backend or worker count runs it. The driver writes the record
it returns to `OUT/jobs/{name}.pickle`; the merged result pickles (docs/contract.md) are rebuilt from those files.
"""
import time
import traceback
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from stateclusters.base.catalogue import (
    CONFORMANCE_WORDS,
    EQ_WORDS,
    LENGTH_GENERALISATION_MAX,
    LIVE_WORDS,
    MAX_EPOCHS,
    MEMBERSHIP_QUERIES,
    TRAINING_WORDS,
    VALIDATION_WORDS,
    WORDS_PER_LENGTH,
)
from stateclusters.base.errors import CheckpointError
from stateclusters.clustering.functions import FIT_FRACTION
from stateclusters.grid.checkpoints import quarantine
from stateclusters.protocol import Protocol
from stateclusters.results.files import RECORD_FORMAT, NetworkId, job_files, read_job_record

DONE, FAILED, SKIPPED = "done", "failed", "skipped"
# Settings whose change makes an old job record stale (the device is left out: it should not change numbers).
RESULT_SETTINGS = ("epochs", "functions", "training_words", "validation_words", "conformance_words",
                   "fit_fraction")
# Checkpoint metadata that must agree with the job, or the network was trained for another grid.
CHECKPOINT_SETTINGS = ("seed", "epochs", "training_words", "validation_words", "early_stop", "word_counts",
                       "pda_bias")
# Optional per-job results: in a record's settings only when they were on.
OPTIONAL_SETTINGS = ("extract", "length_generalisation", "learn", "accuracy_live", "layer_ambiguity")


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
    epochs: int = MAX_EPOCHS
    training_words: int = TRAINING_WORDS
    validation_words: int = VALIDATION_WORDS
    conformance_words: int = CONFORMANCE_WORDS
    fit_fraction: float = FIT_FRACTION
    train: bool = True         # False: use an existing checkpoint or skip the job
    device: str = "cpu"
    extract: bool = False      # also the automata of the extraction.EXTRACTION_FUNCTIONS clusters
    length_generalisation: bool = False   # also score the functions on words of length 1..50 (new record key)
    automaton_file: str | None = None     # an own automaton: its absolute .dot path (`language` is its stem)
    learn: bool = False        # also learn automata from the network (learning_results; record key "learning")
    learn_words: int = EQ_WORDS                   # equivalence-oracle words per hypothesis
    learn_queries: int = MEMBERSHIP_QUERIES       # membership-query budget
    accuracy_live: bool = False   # also the conformance test on words drawn like the training words
    layer_ambiguity: bool = False   # also score the functions on each layer alone (networks of 2+ layers)
    # The protocol settings that differ from Protocol.spec(), as (name, value) pairs; the validation size is
    # validation_words above. In a record's settings only when not empty, so records without it equal spec.
    protocol: tuple = ()

    @property
    def network(self) -> NetworkId:
        return NetworkId(self.language, self.rnn, self.layers, self.hidden, self.repetition)

    @classmethod
    def protocol_pairs(cls, protocol: Protocol) -> tuple:
        return tuple((name, value) for name, value in protocol.differences().items() if name != "validation_words")

    @property
    def protocol_settings(self) -> Protocol:
        return Protocol(**dict(self.protocol), validation_words=self.validation_words)

    @property
    def name(self) -> str:
        return self.network.name

    @property
    def seed(self) -> int:
        return self.network.seed

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
            settings["length_generalisation"] = [WORDS_PER_LENGTH, LENGTH_GENERALISATION_MAX, "balanced by end state"]
        if self.learn:
            settings["learn"] = [self.learn_words, self.learn_queries]
        if self.accuracy_live:
            settings["accuracy_live"] = LIVE_WORDS
        if self.layer_ambiguity:
            settings["layer_ambiguity"] = True
        if self.protocol:
            settings["protocol"] = dict(self.protocol)
        return settings


@contextmanager
def single_threaded():
    """One thread for torch and for BLAS/OpenMP, so that numbers do not depend on how many threads ran them."""
    import torch
    from threadpoolctl import threadpool_limits
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
    # Imported here, not at the top: the runner parses its arguments without torch or scikit-learn.
    from stateclusters.analyses.extraction import extract_network
    from stateclusters.analyses.length_generalisation import length_generalisation
    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.network import evaluate_network
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.recurrent import resolve_device

    automaton = get_automaton(spec.automaton_file or spec.language)
    device = resolve_device(spec.device)
    config = network_config(automaton, spec.rnn, spec.hidden, spec.layers)
    train_start = time.perf_counter()
    model, training, moved = obtain_network(spec, config, automaton, device)
    evaluate_start = time.perf_counter()
    data = NetworkData(model, automaton, spec.seed, spec.validation_words, spec.conformance_words,
                       spec.protocol_settings)
    evaluation = evaluate_network(data, spec.functions, fit_fraction=spec.fit_fraction)
    results = {labeling: plain_scores(function_results) for labeling, function_results in evaluation.results.items()}
    record = job_record(spec, DONE, accuracy=float(evaluation.accuracy), results=results,
                        training={key: value for key, value in training.items() if _is_plain(value)},
                        scores={labeling: plain_agreement_scores(function_results)
                                for labeling, function_results in evaluation.results.items()})
    record["n_vectors"] = evaluation.n_vectors
    if moved is not None:
        record["checkpoint_moved"] = moved
    record["seconds"].update(train=round(evaluate_start - train_start, 3),
                             evaluate=round(time.perf_counter() - evaluate_start, 3))
    if spec.extract:
        extract_start = time.perf_counter()
        record["extraction"] = extract_network(data, fit_fraction=spec.fit_fraction)
        record["seconds"]["extract"] = round(time.perf_counter() - extract_start, 3)
    if spec.length_generalisation:
        length_start = time.perf_counter()
        record["length_generalisation"] = length_generalisation(data, spec.functions, fit_fraction=spec.fit_fraction)
        record["seconds"]["length_generalisation"] = round(time.perf_counter() - length_start, 3)
    _learning_extras(spec, data, record)
    outcomes = [outcome for scores in results.values() for outcome in scores.values()]
    if outcomes and all(isinstance(outcome, str) for outcome in outcomes):
        # Nothing to merge (typically NaN/inf hidden states of an exploded relu network): a failed job.
        record.update(status=FAILED, error="every function failed: " + "; ".join(sorted(set(outcomes))))
    return record


def obtain_network(spec: JobSpec, config, automaton, device):
    """(model, training metadata, None) from the checkpoint, or trained. When training is on, a checkpoint that
    cannot be used (corrupt, another network, other settings) is moved aside and the network retrained, so that
    it never blocks the grid: then the third value says why and where the file went."""
    from stateclusters.evaluation.training import train_or_load

    protocol = spec.protocol_settings
    settings = protocol.training_config(spec.epochs, spec.seed)
    metadata = {"language": spec.language, "repetition": spec.repetition, "epochs": spec.epochs,
                "training_words": spec.training_words, "validation_words": spec.validation_words,
                **protocol.training_settings()}

    def load_or_train():
        model, training = train_or_load(spec.checkpoint_path, config, automaton, settings, device, train=spec.train,
                                        n_training=spec.training_words, progress=False, metadata=metadata,
                                        protocol=protocol)
        if spec.train:   # with --no-train whatever checkpoint is there is the one the user wants evaluated
            check_checkpoint_settings(spec, training)
        return model, training

    try:
        return (*load_or_train(), None)
    except CheckpointError as error:
        if not spec.train:
            raise CheckpointError(f"{error}; rerun without --no-train to move it aside and retrain") from None
        moved = quarantine(spec.checkpoint_path)
        model, training = load_or_train()
        return model, training, f"{error}; moved to {moved} and retrained"
def _learning_extras(spec: JobSpec, data, record: dict) -> None:
    """--learn, --accuracy-live and --layer-ambiguity (record keys "learning", "accuracy_live",
    "layer_ambiguity"), each timed."""
    from stateclusters.analyses.extraction import extraction_inputs
    from stateclusters.analyses.layer_ambiguity import layer_ambiguity
    from stateclusters.analyses.learning_results import learn_network
    from stateclusters.evaluation.live_accuracy import live_accuracy

    if spec.learn:
        start = time.perf_counter()
        record["learning"] = learn_network(data.model, data.automaton, extraction_inputs(data), seed=spec.seed,
                                           eq_words=spec.learn_words, max_queries=spec.learn_queries)
        record["seconds"]["learn"] = round(time.perf_counter() - start, 3)
    if spec.accuracy_live:
        start = time.perf_counter()
        record["accuracy_live"] = live_accuracy(data.model, data.automaton, seed=spec.seed)
        record["seconds"]["accuracy_live"] = round(time.perf_counter() - start, 3)
    if spec.layer_ambiguity:
        start = time.perf_counter()
        record["layer_ambiguity"] = layer_ambiguity(data, spec.functions, fit_fraction=spec.fit_fraction)
        record["seconds"]["layer_ambiguity"] = round(time.perf_counter() - start, 3)


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
            raise CheckpointError(f"checkpoint {spec.checkpoint_path} was trained with {name}={training[name]}, "
                                  f"this run asks for {wanted[name]}")


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


def done_job_records(out_dir: Path) -> list[dict]:
    """The finished job records under OUT/jobs, in name order."""
    return [record for record in map(read_job_record, job_files(out_dir)) if record["status"] == DONE]


def record_key(record: dict, labeling: str) -> str:
    """The result key of a job record's network under one labeling."""
    spec = record["spec"]
    return NetworkId(spec["language"], spec["rnn"], spec["layers"], spec["hidden"], spec["repetition"]).key(labeling)


def merged_results(records) -> tuple[dict, dict]:
    """The accuracy and ambiguity dictionaries (docs/contract.md) from done records; failed functions are left out."""
    accuracy, ambiguity = {}, {}
    for record in sorted((r for r in records if r["status"] == DONE), key=lambda r: r["name"]):
        for labeling, scores in record["results"].items():
            key = record_key(record, labeling)
            accuracy[key] = record["accuracy"]
            ambiguity[key] = {function: values for function, values in scores.items() if isinstance(values, list)}
    return accuracy, ambiguity


def merged_extra(records, field: str) -> dict:
    """{result key: {function: value}} of one record field beyond those two (see results.EXTRA_RESULT_FILES).

    From done records that have the field; a function that failed (its value is the reason, a str) is left out.
    """
    merged = {}
    for record in sorted((r for r in records if r["status"] == DONE), key=lambda r: r["name"]):
        for labeling, functions in (record.get(field) or {}).items():
            merged[record_key(record, labeling)] = {function: value for function, value in functions.items()
                                                    if isinstance(value, dict)}
    return merged


def merged_live_accuracy(records) -> dict[str, float]:
    """{result key of every labeling: accuracy_live} from the done records that have it (see live_accuracy)."""
    merged = {}
    for record in sorted((r for r in records if r["status"] == DONE and "accuracy_live" in r),
                         key=lambda r: r["name"]):
        for labeling in record["results"]:
            merged[record_key(record, labeling)] = record["accuracy_live"]
    return merged
