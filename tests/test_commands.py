"""The scripts are installed commands too: each root script runs its stateclusters.commands module, every
[project.scripts] entry names a callable, and without the clone the default folders are the working folder."""
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from root_layout import REPO, SCRIPTS


def entry_points() -> dict[str, str]:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]


def test_every_root_script_has_an_installed_command():
    targets = {target.split(":")[0] for target in entry_points().values()}
    assert targets == {f"stateclusters.commands.{script}" for script in SCRIPTS}


@pytest.mark.parametrize("name, target", sorted(entry_points().items()))
def test_an_entry_point_names_a_callable(name, target):
    module, attribute = target.split(":")
    assert callable(getattr(importlib.import_module(module), attribute)), name


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_root_script_is_the_command(script):
    # The shell adds nothing: its behaviour is the module's, which the tests import.
    shell = (REPO / f"{script}.py").read_text()
    assert f"from stateclusters.commands.{script} import run\n" in shell and shell.count("\n") < 12


def test_a_command_runs_as_a_module_outside_the_clone(tmp_path):
    done = subprocess.run([sys.executable, "-m", "stateclusters.commands.analyse_network", "--help"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and "--network" in done.stdout, done.stderr


def test_default_folders_are_the_clone_or_else_the_working_folder(tmp_path):
    from stateclusters.base.paths import project_folder
    assert project_folder() == REPO
    installed = tmp_path / "site"
    shutil.copytree(REPO / "stateclusters", installed / "stateclusters",
                    ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "work"
    work.mkdir()
    program = "from stateclusters.base.paths import project_folder; print(project_folder())"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=work,
                          env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == work
