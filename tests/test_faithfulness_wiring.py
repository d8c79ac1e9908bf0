"""The faithfulness scores wherever a network is evaluated: driver.py --faithfulness, the grid's --faithfulness
(faithfulness.pickle, resumable), the statistics' correlations and figure, and the benchmark with small sizes."""
import copy
import importlib.util
import pickle
from pathlib import Path

import pytest
import torch

from stateclusters.analyses.grid_rows import faithfulness as grid_row
from stateclusters.commands import driver, experiment_runner, statistics_computation

REPO = Path(__file__).resolve().parents[1]
GRID = ["--languages", "tomita3", "--rnn", "gru", "--sizes", "1x1", "--repeats", "2", "--epochs", "1",
        "--functions", "k_means_8,lr", "--train-words", "200", "--validation-words", "60", "--conformance-words", "60",
        "--faithfulness"]


pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def grid_folder(tmp_path_factory):
    """A tiny grid run with --faithfulness: two GRUs on tomita3."""
    out = tmp_path_factory.mktemp("grid")
    assert experiment_runner.main([*GRID, "--out", str(out)]) == 0
    return out


def test_the_driver_prints_the_scores_of_a_constructed_network(tmp_path, capsys):
    assert driver.main(["--automaton", "tomita5", "--construct", "--rnn", "tanh", "--layers", "2",
                        "--validation-words", "60", "--conformance-words", "60", "--checkpoint-dir", str(tmp_path),
                        "--faithfulness"]) == 0
    output = capsys.readouterr().out
    assert "compression 1.0000  distinction_precision 1.0000  distinction_recall 1.0000" in output
    assert "k_means_8: centroid IIA 1.0000  member IIA 1.0000" in output
    assert "part swaps: layer1 " in output and " layer2 " in output


def test_the_driver_scores_a_mealy_machine_over_its_non_empty_suffixes(tmp_path, capsys):
    assert driver.main(["--automaton", "coffee", "--construct", "--validation-words", "40", "--conformance-words",
                        "40", "--checkpoint-dir", str(tmp_path), "--faithfulness"]) == 0
    output = capsys.readouterr().out
    assert "Myhill-Nerode over 20 suffixes (length ≤ 2): compression 1.0000  distinction_precision 1.0000  " \
           "distinction_recall 1.0000" in output   # coffee's 4 letters: 4 + 16 suffixes, no empty word
    assert "k_means_8: centroid IIA 1.0000  member IIA 1.0000" in output


def test_exploded_hidden_states_give_each_function_its_reason_not_a_failed_job():
    import stateclusters
    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.network_data import NetworkData
    model = stateclusters.construct_network("tomita3", rnn="relu").model
    with torch.no_grad():
        next(model.parameters()).fill_(float("inf"))   # every hidden state NaN
    entry = grid_row.network_faithfulness(NetworkData(model, get_automaton("tomita3"), 0, 40, 40), ["k_means_8"])
    assert "NaN or inf" in entry["faithfulness"]["interventions"]["functions"]["k_means_8"]["error"]
    assert grid_row.is_valid({"tomita3_relu_1_6_1_regular": entry})


def test_the_grid_merges_one_entry_per_network_and_resumes_without_recomputing(grid_folder):
    merged = pickle.loads((grid_folder / "faithfulness.pickle").read_bytes())
    assert sorted(merged) == ["tomita3_gru_1_10_1_regular", "tomita3_gru_1_10_2_regular"]
    assert grid_row.is_valid(merged)
    for entry in merged.values():
        functions = entry["faithfulness"]["interventions"]["functions"]
        assert set(functions) == {"k_means_8", "lr"} and all(0 <= value <= 1 for value in functions["lr"].values())
    job = next((grid_folder / "jobs").glob("*.pickle"))
    before = job.stat().st_mtime_ns
    assert experiment_runner.main([*GRID, "--out", str(grid_folder)]) == 0
    assert job.stat().st_mtime_ns == before   # the finished job was not run again


def test_a_malformed_entry_is_refused(grid_folder):
    merged = pickle.loads((grid_folder / "faithfulness.pickle").read_bytes())
    key = next(iter(merged))
    for spoil in (lambda entry: entry["faithfulness"].update(compression=1.5),
                  lambda entry: entry["faithfulness"].pop("distinction_recall"),
                  lambda entry: entry["faithfulness"]["interventions"]["controls"].pop("mean"),
                  lambda entry: entry["faithfulness"]["interventions"]["functions"]["lr"].update(centroid_iia="1")):
        spoiled = copy.deepcopy(merged)
        spoil(spoiled[key])
        assert not grid_row.is_valid(spoiled)
    assert grid_row.is_valid({key: {"faithfulness_skipped": "the interventions need at least one non-empty word"}})


def test_the_statistics_correlate_ambiguity_with_centroid_iia_and_draw_it(grid_folder, capsys):
    figures = grid_folder / "figures"
    assert statistics_computation.main(["--results", str(grid_folder), "--figures", str(figures)]) == 0
    output = capsys.readouterr().out
    assert "faithfulness, regular (2 networks): compression " in output
    assert "k_means_8 wamb vs centroid IIA, regular: " in output and "lr wamb vs centroid IIA, regular: " in output
    for suffix in ("png", "pdf"):
        assert (figures / f"faithfulness_centroid_iia_vs_wamb.{suffix}").stat().st_size > 1000


def test_the_columns_pair_each_networks_ambiguity_with_its_iia(grid_folder):
    merged = pickle.loads((grid_folder / "faithfulness.pickle").read_bytes())
    ambiguity = pickle.loads((grid_folder / "ambiguity.pickle").read_bytes())
    columns = grid_row.iia_columns(merged, ambiguity, sorted(merged))
    for name in ("k_means_8", "lr"):
        expected = [(ambiguity[key][name][1], merged[key]["faithfulness"]["interventions"]["functions"][name]
                     ["centroid_iia"]) for key in sorted(merged)]
        assert list(zip(columns[name]["wamb"], columns[name]["centroid_iia"])) == expected


def test_the_benchmark_runs_with_small_sizes(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("bench_faithfulness", REPO / "benchmarks" / "bench_faithfulness.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--language", "tomita3", "--hidden", "8", "--epochs", "1", "--train-words", "100",
                       "--validation-words", "30", "--conformance-words", "30", "--functions", "k_means_8",
                       "--checkpoint-dir", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    lines = output.splitlines()
    assert lines[-1].startswith("ratio: ") and float(lines[-1].split()[1]) > 0
    assert any(line.startswith("evaluation: ") for line in lines) and "k_means_8: centroid IIA" in output


class NeverAsked:
    """A coffee network that must not be asked: sizes refused before any work never reach it."""
    ALPHABET = ["button", "clean", "pod", "water"]

    def classify(self, words):
        raise RuntimeError("asked")


def test_the_api_checks_the_sizes_asked_before_any_work():
    import stateclusters
    from stateclusters.base.errors import UserError
    coffee = stateclusters.load_automaton("coffee")
    with pytest.raises(UserError, match="below the 4 one-letter suffixes"):
        stateclusters.analyse(NeverAsked(), coffee, suffix_limit=3)
    with pytest.raises(UserError, match="more than the limit"):
        stateclusters.analyse(NeverAsked(), coffee, pairs=300_000)
    with pytest.raises(UserError, match="members"):
        stateclusters.analyse(NeverAsked(), coffee, members=0)
    report = stateclusters.analyse(stateclusters.construct_network(coffee), coffee, functions=["k_means_8"],
                                   suffix_limit=30, pairs=20, members=1).report
    assert report["settings"]["faithfulness"] == {"suffix_limit": 30, "pairs": 20, "members": 1}
    assert report["faithfulness"]["suffixes"] == 20 and report["faithfulness"]["compression"] == 1.0
