import subprocess
import sys
from pathlib import Path

import pytest

import driver

REPO = Path(__file__).resolve().parents[1]
TINY = ["--hidden", "6", "--epochs", "2", "--train-words", "300", "--validation-words", "60",
        "--conformance-words", "50"]


def run_driver(*arguments):
    return subprocess.run([sys.executable, str(REPO / "driver.py"), *arguments], capture_output=True, text=True,
                          cwd=REPO, timeout=120)


def test_driver_trains_saves_and_then_loads(tmp_path, capsys):
    arguments = ["--automaton", "tomita5", "--rnn", "lstm", "--function", "k_means", *TINY,
                 "--checkpoint-dir", str(tmp_path)]
    assert driver.main(arguments) == 0
    first = capsys.readouterr().out
    assert "training tomita5_lstm_1_6_0.pt" in first and (tmp_path / "tomita5_lstm_1_6_0.pt").exists()
    assert driver.main(arguments) == 0
    second = capsys.readouterr().out
    assert "loading tomita5_lstm_1_6_0.pt" in second
    # The same network and seed give the same numbers whether trained now or loaded.
    assert first.splitlines()[-1] == second.splitlines()[-1]
    assert second.splitlines()[-1].startswith("ambiguity: ")


def test_driver_on_a_pda_with_a_stack_labeling(tmp_path, capsys):
    assert driver.main(["--automaton", "CFG_L_1", "--labeling", "stack_size", "--function", "DBSCAN", *TINY,
                        "--checkpoint-dir", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "(stack_size labels)" in output and "|3" in output


@pytest.mark.parametrize("arguments, named", [
    (["--automaton", "tomita9"], "tomita9"),
    (["--rnn", "transformer"], "transformer"),
    (["--function", "kmeans"], "kmeans"),
    (["--automaton", "CFG_L_1", "--labeling", "regular"], "regular"),
    (["--automaton", "/nonexistent/file.dot"], "file.dot"),
])
def test_bad_input_is_one_line_and_exit_code_2(arguments, named):
    completed = run_driver(*arguments)
    assert completed.returncode == 2
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0] and "Traceback" not in completed.stderr


def test_malformed_dot_file_is_refused(tmp_path):
    broken = tmp_path / "broken.dot"
    broken.write_text("digraph g { s0 [label=\"s0\"]; s0 -> s1 [label=\"a\"; }")
    completed = run_driver("--automaton", str(broken))
    assert completed.returncode == 2 and "broken.dot" in completed.stderr
