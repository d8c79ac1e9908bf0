"""Run one of the project's scripts as a subprocess and send it SIGTERM once it prints a given text."""
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIGTERM_MESSAGE = "interrupted (SIGTERM); finished results are kept, rerun to continue"


@dataclass(frozen=True)
class Stopped:
    returncode: int
    stdout: str
    stderr: str

    def last_line(self) -> str:
        """The last non-blank stderr line (progress bars redraw with \\r and may clear their line)."""
        lines = [line for line in self.stderr.splitlines() if line.strip()]
        return lines[-1] if lines else ""


def _collect(stream, chunks: list) -> None:
    # Raw reads: a progress bar's "\r" line would wait in a text-mode readline until the next write.
    for chunk in iter(lambda: stream.read1(65536), b""):
        chunks.append(chunk.decode("utf-8", errors="replace"))


def terminate_when_printed(script: str, arguments, text: str, timeout: float = 120) -> Stopped:
    """Start `python -u script arguments`, send SIGTERM as soon as `text` appears on stdout or stderr, wait."""
    return _run([sys.executable, "-u", str(REPO / script), *map(str, arguments)], script, text, timeout)


# The child patches one method to signal itself as the method returns: the signal then lands at that exact
# point, however fast the machine or however late the parent would have noticed a printed line.
_SIGNAL_AFTER_CALL = """
import importlib, os, runpy, signal, sys
owner_name, attribute, script, *arguments = sys.argv[1:]
module_name, _, class_name = owner_name.partition(":")
owner = importlib.import_module(module_name)
owner = getattr(owner, class_name) if class_name else owner
original = getattr(owner, attribute)
def signalled(*args, **kwargs):
    result = original(*args, **kwargs)
    setattr(owner, attribute, original)   # once: a call made while the script stops must not signal again
    os.kill(os.getpid(), signal.SIGTERM)
    return result
setattr(owner, attribute, signalled)
sys.argv = [script, *arguments]
runpy.run_path(script, run_name="__main__")
"""


def terminate_after_call(script: str, arguments, owner: str, attribute: str, timeout: float = 120) -> Stopped:
    """Run `script arguments`; the first time `owner.attribute` returns ("module:Class"), the script is sent
    SIGTERM from inside. Wait for it to end."""
    command = [sys.executable, "-u", "-c", _SIGNAL_AFTER_CALL, owner, attribute, str(REPO / script),
               *map(str, arguments)]
    return _run(command, script, None, timeout)


def _run(command: list[str], script: str, text: str | None, timeout: float) -> Stopped:
    """Run `command`; if `text` is given, send SIGTERM once it is printed. Collect both streams."""
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = [], []
    readers = [threading.Thread(target=_collect, args=(process.stdout, stdout), daemon=True),
               threading.Thread(target=_collect, args=(process.stderr, stderr), daemon=True)]
    for reader in readers:
        reader.start()
    deadline = time.monotonic() + timeout
    try:
        while text is not None and text not in "".join(stdout) and text not in "".join(stderr):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"{script} ended or timed out before printing {text!r}:\n"
                                     f"{''.join(stdout)}\n{''.join(stderr)}")
            time.sleep(0.01)
        if text is not None:
            os.kill(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    for reader in readers:
        reader.join(timeout=10)
    return Stopped(process.returncode, "".join(stdout), "".join(stderr))


def leftover_temp_files(folder: Path) -> list[Path]:
    """Temp files of atomic_io (or any *.tmp) under `folder`: an interrupted write must leave none."""
    if not folder.exists():
        return []
    return sorted(path for pattern in ("*.partial", "*.tmp") for path in folder.rglob(pattern))


def one_error_line(completed: subprocess.CompletedProcess) -> str:
    """The single `error: …` line of a refusal with exit code 2 and no traceback."""
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert completed.returncode == 2 and "Traceback" not in completed.stderr, completed.stderr[-3000:]
    assert len(lines) == 1 and lines[0].startswith("error: "), lines
    return lines[0]


def run_cases(cases: dict, run, **options) -> dict:
    """{name: completed process} of each case (script, arguments, …), two at a time."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(cases, pool.map(lambda case: run(case[0], *case[1], **options), cases.values())))
