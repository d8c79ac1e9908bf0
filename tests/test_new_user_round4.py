"""What a new user hit in round 4 (issue 39): seeds beyond 2**32, two kinds of run in one folder, orphaned workers
after kill -9, pickles that ask for a TiB or hold the wrong types, output paths that cannot be written, and
silent outcomes. Each refusal is one line `error: …`, exit code 2, before any work."""
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from script_runs import one_error_line, run_cases

import stateclusters
from stateclusters.analyses.registry import analysis_named
from stateclusters.base.errors import ResultFileError, UserError
from stateclusters.base.keys import name_seed
from stateclusters.base.safe_pickle import UnsafePickleError, loads_plain
from stateclusters.clustering.functions import Abstraction
from stateclusters.clustering.mean_shift import MeanShiftClusters
from stateclusters.grid.run_loop import KIND_FILE
from stateclusters.network_analysis.words_file import read_words_file
from stateclusters.paper.jobs import PaperJobSpec
from stateclusters.paper.names import PaperNetwork
from stateclusters.protocol import Protocol
from stateclusters.results.files import (
    read_analysis,
    read_job_record,
    read_results,
    write_job_record,
    write_results,
)

REPO = Path(__file__).resolve().parents[1]
PAPER = REPO.parent / "shared" / "paper"
TINY_GRID = ["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "1",
             "--train-words", "200", "--validation-words", "100", "--conformance-words", "100", "--functions", "lda"]
ADAPTER = REPO / "examples" / "tomita3_adapter.py"
KEY = "tomita3_gru_1_20_1_regular"
LONG_LANGUAGE = "L" * 240
needs_paper = pytest.mark.skipif(not (PAPER / "rnn_data").is_dir(), reason=f"the paper's networks are not at {PAPER}")


def run(script: str, *arguments, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / script), *map(str, arguments)], capture_output=True,
                          text=True, cwd=REPO, timeout=timeout)


# ---- one-line refusals, before any work ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """What the cases point at: dangling links, a paper-kind folder, an unmarked folder with a paper job record,
    a paper checkout whose only network is of an unknown language."""
    folder = tmp_path_factory.mktemp("round4")
    (folder / "dangling").symlink_to(folder / "nowhere" / "deeper")
    (folder / "dangling.png").symlink_to(folder / "nowhere" / "picture.png")
    tomita3 = (REPO / "stateclusters" / "automata" / "dot" / "tomita3.dot").read_text()
    (folder / f"{LONG_LANGUAGE}.dot").write_text(tomita3)   # a file name that fits; its networks' names do not
    (folder / "paper_kind").mkdir()
    (folder / "paper_kind" / KIND_FILE).write_text("paper_networks\n")
    (folder / "grid_kind").mkdir()
    (folder / "grid_kind" / KIND_FILE).write_text("grid\n")
    write_job_record(folder / "unmarked", {"format": 1, "name": PaperNetwork("tomita3", "relu", 1, 10, 1).stem,
                                           "spec": {"paper_repo": str(folder)},
                                           "settings": {}, "status": "failed", "error": "x", "accuracy": None,
                                           "results": {}, "seconds": {}})
    models = folder / "repo" / "rnn_data" / "models" / "exp_models"
    models.mkdir(parents=True)
    (folder / "repo" / "automata_models").mkdir()
    (models / "klingon_gru_1_4_1_gpu.pt").write_bytes(b"")
    usable = folder / "usable_repo"   # a checkpoint whose name and automaton file are there: it would be evaluated
    (usable / "automata_models").mkdir(parents=True)
    (usable / "automata_models" / "tomita_3.dot").write_text("")
    (usable / "rnn_data" / "models" / "exp_models").mkdir(parents=True)
    (usable / "rnn_data" / "models" / "exp_models" / "tomita3_relu_1_10_1_gpu.pt").write_bytes(b"")
    return folder


def cases(folder: Path) -> dict[str, tuple]:
    """name: (script, arguments, text the error line must hold)."""
    long_name = "n" * 300
    deep = Path(folder, *["d" * 200] * 22)   # 4,400 bytes: beyond PATH_MAX
    return {
        # seeds: 0 ≤ seed < 2**32 everywhere
        "driver seed 2**32": ("driver.py", ["--seed", 2 ** 32], "2**32 - 1 = 4294967295, got 4294967296"),
        "driver seed 2**64": ("driver.py", ["--seed", 2 ** 64], "--seed"),
        "analyse seed 2**32": ("analyse_network.py", ["--network", ADAPTER, "--seed", 2 ** 32], "--seed"),
        "paper negative seed": ("evaluate_paper_networks.py", ["--paper-repo", folder, "--seed", "-1"], "--seed"),
        "paper seed 2**32": ("evaluate_paper_networks.py", ["--paper-repo", folder, "--seed", 2 ** 32], "--seed"),
        # --functions '' names nothing, in every script
        "grid empty functions": ("experiment_runner.py", [*TINY_GRID, "--functions", "", "--out", folder / "g1"],
                                 "--functions names no function"),
        "paper empty functions": ("evaluate_paper_networks.py", ["--paper-repo", folder / "repo", "--functions", "",
                                                                 "--out", folder / "p1"],
                                  "--functions names no function"),
        "analyse empty functions": ("analyse_network.py", ["--network", ADAPTER, "--functions", "", "--out",
                                                           folder / "a1"], "--functions names no function"),
        "driver export functions of commas": ("driver.py", ["--export-hidden", folder / "x.npz", "--export-functions",
                                                            ","], "--export-functions names no function"),
        # options without the flag that uses them
        "grid group size without group training": ("experiment_runner.py", ["--group-size", "4"],
                                                   "--group-size needs --group-training"),
        "grid learn words without learn": ("experiment_runner.py", ["--learn-words", "5"],
                                           "--learn-words needs --learn"),
        "grid learn queries without learn": ("experiment_runner.py", ["--learn-queries", "5000"],
                                             "--learn-queries needs --learn"),
        "driver learn words without learn": ("driver.py", ["--learn-words", "5"], "--learn-words needs --learn"),
        "driver length words without length generalisation": ("driver.py", ["--length-words", "5"],
                                                              "--length-words needs --length-generalisation"),
        "driver projection without plot": ("driver.py", ["--projection", "tsne"], "--projection needs --plot"),
        # the paper script with nothing left to evaluate
        "paper every match skipped": ("evaluate_paper_networks.py", ["--paper-repo", folder / "repo", "--out",
                                                                     folder / "p2"],
                                      "every matching checkpoint (1) is skipped"),
        # output paths
        "grid out a dangling link": ("experiment_runner.py", [*TINY_GRID, "--out", folder / "dangling"],
                                     "is a symbolic link to"),
        "paper out a dangling link": ("evaluate_paper_networks.py", ["--paper-repo", folder / "repo", "--out",
                                                                     folder / "dangling"], "which does not exist"),
        "small out under a dangling link": ("run_small_experiment.py", ["--out", folder / "dangling" / "x"],
                                            "dangling is a symbolic link"),
        "driver plot a dangling link": ("driver.py", ["--plot", folder / "dangling.png"], "is a symbolic link"),
        "driver checkpoints a dangling link": ("driver.py", ["--checkpoint-dir", folder / "dangling"],
                                               "is a symbolic link"),
        "small out a 300-byte name": ("run_small_experiment.py", ["--out", folder / long_name], "is 300 bytes long"),
        "driver plot a 300-byte name": ("driver.py", ["--plot", folder / f"{long_name}.png"], "is 304 bytes long"),
        "driver plot a name with no room for its temp file": ("driver.py", ["--plot", folder / f"{'p' * 240}.png"],
                                                              "is 244 bytes long"),
        "statistics figures beyond PATH_MAX": ("statistics_computation.py", ["--results", folder / "results",
                                                                            "--figures", deep], "paths are at most"),
        "analyse out a 300-byte name": ("analyse_network.py", ["--network", ADAPTER, "--out", folder / long_name],
                                        "is 300 bytes long"),
        "grid a language whose job files cannot be named": ("experiment_runner.py", [
            "--languages", folder / f"{LONG_LANGUAGE}.dot", "--rnn", "gru", "--sizes", "1x1", "--functions", "lda",
            "--out", folder / "g2"], "the file system allows 223 here"),
        "driver a language whose checkpoint cannot be named": ("driver.py", [
            "--automaton", folder / f"{LONG_LANGUAGE}.dot", "--checkpoint-dir", folder / "c1"], "(its checkpoint)"),
        # a folder where a file is expected, and the other way round
        "driver automaton a folder": ("driver.py", ["--automaton", folder / "repo"],
                                      "repo: is a folder, not a .dot file"),
        "paper repo a file": ("evaluate_paper_networks.py", ["--paper-repo", folder / "usable_repo" / "automata_models"
                                                             / "tomita_3.dot", "--out", folder / "p3"],
                              "tomita_3.dot is a file, not a folder"),
        # one kind of run per results folder
        "grid into a paper folder": ("experiment_runner.py", [*TINY_GRID, "--out", folder / "paper_kind"],
                                     "holds the results of evaluate_paper_networks.py"),
        "paper into a grid folder": ("evaluate_paper_networks.py", ["--paper-repo", folder / "usable_repo", "--out",
                                                                    folder / "grid_kind"],
                                     "holds the results of experiment_runner.py"),
        "grid into a folder with a paper job record": ("experiment_runner.py", [*TINY_GRID, "--out",
                                                                                folder / "unmarked"],
                                                       "1 job record(s) of another script"),
    }


@pytest.fixture(scope="module")
def outcomes(folder):
    all_cases = cases(folder)
    (folder / "results").mkdir()
    write_results(folder / "results", {KEY: 1.0}, {KEY: {"k_means_8": [0.1, 0.1, 0.2, 0.0, 16]}})
    return all_cases, run_cases(all_cases, run, timeout=120)


@pytest.mark.parametrize("name", sorted(cases(Path("/x"))))
def test_bad_input_is_one_line_and_exit_code_2(outcomes, folder, name):
    all_cases, runs = outcomes
    assert all_cases[name][2] in one_error_line(runs[name])


def test_the_refusals_wrote_nothing(outcomes, folder):
    assert not (folder / "nowhere").exists()   # a dangling --out's target is not made
    assert not (folder / "g2" / "jobs").exists() and not (folder / "c1").exists()
    assert not (folder / "unmarked" / KIND_FILE).exists() and not (folder / "unmarked" / "accuracy.pickle").exists()
    assert sorted(path.name for path in (folder / "paper_kind").iterdir()) == [".lock", KIND_FILE]


# ---- two scripts, one folder --------------------------------------------------------------------------------

@needs_paper
def test_the_paper_script_marks_its_folder_and_the_grid_then_refuses_it_before_any_work(tmp_path):
    out = tmp_path / "out"
    completed = run("evaluate_paper_networks.py", "--paper-repo", PAPER, "--out", out, "--networks",
                    "tomita3_relu_1_10_1_gpu", "--functions", "lda")
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert (out / KIND_FILE).read_text() == "paper_networks\n"
    before = sorted(path.relative_to(out) for path in out.rglob("*") if path.name != ".lock")
    line = one_error_line(run("experiment_runner.py", *TINY_GRID, "--out", out))
    assert f"{out} holds the results of evaluate_paper_networks.py" in line
    assert sorted(path.relative_to(out) for path in out.rglob("*") if path.name != ".lock") == before


def test_a_grid_folder_is_marked_at_its_first_run_and_reused(tmp_path):
    out = tmp_path / "grid"
    assert run("experiment_runner.py", *TINY_GRID, "--out", out).returncode == 0
    assert (out / KIND_FILE).read_text() == "grid\n"
    rerun = run("experiment_runner.py", *TINY_GRID, "--out", out)
    assert rerun.returncode == 0 and "1 already finished" in rerun.stderr


# ---- workers die with their driver ---------------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc's children lists."""
    found, waiting = [], [pid]
    while waiting:
        for task in Path(f"/proc/{waiting.pop()}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            found += children
            waiting += children
    return found


def is_running(pid: int) -> bool:
    """The process exists and is not a zombie (an orphan reparented to a PID 1 that does not reap stays one)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


SLOW_GRID = ["experiment_runner.py", "--languages", "tomita3", "--rnn", "gru,lstm", "--sizes", "1x1", "--repeats", "2",
             "--epochs", "200", "--train-words", "20000", "--validation-words", "100", "--conformance-words", "100",
             "--functions", "lda"]
EVERY_PAPER_NETWORK = ["evaluate_paper_networks.py", "--paper-repo", str(PAPER), "--functions", "lda"]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize("script, processes", [
    (SLOW_GRID, 4),                                  # the resource tracker, the forkserver and its two workers
    (SLOW_GRID + ["--backend", "dask"], 3),          # the resource tracker and the LocalCluster's two workers
    pytest.param(EVERY_PAPER_NETWORK, 4, marks=needs_paper)],
    ids=["experiment_runner", "experiment_runner_dask", "evaluate_paper_networks"])
def test_kill_9_of_a_driver_with_two_workers_leaves_no_process(tmp_path, script, processes):
    # The grid's four jobs take minutes, the paper's 270 networks seconds each: when the driver is killed,
    # both workers are in the middle of a job.
    command = [sys.executable, str(REPO / script[0]), *script[1:], "--workers", "2", "--out", str(tmp_path / "out")]
    driver = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        while len(descendants(driver.pid)) < processes and time.monotonic() - started < 120 and \
                driver.poll() is None:
            time.sleep(0.1)
        time.sleep(1 if processes == 4 else 5)   # the workers have taken their jobs (Dask's start more slowly)
        workers = descendants(driver.pid)
        assert len(workers) >= processes, workers
    finally:
        driver.kill()
        driver.wait()
    deadline = time.monotonic() + 20
    while any(map(is_running, workers)) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = [pid for pid in workers if is_running(pid)]
    for pid in survivors:   # never leave them running, even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert survivors == []


# ---- pickles ---------------------------------------------------------------------------------------------------

def test_a_pickle_asking_for_a_tib_is_refused_without_allocating_it():
    bytearray_tib = b"\x80\x05\x96" + struct.pack("<Q", 2 ** 40) + b"."
    global_bytearray = b"\x80\x02c__builtin__\nbytearray\nq\x00\x8a\x06\x00\x00\x00\x00\x00\x01\x85q\x01Rq\x02."
    memo_tib = b"\x80\x02]r\xff\xff\xff\xff."
    for data in (bytearray_tib, global_bytearray, memo_tib):
        with pytest.raises((UnsafePickleError, ValueError)):
            loads_plain(data)
    with pytest.raises(UnsafePickleError, match="names builtins.bytearray|names __builtin__.bytearray"):
        loads_plain(global_bytearray)


@pytest.mark.parametrize("value", [b"x", bytearray(b"x"), {1, 2}, frozenset(), complex(1, 2)])
def test_only_plain_types_are_read(value):
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        with pytest.raises(UnsafePickleError, match="refused without loading it"):
            loads_plain(pickle.dumps({"k": [value]}, protocol=protocol))


def test_every_committed_result_pickle_is_plain_data():
    paths = [*(REPO / "experiment_results").rglob("*.pickle"), *PAPER.rglob("*.pickle")]
    assert len(paths) > 100
    for path in paths:
        assert loads_plain(path.read_bytes(), str(path)) == pickle.loads(path.read_bytes())


@pytest.mark.parametrize("accuracy, ambiguity, expected", [
    ({KEY: "0.9"}, {KEY: {}}, "the accuracy of 'tomita3_gru_1_20_1_regular' is '0.9', not a number"),
    ({KEY: None}, {KEY: {}}, "is None, not a number"),
    ({KEY: 1.0}, {KEY: {"lda": [0.1, None, 0.2, 0.0, 3]}}, "is not [amb, wamb, max, min, n_clusters] as numbers"),
    ({KEY: 1.0}, {KEY: None}, "not {function: scores}"),
    ([], {}, "it holds a list, not a dictionary"),
])
def test_well_formed_result_files_of_the_wrong_types_are_corrupt(tmp_path, accuracy, ambiguity, expected):
    (tmp_path / "accuracy.pickle").write_bytes(pickle.dumps(accuracy))
    (tmp_path / "ambiguity.pickle").write_bytes(pickle.dumps(ambiguity))
    with pytest.raises(ResultFileError, match="is corrupt") as refused:
        read_results(tmp_path)
    assert expected in str(refused.value)
    if accuracy == {KEY: "0.9"}:   # one through the script: the same check, one line, nothing written
        line = one_error_line(run("statistics_computation.py", "--results", tmp_path, "--figures", tmp_path / "f"))
        assert expected in line and not (tmp_path / "f").exists()


def test_a_job_record_with_a_string_accuracy_is_corrupt(tmp_path):
    record = {"format": 1, "name": "tomita1_gru_1_4_1", "spec": {}, "settings": {}, "status": "done",
              "error": None, "accuracy": "high", "results": {}, "seconds": {}}
    (tmp_path / "tomita1_gru_1_4_1.pickle").write_bytes(pickle.dumps(record))
    with pytest.raises(ResultFileError, match="its accuracy is 'high', not a number"):
        read_job_record(tmp_path / "tomita1_gru_1_4_1.pickle")


def test_statistics_check_the_extraction_file_before_writing_anything(tmp_path):
    results = tmp_path / "results"
    write_results(results, {KEY: 1.0}, {KEY: {"k_means_8": [0.1, 0.1, 0.2, 0.0, 16]}})
    report = {"states_before": "many", "states_after": 3, "ground_truth_states": 3, "conflicts": 0,
              "output_conflicts": 0, "missing_transitions": 0, "equivalent": True, "agreement_with_automaton": 1.0,
              "agreement_with_network": 1.0}
    (results / "extraction.pickle").write_bytes(pickle.dumps({KEY: {"k_means_8": report}}))
    completed = run("statistics_computation.py", "--results", results, "--figures", tmp_path / "figures")
    assert "extraction.pickle is corrupt" in one_error_line(completed)
    assert completed.stdout == "" and not (tmp_path / "figures").exists()


@pytest.mark.parametrize("name, merged", [
    ("layer_ambiguity", {KEY: {"lda": {"layer_1": [0.1, None, 0.2, 0.0, 3]}}}),
    ("length_generalisation", {KEY: {"lda": {16: [0.1, "0.2", 12, 3]}}}),
    ("accuracy_live", {KEY: "0.9"}),
    ("learn", {KEY: {"kv": {"states": 3}}}),
])
def test_an_analysis_file_of_the_wrong_types_is_corrupt(tmp_path, name, merged):
    analysis = analysis_named(name)
    (tmp_path / analysis.result_file).write_bytes(pickle.dumps(merged))
    with pytest.raises(ResultFileError, match=f"{analysis.result_file} is corrupt"):
        read_analysis(tmp_path, analysis)


# ---- seeds in the API ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [-1, 2 ** 32, 2 ** 64, 1.5, "0", True])
def test_the_api_refuses_a_seed_outside_0_to_2_32(seed):
    automaton = stateclusters.load_automaton("tomita3")
    with pytest.raises(UserError, match="seed"):
        stateclusters.draw_words(automaton, 10, seed=seed)
    with pytest.raises(UserError, match="seed"):
        stateclusters.train_network(automaton, seed=seed, n_words=10, epochs=1)
    with pytest.raises(UserError, match="random_state"):
        Abstraction("k_means", random_state=seed).fit(np.zeros((4, 2)))


def test_the_api_takes_the_largest_seed_and_numpy_integers():
    automaton = stateclusters.load_automaton("tomita3")
    largest = stateclusters.draw_words(automaton, 5, seed=2 ** 32 - 1)
    assert largest and largest == stateclusters.draw_words(automaton, 5, seed=np.int64(2 ** 32 - 1))


def test_a_paper_network_seed_stays_below_2_32():
    network = PaperNetwork("tomita3", "gru", 1, 10, 1)
    spec = PaperJobSpec.under(network, Path("/x.pt"), Path("/x"), ("lda",), Protocol(), seed=2 ** 32 - 1)
    assert spec.network_seed == (name_seed(network.stem) + 2 ** 32 - 1) % 2 ** 32
    # --seed 0 keeps the seeds, and so the numbers, of the committed results
    assert PaperJobSpec.under(network, Path("/x.pt"), Path("/x"), ("lda",), Protocol()).network_seed == \
        name_seed(network.stem)


# ---- silent or misleading outcomes -----------------------------------------------------------------------------

@pytest.mark.parametrize("separator", ["\f", "\u2028", "\x1c", "\x85", "\v", "\r"])
def test_a_words_file_line_holds_other_whitespace_as_a_bad_letter_on_its_own_line(tmp_path, separator):
    path = tmp_path / "words.txt"
    path.write_bytes(f"0 1\r\n1 1\n0{separator}1\n1\n".encode())
    with pytest.raises(UserError, match=r"line 3: letter '0.+1' is not in the network's alphabet"):
        read_words_file(path, ["0", "1"])


def test_a_words_file_splits_on_newlines_spaces_and_tabs_only(tmp_path):
    path = tmp_path / "words.txt"
    path.write_bytes(b"0 1\r\n\n1\t 1  \n")
    assert read_words_file(path, ["0", "1"]) == [("0", "1"), (), ("1", "1")]
    with pytest.raises(UserError, match="is a folder"):
        read_words_file(tmp_path, ["0", "1"])


def test_mean_shift_says_all_vectors_are_identical_only_when_they_are():
    two_values = np.array([[0.0, 1.0]] * 50 + [[1.0, 0.0]] * 50)
    with pytest.raises(ValueError, match="only 2 distinct vectors") as refused:
        MeanShiftClusters(1, 1.0).fit(two_values)
    assert "identical" not in str(refused.value)
    with pytest.raises(ValueError, match="all vectors are identical"):
        MeanShiftClusters(1, 1.0).fit(np.ones((10, 3)))
