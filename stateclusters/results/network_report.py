"""analyse_network.py's folder: report.json, results.csv (one row per labeling × function) and, when the
automaton was learned, automaton.dot; replaced all together or not at all."""
import contextlib
import io
import json
import tempfile
from pathlib import Path

from stateclusters.base.atomic_io import atomic_write_all
from stateclusters.results.tidy import RESULTS_CSV, csv_writer

REPORT_FILE = "report.json"
AUTOMATON_FILE = "automaton.dot"
NETWORK_IDENTITY = ("network", "automaton", "automaton_source", "automaton_converged")
# Beside the grid's columns: the chance level, the network's Myhill–Nerode scores and each function's IIA.
NETWORK_COLUMNS = ("wamb_chance", "compression", "distinction_precision", "distinction_recall", "centroid_iia",
                   "member_iia")


def automaton_dot(automaton) -> bytes:
    """The automaton as AALpy writes a .dot file (loadable by aalpy.utils.load_automaton_from_file)."""
    from aalpy.utils import save_automaton_to_file
    with tempfile.TemporaryDirectory() as folder:
        with contextlib.redirect_stdout(io.StringIO()):   # AALpy prints where it saved the file
            save_automaton_to_file(automaton, str(Path(folder) / "automaton"), file_type="dot")
        return (Path(folder) / "automaton.dot").read_bytes()


def write_network_report(out_dir: str | Path, report: dict, rows: list[dict] | None, learned_automaton=None) -> None:
    """Every file of one analysed network, as one set (a full disk leaves the old set); rows None: the scoring
    failed, and no results.csv is left."""
    out_dir = Path(out_dir)
    text = json.dumps(report, indent=2, allow_nan=False) + "\n"
    writes = {out_dir / REPORT_FILE: lambda file: file.write(text.encode("utf-8"))}
    if rows is not None:
        writes[out_dir / RESULTS_CSV] = csv_writer(rows, NETWORK_IDENTITY, NETWORK_COLUMNS)
    if learned_automaton is not None:
        dot = automaton_dot(learned_automaton)
        writes[out_dir / AUTOMATON_FILE] = lambda file: file.write(dot)
    atomic_write_all(writes)
    for name, written in ((AUTOMATON_FILE, learned_automaton is not None), (RESULTS_CSV, rows is not None)):
        if not written:
            (out_dir / name).unlink(missing_ok=True)   # a stale one would contradict the report
