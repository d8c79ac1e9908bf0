import subprocess
import sys
from pathlib import Path

import pytest

from stateclusters.automata import get_automaton
from stateclusters.base.cli import run_cli
from stateclusters.commands import driver
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier, save_checkpoint

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
    assert "training tomita5_lstm_1_6_1.pt" in first and (tmp_path / "tomita5_lstm_1_6_1.pt").exists()
    assert driver.main(arguments) == 0
    second = capsys.readouterr().out
    assert "loading tomita5_lstm_1_6_1.pt" in second
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
    (["--rnn", "mamba"], "mamba"),
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


def exit_code_and_error(arguments, capsys) -> tuple[int, str]:
    """driver.py as the command line runs it (through run_cli), in this process."""
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: driver.main(arguments))
    return exit_info.value.code, capsys.readouterr().err


TOMITA5 = (REPO / "stateclusters" / "automata" / "dot" / "tomita5.dot").read_text()


@pytest.mark.parametrize("broken, problem", [
    (TOMITA5.replace('__start0 -> s0 [label=""];\n', ""), "has no initial state"),
    (TOMITA5.replace('s3 -> s1 [label="1"];\n', ""), "state 's3' has no transition for letter '1' (incomplete)"),
    (TOMITA5.replace('s3 -> s1 [label="1"]', 's3 -> s1 [label="0"]'), "two transitions for letter '0'"),
    (None, "is a folder, not a .dot file"),
])
def test_unusable_dot_file_exits_2_naming_file_and_problem(broken, problem, tmp_path, capsys):
    path = tmp_path / "mine.dot"
    path.mkdir() if broken is None else path.write_text(broken)
    code, error = exit_code_and_error(["--automaton", str(path), "--checkpoint-dir", str(tmp_path)], capsys)
    assert code == 2 and error.count("\n") == 1
    assert error.startswith(f"error: {path}: ") and problem in error


@pytest.mark.parametrize("damage", ["truncate", "empty", "other_network"])
def test_unusable_checkpoint_is_refused_and_left_alone(damage, tmp_path, capsys):
    arguments = ["--automaton", "tomita5", "--rnn", "gru", *TINY, "--checkpoint-dir", str(tmp_path)]
    path = tmp_path / "tomita5_gru_1_6_1.pt"
    # Under tomita5's name: a network of another width, or the right one cut short or emptied.
    hidden = 7 if damage == "other_network" else 6
    save_checkpoint(path, RecurrentClassifier(network_config(get_automaton("tomita5"), "gru", hidden)))
    if damage != "other_network":
        path.write_bytes(path.read_bytes()[:200] if damage == "truncate" else b"")
    before = path.read_bytes()
    code, error = exit_code_and_error(arguments, capsys)
    assert code == 2 and error.count("\n") == 1 and str(path) in error
    assert ("hidden_size is 7, expected 6" if damage == "other_network" else "corrupt or truncated") in error
    assert path.read_bytes() == before   # refused, not loaded, not replaced
