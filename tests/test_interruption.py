"""SIGTERM stops every script at a safe point: one line, exit code 143, no temp or partial file, and a rerun works.

Each script runs as a real subprocess, signalled once it prints that it is busy with long work, or from inside at
a chosen call where the work after the print is short; the rerun runs in this
process (it skips the seconds of importing torch again). The grid runner and the small experiment are
signalled in their own test files, next to the runs they resume.
"""
import importlib.util
import shutil

import pytest
from script_runs import REPO, SIGTERM_MESSAGE, leftover_temp_files, terminate_after_call, terminate_when_printed

from stateclusters.base.cli import EXIT_TERMINATED, EXIT_USER_ERROR, run_cli
from stateclusters.commands import driver, statistics_computation


def assert_stopped_cleanly(stopped, folder):
    assert stopped.returncode == EXIT_TERMINATED, stopped.stderr
    assert stopped.last_line() == SIGTERM_MESSAGE
    assert "Traceback" not in stopped.stderr
    assert leftover_temp_files(folder) == []


def load_benchmark():
    spec = importlib.util.spec_from_file_location("bench_evaluation", REPO / "benchmarks" / "bench_evaluation.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_driver_stopped_while_training_leaves_no_checkpoint_and_reruns(tmp_path, capsys):
    arguments = ["--automaton", "tomita5", "--rnn", "relu", "--hidden", "8", "--train-words", "2000",
                 "--validation-words", "60", "--conformance-words", "50", "--checkpoint-dir", tmp_path]
    # Signalled from inside as the first of 50 epochs is recorded: mid-training, however fast the machine.
    stopped = terminate_after_call("driver.py", [*arguments, "--retrain", "--epochs", "50"],
                                   "stateclusters.networks.recurrent:TrainingMetrics", "add_epoch")
    assert_stopped_cleanly(stopped, tmp_path)
    assert list(tmp_path.iterdir()) == []   # the checkpoint is written only once training has finished
    assert driver.main([*map(str, arguments), "--epochs", "1"]) == 0
    assert [path.name for path in tmp_path.iterdir()] == ["tomita5_relu_1_8_1.pt"]
    assert capsys.readouterr().out.splitlines()[-1].startswith("ambiguity: ")


def test_statistics_stopped_while_drawing_leaves_no_partial_figure_and_reruns(tmp_path, capsys):
    figures = tmp_path / "figures"
    results = REPO / "experiment_results" / "reproduction"
    # Signalled as the first figure has been drawn into its temp file, before that file is moved into place.
    stopped = terminate_after_call("statistics_computation.py", ["--results", results, "--figures", figures],
                                   "matplotlib.figure:Figure", "savefig")
    assert_stopped_cleanly(stopped, tmp_path)
    assert "networks: 80 of 80" in stopped.stdout and "figures:" not in stopped.stdout
    assert not figures.exists() or list(figures.iterdir()) == []
    assert statistics_computation.main(["--results", str(results), "--figures", str(figures)]) == 0
    # Three statistics figures (docs/contract.md, Statistics) and the length-generalisation curves, each as PNG and PDF.
    assert len(list(figures.iterdir())) == 8 and leftover_temp_files(figures) == []


def test_benchmark_stopped_while_measuring_reruns(tmp_path, capsys):
    checkpoints = tmp_path / "checkpoints"
    checkpoints.mkdir()
    shutil.copy(REPO / "benchmarks" / "checkpoints" / "tomita3_gru_1_20.pt", checkpoints)
    arguments = ["--networks", "tomita3", "--words", "200", "--checkpoint-dir", checkpoints]
    # After the machine line come the network, our path and the naive one (10,000 words letter by letter).
    stopped = terminate_when_printed("benchmarks/bench_evaluation.py", arguments, "machine:")
    assert_stopped_cleanly(stopped, tmp_path)
    assert "speedup" not in stopped.stdout
    assert load_benchmark().main([*map(str, arguments), "--conformance-words", "200", "--only-ours"]) == 0
    assert "tomita3_gru_1_20: ours" in capsys.readouterr().out


def test_benchmark_unknown_network_is_one_line_listing_the_valid_ones(capsys):
    benchmark = load_benchmark()
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: benchmark.main(["--networks", "tomita3,tomita9"]))
    assert exit_info.value.code == EXIT_USER_ERROR
    assert capsys.readouterr().err == "error: unknown benchmark network 'tomita9'; valid: tomita3, CFG_L_14\n"
