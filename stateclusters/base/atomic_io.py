"""Write files so that a crash never leaves a half-written one: temp file, fsync, rename."""
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

TEMP_SUFFIX = ".partial"


def atomic_write(path: str | Path, write: Callable) -> None:
    """Call write(file_object) on a temp file beside `path`, then move it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    try:
        with os.fdopen(descriptor, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp_name, 0o666 & ~_current_umask())   # mkstemp makes 0600; give the usual permissions
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


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


def atomic_pickle(path: str | Path, value) -> None:
    atomic_write(path, lambda file: pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL))


def remove_stale_temp_files(directory: str | Path) -> list[Path]:
    """Delete temp files left by a killed run (they are never the only copy of anything)."""
    stale = list(Path(directory).rglob(f".*{TEMP_SUFFIX}")) if Path(directory).exists() else []
    for path in stale:
        path.unlink(missing_ok=True)
    return stale
