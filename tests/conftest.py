import os
import sys
from pathlib import Path

import pytest

# Tests import the top-level modules as a user running the scripts from the repo root would.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def pytest_configure(config):
    """Under pytest-xdist (pyproject's addopts: one worker per core), one thread per worker and per script a
    test starts: two workers that each ran torch's threads on both cores would wait on each other."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        import torch
        os.environ["OMP_NUM_THREADS"] = "1"
        torch.set_num_threads(1)


@pytest.fixture(scope="module")
def one_thread():
    """Small networks gain nothing from threads, and on a busy machine torch's threads wait on each other."""
    import torch
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
