"""Bad input to every script: exit code 2, one line `error: ...` naming the problem, no traceback, and soon
(every case here is refused before any network is trained or evaluated)."""
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from stateclusters.results.files import write_results

REPO = Path(__file__).resolve().parents[1]
SECONDS = 120  # generous for a busy 2-core machine; most refusals take under a second idle
ROOT_PROOF = Path("/sys/kernel")   # sysfs refuses new files even to root (os.access says yes; creating fails)


def run(script: str, *arguments) -> subprocess.CompletedProcess:
    """A script by its path, or a module of the package (`stateclusters.…`) with python -m."""
    command = ["-m", script] if script.startswith("stateclusters.") else [str(REPO / script)]
    return subprocess.run([sys.executable, *command, *map(str, arguments)], capture_output=True, text=True,
                          cwd=REPO, timeout=SECONDS)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Things the cases point at: a regular file, an empty folder, a bad .dot file, a results folder."""
    folder = tmp_path_factory.mktemp("bad_input")
    (folder / "plain.txt").write_text("not a folder")
    (folder / "empty").mkdir()
    (folder / "tomita3.dot").write_text((REPO / "stateclusters" / "automata" / "dot" / "tomita3.dot").read_text())
    (folder / "broken.dot").write_text('digraph g { s0 -> s1 [label="a"; }')
    (folder / "wrong_language").mkdir()   # a tomita7 network under tomita3's name: same alphabet, same size
    shutil.copy(REPO / "pretrained_models" / "tomita7_gru_1_20_1.pt",
                folder / "wrong_language" / "tomita3_gru_1_20_1.pt")
    write_results(folder / "results", {"tomita3_gru_1_20_1_regular": 1.0},
                  {"tomita3_gru_1_20_1_regular": {"k_means_8": [0.1, 0.1, 0.2, 0.0, 16]}})
    return folder


def cases(folder: Path) -> dict[str, tuple]:
    """name: (script, arguments, text the error line must hold)."""
    plain, empty, results = folder / "plain.txt", folder / "empty", folder / "results"
    return {
        # driver.py: names, numbers, files, folders
        "driver unknown automaton": ("driver.py", ["--automaton", "tomita99"], "tomita99"),
        "driver unknown architecture": ("driver.py", ["--rnn", "mamba"], "mamba"),
        "driver unknown function": ("driver.py", ["--function", "kmeans"], "kmeans"),
        "driver zero hidden units": ("driver.py", ["--hidden", "0"], "--hidden"),
        "driver text for layers": ("driver.py", ["--layers", "two"], "'two' is not an integer"),
        "driver negative seed": ("driver.py", ["--seed", "-1"], "--seed"),
        "driver zero repetition": ("driver.py", ["--repetition", "0"], "--repetition"),
        "driver unknown option": ("driver.py", ["--hiden", "8"], "--hiden"),
        "driver broken dot file": ("driver.py", ["--automaton", folder / "broken.dot"], "broken.dot"),
        "driver labeling of a regular automaton": ("driver.py", ["--labeling", "stack_size"], "stack_size"),
        "driver checkpoint folder under a file": ("driver.py", ["--checkpoint-dir", plain / "nets"],
                                                  "plain.txt is a file"),
        "driver hidden size beyond any memory": ("driver.py", ["--hidden", "1000000"], "must be at most 4096"),
        "driver too many layers": ("driver.py", ["--layers", "100"], "--layers"),
        "driver checkpoint of another language": ("driver.py", ["--automaton", "tomita3", "--rnn", "gru", "--hidden",
                                                                "20", "--checkpoint-dir", folder / "wrong_language"],
                                                  "trained on tomita7, not tomita3"),
        "driver checkpoint folder is a file": ("driver.py", ["--checkpoint-dir", plain], "is a file"),
        "driver plot not png": ("driver.py", ["--plot", folder / "x.jpg"], ".png"),
        "driver plot under a file": ("driver.py", ["--plot", plain / "x.png"], "plain.txt is a file"),
        "driver plot unwritable": ("driver.py", ["--plot", ROOT_PROOF / "x.png"], "cannot write"),
        "driver plot epochs without plot": ("driver.py", ["--plot-epochs", "2"], "--plot"),
        "driver export into a folder": ("driver.py", ["--export-hidden", empty], "is a folder"),
        "driver export unwritable": ("driver.py", ["--export-hidden", ROOT_PROOF / "x.npz"], "cannot write"),
        "driver export functions alone": ("driver.py", ["--export-functions", "lda"], "--export-hidden"),
        "driver export unknown function": ("driver.py", ["--export-hidden", folder / "x.npz",
                                                         "--export-functions", "lda,nope"], "nope"),
        "driver unknown projection": ("driver.py", ["--projection", "umap"], "umap"),
        "driver seed of a shipped network": ("driver.py", ["--seed", "5"], "trained with seed 0"),
        # run_small_experiment.py
        "small missing pretrained folder": ("run_small_experiment.py", ["--pretrained-dir", folder / "nope"],
                                            "does not exist"),
        "small empty pretrained folder": ("run_small_experiment.py", ["--pretrained-dir", empty],
                                          "lacks 8 of the 8 networks"),
        "small out is a file": ("run_small_experiment.py", ["--out", plain], "is a file"),
        "small out under a file": ("run_small_experiment.py", ["--out", plain / "out"], "plain.txt is a file"),
        "small out unwritable": ("run_small_experiment.py", ["--out", ROOT_PROOF / "out"], "cannot write"),
        "small zero epochs": ("run_small_experiment.py", ["--epochs", "0"], "--epochs"),
        # experiment_runner.py
        "grid unknown language": ("experiment_runner.py", ["--languages", "tomita99"], "tomita99"),
        "grid no language": ("experiment_runner.py", ["--languages", ","], "no language"),
        "grid dot file named like a registry language": ("experiment_runner.py",
                                                         ["--languages", folder / "tomita3.dot"], "rename the file"),
        "grid broken dot file": ("experiment_runner.py", ["--languages", folder / "broken.dot"], "broken.dot"),
        "grid bad size": ("experiment_runner.py", ["--sizes", "1y2"], "1y2"),
        "grid zero factor": ("experiment_runner.py", ["--sizes", "1x0"], "1x0"),
        "grid unknown architecture": ("experiment_runner.py", ["--rnn", "gru,cnn"], "cnn"),
        "grid unknown function": ("experiment_runner.py", ["--functions", "lda,kmeans"], "kmeans"),
        "grid fit fraction above one": ("experiment_runner.py", ["--fit-fraction", "1.5"], "--fit-fraction"),
        "grid zero workers": ("experiment_runner.py", ["--workers", "0"], "--workers"),
        "grid scheduler with local backend": ("experiment_runner.py", ["--backend", "local", "--scheduler",
                                                                       "tcp://x:1", "--languages", "tomita1"],
                                              "--scheduler needs --backend dask"),
        "grid scheduler not an address": ("experiment_runner.py", ["--scheduler", "notaurl", "--languages", "tomita1"],
                                          "'notaurl' is not a scheduler address like tcp://host:8786"),
        "grid size beyond any memory": ("experiment_runner.py", ["--sizes", "1x100000", "--languages", "tomita1"],
                                        "1-4096 units"),
        "grid unknown backend": ("experiment_runner.py", ["--backend", "slurm"], "slurm"),
        "grid out is a file": ("experiment_runner.py", ["--out", plain], "is a file"),
        "grid out unwritable": ("experiment_runner.py", ["--out", ROOT_PROOF / "grid"], "cannot write"),
        "grid checkpoints folder is a file": ("experiment_runner.py", ["--out", folder / "grid_with_file"],
                                              "checkpoints is a file"),
        # statistics_computation.py
        "statistics missing results": ("statistics_computation.py", ["--results", folder / "nope"], "does not exist"),
        "statistics results without pickles": ("statistics_computation.py", ["--results", empty], "does not exist"),
        "statistics figures is a file": ("statistics_computation.py", ["--results", results, "--figures", plain],
                                         "is a file"),
        "statistics figures unwritable": ("statistics_computation.py", ["--results", results, "--figures",
                                                                        ROOT_PROOF / "figures"], "cannot write"),
        "statistics accuracy above one": ("statistics_computation.py", ["--min-accuracy", "2"], "--min-accuracy"),
        "statistics unknown architecture": ("statistics_computation.py", ["--results", results, "--rnn", "cnn"],
                                            "cnn"),
        "statistics unknown metric": ("statistics_computation.py", ["--metric", "entropy"], "entropy"),
        "statistics unknown set": ("statistics_computation.py", ["--set", "pda"], "pda"),
        # evaluate_paper_networks.py: --out is checked before the paper's folder
        "paper out under a file": ("evaluate_paper_networks.py", ["--paper-repo", folder / "nope", "--out",
                                                                  plain / "x"], "plain.txt is a file"),
        "paper zero workers": ("evaluate_paper_networks.py", ["--paper-repo", folder, "--workers", "0"], "--workers"),
        "paper missing repo": ("evaluate_paper_networks.py", ["--paper-repo", folder / "nope", "--out",
                                                              folder / "paper_out"], "no such folder"),
        # benchmarks
        "bench training unknown method": ("benchmarks/bench_training.py", ["--methods", "fast"], "fast"),
        "bench training unknown language": ("benchmarks/bench_training.py", ["--languages", "tomita9"], "tomita9"),
        "bench training zero epochs": ("benchmarks/bench_training.py", ["--max-epochs", "0"], "--max-epochs"),
        "bench evaluation unknown network": ("benchmarks/bench_evaluation.py", ["--networks", "tomita9"], "tomita9"),
        "bench evaluation zero words": ("benchmarks/bench_evaluation.py", ["--words", "0"], "--words"),
        "bench probes missing paper repo": ("benchmarks/bench_probes.py", ["--paper-repo", folder / "nope"],
                                            "automata_models"),
        "training length folder without jobs": ("stateclusters.studies.compare_training_length", [empty, empty],
                                                "jobs/"),
        "paper comparison missing paper repo": ("stateclusters.studies.compare_paper_networks",
                                                ["--paper-repo", folder / "nope", results], "expected_paper_results"),
        "accuracy gaps missing results": ("stateclusters.studies.paper_accuracy_gaps",
                                          [folder / "nope", "--paper-repo", folder / "nope"], "does not exist"),
    }


@pytest.fixture(scope="module")
def outcomes(files):
    """Every case run once, in parallel threads (each is its own process)."""
    (files / "grid_with_file").mkdir()
    (files / "grid_with_file" / "checkpoints").write_text("a file where the grid keeps its checkpoints")
    all_cases = cases(files)
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(all_cases, pool.map(lambda case: run(case[0], *case[1]), all_cases.values())))
    return all_cases, runs


def test_there_are_at_least_30_distinct_cases(files):
    assert len(cases(files)) >= 30


@pytest.mark.parametrize("name", sorted(cases(Path("/x"))))
def test_bad_input_is_one_line_and_exit_code_2(outcomes, name):
    all_cases, runs = outcomes
    _, _, expected = all_cases[name]
    completed = runs[name]
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert completed.returncode == 2, completed.stderr
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in completed.stderr, lines
    assert str(expected) in lines[0]


def test_root_proof_folder_refuses_root_too():
    # The unwritable cases rely on it: if this fails, the machine lets root write there and they prove nothing.
    with pytest.raises(OSError):
        (ROOT_PROOF / "write-check").write_text("x")


@pytest.mark.skipif(shutil.which("chattr") is None, reason="chattr is not installed")
def test_an_immutable_folder_is_refused_even_for_root(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    if subprocess.run(["chattr", "+i", str(locked)], capture_output=True).returncode != 0:
        pytest.skip("this file system does not support the immutable attribute")
    try:
        completed = run("statistics_computation.py", "--results", tmp_path, "--figures", locked)
        assert completed.returncode == 2 and "cannot write in" in completed.stderr
        assert os.listdir(locked) == []
    finally:
        subprocess.run(["chattr", "-i", str(locked)], check=True)
