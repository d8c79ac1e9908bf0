"""statistics_computation.py --metric with the agreement scores of scores.pickle."""
import re
import shutil
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

import stateclusters.figures.statistics as statistics_figures  # noqa: E402
from stateclusters.ambiguity.agreement import SCORE_NAMES  # noqa: E402
from stateclusters.base.cli import run_cli  # noqa: E402
from stateclusters.commands import statistics_computation as stats  # noqa: E402  (after the backend is chosen, as the script does)
from stateclusters.results.files import write_results  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def ambiguity_entry(wamb: float) -> list:
    return [wamb, wamb, wamb, 0.0, 4]


def scores_entry(nmi: float, ari: float) -> dict:
    return {name: nmi for name in SCORE_NAMES} | {"ari": ari}


ACCURACY = {"tomita3_gru_1_20_1_regular": 1.0, "coffee_lstm_1_28_1_regular": 0.9, "tomita5_gru_1_8_1_regular": 0.7,
            "CFG_L_1_gru_1_12_1_stackless": 0.8}
AMBIGUITY = {key: {"lda": ambiguity_entry(0.0), "k_means_8": ambiguity_entry(0.2)} for key in ACCURACY}
SCORES = {"tomita3_gru_1_20_1_regular": {"lda": scores_entry(1.0, 1.0), "k_means_8": scores_entry(0.8, 0.5)},
          "coffee_lstm_1_28_1_regular": {"lda": scores_entry(0.9, 0.7), "k_means_8": scores_entry(0.6, -0.1)},
          # tomita5's job predates the scores: it has none, so it counts as missing.
          "CFG_L_1_gru_1_12_1_stackless": {"lda": scores_entry(0.5, 0.2), "k_means_8": scores_entry(0.4, 0.1)}}


@pytest.fixture
def results_dir(tmp_path):
    write_results(tmp_path / "results", ACCURACY, AMBIGUITY, {"scores": SCORES})
    return tmp_path / "results"


def test_metric_nmi_tables_and_draws_the_scores(results_dir, tmp_path, capsys):
    figures = tmp_path / "figures"
    assert stats.main(["--results", str(results_dir), "--metric", "nmi", "--figures", str(figures)]) == 0
    output = capsys.readouterr().out
    # k_means_8 over the regular networks: 0.8 and 0.6 (tomita5 has no scores): mean 0.7, std 0.1, one missing.
    assert "(nmi; std with ddof=0)" in output
    assert re.search(r"^k_means_8\s+0\.7000\s+0\.1000\s+0\.8000\s+0\s+2\s+1$", output, re.MULTILINE)
    assert re.search(r"^lda\s+0\.9500\s+0\.0500\s+1\.0000\s+0\s+2\s+1$", output, re.MULTILINE)
    assert (figures / "boxplot_regular_nmi.png").stat().st_size > 0
    assert (figures / "regular_vs_stackless_nmi.pdf").stat().st_size > 0


def test_box_plot_axis_names_the_score_and_makes_room_below_zero(results_dir):
    values = stats.metric_values(AMBIGUITY, sorted(SCORES), "ari", SCORES)
    assert values == {"lda": [0.2, 0.7, 1.0], "k_means_8": [0.1, -0.1, 0.5]}   # CFG_L_1, coffee, tomita3
    fig, ax = statistics_figures.plt.subplots()
    statistics_figures.draw_function_boxes(ax, values, "ari", statistics_figures.as_is)
    assert ax.get_ylabel().startswith("adjusted Rand index")
    assert ax.get_ylim() == pytest.approx((-0.13, 1.03))
    statistics_figures.plt.close(fig)
    assert statistics_figures.value_range("nmi", [{"lda": [0.2]}]) == (-0.03, 1.03)


def test_missing_scores_pickle_is_one_line_and_exit_2(results_dir, capsys):
    (results_dir / "scores.pickle").unlink()
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: stats.main(["--results", str(results_dir), "--metric", "ami"]))
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "--metric ami needs scores.pickle" in error
    # The ambiguity metrics do not need it.
    assert stats.main(["--results", str(results_dir), "--metric", "wamb", "--figures", str(results_dir)]) == 0


def test_a_results_folder_without_scores_is_refused_in_one_line(tmp_path, capsys):
    committed = REPO / "experiment_results" / "reproduction"
    for name in ("accuracy.pickle", "ambiguity.pickle"):   # a run from before the scores
        shutil.copy(committed / name, tmp_path / name)
    with pytest.raises(SystemExit) as exit_info:
        run_cli(lambda: stats.main(["--results", str(tmp_path), "--metric", "purity",
                                    "--figures", str(tmp_path / "figures")]))
    assert exit_info.value.code == 2 and "needs scores.pickle" in capsys.readouterr().err


def test_the_committed_reproduction_run_has_every_score(tmp_path, capsys):
    assert stats.main(["--metric", "purity", "--figures", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    rows = [line.split() for line in table.splitlines()]
    purity = {row[0]: float(row[1]) for row in rows if len(row) == 7 and row[0] in ("lr", "k_means", "k_means_8")}
    # Over-clustering makes clusters purer: k_means_8 is far purer than k = |Q|.
    assert 0 < purity["k_means"] < purity["k_means_8"] <= 1 and 0 < purity["lr"] <= 1
