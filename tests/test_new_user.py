"""What a new user hits (issue 23): a plain checkout of the paper's repository, crafted pickles in a results
folder, a full disk, a checkpoint folder that does not exist yet, a broken network among the small experiment's."""
import errno
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stateclusters.base.errors import DiskFullError
from stateclusters.base.keys import parse_key
from stateclusters.base.safe_pickle import UnsafePickleError, loads_plain
from stateclusters.commands import statistics_computation
from stateclusters.paper.pda_letters import PDA_LETTERS
from stateclusters.results.files import read_pickle, write_results

REPO = Path(__file__).resolve().parents[1]
PAPER = REPO.parent / "shared" / "paper"
OUR_PAPER_FILES = ("pda_input_alphabets.json", "expected_paper_results.json", "later_pda_accuracies.json")
TINY_GRID = ["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "1",
             "--train-words", "200", "--validation-words", "100", "--conformance-words", "100", "--functions", "lda"]
needs_paper = pytest.mark.skipif(not (PAPER / "rnn_data").is_dir(), reason=f"the paper's networks are not at {PAPER}")


def run(script: str, *arguments, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / script), *map(str, arguments)], capture_output=True,
                          text=True, cwd=REPO, timeout=300, env={**os.environ, **(env or {})})


def error_lines(completed: subprocess.CompletedProcess) -> list[str]:
    """stderr's `error:` lines; the test also checks there is no traceback."""
    assert "Traceback" not in completed.stderr, completed.stderr
    return [line for line in completed.stderr.splitlines() if line.startswith("error:")]


# ---- the paper's repository as it is -----------------------------------------------------------------------

@needs_paper
def test_the_pda_letter_orders_are_the_ones_read_off_the_papers_code():
    shared = json.loads((PAPER / "pda_input_alphabets.json").read_text())
    assert {language: list(letters) for language, letters in PDA_LETTERS.items()} == shared


@needs_paper
def test_a_plain_checkout_of_the_papers_repository_evaluates_pda_and_regular_networks(tmp_path):
    checkout = tmp_path / "Clustering_RNN_hidden_state_space"
    shutil.copytree(PAPER, checkout, ignore=shutil.ignore_patterns(*OUR_PAPER_FILES))
    out = tmp_path / "out"
    completed = run("evaluate_paper_networks.py", "--paper-repo", checkout, "--out", out, "--networks",
                    "CFG_L_13_gru_1_15_1_gpu,tomita3_relu_1_10_1_gpu", "--functions", "lda,k_means")
    assert completed.returncode == 0, completed.stderr
    assert "this run: 2 done, 0 failed" in completed.stderr
    accuracy = read_pickle(out / "accuracy.pickle")
    assert {"CFG_L_13_gru_1_15_1_gpu_stackless", "tomita3_relu_1_10_1_gpu_regular"} <= set(accuracy)
    assert accuracy["CFG_L_13_gru_1_15_1_gpu_stackless"] > 0.9
    orders = json.loads((out / "orders.json").read_text())
    assert orders["CFG_L_13_gru_1_15_1_gpu"]["letters"] == list(PDA_LETTERS["CFG_L_13"])


@needs_paper
def test_a_truncated_paper_checkpoint_ends_the_run_with_exit_1_and_its_name(tmp_path):
    checkout = tmp_path / "repo"
    models = checkout / "rnn_data" / "models" / "exp_models"
    models.mkdir(parents=True)
    shutil.copytree(PAPER / "automata_models", checkout / "automata_models")
    whole = (PAPER / "rnn_data" / "models" / "exp_models" / "tomita3_relu_1_10_1_gpu.pt").read_bytes()
    (models / "tomita3_relu_1_10_1_gpu.pt").write_bytes(whole[:len(whole) // 2])
    completed = run("evaluate_paper_networks.py", "--paper-repo", checkout, "--out", tmp_path / "out",
                    "--functions", "lda")
    assert completed.returncode == 1, completed.stderr
    assert "not finished (rerun to retry):\n  tomita3_relu_1_10_1_gpu: failed: CheckpointError" in completed.stderr


def test_statistics_read_a_folder_of_evaluate_paper_networks():
    accuracy, ambiguity = statistics_computation.load_results(REPO / "experiment_results" / "paper_networks" / "paper")
    labelings = {parse_key(key).labeling for key in ambiguity}
    assert labelings == {"regular", "stackless", "stack_size", "top_of_stack"} and set(ambiguity) <= set(accuracy)
    assert "tomita3_gru_1_10_1_regular" in ambiguity


# ---- pickles that would run code -----------------------------------------------------------------------------

class Payload:
    """Unpickling this touches a marker file: what a crafted result file could do with plain pickle.load."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def payload_bytes(marker: Path) -> bytes:
    return pickle.dumps({"tomita1_gru_1_4_1_regular": Payload(marker)})


def test_the_plain_data_unpickler_refuses_a_payload_and_reads_plain_data(tmp_path):
    marker = tmp_path / "ran"
    with pytest.raises(UnsafePickleError, match="names posix.system"):
        loads_plain(payload_bytes(marker), "x")
    assert not marker.exists()
    plain = {"a": [1, 2.5, None, True, -10**30], "b": ("x", (), {"c": {}}), 3: [[]]}
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        assert loads_plain(pickle.dumps(plain, protocol=protocol)) == plain


def test_statistics_refuse_a_payload_result_file_without_running_it(tmp_path):
    results, marker = tmp_path / "results", tmp_path / "ran"
    write_results(results, {"tomita1_gru_1_4_1_regular": 1.0}, {})
    (results / "ambiguity.pickle").write_bytes(payload_bytes(marker))
    completed = run("statistics_computation.py", "--results", results, "--figures", tmp_path / "figures")
    assert completed.returncode == 2 and not marker.exists()
    assert len(error_lines(completed)) == 1 and "refused without loading it" in completed.stderr


def test_the_grid_refuses_a_payload_job_record_without_running_it(tmp_path):
    out, marker = tmp_path / "grid", tmp_path / "ran"
    (out / "jobs").mkdir(parents=True)
    (out / "jobs" / "tomita1_gru_1_4_1.pickle").write_bytes(payload_bytes(marker))
    completed = run("experiment_runner.py", *TINY_GRID, "--out", out)
    assert completed.returncode == 2 and not marker.exists()
    lines = error_lines(completed)
    assert len(lines) == 1 and "tomita1_gru_1_4_1.pickle names posix.system" in lines[0]


# ---- a full disk ---------------------------------------------------------------------------------------------

FULL_DISK = '''import errno, os
_match = os.environ.get("FULL_DISK_MATCH")
if _match:   # fsync of a file whose path holds _match fails as on a full disk
    _fsync = os.fsync
    def fsync(fd):
        number = fd if isinstance(fd, int) else fd.fileno()
        if _match in os.readlink(f"/proc/self/fd/{number}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return _fsync(fd)
    os.fsync = fsync
'''


def full_disk_env(tmp_path: Path, match: str) -> dict:
    """A sitecustomize that makes fsync fail with ENOSPC for matching files, as a full disk does."""
    folder = tmp_path / "full_disk"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(FULL_DISK)
    return {"PYTHONPATH": os.pathsep.join([str(folder), os.environ.get("PYTHONPATH", "")]), "FULL_DISK_MATCH": match}


def test_a_full_disk_keeps_the_old_set_of_result_files(tmp_path, monkeypatch):
    write_results(tmp_path, {"k_regular": 1.0}, {"k_regular": {}}, {"scores": {"k_regular": {}}})
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    real_fsync = os.fsync

    def fsync(fd):
        if ".ambiguity.pickle." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(DiskFullError, match=f"no space left to write {tmp_path / 'ambiguity.pickle'}"):
        write_results(tmp_path, {"k_regular": 0.5}, {"k_regular": {"lda": [0, 0, 0, 0, 1]}},
                      {"scores": {"k_regular": {"lda": {}}}})
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before   # no new file, no temp file


def test_a_full_disk_at_the_first_job_record_is_one_line(tmp_path):
    out = tmp_path / "grid"
    completed = run("experiment_runner.py", *TINY_GRID, "--out", out, env=full_disk_env(tmp_path, "/jobs/."))
    assert completed.returncode == 2
    assert error_lines(completed) == [f"error: no space left to write {out / 'jobs' / 'tomita1_gru_1_4_1.pickle'} "
                                      "(No space left on device); nothing was replaced: free some space and rerun"]


def test_a_full_disk_while_writing_figures_is_one_line(tmp_path):
    results = tmp_path / "results"
    write_results(results, {"tomita3_gru_1_20_1_regular": 1.0},
                  {"tomita3_gru_1_20_1_regular": {"k_means_8": [0.1, 0.1, 0.2, 0.0, 16]}})
    completed = run("statistics_computation.py", "--results", results, "--figures", tmp_path / "figures",
                    env=full_disk_env(tmp_path, ".png."))
    assert completed.returncode == 2
    lines = error_lines(completed)
    assert len(lines) == 1 and lines[0].startswith(f"error: no space left to write {tmp_path / 'figures'}")


# ---- driver and small experiment -------------------------------------------------------------------------------

def test_the_driver_makes_a_checkpoint_folder_that_does_not_exist(tmp_path):
    folder = tmp_path / "my_networks"
    completed = run("driver.py", "--automaton", "tomita1", "--rnn", "gru", "--hidden", "4", "--epochs", "1",
                    "--train-words", "200", "--validation-words", "100", "--conformance-words", "100",
                    "--checkpoint-dir", folder)
    assert completed.returncode == 0, completed.stderr
    assert (folder / "tomita1_gru_1_4_1.pt").is_file() and "with seed 0" in completed.stdout


def test_a_broken_eighth_network_and_one_of_another_language_are_found_before_any_is_evaluated(tmp_path):
    networks = tmp_path / "networks"
    shutil.copytree(REPO / "pretrained_models", networks)
    last = networks / "CFG_L_13_gru_1_30_1.pt"
    last.write_bytes(last.read_bytes()[:1000])
    shutil.copy(networks / "tomita7_gru_1_20_1.pt", networks / "tomita3_gru_1_20_1.pt")   # same size and alphabet
    completed = run("run_small_experiment.py", "--pretrained-dir", networks, "--out", tmp_path / "out")
    assert completed.returncode == 2
    lines = error_lines(completed)
    assert len(lines) == 1 and "2 of the 8 networks cannot be used" in lines[0] and str(last) in lines[0]
    assert "tomita3_gru_1_20_1.pt holds a network trained on tomita7, not tomita3" in lines[0]
    assert "conformance accuracy" not in completed.stdout + completed.stderr and not (tmp_path / "out").exists()


def test_the_grid_refuses_a_checkpoint_of_another_language_under_no_train(tmp_path):
    # train_or_load checks the language for every script; the grid lists the job as unfinished.
    checkpoints = tmp_path / "out" / "checkpoints"
    checkpoints.mkdir(parents=True)
    shutil.copy(REPO / "pretrained_models" / "tomita7_gru_1_20_1.pt", checkpoints / "tomita3_gru_1_20_1.pt")
    completed = run("experiment_runner.py", "--languages", "tomita3", "--rnn", "gru", "--sizes", "1x2",
                    "--repeats", "1", "--no-train", "--functions", "lda", "--out", tmp_path / "out")
    assert completed.returncode == 1, completed.stderr
    assert "trained on tomita7, not tomita3" in completed.stdout + completed.stderr
