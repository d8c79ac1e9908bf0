"""Every ```python block of docs/api.md runs as written, each in a fresh interpreter, from a folder outside the
clone (so it sees the installed package, not the working directory)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"^```python\n(.*?)^```", (REPO / "docs" / "api.md").read_text(), flags=re.M | re.S)


def test_the_page_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("number", range(len(BLOCKS)))
def test_an_example_runs_outside_the_clone(tmp_path, number):
    assert REPO not in tmp_path.parents
    (tmp_path / "example.py").write_text(BLOCKS[number])
    done = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, f"block {number}:\n{BLOCKS[number]}\n{done.stderr[-3000:]}"
    assert done.stdout.strip()
