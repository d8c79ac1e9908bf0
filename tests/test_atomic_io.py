"""Atomic writes: an interrupted write (an exception, Ctrl-C, SIGTERM) leaves the old file and no temp file."""
import os
import signal

import pytest

from stateclusters.base.atomic_io import TEMP_SUFFIX, atomic_pickle, atomic_write, remove_stale_temp_files
from stateclusters.base.cli import Terminated, sigterm_as_interrupt


def half_written_then(stop):
    def write(file):
        file.write(b"the first half of a new file")
        stop()
    return write


def raise_keyboard_interrupt():
    raise KeyboardInterrupt


def send_sigterm_to_this_process():
    os.kill(os.getpid(), signal.SIGTERM)


@pytest.mark.parametrize("stop, raised", [(raise_keyboard_interrupt, KeyboardInterrupt),
                                          (send_sigterm_to_this_process, Terminated)])
def test_interrupted_write_keeps_the_old_file_and_removes_its_temp_file(stop, raised, tmp_path):
    path = tmp_path / "results.pickle"
    atomic_pickle(path, {"old": 1})
    before = path.read_bytes()
    with sigterm_as_interrupt(), pytest.raises(raised):
        atomic_write(path, half_written_then(stop))
    assert path.read_bytes() == before
    assert [entry.name for entry in tmp_path.iterdir()] == ["results.pickle"]


def test_sigterm_handler_is_restored_afterwards():
    previous = signal.getsignal(signal.SIGTERM)
    with sigterm_as_interrupt():
        assert signal.getsignal(signal.SIGTERM) is not previous
    assert signal.getsignal(signal.SIGTERM) is previous


def test_stale_temp_files_of_a_killed_run_are_removed_and_nothing_else(tmp_path):
    (tmp_path / "jobs").mkdir()
    stale = [tmp_path / f".accuracy.pickle.x1{TEMP_SUFFIX}", tmp_path / "jobs" / f".a.pickle.y2{TEMP_SUFFIX}"]
    kept = [tmp_path / "accuracy.pickle", tmp_path / "jobs" / "a.pickle"]
    for path in stale + kept:
        path.write_bytes(b"x")
    assert sorted(remove_stale_temp_files(tmp_path)) == sorted(stale)
    assert sorted(path for path in tmp_path.rglob("*") if path.is_file()) == sorted(kept)
