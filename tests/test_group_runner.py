"""experiment_runner.py --group-training: groups trained first, checkpoints as solo training writes them, the
training mode in every record, resume after a kill, and a failed group's jobs failed (never trained solo)."""
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from test_experiment_runner import NAMES, run, same_numbers
from test_group_training import ACCEPT_ALL

import stateclusters.networks.group_training as group_training
from stateclusters.results.files import read_results

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solo_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("solo")
    assert run(out) == 0
    return out


@pytest.fixture(scope="module")
def group_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("group")
    assert run(out, "--group-training") == 0
    return out


def checkpoint(out, name):
    return torch.load(out / "checkpoints" / f"{name}.pt", weights_only=True)


def record(out, name):
    with open(out / "jobs" / f"{name}.pickle", "rb") as file:
        return pickle.load(file)


def test_every_record_names_its_training_mode(solo_run, group_run):
    for name in NAMES:
        assert record(solo_run, name)["training_mode"] == "solo"
        assert record(group_run, name)["training_mode"] == "group"
        assert record(group_run, name)["training"]["training_mode"] == "group"


def test_group_checkpoints_have_the_solo_format_and_weights(solo_run, group_run):
    for name in NAMES:
        solo, group = checkpoint(solo_run, name), checkpoint(group_run, name)
        assert group.keys() == solo.keys() and group["config"] == solo["config"]
        assert group["metadata"].keys() == solo["metadata"].keys()
        assert group["metadata"]["training_mode"] == "group" and solo["metadata"]["training_mode"] == "solo"
        for key, tensor in solo["state_dict"].items():
            assert torch.allclose(group["state_dict"][key], tensor, rtol=0, atol=1e-5), key
        assert group["metadata"]["validation_accuracy"] == solo["metadata"]["validation_accuracy"]


def test_resume_after_a_group_was_killed_trains_only_its_unsaved_networks(group_run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for folder in ("checkpoints", "jobs"):
        (out / folder).mkdir()
        for name in NAMES[:1]:   # kill -9 after the first network's checkpoint and record were written
            suffix = ".pt" if folder == "checkpoints" else ".pickle"
            (out / folder / f"{name}{suffix}").write_bytes((group_run / folder / f"{name}{suffix}").read_bytes())
    assert run(out, "--group-training") == 0
    log = next((out / "logs").glob("run-*.log")).read_text()
    # The one network left has no partner: it trains solo, and its record says so.
    assert "group training: 0 networks in 0 groups of up to 32; 1 to train solo" in log
    assert [record(out, name)["training_mode"] for name in NAMES] == ["group", "solo"]
    assert same_numbers(record(out, NAMES[0])["results"], record(group_run, NAMES[0])["results"])
    resumed, before = checkpoint(out, NAMES[1])["state_dict"], checkpoint(group_run, NAMES[1])["state_dict"]
    assert all(torch.allclose(resumed[key], before[key], rtol=0, atol=1e-5) for key in before)
    assert read_results(out)[0] == read_results(group_run)[0]   # the same accuracy for every key


def test_a_wide_network_without_a_partner_trains_stacked_alone_but_a_wide_lstm_solo(tmp_path):
    # tomita1 has |Σ|·|Q| = 4: factor 32 makes 128 units, where the stacked model beats train_network alone.
    wide = ["--languages", "tomita1", "--sizes", "1x32", "--epochs", "1", "--group-training"]
    assert run(tmp_path / "gru", *wide) == 0
    assert record(tmp_path / "gru", "tomita1_gru_1_128_1")["training_mode"] == "group"
    log = next((tmp_path / "gru" / "logs").glob("run-*.log")).read_text()
    assert "group training: 1 networks in 1 groups of up to 32; 0 to train solo" in log
    assert run(tmp_path / "lstm", *wide, "--rnn", "lstm") == 0
    assert record(tmp_path / "lstm", "tomita1_lstm_1_128_1")["training_mode"] == "solo"


def test_a_failed_group_fails_its_jobs_and_trains_nothing_solo(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")
    monkeypatch.setattr(group_training, "train_group", broken)
    assert run(tmp_path, "--group-training") == 1
    for name in NAMES:
        failed = record(tmp_path, name)
        assert failed["status"] == "failed" and "group training failed: RuntimeError: out of memory" in failed["error"]
        assert not (tmp_path / "checkpoints" / f"{name}.pt").exists()


def test_kill_9_during_a_group_keeps_the_finished_network_and_a_rerun_finishes(tmp_path):
    # One network learns at once (one state, one class) and stops after 3 epochs; the other trains on.
    dot = tmp_path / "everything.dot"
    dot.write_text(ACCEPT_ALL)
    out = tmp_path / "out"
    command = [sys.executable, "experiment_runner.py", "--languages", f"{dot},tomita5", "--rnn", "gru", "--sizes",
               "1x1", "--repeats", "1", "--epochs", "200", "--train-words", "300", "--validation-words", "100",
               "--conformance-words", "100", "--functions", "lda", "--group-training", "--out", str(out)]
    early, late = out / "checkpoints" / "everything_gru_1_2_1.pt", out / "checkpoints" / "tomita5_gru_1_8_1.pt"
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while not early.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert early.exists() and not late.exists()
    assert checkpoint(out, "everything_gru_1_2_1")["metadata"]["training_mode"] == "group"
    rerun = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert "0 networks in 0 groups of up to 32; 1 to train solo" in rerun.stderr
    assert not (out / "checkpoints" / "quarantine").exists()   # the saved network was used as it was
    assert record(out, "everything_gru_1_2_1")["training_mode"] == "group"
    assert record(out, "tomita5_gru_1_8_1")["training_mode"] == "solo"
