"""The faithfulness study runs on a tiny configuration and its exact networks score perfectly; the worked example
of docs/faithfulness.md runs as written."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from stateclusters.studies import faithfulness_finding

REPO = Path(__file__).resolve().parents[1]


def test_the_study_on_one_constructed_language(tmp_path, capsys):
    faithfulness_finding.main(["--groups", "constructed", "--languages", "tomita3", "--noise", "0,0.5",
                               "--retrain-epochs", "1", "--retrain-words", "300", "--out", str(tmp_path)])
    rows = json.loads((tmp_path / "rows.json").read_text())["rows"]
    assert [(row["sigma"], row["phase"]) for row in rows] == [(0.0, "before"), (0.0, "after"),
                                                              (0.5, "before"), (0.5, "after")]
    exact = rows[0]
    assert exact["agreement"] == 1.0
    assert exact["compression"] == exact["distinction_precision"] == exact["distinction_recall"] == 1.0
    assert exact["k_means_8_centroid_iia"] == exact["k_means_8_member_iia"] == 1.0
    assert exact["lr_wamb"] == 0.0
    assert exact["control_random"] < 0.9
    assert rows[2]["agreement"] < 1.0   # σ = 0.5 breaks the network at saturation 5
    assert (tmp_path / "rows.csv").read_text().startswith("group,network,language,sigma,phase,")
    printed = capsys.readouterr().out
    assert "| 0.5 | after | 1 |" in printed and "means per group" in printed


def test_the_worked_example_runs():
    page = (REPO / "docs" / "faithfulness.md").read_text()
    blocks = re.findall(r"^```python\n(.*?)^```", page, flags=re.M | re.S)
    assert len(blocks) == 1
    done = subprocess.run([sys.executable, "-c", blocks[0]], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO)))
    assert done.returncode == 0, done.stderr[-3000:]
    printed = done.stdout.splitlines()
    assert printed[0].startswith("σ=0.0: agreement 1.000, compression 1.000")
    assert printed[0] in page and printed[1] in page   # the page shows what the example prints
