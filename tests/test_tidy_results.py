"""results.csv beside the pickles: one row per network × labeling × function, read back without the project."""
import csv

import pytest

from stateclusters.results.files import write_results
from stateclusters.results.tidy import RESULTS_CSV

ACCURACY = {"tomita3_gru_1_20_1_regular": 0.98, "CFG_L_12_lstm_2_40_2_stack_size": 0.5}
AMBIGUITY = {"tomita3_gru_1_20_1_regular": {"k_means_8": [0.1, 0.2, 0.3, 0.0, 40], "DBSCAN": [0.0, 0.0, 0.0, 0.0, 5]},
             "CFG_L_12_lstm_2_40_2_stack_size": {"lda": [float("nan")] * 4 + [0]}}


def test_every_results_folder_gets_a_tidy_csv(tmp_path):
    write_results(tmp_path, ACCURACY, AMBIGUITY)
    with open(tmp_path / RESULTS_CSV, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(row["network"], row["labeling"], row["function"]) for row in rows] == [
        ("CFG_L_12_lstm_2_40_2", "stack_size", "lda"), ("tomita3_gru_1_20_1", "regular", "DBSCAN"),
        ("tomita3_gru_1_20_1", "regular", "k_means_8")]
    assert rows[0]["language"] == "CFG_L_12" and rows[0]["layers"] == "2" and rows[0]["amb"] == ""
    assert rows[2]["amb"] == "0.1" and rows[2]["n_clusters"] == "40" and rows[2]["accuracy"] == "0.98"


def test_pandas_reads_it_when_installed(tmp_path):
    pandas = pytest.importorskip("pandas")   # not a dependency: the file must not need it
    write_results(tmp_path, ACCURACY, AMBIGUITY)
    frame = pandas.read_csv(tmp_path / RESULTS_CSV)
    assert len(frame) == 3 and frame["amb"].isna().sum() == 1 and frame["hidden"].tolist() == [40, 20, 20]
