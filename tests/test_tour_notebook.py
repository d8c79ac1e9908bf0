"""docs/tour.ipynb runs top to bottom (nbclient), and is committed without outputs."""
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")   # dev dependencies: nbclient, nbformat, ipykernel
nbformat = pytest.importorskip("nbformat")

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tour.ipynb"


def test_the_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(not cell.outputs and cell.execution_count is None for cell in code)


def test_the_notebook_runs(tmp_path):
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(output.get("text", "") for cell in notebook.cells if cell.cell_type == "code"
                      for output in cell.outputs)
    assert "states, converged:" in printed and "amb" in printed
    assert "compression " in printed and "k_means_8  centroid IIA " in printed
    assert (tmp_path / "tour_hidden_states.png").stat().st_size > 1000
