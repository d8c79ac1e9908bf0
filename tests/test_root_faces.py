"""The paper-style names at the clone's root (rnn_models.py, clustering.py, ambiguity.py, automata/) show the
package's own objects, the README's layout table names what they export, and the wheel installs one name."""
import ast
import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, version

import pytest
from root_layout import FACES, REPO


def face_source(face: str):
    path = REPO / face / "__init__.py" if (REPO / face).is_dir() else REPO / f"{face}.py"
    return ast.parse(path.read_text())


def documented_names(face: str) -> set[str]:
    """The Python names in backticks on the face's row of the README's layout table."""
    path = f"{face}/" if (REPO / face).is_dir() else f"{face}.py"
    row = next(line for line in (REPO / "README.md").read_text().splitlines() if line.startswith(f"| `{path}` →"))
    return {name for name in re.findall(r"`([^`]+)`", row) if name.isidentifier()}


@pytest.mark.parametrize("face", sorted(FACES))
def test_a_face_exports_the_package_objects_and_holds_no_code(face):
    shown, package = importlib.import_module(face), importlib.import_module(FACES[face])
    assert importlib.util.find_spec(face).origin.startswith(str(REPO))   # the clone's face, not another module
    assert shown.__all__ and all(getattr(shown, name) is getattr(package, name) for name in shown.__all__)
    # Imports of the package and __all__, nothing else: no logic written twice.
    body = face_source(face).body[1:]
    assert all(isinstance(node, ast.ImportFrom) and node.module.startswith("stateclusters")
               or isinstance(node, ast.Assign) and node.targets[0].id == "__all__" for node in body)


@pytest.mark.parametrize("face", sorted(FACES))
def test_the_readme_names_what_each_face_exports(face):
    assert documented_names(face) and documented_names(face) <= set(importlib.import_module(face).__all__)


def test_the_root_automata_folder_shows_the_package_dot_files():
    from automata import DOT_DIR, get_automaton
    shown = REPO / "automata" / "dot"
    assert shown.is_symlink() and shown.resolve() == DOT_DIR.resolve()
    assert len(list(shown.glob("*.dot"))) == len(list(DOT_DIR.glob("*.dot"))) > 60
    assert len(get_automaton(str(shown / "tomita3.dot")).states) == len(get_automaton("tomita3").states)


def test_the_faces_import_from_the_root_as_a_reader_would():
    program = ("from rnn_models import train_network; from clustering import FUNCTIONS; "
               "from ambiguity import ambiguity_from_labels; from automata import get_automaton; "
               "print(len(FUNCTIONS), ambiguity_from_labels(['q0', 'q1'], [0, 0])[0] > 0)")
    done = subprocess.run([sys.executable, "-c", program], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.split() == ["19", "True"], done.stderr


def test_the_wheel_installs_one_top_level_name(tmp_path):
    try:
        if int(version("setuptools").split(".")[0]) < 77:
            pytest.skip("the build needs setuptools >= 77 (pyproject.toml)")
    except PackageNotFoundError:
        pytest.skip("setuptools is not installed")
    # Built from a copy, so the build's own folders do not land in the clone.
    source = tmp_path / "clone"
    shutil.copytree(REPO, source, symlinks=True, ignore=shutil.ignore_patterns(
        ".git", ".venv", "venv", "__pycache__", "experiment_results", "pretrained_models", "benchmarks", "tests"))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path / "wheel")], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    names = zipfile.ZipFile(next((tmp_path / "wheel").glob("*.whl"))).namelist()
    assert {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")} == {"stateclusters"}
    assert sum(name.endswith(".dot") for name in names) > 60
