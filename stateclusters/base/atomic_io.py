"""Write files so that a crash never leaves a half-written one: temp file, fsync, rename; a set of files all
together or not at all. A full disk is a DiskFullError naming the file, and nothing is replaced."""
import errno
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from stateclusters.base.errors import DiskFullError

TEMP_SUFFIX = ".partial"
NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def atomic_write(path: str | Path, write: Callable) -> None:
    """Call write(file_object) on a temp file beside `path`, then move it into place."""
    atomic_write_all({path: write})


def atomic_write_all(writes: dict) -> None:
    """{path: write(file_object)}: every file written to a temp file first, then all moved into place, so that a
    failure (a full disk) leaves the old set, never a mix of old and new."""
    temps = {}
    try:
        for path, write in writes.items():
            temps[Path(path)] = _written_temp_file(Path(path), write)
        for path, temp_name in temps.items():
            os.replace(temp_name, path)
    except BaseException:
        for temp_name in temps.values():
            Path(temp_name).unlink(missing_ok=True)
        raise
    for folder in {path.parent for path in temps}:
        _fsync_directory(folder)


def _written_temp_file(path: Path, write: Callable) -> str:
    """A temp file beside `path` holding what write() wrote, flushed to disk; its name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, 0o666 & ~_current_umask())   # mkstemp makes 0600; give the usual permissions
    except BaseException as error:
        Path(temp_name).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in NO_SPACE:
            raise DiskFullError(f"no space left to write {path} ({error.strerror}); nothing was replaced: free "
                                "some space and rerun") from None
        raise
    return temp_name


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_directory(directory: Path) -> None:
    # The rename itself is durable only once the directory entry is flushed.
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def pickle_writer(value) -> Callable:
    return lambda file: pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)


def atomic_pickle(path: str | Path, value) -> None:
    atomic_write(path, pickle_writer(value))


def remove_stale_temp_files(directory: str | Path) -> list[Path]:
    """Delete temp files left by a killed run (they are never the only copy of anything)."""
    stale = list(Path(directory).rglob(f".*{TEMP_SUFFIX}")) if Path(directory).exists() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
