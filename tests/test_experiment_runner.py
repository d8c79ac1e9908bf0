"""The grid runner: slices, resuming after a kill, failures, and the same numbers from every backend.

Every run here is tiny (two regular languages, one GRU size, two epochs, a few hundred words), so the
whole file stays fast; the numbers are meaningless, only their equality across runs matters.
"""
import math
import os
import pickle
import shutil
import subprocess
import sys
import zlib
from fractions import Fraction
from pathlib import Path

import pytest
import torch
from script_runs import SIGTERM_MESSAGE, terminate_after_call

import stateclusters.evaluation.network as network_evaluation
import stateclusters.grid.backends as job_backends
import stateclusters.grid.jobs as grid_jobs
from stateclusters.base.cli import EXIT_TERMINATED
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import Abstraction
from stateclusters.commands import experiment_runner
from stateclusters.results.files import read_results

REPO = Path(__file__).resolve().parents[1]
TINY = ["--languages", "tomita1,tomita5", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "2",
        "--train-words", "300", "--validation-words", "100", "--conformance-words", "100",
        "--functions", "lda,k_means,DBSCAN"]
NAMES = ("tomita1_gru_1_4_1", "tomita5_gru_1_8_1")   # hidden = |Σ|·|Q|: 2·2 and 2·4


def run(out: Path, *extra: str) -> int:
    return experiment_runner.main(TINY + ["--out", str(out), *extra])


def same_numbers(left, right) -> bool:
    """Equality of nested result dictionaries, with NaN equal to NaN."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(same_numbers(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same_numbers(a, b) for a, b in zip(left, right))
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left) and math.isnan(right):
        return True
    return left == right


def same_checkpoint_weights(out: Path, other: Path) -> bool:
    """Bit-identical weights in every checkpoint of two runs."""
    for name in NAMES:
        mine, theirs = (torch.load(folder / "checkpoints" / f"{name}.pt", weights_only=True)["state_dict"]
                        for folder in (out, other))
        if mine.keys() != theirs.keys() or not all(torch.equal(mine[key], theirs[key]) for key in mine):
            return False
    return True


def temp_files(out: Path) -> list[Path]:
    return list(out.rglob("*.partial"))


def record_calls(monkeypatch) -> list[str]:
    """Names of the jobs the in-process backend runs from now on."""
    names, original = [], job_backends.run_job

    def counting_run_job(spec):
        names.append(spec.name)
        return original(spec)
    monkeypatch.setattr(job_backends, "run_job", counting_run_job)
    return names


@pytest.fixture(scope="module")
def straight_run(tmp_path_factory) -> Path:
    """One uninterrupted in-process run: the reference every other run must match."""
    out = tmp_path_factory.mktemp("straight")
    assert run(out) == 0
    return out


@pytest.fixture
def reference(straight_run):
    return read_results(straight_run)


def test_straight_run_writes_jobs_checkpoints_log_and_merged_results(straight_run, reference):
    accuracy, ambiguity = reference
    assert set(accuracy) == set(ambiguity) == {f"{name}_regular" for name in NAMES}
    for key, scores in ambiguity.items():
        assert 0.0 <= accuracy[key] <= 1.0
        assert set(scores) == {"lda", "k_means", "DBSCAN"}
        assert all(len(values) == 5 and isinstance(values[4], int) for values in scores.values())
    for name in NAMES:
        assert (straight_run / "checkpoints" / f"{name}.pt").exists()
        record = pickle.loads((straight_run / "jobs" / f"{name}.pickle").read_bytes())
        assert record["status"] == "done" and record["error"] is None
        assert record["seconds"]["total"] > 0
    log_text = "".join(path.read_text() for path in (straight_run / "logs").glob("run-*.log"))
    assert "arguments:" in log_text and all(f"{name}  accuracy" in log_text for name in NAMES)
    assert temp_files(straight_run) == []


def test_rerun_of_a_finished_slice_runs_nothing(straight_run, reference, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(straight_run, out)
    calls = record_calls(monkeypatch)
    assert run(out) == 0
    assert calls == []
    assert same_numbers(read_results(out), reference)


def test_resume_after_a_killed_run_reruns_only_the_missing_job(straight_run, reference, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(straight_run, out)
    # What SIGKILL during tomita5's job leaves: no job file, no checkpoint, a temp file, stale merged pickles.
    (out / "jobs" / f"{NAMES[1]}.pickle").unlink()
    (out / "checkpoints" / f"{NAMES[1]}.pt").unlink()
    (out / "checkpoints" / f".{NAMES[1]}.pt.x1y2.partial").write_bytes(b"half a checkpoint")
    (out / ".accuracy.pickle.a1b2.partial").write_bytes(b"half a pickle")
    (out / "accuracy.pickle").unlink()
    calls = record_calls(monkeypatch)
    assert run(out) == 0
    assert calls == [NAMES[1]]
    assert temp_files(out) == []
    assert same_numbers(read_results(out), reference)


def test_corrupt_job_file_is_reported_rerun_and_not_merged(straight_run, reference, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    shutil.copytree(straight_run, out)
    job_file = out / "jobs" / f"{NAMES[0]}.pickle"
    job_file.write_bytes(job_file.read_bytes()[:40])
    calls = record_calls(monkeypatch)
    assert run(out) == 0
    assert calls == [NAMES[0]]
    assert "corrupt" in capsys.readouterr().err
    assert same_numbers(read_results(out), reference)


def test_corrupt_job_file_outside_the_slice_is_never_merged(straight_run, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(straight_run, out)
    (out / "jobs" / "tomita3_gru_1_10_1.pickle").write_bytes(b"\x80\x05garbage")
    assert run(out) == 0
    accuracy, ambiguity = read_results(out)
    assert set(accuracy) == set(ambiguity) == {f"{name}_regular" for name in NAMES}


def test_failing_job_is_recorded_others_finish_and_next_run_retries(reference, tmp_path, monkeypatch, capsys):
    # The job imports evaluate_network when it runs (the runner's --help must not wait for torch): patch its home.
    original = network_evaluation.evaluate_network

    def evaluation_failing_for_tomita5(data, *args, **kwargs):
        if data.n_states == 4:   # tomita5; tomita1 has 2 states
            raise RuntimeError("clustering exploded")
        return original(data, *args, **kwargs)
    monkeypatch.setattr(network_evaluation, "evaluate_network", evaluation_failing_for_tomita5)
    out = tmp_path / "out"
    assert run(out) == 1
    record = pickle.loads((out / "jobs" / f"{NAMES[1]}.pickle").read_bytes())
    assert record["status"] == "failed" and record["error"] == "RuntimeError: clustering exploded"
    assert "Traceback" in record["details"]
    accuracy, ambiguity = read_results(out)
    assert set(accuracy) == set(ambiguity) == {f"{NAMES[0]}_regular"}
    err = capsys.readouterr().err
    assert f"{NAMES[1]}  FAILED: RuntimeError: clustering exploded" in err
    assert "not finished (rerun to retry):" in err and f"  {NAMES[1]}: failed: RuntimeError" in err

    monkeypatch.setattr(network_evaluation, "evaluate_network", original)
    calls = record_calls(monkeypatch)
    assert run(out) == 0
    assert calls == [NAMES[1]]
    assert same_numbers(read_results(out), reference)


def test_failing_function_is_left_out_of_its_key_and_listed_in_the_job_file(tmp_path, monkeypatch):
    original = Abstraction.fit

    def clustering_without_dbscan(self, *args, **kwargs):
        if self.name == "DBSCAN":
            raise ValueError("no clusters for you")
        return original(self, *args, **kwargs)
    monkeypatch.setattr(Abstraction, "fit", clustering_without_dbscan)
    out = tmp_path / "out"
    assert run(out) == 0
    _, ambiguity = read_results(out)
    assert all(set(scores) == {"lda", "k_means"} for scores in ambiguity.values())
    record = pickle.loads((out / "jobs" / f"{NAMES[0]}.pickle").read_bytes())
    assert record["status"] == "done"
    assert record["results"]["regular"]["DBSCAN"] == "ValueError: no clusters for you"


def test_job_where_every_function_fails_is_a_failed_job(tmp_path, monkeypatch):
    def no_clustering(self, *args, **kwargs):
        raise ValueError("hidden states contain NaN or inf")
    monkeypatch.setattr(Abstraction, "fit", no_clustering)
    out = tmp_path / "out"
    assert run(out, "--languages", "tomita1") == 1
    record = pickle.loads((out / "jobs" / f"{NAMES[0]}.pickle").read_bytes())
    assert record["status"] == "failed" and "NaN or inf" in record["error"]
    assert read_results(out) == ({}, {})


def test_interrupt_keeps_finished_jobs_and_merges_them(tmp_path, monkeypatch):
    original = job_backends.run_job

    def interrupted_at_second_job(spec):
        if spec.name == NAMES[1]:
            raise KeyboardInterrupt
        return original(spec)
    monkeypatch.setattr(job_backends, "run_job", interrupted_at_second_job)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run(out)
    accuracy, _ = read_results(out)
    assert set(accuracy) == {f"{NAMES[0]}_regular"}
    assert not (out / "jobs" / f"{NAMES[1]}.pickle").exists()
    assert temp_files(out) == []


def test_sigterm_stops_the_run_cleanly_and_a_rerun_finishes_it(reference, tmp_path):
    out = tmp_path / "out"
    # Signalled from inside as the first job's training returns, before that job is evaluated or recorded.
    stopped = terminate_after_call("experiment_runner.py", [*TINY, "--out", out], "stateclusters.networks.recurrent",
                                   "train_network")
    assert stopped.returncode == EXIT_TERMINATED and stopped.last_line() == SIGTERM_MESSAGE
    assert "Traceback" not in stopped.stderr and temp_files(out) == []
    assert "interrupted: no new jobs; merging the finished ones" in "".join(
        path.read_text() for path in (out / "logs").glob("run-*.log"))
    accuracy, _ = read_results(out)   # merged from the finished jobs (none), never half-written
    assert accuracy == {} and not (out / "jobs" / f"{NAMES[0]}.pickle").exists()
    assert run(out) == 0
    assert same_numbers(read_results(out), reference)
    assert temp_files(out) == []


def test_no_train_skips_jobs_without_checkpoint_and_uses_existing_ones(straight_run, reference, tmp_path):
    out = tmp_path / "out"
    assert run(out, "--no-train") == 1
    record = pickle.loads((out / "jobs" / f"{NAMES[0]}.pickle").read_bytes())
    assert record["status"] == "skipped" and "no checkpoint" in record["error"]
    shutil.copytree(straight_run / "checkpoints", out / "checkpoints", dirs_exist_ok=True)
    assert run(out, "--no-train") == 0
    assert same_numbers(read_results(out), reference)


def test_checkpoint_trained_with_other_settings_is_moved_aside_and_retrained(straight_run, tmp_path, capsys):
    out = tmp_path / "out"
    shutil.copytree(straight_run / "checkpoints", out / "checkpoints")
    shutil.copytree(straight_run / "jobs", out / "jobs")
    before = (out / "checkpoints" / f"{NAMES[0]}.pt").read_bytes()
    assert run(out, "--epochs", "3", "--languages", "tomita1") == 0
    record = pickle.loads((out / "jobs" / f"{NAMES[0]}.pickle").read_bytes())
    assert record["status"] == "done" and "epochs=2" in record["checkpoint_moved"]
    moved = list((out / "checkpoints" / "quarantine").iterdir())
    assert [path.name.split(".pt.")[0] for path in moved] == [NAMES[0]] and moved[0].read_bytes() == before
    err = capsys.readouterr().err
    assert f"moved to {moved[0]} and retrained" in err
    # tomita5's record (2 epochs) and tomita1's new one (3) are merged together, and the run says so.
    assert ("warning: the merged files mix job records of different settings (each record in jobs/ holds its "
            "own): epochs: 2 (1 network), 3 (1 network)") in err
    assert torch.load(out / "checkpoints" / f"{NAMES[0]}.pt", weights_only=True)["metadata"]["epochs"] == 3


@pytest.mark.parametrize("damage", ["truncate", "empty"])
def test_corrupt_checkpoint_is_moved_aside_and_retrained(straight_run, reference, tmp_path, damage):
    out = tmp_path / "out"
    shutil.copytree(straight_run / "checkpoints", out / "checkpoints")
    path = out / "checkpoints" / f"{NAMES[0]}.pt"
    path.write_bytes(path.read_bytes()[:300] if damage == "truncate" else b"")
    assert run(out) == 0   # never blocked: the next run does not fail the same way for ever
    record = pickle.loads((out / "jobs" / f"{NAMES[0]}.pickle").read_bytes())
    assert "corrupt or truncated" in record["checkpoint_moved"]
    assert len(list((out / "checkpoints" / "quarantine").iterdir())) == 1
    assert same_numbers(read_results(out), reference)   # retrained with the same seed: the same network


def test_two_local_workers_give_the_same_results(straight_run, reference, tmp_path):
    out = tmp_path / "out"
    assert run(out, "--workers", "2") == 0
    assert same_numbers(read_results(out), reference)
    assert same_checkpoint_weights(out, straight_run)
    assert temp_files(out) == []


def run_job_killing_its_worker_for_tomita5(spec):
    """Top level, so that pool workers can unpickle it: the worker process dies as if it crashed."""
    if spec.language == "tomita5":
        os._exit(3)
    return grid_jobs.run_job(spec)


def test_dead_worker_fails_only_its_own_job(reference, tmp_path, monkeypatch):
    monkeypatch.setattr(job_backends, "run_job", run_job_killing_its_worker_for_tomita5)
    out = tmp_path / "out"
    assert run(out, "--workers", "2") == 1
    record = pickle.loads((out / "jobs" / f"{NAMES[1]}.pickle").read_bytes())
    assert record["status"] == "failed" and record["error"] == job_backends.WORKER_DIED
    accuracy, ambiguity = read_results(out)
    assert same_numbers(ambiguity, {key: value for key, value in reference[1].items() if key.startswith("tomita1")})


def test_dask_cluster_gives_the_same_results(straight_run, reference, tmp_path):
    import dask
    from dask.distributed import LocalCluster
    # Forked worker processes start in a fraction of the time of spawned ones; the jobs do not care.
    with dask.config.set({"distributed.worker.multiprocessing-method": "forkserver"}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        out = tmp_path / "out"
        assert run(out, "--backend", "dask", "--scheduler", cluster.scheduler_address) == 0
    assert same_numbers(read_results(out), reference)
    assert same_checkpoint_weights(out, straight_run)


def test_changed_settings_make_a_finished_job_stale():
    spec = grid_jobs.JobSpec("tomita1", "gru", 1, 4, 1, ("lda",), "/tmp/checkpoints")
    record = grid_jobs.job_record(spec, "done")
    assert grid_jobs.is_finished(record, spec)
    assert not grid_jobs.is_finished(record, grid_jobs.JobSpec("tomita1", "gru", 1, 4, 1, ("lda", "lr"),
                                                               "/tmp/checkpoints"))
    assert not grid_jobs.is_finished(grid_jobs.job_record(spec, "failed"), spec)


def test_job_seed_is_a_stable_hash_of_the_network_name():
    spec = grid_jobs.JobSpec("tomita1", "gru", 1, 4, 2, ("lda",), "/tmp/checkpoints")
    assert spec.seed == zlib.crc32(b"tomita1_gru_1_4_2")


def test_default_grid_follows_the_spec_sizes(tmp_path):
    args = experiment_runner.parse_arguments(["--languages", "tomita1,CFG_L_1", "--rnn", "lstm", "--out",
                                              str(tmp_path)])
    sizes = {(spec.language, spec.layers, spec.hidden) for spec in experiment_runner.build_grid(args)}
    # tomita1: opt = 2·2; CFG_L_1: opt = |{a,b}|·|{q0,q1,q2,err}| = 8.
    assert sizes == {("tomita1", 1, 4), ("tomita1", 1, 6), ("tomita1", 2, 4),
                     ("CFG_L_1", 1, 8), ("CFG_L_1", 1, 12), ("CFG_L_1", 2, 8), ("CFG_L_1", 1, 24),
                     ("CFG_L_1", 1, 40)}
    assert len(experiment_runner.build_grid(args)) == 2 * len(sizes)   # two repetitions


def test_sizes_are_parsed_exactly():
    assert experiment_runner.parse_sizes("1x1, 1x1.5,2x1") == [(1, 1), (1, Fraction(3, 2)), (2, 1)]


@pytest.mark.parametrize("option, value, message", [
    ("--languages", "tomita1,nope", "unknown automaton"),
    ("--rnn", "gru,mamba", "unknown architecture"),
    ("--functions", "k_means,k_means_3", "unknown abstraction function"),
    ("--sizes", "1x", "is not LAYERSxFACTOR"),
    ("--sizes", "0x1", "is not LAYERSxFACTOR"),
    ("--sizes", "1x0.01", "hidden units"),
])
def test_bad_user_input_is_a_user_error(tmp_path, option, value, message):
    with pytest.raises(UserError, match=message):
        experiment_runner.main(TINY + ["--out", str(tmp_path), option, value])


def test_bad_name_on_the_command_line_exits_2_with_one_line(tmp_path):
    result = subprocess.run([sys.executable, str(REPO / "experiment_runner.py"), "--languages", "tomita9",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: unknown automaton 'tomita9'")
