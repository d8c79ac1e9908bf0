"""--learn and --accuracy-live in the grid runner: records, learning.pickle, accuracy_live.pickle, settings that
leave old records valid, the VPA alphabet of the PDAs, and the statistics' summaries and filter."""
import pickle

import matplotlib
import pytest

matplotlib.use("Agg")

import stateclusters.grid.jobs as grid_jobs  # noqa: E402
from stateclusters.analyses.learning_report import LearningReport, summary_lines  # noqa: E402
from stateclusters.analyses.vpa_learning import vpa_alphabet  # noqa: E402
from stateclusters.automata import get_automaton  # noqa: E402
from stateclusters.automata.context_free import CONTEXT_FREE_NAMES  # noqa: E402
from stateclusters.base.errors import UserError  # noqa: E402
from stateclusters.commands import experiment_runner  # noqa: E402
from stateclusters.commands import statistics_computation as stats  # noqa: E402
from stateclusters.results.files import ACCURACY_LIVE_FILE, LEARNING_FILE, read_learning, read_results, write_results  # noqa: E402,E501

TINY_GRID = ["--languages", "tomita1,CFG_L_1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "2",
             "--train-words", "300", "--validation-words", "60", "--conformance-words", "100",
             "--functions", "k_means_8"]
LEARN_OPTIONS = ["--learn-words", "100", "--learn-queries", "300"]   # refused without --learn


def test_runner_learn_and_accuracy_live_add_records_and_pickles(tmp_path):
    out = tmp_path / "out"
    assert experiment_runner.main(TINY_GRID + ["--out", str(out)]) == 0
    plain = read_results(out)
    assert experiment_runner.main(TINY_GRID + LEARN_OPTIONS + ["--out", str(out), "--learn", "--accuracy-live"]) == 0
    assert read_results(out) == plain   # the contract's files unchanged
    learning = read_learning(out)
    assert set(learning) == {"tomita1_gru_1_4_1_regular", "CFG_L_1_gru_1_8_1_stackless"}
    assert set(learning["tomita1_gru_1_4_1_regular"]) == {"lstar", "kv"}
    assert set(learning["CFG_L_1_gru_1_8_1_stackless"]) == {"kv"}   # L* learns no VPA: its reason stays in the record
    assert learning["CFG_L_1_gru_1_8_1_stackless"]["kv"]["automaton_type"] == "vpa"
    record = pickle.loads((out / "jobs" / "CFG_L_1_gru_1_8_1.pickle").read_bytes())
    assert record["learning"]["stackless"]["lstar"].startswith("AALpy's L* learns no")
    assert record["settings"]["learn"] == [100, 300] and record["seconds"]["learn"] > 0
    live = pickle.loads((out / ACCURACY_LIVE_FILE).read_bytes())
    assert set(live) == set(plain[0]) and all(0 <= value <= 1 for value in live.values())   # every labeling


def test_learn_settings_leave_old_records_valid():
    spec = grid_jobs.JobSpec("tomita1", "gru", 1, 4, 1, ("lda",), "/tmp/checkpoints")
    learning = grid_jobs.JobSpec("tomita1", "gru", 1, 4, 1, ("lda",), "/tmp/checkpoints",
                                 analyses=("learn", "accuracy_live"))
    assert "learn" not in spec.settings() and "accuracy_live" not in spec.settings()
    assert grid_jobs.is_finished(grid_jobs.job_record(learning, "done"), spec)
    assert not grid_jobs.is_finished(grid_jobs.job_record(spec, "done"), learning)


def test_every_pda_but_l6_splits_into_calls_returns_and_internal_letters():
    fitting = {name for name in CONTEXT_FREE_NAMES if not isinstance(vpa_alphabet(get_automaton(name)), str)}
    assert fitting == set(CONTEXT_FREE_NAMES) - {"CFG_L_6"}
    assert "'c'" in vpa_alphabet(get_automaton("CFG_L_6"))
    alphabet = vpa_alphabet(get_automaton("CFG_L_13"))
    assert (alphabet.call_alphabet, alphabet.return_alphabet, alphabet.internal_alphabet) == (
        ["("], [")"], ["a", "b", "c"])


def learned(equivalent, states: int, truth: int | None = 5) -> dict:
    return LearningReport("lstar", "dfa", states, states, truth, equivalent, 1.0, 0.9, True, 2, 50, 200, 300,
                          0.5).as_dict()


ACCURACY = {"tomita3_gru_1_20_1_regular": 1.0, "tomita5_gru_1_8_1_regular": 0.5, "tomita3_lstm_1_20_1_regular": 1.0}
AMBIGUITY = {key: {"k_means_8": [0.0, 0.0, 0.0, 0.0, 8]} for key in ACCURACY}
LEARNING = {"tomita3_gru_1_20_1_regular": {"lstar": learned(True, 5)},
            "tomita5_gru_1_8_1_regular": {"lstar": learned(False, 9, 4)},
            "tomita3_lstm_1_20_1_regular": {"lstar": learned(True, 5)}}


def test_summary_per_set_and_architecture():
    extraction = {"tomita3_gru_1_20_1_regular": {"k_means_8": {"equivalent": True}},
                  "tomita5_gru_1_8_1_regular": {"k_means_8": {"equivalent": True}}}
    lines = summary_lines(LEARNING, {"regular": sorted(ACCURACY)}, extraction)
    assert lines[0].startswith("active learning lstar, regular, gru: 1 of 2 learned exactly; mean learned size 7.0 "
                               "vs true 4.5;")
    assert lines[0].endswith("agrees with the k_means_8 clusters' automaton on equivalence in 1 of 2")
    assert lines[1].startswith("active learning lstar, regular, lstm: 1 of 1 learned exactly")


def test_statistics_summarise_learning_and_filter_by_accuracy_live(tmp_path, capsys):
    write_results(tmp_path, ACCURACY, AMBIGUITY)
    (tmp_path / LEARNING_FILE).write_bytes(pickle.dumps(LEARNING))
    figures = ["--figures", str(tmp_path / "figures")]
    with pytest.raises(UserError, match=ACCURACY_LIVE_FILE):
        stats.main(["--results", str(tmp_path), "--min-accuracy-live", "0.5"] + figures)
    (tmp_path / ACCURACY_LIVE_FILE).write_bytes(pickle.dumps({"tomita3_gru_1_20_1_regular": 0.95,
                                                              "tomita5_gru_1_8_1_regular": 0.2,
                                                              "tomita3_lstm_1_20_1_regular": 0.4}))
    assert stats.main(["--results", str(tmp_path), "--min-accuracy-live", "0.5"] + figures) == 0
    printed = capsys.readouterr().out
    assert "networks: 1 of 3 'regular' networks passed" in printed
    assert "active learning lstar, regular, gru: 1 of 1 learned exactly" in printed
    assert "accuracy_live (words drawn like the training words) mean 0.9500" in printed


def test_a_network_that_trips_aalpys_vpa_kv_is_recorded_with_the_reason():
    # This reproduction network hands KV a counterexample its SEVPA processing asserts on; the job must go on.
    from pathlib import Path

    from stateclusters.analyses.extraction import extraction_inputs
    from stateclusters.analyses.learning_results import learn_network
    from stateclusters.base.keys import name_seed
    from stateclusters.evaluation.network_data import NetworkData
    from stateclusters.networks.recurrent import load_checkpoint
    name = "CFG_L_1_tanh_1_8_1"
    checkpoint = Path(__file__).parent.parent / "experiment_results" / "reproduction" / "checkpoints" / f"{name}.pt"
    model, _ = load_checkpoint(checkpoint)
    data = NetworkData(model, get_automaton("CFG_L_1"), seed=name_seed(name))
    reports = learn_network(model, data.automaton, extraction_inputs(data), seed=name_seed(name), max_queries=1000)
    assert reports["stackless"]["kv"].startswith("AALpy's KV stopped on a counterexample")
