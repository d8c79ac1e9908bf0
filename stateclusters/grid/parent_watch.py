"""A worker process that ends when the process it works for ends, however that one ends (kill -9 included),
so that no orphan goes on computing, holding memory, beside a resumed run."""
import ctypes
import os
import select
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1        # linux/prctl.h
POLL_SECONDS = 1.0          # where the process cannot be waited on (no pidfd): how often it is looked for
EXIT_ORPHANED = 1


def end_with(pid: int) -> None:
    """End this process as soon as process `pid` has ended: a parent-death signal where `pid` is the parent
    (Linux), and in any case a watcher thread (a forkserver's worker is the server's child, not `pid`'s)."""
    if os.getppid() == pid:
        _set_parent_death_signal()
    if not _exists(pid):
        os._exit(EXIT_ORPHANED)
    threading.Thread(target=_exit_when_ended, args=(pid,), name=f"end-with-{pid}", daemon=True).start()


def _set_parent_death_signal() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass   # the watcher thread still ends the process


def _exit_when_ended(pid: int) -> None:
    try:
        descriptor = os.pidfd_open(pid)   # readable once the process has ended; no pid reuse to fear
    except (AttributeError, OSError):
        descriptor = None
    if descriptor is not None:
        select.select([descriptor], [], [])
    else:
        while _exists(pid):
            time.sleep(POLL_SECONDS)
    os._exit(EXIT_ORPHANED)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
