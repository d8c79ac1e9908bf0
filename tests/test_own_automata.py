"""Own automata (.dot files) in the grid and the driver: named by the file's stem, kept out of the shipped
networks, refused when the name is a benchmark language's."""
import pickle
import shutil
from pathlib import Path

import pytest

from stateclusters.base.errors import UserError
from stateclusters.commands import driver, experiment_runner
from stateclusters.grid.jobs import JobSpec, run_job
from stateclusters.protocol import Protocol
from stateclusters.results.files import read_results

REPO = Path(__file__).resolve().parents[1]
TINY_GRID = ["--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "2", "--train-words", "300",
             "--validation-words", "100", "--conformance-words", "100", "--functions", "lda,k_means"]


@pytest.fixture
def own_dot(tmp_path) -> Path:
    """tomita1's DFA under a name of the user's own."""
    path = tmp_path / "mine.dot"
    shutil.copyfile(REPO / "stateclusters" / "automata" / "dot" / "tomita1.dot", path)
    return path


def test_grid_runs_an_own_dot_file_beside_a_registry_language(own_dot, tmp_path):
    out = tmp_path / "out"
    assert experiment_runner.main(["--languages", f"{own_dot},tomita1", *TINY_GRID, "--out", str(out)]) == 0
    accuracy, ambiguity = read_results(out)
    assert set(accuracy) == {"mine_gru_1_4_1_regular", "tomita1_gru_1_4_1_regular"}
    record = pickle.loads((out / "jobs" / "mine_gru_1_4_1.pickle").read_bytes())
    assert record["spec"]["automaton_file"] == str(own_dot.resolve()) and record["status"] == "done"
    assert (out / "checkpoints" / "mine_gru_1_4_1.pt").exists()


def test_a_worker_loads_the_automaton_from_the_path_in_its_job(own_dot, tmp_path):
    # What a remote worker gets: only the spec; the language name alone is not in the registry.
    spec = JobSpec("mine", "gru", 1, 4, 1, ("lda",), str(tmp_path / "checkpoints"), epochs=1, training_words=100,
                   protocol=Protocol(validation_words=50), conformance_words=50, automaton_file=str(own_dot.resolve()))
    assert run_job(spec)["status"] == "done"
    assert run_job(JobSpec("mine", "gru", 1, 4, 1, ("lda",), str(tmp_path / "other"), epochs=1))["status"] == "failed"


def test_two_files_with_one_stem_are_refused(own_dot, tmp_path):
    other = tmp_path / "elsewhere" / "mine.dot"
    other.parent.mkdir()
    shutil.copyfile(own_dot, other)
    with pytest.raises(UserError, match="same name 'mine'"):
        experiment_runner.parse_languages(f"{own_dot},{other}")


def test_driver_keeps_networks_of_own_automata_out_of_the_shipped_folder(own_dot, tmp_path):
    coffee = tmp_path / "coffee.dot"   # the user's coffee machine, not the benchmark's
    shutil.copyfile(own_dot, coffee)
    path = driver.checkpoint_path(driver.parse_arguments(["--automaton", str(coffee)]))
    assert path == driver.USER_NETWORKS / "coffee_relu_1_64_1.pt"
    assert driver.checkpoint_path(driver.parse_arguments([])) == driver.SHIPPED_NETWORKS / "coffee_relu_1_64_1.pt"
