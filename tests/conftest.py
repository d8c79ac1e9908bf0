import os
import sys
from pathlib import Path

import pytest

# Tests import the top-level modules as a user running the scripts from the repo root would.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


# The files that take longest (about 50-175 s each on the 2-core machine, measured with --durations=0), run
# first: with one file per worker at a time, a long file started last would keep one worker busy alone.
LONGEST_FILES = ("test_docs_commands.py", "test_group_benchmarks.py", "test_small_experiment.py",
                 "test_readme_commands.py", "test_api_docs.py", "test_new_user_round4.py", "test_analyse_network.py",
                 "test_properties.py", "test_learned_automata.py")


def pytest_collection_modifyitems(config, items):
    """The longest files first, in LONGEST_FILES's order, then the rest as collected (a stable sort)."""
    rank = {name: position for position, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(LONGEST_FILES)))


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
