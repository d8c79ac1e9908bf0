"""Every command the README shows is run here (or by the test named for it), so that a renamed flag, a changed
default or a refused value breaks a test, not a user. Commands that write into the repository run with their
output in a temp folder (shown_commands.runnable). `run_small_experiment.py --train` (8 trainings, minutes) runs
into a copy of the networks with `--epochs 1` until its first network is trained, saved and evaluated, then is
stopped with SIGTERM. The set-up commands (venv, pip) and the test command are what `.ci/run` runs.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from script_runs import terminate_when_printed
from shown_commands import PAPER, REPO, RUN_BY_CI, RUN_ELSEWHERE, runnable, shown_commands

from stateclusters.base.cli import EXIT_TERMINATED


def readme_commands() -> list[str]:
    return [command for command in shown_commands((REPO / "README.md").read_text())
            if not command.startswith(RUN_BY_CI) and command not in RUN_ELSEWHERE]


def test_the_readme_shows_the_commands_this_file_runs():
    commands = readme_commands()
    assert "python driver.py --automaton tomita3 --rnn gru --hidden 20 --function DBSCAN" in commands
    assert len(commands) == 8, commands   # a new command in the README must be run here, or named above
    for test in RUN_ELSEWHERE.values():
        path, name = test.split("::")
        assert f"def {name}(" in (REPO / path).read_text()


@pytest.mark.parametrize("command", readme_commands())
def test_a_readme_command_runs_as_shown(command, tmp_path):
    if "../shared/paper" in command and not PAPER.is_dir():
        pytest.skip(f"the paper's networks are not at {PAPER}")
    script, arguments = runnable(command, tmp_path)
    if "--train" in arguments:
        stopped = terminate_when_printed(script, arguments, "conformance accuracy", timeout=300)
        assert stopped.returncode == EXIT_TERMINATED and "Traceback" not in stopped.stderr, stopped.stderr[-3000:]
        first = "tomita1_gru_1_8_1.pt"   # retrained with 1 epoch and saved in place of the shipped one
        assert (tmp_path / "networks" / first).read_bytes() != (REPO / "pretrained_models" / first).read_bytes()
        return
    completed = subprocess.run([sys.executable, str(REPO / script), *arguments], capture_output=True, text=True,
                               cwd=REPO, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "Traceback" not in completed.stderr
    if script == "analyse_network.py":
        report = json.loads((Path(arguments[arguments.index("--out") + 1]) / "report.json").read_text())
        assert report["functions"]["k_means_8"]["n_clusters"] > 0


def test_the_readme_stays_within_its_length():
    assert len((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")) <= 12_000
