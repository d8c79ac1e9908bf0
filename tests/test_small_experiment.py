import pickle
import re
from pathlib import Path

import pytest
from committed_small import differences
from script_runs import SIGTERM_MESSAGE, leftover_temp_files, terminate_when_printed

from stateclusters.base.cli import EXIT_TERMINATED
from stateclusters.clustering.functions import FUNCTION_NAMES
from stateclusters.commands import run_small_experiment, statistics_computation

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def stopped_then_rerun(tmp_path_factory):
    """The script stopped by SIGTERM after its first network, what it left in --out, then a full rerun there."""
    out = tmp_path_factory.mktemp("small")
    stopped = terminate_when_printed("run_small_experiment.py", ["--out", out], "conformance accuracy")
    left_behind = sorted(path.name for path in out.rglob("*"))
    assert run_small_experiment.main(["--out", str(out)]) == 0
    return stopped, left_behind, out


def test_sigterm_stops_the_small_experiment_without_writing_anything(stopped_then_rerun):
    stopped, left_behind, _ = stopped_then_rerun
    assert stopped.returncode == EXIT_TERMINATED and stopped.last_line() == SIGTERM_MESSAGE
    assert "Traceback" not in stopped.stderr
    # The result files are written once, at the end: an interrupted run leaves no file, whole or partial.
    assert left_behind == []


def test_small_experiment_on_the_shipped_networks(stopped_then_rerun):
    _, _, out = stopped_then_rerun
    accuracy = pickle.loads((out / "accuracy.pickle").read_bytes())
    ambiguity = pickle.loads((out / "ambiguity.pickle").read_bytes())
    assert leftover_temp_files(out) == []
    # 6 regular networks with one labeling, 2 PDAs with two.
    assert len(accuracy) == 10 and set(accuracy) == set(ambiguity)
    assert "coffee_gru_1_56_1_regular" in accuracy and "CFG_L_13_gru_1_30_1_stack_size" in accuracy
    # Every shipped network, the Mealy machines included, passes the conformance test.
    assert min(accuracy.values()) >= 0.99, accuracy
    for key, functions in ambiguity.items():
        assert set(functions) <= set(run_small_experiment.SMALL_FUNCTIONS) <= set(FUNCTION_NAMES)
        for amb, wamb, worst, best, n_clusters in functions.values():
            assert 0 <= best <= amb <= worst <= 1 and 0 <= wamb <= 1 and n_clusters >= 1
    # A perfectly trained tomita1 network separates its two states linearly.
    assert ambiguity["tomita1_gru_1_8_1_regular"]["lr"][1] == 0.0
    # scores.pickle holds the agreement scores of the same keys and functions.
    scores = pickle.loads((out / "scores.pickle").read_bytes())
    assert {key: set(functions) for key, functions in scores.items()} == \
        {key: set(functions) for key, functions in ambiguity.items()}
    assert scores["tomita1_gru_1_8_1_regular"]["lr"]["purity"] == 1.0
    # The committed numbers, lr's within its tolerance (docs/reproduction.md, On another machine).
    assert differences(ambiguity, scores) == []


def test_the_nmi_means_that_beyond_the_paper_shows(stopped_then_rerun, tmp_path, capsys):
    """docs/beyond_the_paper.md's statistics command on the small experiment's folder prints the means it shows."""
    _, _, out = stopped_then_rerun
    capsys.readouterr()
    assert statistics_computation.main(["--results", str(out), "--metric", "nmi", "--figures", str(tmp_path)]) == 0
    printed = dict(re.findall(r"^(\w+)\s+(\d\.\d+)\s", capsys.readouterr().out, flags=re.M))
    page = (REPO / "docs" / "beyond_the_paper.md").read_text()
    shown = page.split("--results /tmp/small --metric nmi")[1].split("What they cost")[0]
    assert dict(re.findall(r"`(\w+)`\s+(\d\.\d{3})", shown)) == {name: f"{float(mean):.3f}"
                                                                for name, mean in printed.items()}
