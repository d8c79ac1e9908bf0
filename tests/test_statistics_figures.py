"""The statistics figures: styles from the registries, the accuracy scatter, empty panels, default folder, and a
script that needs neither torch nor AALpy."""
import re
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import matplotlib.text  # noqa: E402

import stateclusters.figures.statistics as figures  # noqa: E402
from stateclusters.base import catalogue  # noqa: E402
from stateclusters.clustering import functions as clustering  # noqa: E402
from stateclusters.commands import statistics_computation as stats  # noqa: E402
from stateclusters.results.files import write_results  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def figure_texts(fig) -> list[str]:
    fig.draw_without_rendering()
    return [text.get_text() for text in fig.findobj(matplotlib.text.Text)]


def scatter_data(accuracies, wambs, rnns, empty_pda=True, values=None) -> figures.FigureData:
    columns = {"accuracy": list(accuracies), "wamb": list(wambs), "rnn": list(rnns)}
    empty = {"accuracy": [], "wamb": [], "rnn": []}
    values = values or {"k_means_8": list(wambs)}
    return figures.FigureData(
        set_name="regular", pda_set="stackless", metric="wamb", filters="", n_networks=len(wambs), values=values,
        comparison={"regular": values, "stackless": {}}, comparison_counts={"regular": len(wambs), "stackless": 0},
        scatter={"regular": columns, "stackless": empty if empty_pda else columns},
        fits={"regular": stats.correlation(accuracies, wambs), "stackless": None}, scatter_function="k_means_8")


def test_scatter_fits_the_accuracy_axis_to_the_data_and_draws_no_line_below_five_points():
    data = scatter_data([0.996, 0.998], [0.1, 0.3], ["gru", "gru"])
    fig = figures.scatter_figure(data, figures.as_is)
    low, high = fig.axes[0].get_xlim()
    assert 0.98 < low < 0.996 and 0.998 < high < 1.01          # not 0 to 1: the two points are apart
    assert not [line for line in fig.axes[0].get_lines() if len(line.get_xdata()) == 2]   # no regression line
    texts = figure_texts(fig)
    assert any("Spearman rho" in text and "no line below n = 5" in text for text in texts)
    assert "no networks" in texts and not fig.axes[1].axison   # the empty panel: words, no stray axis


def test_scatter_draws_the_least_squares_line_from_five_points():
    accuracies, wambs = [0.5, 0.6, 0.7, 0.8, 0.9], [0.9, 0.7, 0.6, 0.3, 0.1]
    fig = figures.scatter_figure(scatter_data(accuracies, wambs, ["gru"] * 5), figures.as_is)
    assert [line for line in fig.axes[0].get_lines() if len(line.get_xdata()) == 2]
    assert any(text.startswith("least squares; Pearson r = -0.99") for text in figure_texts(fig))


def test_a_new_architecture_and_function_family_are_drawn_without_editing_figure_code(monkeypatch):
    # What a developer adding an architecture and a family does: extend the registries.
    monkeypatch.setattr(catalogue, "RNN_TYPES", (*catalogue.RNN_TYPES, "fake_rnn"))
    monkeypatch.setattr(clustering, "FAMILIES", (*clustering.FAMILIES, "fake_family"))
    monkeypatch.setattr(clustering, "FUNCTIONS", (*clustering.FUNCTIONS,
                                                  clustering.AbstractionFunction("fake_function", "fake_family")))
    rnns = ["relu", "tanh", "gru", "lstm", "fake_rnn"]
    values = {"k_means_8": [0.1, 0.2], "fake_function": [0.3, 0.4]}
    data = scatter_data([0.5, 0.6, 0.7, 0.8, 0.9], [0.1, 0.2, 0.3, 0.4, 0.5], rnns, values=values)
    styles = figures.rnn_styles()
    assert len(set(styles.values())) == len(catalogue.RNN_TYPES) and "fake_rnn" in styles
    colours = figures.family_colours()
    assert colours["fake_family"] not in {colours[family] for family in clustering.FAMILIES[:-1]}
    for _, fig in figures.build_figures(data, "", figures.as_is):
        texts = figure_texts(fig)
        if "Weighted ambiguity of k_means_8 against accuracy" in " ".join(texts):
            assert "fake_rnn" in texts
        else:
            assert "fake_family" in texts and "fake_function" in texts
        matplotlib.pyplot.close(fig)


def test_subtitles_name_only_active_filters():
    assert stats.describe_filters(None, 0.0, False) == ""
    assert stats.describe_filters(("gru",), 0.5, True) == ("rnn: gru; accuracy at least 0.50; "
                                                           "perfectly linearly separable only")
    fig = figures.box_figure(scatter_data([0.5, 0.6], [0.1, 0.2], ["gru"] * 2), figures.as_is)
    assert not any("accuracy at least" in text or text.endswith("\n") for text in figure_texts(fig))


def test_script_needs_neither_torch_nor_aalpy_and_writes_figures_into_the_results_folder(tmp_path):
    results = tmp_path / "results"
    write_results(results, {"tomita3_gru_1_20_1_regular": 1.0, "CFG_L_12_gru_1_40_1_stackless": 0.9},
                  {"tomita3_gru_1_20_1_regular": {"k_means_8": [0.1, 0.1, 0.2, 0.0, 16]},
                   "CFG_L_12_gru_1_40_1_stackless": {"k_means_8": [0.2, 0.3, 0.4, 0.0, 40]}})
    program = ("import sys; from stateclusters.commands import statistics_computation as s; "
               "code = s.main(['--results', sys.argv[1]]); "
               "print(sorted(m for m in ('torch', 'aalpy', 'sklearn') if m in sys.modules)); sys.exit(code)")
    run = subprocess.run([sys.executable, "-c", program, str(results)], capture_output=True, text=True, cwd=REPO,
                         timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"
    assert (results / "figures" / "boxplot_regular_wamb.png").stat().st_size > 0


@pytest.mark.parametrize("script", ["driver.py", "run_small_experiment.py", "experiment_runner.py",
                                    "statistics_computation.py", "evaluate_paper_networks.py",
                                    "benchmarks/bench_training.py", "benchmarks/bench_evaluation.py",
                                    "benchmarks/bench_scaling.py", "benchmarks/bench_probes.py",
                                    "stateclusters/studies/compare_training_length.py",
                                    "analyse_network.py", "benchmarks/bench_analyse.py"])
def test_help_imports_no_heavy_library(script):
    # --help must be fast: the heavy libraries are imported where they are used, never to parse arguments.
    program = (f"import runpy, sys; sys.argv = [{script!r}, '--help']\n"
               f"try:\n    runpy.run_path({script!r}, run_name='__main__')\nexcept SystemExit:\n    pass\n"
               "print(sorted(m for m in ('torch', 'sklearn', 'aalpy', 'matplotlib', 'scipy') if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stderr
    help_text = " ".join(run.stdout.split())
    assert "(default: None)" not in help_text and not re.search(r"\(default[^()]*\) \(default", help_text)
