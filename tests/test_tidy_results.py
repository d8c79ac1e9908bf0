"""results.csv beside the pickles: one row per network × labeling × function, read back without the project."""
import csv
import io
from pathlib import Path

import pytest

from stateclusters.commands.evaluate_paper_networks import ORDERS_FILE
from stateclusters.paper.names import result_key_identity
from stateclusters.results.files import read_results, write_results
from stateclusters.results.tidy import RESULTS_CSV, csv_writer, grid_identity, grid_rows, read_results_csv

REPO = Path(__file__).resolve().parents[1]
COMMITTED = sorted({path.parent for path in (REPO / "experiment_results").rglob("accuracy.pickle")})

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
    pandas = pytest.importorskip("pandas")   # in the dev extra only: the file must not need it
    write_results(tmp_path, ACCURACY, AMBIGUITY)
    frame = pandas.read_csv(tmp_path / RESULTS_CSV)
    assert len(frame) == 3 and frame["amb"].isna().sum() == 1 and frame["hidden"].tolist() == [40, 20, 20]


def test_the_paper_scripts_keys_fill_every_identity_column(tmp_path):
    key = "CFG_L_13_gru_1_15_2_gpu_stackful"
    write_results(tmp_path, {key: 0.99}, {key: {"lda": [0.1, 0.2, 0.3, 0.0, 4]}}, identity=result_key_identity)
    assert read_results_csv(tmp_path / RESULTS_CSV)[0] == {
        "network": "CFG_L_13_gru_1_15_2", "language": "CFG_L_13", "rnn": "gru", "layers": "1", "hidden": "15",
        "repetition": "2", "labeling": "stack_size", "function": "lda", "amb": "0.1", "wamb": "0.2", "max": "0.3",
        "min": "0.0", "n_clusters": "4", "accuracy": "0.99"}


@pytest.mark.parametrize("folder", COMMITTED, ids=lambda folder: str(folder.relative_to(REPO)))
def test_every_committed_results_folder_has_the_results_csv_its_writer_writes(folder):
    # The paper script's folders hold orders.json beside their pickles.
    identity = result_key_identity if (folder / ORDERS_FILE).exists() else grid_identity
    written = io.BytesIO()
    csv_writer(grid_rows(*read_results(folder), identity))(written)
    assert (folder / RESULTS_CSV).read_bytes() == written.getvalue()
    assert all(row["language"] and row["labeling"] for row in read_results_csv(folder / RESULTS_CSV))
