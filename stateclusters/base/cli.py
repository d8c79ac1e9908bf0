"""What every script shares at its edge: user errors become one line and exit code 2; Ctrl-C and SIGTERM
stop the script like an exception, so that every `finally` and `except KeyboardInterrupt` cleans up."""
import errno
import signal
import sys
import threading
from collections.abc import Callable
from contextlib import contextmanager

from stateclusters.base.errors import UserError

EXIT_USER_ERROR = 2
EXIT_INTERRUPTED = 130   # 128 + SIGINT, what a shell reports for Ctrl-C
EXIT_TERMINATED = 143    # 128 + SIGTERM


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as a KeyboardInterrupt so that it is handled wherever Ctrl-C is."""


@contextmanager
def sigterm_as_interrupt():
    """Inside, SIGTERM (`kill`, a cluster's job killer) raises Terminated in the main thread."""
    if threading.current_thread() is not threading.main_thread():   # only the main thread may set handlers
        yield
        return

    def terminate(signum, frame):
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def command(main: Callable[[], int | None]) -> Callable[[], None]:
    """A script's main as an installed command: run_cli(main), with no arguments."""
    return lambda: run_cli(main)


def run_cli(main: Callable[[], int | None]) -> None:
    """Run a script's main; a user mistake or an interrupt ends it with a one-line message, no traceback."""
    try:
        with sigterm_as_interrupt():
            code = main()
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # Writes not made through atomic_io (a log line, a figure): still one line, naming the file if known.
        where = f" writing {error.filename}" if error.filename else ""
        print(f"error: no space left on the device{where} ({error.strerror}); free some space and rerun",
              file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
    except KeyboardInterrupt as interrupt:
        terminated = isinstance(interrupt, Terminated)
        print(f"interrupted ({'SIGTERM' if terminated else 'Ctrl-C'}); finished results are kept, rerun to continue",
              file=sys.stderr)
        sys.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
    sys.exit(code or 0)


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    import argparse
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value
