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

from stateclusters.analyses import registry
from stateclusters.base.catalogue import (
    CONFORMANCE_WORDS,
    MAX_EPOCHS,
    SOLO_TRAINING,
    TRAINING_WORDS,
)
from stateclusters.base.errors import CheckpointError
from stateclusters.base.keys import NetworkId
from stateclusters.evaluation.plan import TrainingPlan
from stateclusters.grid.checkpoints import quarantine
from stateclusters.protocol import Protocol
from stateclusters.results.files import RECORD_FORMAT, job_files, read_job_record
from stateclusters.results.shapes import DONE, FAILED, SKIPPED

# Settings whose change makes an old job record stale (the device is left out: it should not change numbers).
RESULT_SETTINGS = ("epochs", "functions", "training_words", "validation_words", "conformance_words",
                   "fit_fraction")
# Checkpoint metadata that must agree with the job, or the network was trained for another grid.
CHECKPOINT_SETTINGS = ("seed", "epochs", "training_words", "validation_words", "early_stop", "word_counts",
                       "pda_bias")


@dataclass(frozen=True)
class JobSpec(NetworkId):
    """Everything a worker needs to run one job: its network's identity (name, seed, keys), then the settings;
    plain values only."""
    functions: tuple[str, ...]
    checkpoint_dir: str        # absolute, so that remote workers on a shared filesystem find it
    epochs: int = MAX_EPOCHS
    training_words: int = TRAINING_WORDS
    conformance_words: int = CONFORMANCE_WORDS
    train: bool = True         # False: use an existing checkpoint or skip the job
    device: str = "cpu"
    automaton_file: str | None = None     # an own automaton: its absolute .dot path (`language` is its stem)
    analyses: tuple[str, ...] = ()        # the optional analyses to run (names of registry.ANALYSES rows)
    analysis_options: tuple = ()          # their options that differ from the defaults, as (name, value) pairs
    # Every protocol setting, the validation size (this language's family's) and the fit fraction included.
    protocol: Protocol = Protocol()

    @property
    def checkpoint_path(self) -> Path:
        return Path(self.checkpoint_dir) / f"{self.name}.pt"

    def requested_analyses(self) -> list:
        """The registry rows this job runs, in registry order."""
        return [analysis for analysis in registry.ANALYSES if analysis.name in self.analyses]

    def analysis_settings(self) -> dict:
        """{option name: value} of every option of the analyses, the registry's default where not given."""
        given = dict(self.analysis_options)
        return {option.name: given.get(option.name, option.default)
                for analysis in registry.ANALYSES for option in analysis.options}

    def settings(self) -> dict:
        values = {**asdict(self), "validation_words": self.protocol.validation_words,
                  "fit_fraction": self.protocol.fit_fraction}
        settings = {name: list(values[name]) if name == "functions" else values[name] for name in RESULT_SETTINGS}
        # Only when on, so that records from before an analysis (or without it) keep their settings.
        for analysis in self.requested_analyses():
            settings[analysis.name] = analysis.functions().settings(self.analysis_settings())
        # The other settings only where they differ from spec, so that records made under spec stay current.
        differences = {name: value for name, value in self.protocol.differences().items()
                       if name not in RESULT_SETTINGS}
        if differences:
            settings["protocol"] = differences
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
    data = NetworkData(model, automaton, spec.seed, n_conformance_words=spec.conformance_words, protocol=spec.protocol)
    evaluation = evaluate_network(data, spec.functions)
    results = {labeling: plain_scores(function_results) for labeling, function_results in evaluation.results.items()}
    record = job_record(spec, DONE, accuracy=float(evaluation.accuracy), results=results,
                        training={key: value for key, value in training.items() if _is_plain(value)},
                        scores={labeling: plain_agreement_scores(function_results)
                                for labeling, function_results in evaluation.results.items()})
    record["n_vectors"] = evaluation.n_vectors
    # Checkpoints from before group training have no mode: they were all trained solo.
    record["training_mode"] = training.get("training_mode", SOLO_TRAINING)
    if moved is not None:
        record["checkpoint_moved"] = moved
    record["seconds"].update(train=round(evaluate_start - train_start, 3),
                             evaluate=round(time.perf_counter() - evaluate_start, 3))
    for analysis in spec.requested_analyses():
        start = time.perf_counter()
        record[analysis.field] = analysis.functions().run(data, spec)
        record["seconds"][analysis.name] = round(time.perf_counter() - start, 3)
    outcomes = [outcome for scores in results.values() for outcome in scores.values()]
    if outcomes and all(isinstance(outcome, str) for outcome in outcomes):
        # Nothing to merge (typically NaN/inf hidden states of an exploded relu network): a failed job.
        record.update(status=FAILED, error="every function failed: " + "; ".join(sorted(set(outcomes))))
    return record


def training_plan(spec: JobSpec) -> TrainingPlan:
    """How the job's network is trained, solo or in a group, and what its checkpoint records of that."""
    return TrainingPlan(spec.language, spec.repetition, spec.seed, spec.epochs, spec.training_words, spec.protocol)


def obtain_network(spec: JobSpec, config, automaton, device):
    """(model, training metadata, None) from the checkpoint, or trained. When training is on, a checkpoint that
    cannot be used (corrupt, another network, other settings) is moved aside and the network retrained, so that
    it never blocks the grid: then the third value says why and where the file went."""
    from stateclusters.evaluation.training import train_or_load

    def load_or_train():
        model, training = train_or_load(spec.checkpoint_path, config, automaton, training_plan(spec), device,
                                        train=spec.train, progress=False)
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
    wanted = {"seed": spec.seed, **training_plan(spec).metadata()}
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

    A record with optional analyses (registry.ANALYSES) that this run does not ask for still serves it.
    """
    if record is None or record["status"] != DONE:
        return False
    wanted = spec.settings()
    optional = {analysis.name for analysis in registry.ANALYSES}
    recorded = {name: value for name, value in record["settings"].items() if name not in optional or name in wanted}
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


def merged_extra(records, field: str, per_labeling: bool = True) -> dict:
    """{result key: value} of one record field beyond those two (see results.extra_result_files), from done records.

    Per labeling, the field is {labeling: {function: value}}, and a function that failed (its value is the reason,
    a str) is left out; otherwise it is one value of the network, given to each of its labelings' keys.
    """
    merged = {}
    for record in sorted((r for r in records if r["status"] == DONE and r.get(field) is not None),
                         key=lambda r: r["name"]):
        if not per_labeling:
            merged.update({record_key(record, labeling): record[field] for labeling in record["results"]})
            continue
        for labeling, functions in record[field].items():
            merged[record_key(record, labeling)] = {function: value for function, value in functions.items()
                                                    if isinstance(value, dict)}
    return merged


def merged_extras(records) -> dict:
    """{record field: merged} for the agreement scores and every analysis of the registry."""
    extras = {"scores": merged_extra(records, "scores")}
    for analysis in registry.ANALYSES:
        extras[analysis.field] = merged_extra(records, analysis.field, analysis.per_labeling)
    return extras
