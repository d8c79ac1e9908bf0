"""The resumable run loop the scripts share: one run per results folder, its log, one line per finished job."""
import fcntl
import os
import sys
import time
from contextlib import closing, contextmanager
from pathlib import Path

from tqdm import tqdm

from stateclusters.analyses import registry
from stateclusters.base.atomic_io import atomic_write
from stateclusters.base.errors import ResultFileError, UserError
from stateclusters.base.paths import check_output_name
from stateclusters.grid.jobs import DONE, FAILED, SKIPPED
from stateclusters.results.files import job_files, job_path, read_job_record, write_job_record

HEADLINE_FUNCTION = "k_means_8"   # its weighted ambiguity is shown per finished job
# The kinds of run a results folder can hold, one per folder (their job records and merges differ), and the
# file in the folder that names its kind.
RUN_KINDS = {"grid": "experiment_runner.py", "paper_networks": "evaluate_paper_networks.py"}
KIND_FILE = "kind.txt"


@contextmanager
def exclusive_lock(out_dir: Path, kind: str):
    """One run per results folder (a second one would delete the first one's temp files), and one kind of run
    (claim_folder). Freed on any exit."""
    with open(out_dir / ".lock", "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(f"another run is using {out_dir}; wait for it or choose another --out") from None
        claim_folder(out_dir, kind)
        yield


def claim_folder(out_dir: Path, kind: str) -> None:
    """A results folder holds one kind of run (RUN_KINDS): refuse one marked for the other kind, or, unmarked,
    one holding the other kind's job records; then mark it (KIND_FILE). Call it holding exclusive_lock."""
    marked_path = out_dir / KIND_FILE
    marked = marked_path.read_text(encoding="utf-8", errors="replace").strip() if marked_path.is_file() else None
    if marked is not None and marked != kind:
        raise UserError(f"{out_dir} holds the results of {RUN_KINDS.get(marked, repr(marked))} (says "
                        f"{marked_path}), not of {RUN_KINDS[kind]}; choose another --out")
    if marked is None:
        foreign = [path.name for path in job_files(out_dir) if _record_kind(path) not in (None, kind)]
        if foreign:
            raise UserError(f"{out_dir / 'jobs'} holds {len(foreign)} job record(s) of another script than "
                            f"{RUN_KINDS[kind]} (e.g. {foreign[0]}); choose another --out, or move them away")
        atomic_write(marked_path, lambda file: file.write(f"{kind}\n".encode()))


def _record_kind(path: Path) -> str | None:
    """The kind of run that wrote a job file (the paper's records name the paper's checkout); None if unreadable."""
    try:
        record = read_job_record(path)
    except ResultFileError:
        return None   # read_job_files reports it; it is never merged
    return "paper_networks" if isinstance(record["spec"], dict) and "paper_repo" in record["spec"] else "grid"


def check_job_file_names(out: Path, specs) -> None:
    """The longest network name still makes a job file name (with its temp file) the file system takes."""
    if specs:
        longest = max(specs, key=lambda spec: len(os.fsencode(spec.name)))
        check_output_name(job_path(out, longest.name), f"the job file of {longest.name[:40]}…")


def read_job_files(out_dir: Path, log) -> dict[str, dict]:
    """Every readable job record under OUT/jobs; unreadable ones are reported and left out (never merged)."""
    records = {}
    for path in job_files(out_dir):
        try:
            records[path.stem] = read_job_record(path)
        except ResultFileError as error:
            log.write(f"warning: {error}; its job is rerun if it is in this slice, and never merged")
    return records


def mixed_settings(records: list[dict]) -> list[str]:
    """For each result setting on which the done records differ: 'name: value (n networks), …'; [] if none.

    The optional analyses are left out: a record with one still holds what a record without it holds.
    """
    optional = {analysis.name for analysis in registry.ANALYSES}
    done = [record for record in records if record["status"] == DONE]
    names = sorted({name for record in done for name in record["settings"] if name not in optional})
    lines = []
    for name in names:
        counts = {}
        for record in done:
            value = repr(record["settings"].get(name, "spec" if name == "protocol" else None))
            counts[value] = counts.get(value, 0) + 1
        if len(counts) > 1:
            lines.append(f"{name}: " + ", ".join(f"{value} ({count} network{'s' * (count > 1)})"
                                                  for value, count in sorted(counts.items())))
    return lines


def warn_mixed_settings(records: list[dict], log) -> None:
    """Merged files that mix networks of different settings say so (each job record holds its own settings)."""
    lines = mixed_settings(records)
    if lines:
        log.write("warning: the merged files mix job records of different settings (each record in jobs/ holds "
                  "its own): " + "; ".join(lines))


# ---- progress and logging --------------------------------------------------------------------------------

class RunLog:
    """Lines for the terminal (above the progress bar) and for this run's log file in OUT/logs."""

    def __init__(self, out_dir: Path):
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (out_dir / "logs").mkdir(parents=True, exist_ok=True)
        self.path = out_dir / "logs" / f"run-{stamp}.log"
        for attempt in range(2, 1000):   # two runs within one second get separate files
            if not self.path.exists():
                break
            self.path = out_dir / "logs" / f"run-{stamp}-{attempt}.log"
        self.file = open(self.path, "x", encoding="utf-8")

    def write(self, line: str, echo: bool = True) -> None:
        if echo:
            tqdm.write(line, file=sys.stderr)
        self.file.write(f"{time.strftime('%H:%M:%S')} {line}\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


def job_line(record: dict) -> str:
    """One line per finished job: name, accuracy, k_means_8 weighted ambiguity, seconds; or why it failed."""
    seconds = f"{record['seconds'].get('total', 0.0):.1f} s"
    if record["status"] != DONE:
        return f"{record['name']}  {record['status'].upper()}: {record['error']}  ({seconds})"
    parts = [record["name"], f"accuracy {record['accuracy']:.4f}"]
    if record.get("checkpoint_moved"):
        parts.append(f"({record['checkpoint_moved']})")
    wambs = [(labeling, scores[HEADLINE_FUNCTION][1]) for labeling, scores in record["results"].items()
             if isinstance(scores.get(HEADLINE_FUNCTION), list)]
    if wambs:
        parts.append(f"{HEADLINE_FUNCTION} wamb " + ", ".join(
            f"{wamb:.4f}" if labeling == "regular" else f"{labeling} {wamb:.4f}" for labeling, wamb in wambs))
    failed_functions = sum(isinstance(values, str) for scores in record["results"].values()
                           for values in scores.values())
    if failed_functions:
        parts.append(f"{failed_functions} function result(s) failed")
    return "  ".join(parts + [seconds])


# ---- the run ---------------------------------------------------------------------------------------------

def run_jobs(specs: list, backend, out_dir: Path, log, desc: str = "grid") -> list[dict]:
    """Run the jobs, writing each record as it arrives; returns the records of this run."""
    records = []
    with tqdm(total=len(specs), desc=desc, unit="job", dynamic_ncols=True) as bar, \
            closing(backend(specs)) as finished_jobs:
        for _, record in finished_jobs:
            write_job_record(out_dir, record)
            records.append(record)
            log.write(job_line(record))
            bar.update(1)
    return records


def report_run(records: list[dict], seconds: float, log) -> int:
    """Log what this run did and list what it left unfinished; the exit code: 0 if every job is done, else 1."""
    for line in summary_lines(records, seconds):
        log.write(line)
    return 0 if all(record["status"] == DONE for record in records) else 1


def summary_lines(records: list[dict], seconds: float) -> list[str]:
    counts = {status: sum(record["status"] == status for record in records) for status in (DONE, FAILED, SKIPPED)}
    lines = [f"this run: {counts[DONE]} done, {counts[FAILED]} failed, {counts[SKIPPED]} skipped in {seconds:.1f} s"]
    unfinished = [record for record in records if record["status"] != DONE]
    if unfinished:
        lines.append("not finished (rerun to retry):")
        lines.extend(f"  {record['name']}: {record['status']}: {record['error']}" for record in unfinished)
    return lines
