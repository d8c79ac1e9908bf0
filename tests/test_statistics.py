"""statistics_computation.py on a small hand-made results folder whose numbers are known."""
import math
import pickle
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.base.errors import ResultFileError  # noqa: E402
from stateclusters.base.keys import KeyParts, NetworkId  # noqa: E402
from stateclusters.commands import statistics_computation as stats  # noqa: E402  (after the backend is chosen, as the script does)
from stateclusters.results.files import write_results  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "statistics_computation.py"
FAILED = [math.nan, math.nan, math.nan, math.nan, 0]  # what a function that could not run records


def entry(wamb: float, n_clusters: int) -> list:
    """Result numbers [amb, wamb, max, min, n_clusters]; amb is wamb/2 so that the two metrics differ."""
    return [wamb / 2, wamb, wamb, 0.0, n_clusters]


# key: (accuracy, {function: numbers}). Regular: 4 networks; PDA: CFG_L_12 under all three labelings, CFG_L_1.
NETWORKS = {
    "tomita3_gru_1_20_1_regular": (1.0, {"lda": entry(0.0, 5), "lr": entry(0.0, 5), "k_means_8": entry(0.1, 16),
                                         "DBSCAN": entry(0.0, 3)}),
    "dfa_5_2_1_tanh_1_10_2_regular": (0.5, {"lda": entry(0.2, 5), "lr": entry(0.0, 5), "k_means_8": entry(0.4, 40),
                                            "DBSCAN": FAILED}),
    "coffee_lstm_2_28_1_regular": (0.9, {"lda": entry(0.0, 7), "lr": entry(0.0, 7), "k_means_8": entry(0.0, 56),
                                         "DBSCAN": entry(0.5, 2)}),
    "moore_8_2_3_1_relu_1_16_1_regular": (0.95, {"lda": entry(0.0, 8), "lr": entry(0.1, 8),
                                                 "k_means_8": entry(0.3, 64)}),
    "CFG_L_12_gru_1_40_1_stackless": (0.8, {"lda": entry(0.0, 4), "lr": entry(0.0, 4), "k_means_8": entry(0.5, 40)}),
    "CFG_L_12_gru_1_40_1_stack_size": (0.8, {"lda": entry(0.1, 9), "lr": entry(0.0, 9),
                                             "k_means_8": entry(0.6, 120)}),
    "CFG_L_12_gru_1_40_1_top_of_stack": (0.8, {"lda": entry(0.0, 9), "lr": entry(0.0, 9),
                                               "k_means_8": entry(0.2, 160)}),
    "CFG_L_1_relu_1_12_2_stackless": (0.3, {"lda": entry(0.3, 3), "lr": entry(0.2, 3), "k_means_8": entry(0.7, 24)}),
}
ACCURACY = {key: accuracy for key, (accuracy, _) in NETWORKS.items()}
AMBIGUITY = {key: functions for key, (_, functions) in NETWORKS.items()}
REGULAR_KEYS = sorted(key for key in NETWORKS if key.endswith("_regular"))


@pytest.fixture
def results_dir(tmp_path):
    write_results(tmp_path / "results", ACCURACY, AMBIGUITY)
    return tmp_path / "results"


def run_script(*arguments):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, arguments)], capture_output=True, text=True,
                          cwd=REPO, timeout=60)


# --- keys ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, expected", [
    ("CFG_L_12_gru_1_40_1_stack_size", ("CFG_L_12", "gru", 1, 40, 1, "stack_size")),
    ("CFG_L_3_lstm_2_30_2_top_of_stack", ("CFG_L_3", "lstm", 2, 30, 2, "top_of_stack")),
    ("CFG_L_1_relu_1_12_2_stackless", ("CFG_L_1", "relu", 1, 12, 2, "stackless")),
    ("dfa_5_2_1_tanh_1_10_2_regular", ("dfa_5_2_1", "tanh", 1, 10, 2, "regular")),
    ("tomita3_gru_1_20_1_regular", ("tomita3", "gru", 1, 20, 1, "regular")),
    ("CFG_L_13_transformer_2_15_1_top_of_stack", ("CFG_L_13", "transformer", 2, 15, 1, "top_of_stack")),
])
def test_parse_key_reads_fields_from_the_right(key, expected):
    assert stats.parse_key(key) == KeyParts(NetworkId(*expected[:5]), expected[5])


@pytest.mark.parametrize("key", ["tomita3_gru_1_20_1", "gru_1_20_1_regular", "tomita3_cnn_1_20_1_regular",
                                 "tomita3_gru_x_20_1_regular", "_gru_1_20_1_regular"])
def test_parse_key_rejects_malformed_keys(key):
    with pytest.raises(ValueError, match="key"):
        stats.parse_key(key)


# --- loading -------------------------------------------------------------------------------------------------

def test_load_results_rejects_keys_and_names_it_cannot_read(tmp_path):
    cases = {"bad key": ({"tomita3_gru_1_20_1": 1.0}, {"tomita3_gru_1_20_1": {}}),
             "no accuracy": ({}, {"tomita3_gru_1_20_1_regular": {}}),
             "unknown function": ({"tomita3_gru_1_20_1_regular": 1.0},
                                  {"tomita3_gru_1_20_1_regular": {"k_means_9": entry(0, 1)}}),
             "short entry": ({"tomita3_gru_1_20_1_regular": 1.0}, {"tomita3_gru_1_20_1_regular": {"lda": [0.0]}}),
             "error text": ({"tomita3_gru_1_20_1_regular": 1.0},
                            {"tomita3_gru_1_20_1_regular": {"lda": "ValueError: ..."}})}
    for name, (accuracy, ambiguity) in cases.items():
        write_results(tmp_path / name, accuracy, ambiguity)
        with pytest.raises(ResultFileError, match="ambiguity.pickle"):
            stats.load_results(tmp_path / name)


# --- filters -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("set_name, filters, expected", [
    ("regular", {}, REGULAR_KEYS),
    ("stackless", {}, ["CFG_L_12_gru_1_40_1_stackless", "CFG_L_1_relu_1_12_2_stackless"]),
    ("stack_size", {}, ["CFG_L_12_gru_1_40_1_stack_size"]),
    ("top_of_stack", {}, ["CFG_L_12_gru_1_40_1_top_of_stack"]),
    ("regular", {"rnn_types": ("gru",)}, ["tomita3_gru_1_20_1_regular"]),
    ("regular", {"rnn_types": ("gru", "lstm")}, ["coffee_lstm_2_28_1_regular", "tomita3_gru_1_20_1_regular"]),
    ("regular", {"min_accuracy": 0.9},  # inclusive: coffee's 0.9 stays
     ["coffee_lstm_2_28_1_regular", "moore_8_2_3_1_relu_1_16_1_regular", "tomita3_gru_1_20_1_regular"]),
    ("regular", {"perfect_separability": True}, ["coffee_lstm_2_28_1_regular", "tomita3_gru_1_20_1_regular"]),
    ("stackless", {"perfect_separability": True}, ["CFG_L_12_gru_1_40_1_stackless"]),
    ("stack_size", {"perfect_separability": True}, []),
    ("regular", {"perfect_separability": True, "min_accuracy": 0.95}, ["tomita3_gru_1_20_1_regular"]),
    ("regular", {"rnn_types": ("gru",), "min_accuracy": 1.0, "perfect_separability": True},
     ["tomita3_gru_1_20_1_regular"]),
])
def test_select_networks(set_name, filters, expected):
    assert stats.select_networks(ACCURACY, AMBIGUITY, set_name, **filters) == expected


def test_missing_linear_probe_is_not_perfect_separability():
    assert not stats.is_perfectly_separable({"lda": entry(0.0, 2)})
    assert not stats.is_perfectly_separable({"lda": FAILED, "lr": entry(0.0, 2)})


# --- the table -----------------------------------------------------------------------------------------------

def rows_by_function(metric, keys=REGULAR_KEYS):
    return {row.function: row for row in stats.function_table(AMBIGUITY, keys, metric)}


def test_table_rows_follow_function_names_order_and_only_present_functions():
    assert list(rows_by_function("wamb")) == ["lda", "lr", "k_means_8", "DBSCAN"]


def test_table_numbers_for_weighted_ambiguity():
    rows = rows_by_function("wamb")
    # k_means_8 over the regular networks: 0.1, 0.4, 0.0, 0.3. Population std (ddof=0): sqrt(0.1 / 4).
    assert rows["k_means_8"] == stats.FunctionRow("k_means_8", pytest.approx(0.2), pytest.approx(math.sqrt(0.025)),
                                                  pytest.approx(0.4), 1, 4, 0)
    # lda: 0, 0.2, 0, 0 → mean 0.05, std sqrt((3·0.05² + 0.15²)/4) = sqrt(0.0075).
    assert rows["lda"] == stats.FunctionRow("lda", pytest.approx(0.05), pytest.approx(math.sqrt(0.0075)),
                                            pytest.approx(0.2), 3, 4, 0)
    # DBSCAN: NaN (failed) in one network, absent from another: statistics over 0.0 and 0.5, two missing.
    assert rows["DBSCAN"] == stats.FunctionRow("DBSCAN", 0.25, 0.25, 0.5, 1, 2, 2)


def test_table_numbers_for_amb_and_size():
    assert rows_by_function("amb")["k_means_8"].mean == pytest.approx(0.1)  # amb is wamb / 2 in this data
    size = rows_by_function("size")["k_means_8"]  # 16, 40, 56, 64
    assert (size.mean, size.max, size.zeros, size.count) == (44.0, 64.0, 0, 4)
    assert size.std == pytest.approx(math.sqrt(336))
    assert rows_by_function("size")["DBSCAN"].count == 2  # a failed run's 0 clusters is no measurement


def test_correlation_of_a_known_line_and_undefined_cases():
    fit = stats.correlation([0.0, 0.5, 1.0], [1.0, 0.5, 0.0])
    assert (fit.r, fit.slope, fit.intercept, fit.n) == (pytest.approx(-1.0), pytest.approx(-1.0), pytest.approx(1.0), 3)
    assert stats.correlation([1.0], [0.0]) is None
    assert stats.correlation([0.5, 0.7], [0.2, 0.2]) is None


# --- the script ----------------------------------------------------------------------------------------------

def test_main_prints_table_and_writes_every_figure(results_dir, tmp_path, capsys):
    figures = tmp_path / "figures"
    assert stats.main(["--results", str(results_dir), "--figures", str(figures)]) == 0
    output = capsys.readouterr().out
    assert "networks: 4 of 4 'regular' networks passed the filters" in output
    assert re.search(r"^k_means_8\s+0\.2000\s+0\.1581\s+0\.4000\s+1\s+4\s+0$", output, re.MULTILINE)
    expected = {f"{stem}.{suffix}" for suffix in ("png", "pdf") for stem in
                ("boxplot_regular_wamb", "regular_vs_stackless_wamb",
                 "k_means_8_wamb_vs_accuracy_regular_vs_stackless")}
    assert {path.name for path in figures.iterdir()} == expected  # and no temp file left behind
    for path in figures.iterdir():
        assert path.read_bytes().startswith(b"\x89PNG" if path.suffix == ".png" else b"%PDF")


def test_filters_change_n_and_name_the_files(results_dir, tmp_path, capsys):
    figures = tmp_path / "figures"
    stats.main(["--results", str(results_dir), "--figures", str(figures), "--set", "stackless", "--rnn", "gru,relu",
                "--min-accuracy", "0.5", "--perfect-separability", "--metric", "size"])
    assert "networks: 1 of 2 'stackless' networks passed the filters" in capsys.readouterr().out
    assert (figures / "boxplot_stackless_size_rnn-gru-relu_minacc-0.5_separable.png").stat().st_size > 0
    assert (figures / "regular_vs_stackless_size_rnn-gru-relu_minacc-0.5_separable.pdf").stat().st_size > 0


def test_pgf_text_is_latex_escaped():
    import stateclusters.figures.statistics as figures
    data = figures.FigureData(
        set_name="regular", pda_set="stackless", metric="wamb", filters="rnn: all", n_networks=4,
        values=stats.metric_values(AMBIGUITY, REGULAR_KEYS, "wamb"),
        comparison={"regular": stats.metric_values(AMBIGUITY, REGULAR_KEYS, "wamb"), "stackless": {}},
        comparison_counts={"regular": 4, "stackless": 0},
        scatter={"regular": stats.accuracy_and_wamb(ACCURACY, AMBIGUITY, REGULAR_KEYS),
                 "stackless": {"accuracy": [], "wamb": [], "rnn": []}},
        fits={"regular": None, "stackless": None}, scatter_function="k_means_8")
    for _, fig in figures.build_figures(data, "", figures.tex_escape):
        fig.draw_without_rendering()  # fills in the tick labels
        texts = [text.get_text() for text in fig.findobj(matplotlib.text.Text)]
        assert any(r"k\_means\_8" in text for text in texts)
        assert not [text for text in texts if re.search(r"(?<!\\)_", text)]
        matplotlib.pyplot.close(fig)


def test_no_networks_after_filtering_exits_2(results_dir, capsys):
    arguments = ["--results", str(results_dir), "--min-accuracy", "1", "--rnn", "lstm"]
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: stats.main(arguments))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("error: no network passed the filters (rnn: lstm; accuracy at least 1.00); "
                                       "4 'regular' networks before filtering\n")


def test_a_set_absent_from_the_results_is_named(tmp_path, capsys):
    regular_only = {key: value for key, value in AMBIGUITY.items() if key in REGULAR_KEYS}
    write_results(tmp_path, ACCURACY, regular_only)
    with pytest.raises(SystemExit):
        run_cli(lambda: stats.main(["--results", str(tmp_path), "--set", "top_of_stack"]))
    assert "hold no 'top_of_stack' networks (sets present: regular)" in capsys.readouterr().err


def test_corrupt_pickle_exits_2_and_names_the_file(results_dir):
    path = results_dir / "ambiguity.pickle"
    path.write_bytes(pickle.dumps(AMBIGUITY)[:40])
    completed = run_script("--results", results_dir)
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"error: result file {path} is corrupt")
    assert completed.stderr.count("\n") == 1  # one line, no traceback


@pytest.mark.parametrize("arguments", [["--set", "dyck"], ["--metric", "entropy"], ["--min-accuracy", "2"]])
def test_invalid_choices_exit_2(arguments):
    with pytest.raises(SystemExit) as exit_info:
        stats.parse_arguments(arguments)
    assert exit_info.value.code == 2


def test_unknown_architecture_in_the_filter_exits_2_listing_the_valid_ones(results_dir, capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: stats.main(["--results", str(results_dir), "--rnn", "gru,mamba"]))
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == "error: unknown architecture 'mamba'; valid: relu, tanh, gru, lstm, transformer\n"
