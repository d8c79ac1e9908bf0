"""--extract in the driver and the grid runner, extraction.pickle, and its summary in the statistics."""
import pickle
import re

import matplotlib
import pytest

matplotlib.use("Agg")

import stateclusters.grid.backends as job_backends  # noqa: E402
import stateclusters.grid.jobs as grid_jobs  # noqa: E402
from stateclusters.analyses.extraction_report import (  # noqa: E402
    EXTRACTION_FUNCTIONS,
    ExtractionReport,  # noqa: E402
    summary_lines,
)
from stateclusters.base.errors import ResultFileError  # noqa: E402
from stateclusters.commands import (
    driver,  # noqa: E402
    experiment_runner,  # noqa: E402
)
from stateclusters.commands import statistics_computation as stats  # noqa: E402
from stateclusters.grid.jobs import single_threaded  # noqa: E402
from stateclusters.results.files import EXTRACTION_FILE, read_extraction, read_results, write_results  # noqa: E402

TINY_GRID = ["--languages", "tomita5,CFG_L_1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "2",
             "--train-words", "300", "--validation-words", "100", "--conformance-words", "100",
             "--functions", "k_means_8"]
KEYS = {"tomita5_gru_1_8_1_regular", "CFG_L_1_gru_1_8_1_stackless"}


def test_driver_prints_the_extraction_report(tmp_path, capsys):
    with single_threaded():   # on a busy machine, torch's spinning threads make a tiny training take seconds
        assert driver.main(["--automaton", "tomita5", "--rnn", "gru", "--hidden", "6", "--epochs", "2",
                            "--train-words", "300", "--validation-words", "60", "--conformance-words", "50",
                            "--function", "DBSCAN", "--checkpoint-dir", str(tmp_path), "--extract"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-3].startswith("automaton of the DBSCAN clusters: ") and "(ground truth: 4)" in lines[-3]
    assert lines[-2] in ("equivalent to the ground truth: yes", "equivalent to the ground truth: no")
    assert lines[-1].startswith("agreement after every prefix of 50 test words: with the ground truth ")
    assert lines[-4].startswith("ambiguity: ")
    # One state per cluster plus the initial state, plus the sink when a transition is missing.
    n_clusters = int(re.search(r": (\d+) clusters$", next(line for line in lines if " clusters" in line))[1])
    n_states, n_missing = map(int, re.search(r": (\d+) states .* (\d+) missing", lines[-3]).groups())
    assert n_states == n_clusters + 1 + (n_missing > 0)


def record_calls(monkeypatch) -> list[str]:
    names, original = [], job_backends.run_job
    monkeypatch.setattr(job_backends, "run_job", lambda spec: names.append(spec.name) or original(spec))
    return names


def test_runner_extract_adds_records_and_pickle_and_keeps_spec_results(tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert experiment_runner.main(TINY_GRID + ["--out", str(out)]) == 0
    plain = read_results(out)
    assert not (out / EXTRACTION_FILE).exists()
    # The same slice with --extract reruns both jobs (their records have no extraction) ...
    calls = record_calls(monkeypatch)
    assert experiment_runner.main(TINY_GRID + ["--out", str(out), "--extract"]) == 0
    assert sorted(calls) == ["CFG_L_1_gru_1_8_1", "tomita5_gru_1_8_1"]
    assert read_results(out) == plain   # accuracy and ambiguity files unchanged
    extraction = read_extraction(out)
    assert set(extraction) == KEYS
    for key, reports in extraction.items():
        assert set(reports) == set(EXTRACTION_FUNCTIONS)
        name, labeling = key.rsplit("_", 1)
        record = pickle.loads((out / "jobs" / f"{name}.pickle").read_bytes())
        assert record["extraction"] == {labeling: reports} and record["seconds"]["extract"] > 0
        for report in reports.values():
            assert (report["equivalent"] is None) == (labeling == "stackless")
            assert 0 <= report["agreement_with_network"] <= 1
    # ... and a run without --extract finds them finished and keeps extraction.pickle.
    calls.clear()
    assert experiment_runner.main(TINY_GRID + ["--out", str(out)]) == 0
    assert calls == [] and read_extraction(out) == extraction


def test_extract_setting_leaves_old_records_valid():
    spec = grid_jobs.JobSpec("tomita1", "gru", 1, 4, 1, ("lda",), "/tmp/checkpoints")
    extracting = grid_jobs.JobSpec("tomita1", "gru", 1, 4, 1, ("lda",), "/tmp/checkpoints", analyses=("extract",))
    assert "extract" not in spec.settings()   # a record written before the option has the same settings
    assert grid_jobs.is_finished(grid_jobs.job_record(extracting, "done"), spec)
    assert not grid_jobs.is_finished(grid_jobs.job_record(spec, "done"), extracting)
    assert grid_jobs.is_finished(grid_jobs.job_record(extracting, "done"), extracting)


def report(equivalent, automaton: float, network: float) -> dict:
    return ExtractionReport(9, 5, None if equivalent is None else 5, 0, 0, 0, equivalent, automaton,
                            network).as_dict()


ACCURACY = {"tomita3_gru_1_20_1_regular": 1.0, "tomita5_gru_1_8_1_regular": 0.5, "coffee_gru_1_56_1_regular": 0.9,
            "CFG_L_1_gru_1_8_1_stackless": 0.9}
AMBIGUITY = {key: {"k_means_8": [0.0, 0.0, 0.0, 0.0, 8], "DBSCAN": [0.0, 0.0, 0.0, 0.0, 3]} for key in ACCURACY}
EXTRACTION = {
    "tomita3_gru_1_20_1_regular": {"k_means_8": report(True, 1.0, 0.9), "DBSCAN": report(True, 1.0, 0.9)},
    "tomita5_gru_1_8_1_regular": {"k_means_8": report(False, 0.2, 0.4), "DBSCAN": report(True, 1.0, 0.5)},
    "coffee_gru_1_56_1_regular": {"k_means_8": report(False, 0.6, 0.8)},   # DBSCAN failed there
    "CFG_L_1_gru_1_8_1_stackless": {"k_means_8": report(None, 0.5, 0.7)},
}


@pytest.fixture
def results_dir(tmp_path):
    write_results(tmp_path, ACCURACY, AMBIGUITY)
    with open(tmp_path / EXTRACTION_FILE, "wb") as file:
        pickle.dump(EXTRACTION, file)
    return tmp_path


def test_summary_counts_equivalent_automata_per_set_and_function():
    lines = summary_lines(EXTRACTION, {"regular": sorted(key for key in ACCURACY if key.endswith("regular")),
                                       "stackless": ["CFG_L_1_gru_1_8_1_stackless"]})
    assert lines == [
        "automaton of k_means_8, regular: 1 of 3 (33.3%) equivalent to the ground truth; mean agreement on the test "
        "words with the ground truth 0.6000, with the network 0.7000 (3 networks)",
        "automaton of DBSCAN, regular: 2 of 2 (100.0%) equivalent to the ground truth; mean agreement on the test "
        "words with the ground truth 1.0000, with the network 0.7000 (2 networks)",
        "automaton of k_means_8, stackless: equivalence not checked (pushdown ground truth); mean agreement on the "
        "test words with the ground truth 0.5000, with the network 0.7000 (1 networks)"]


def test_statistics_prints_the_summary_for_the_filtered_networks(results_dir, tmp_path, capsys):
    assert stats.main(["--results", str(results_dir), "--figures", str(tmp_path / "figures"),
                       "--min-accuracy", "0.8"]) == 0
    printed = capsys.readouterr().out
    assert "automaton of k_means_8, regular: 1 of 2 (50.0%) equivalent" in printed    # tomita5 (0.5) filtered out
    assert "automaton of DBSCAN, regular: 1 of 1 (100.0%) equivalent" in printed
    assert "automaton of k_means_8, stackless: equivalence not checked" in printed


def test_statistics_without_extraction_prints_no_summary(tmp_path, capsys):
    write_results(tmp_path, ACCURACY, AMBIGUITY)
    assert stats.main(["--results", str(tmp_path), "--figures", str(tmp_path / "figures")]) == 0
    assert "automaton of" not in capsys.readouterr().out


@pytest.mark.parametrize("content", [b"garbage", pickle.dumps({"key": {"k_means_8": {"states_before": 3}}})])
def test_malformed_extraction_pickle_is_refused(results_dir, content):
    (results_dir / EXTRACTION_FILE).write_bytes(content)
    with pytest.raises(ResultFileError, match=EXTRACTION_FILE):
        read_extraction(results_dir)
