"""Where a script will write, checked before any work starts: a folder that can be made and written to,
or a file whose folder can. A mistake is one UserError naming the option and the path."""
import os
import tempfile
from pathlib import Path

from stateclusters.base.errors import UserError


def _first_existing(path: Path) -> Path:
    """The path itself or its nearest ancestor that exists."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor or ".")


def _probe_writable(folder: Path, option: str, path: Path) -> None:
    # A real file, not os.access: root passes access() on read-only mounts like /sys and on immutable folders.
    try:
        descriptor, name = tempfile.mkstemp(dir=folder, prefix=".write-check-")
    except OSError as error:
        raise UserError(f"{option} {path}: cannot write in {folder} ({error.strerror or error})") from None
    os.close(descriptor)
    os.unlink(name)


def check_output_folder(path: str | Path, option: str) -> Path:
    """`path` is a folder, or can become one, and can be written in; returns it unchanged."""
    path = Path(path)
    existing = _first_existing(path.absolute())
    if not existing.is_dir():
        raise UserError(f"{option} {path}: {existing} is a file, not a folder")
    _probe_writable(existing, option, path)
    return path


def check_output_file(path: str | Path, option: str) -> Path:
    """`path` names a file (not a folder) whose folder exists or can be made, and can be written in."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{option} {path} is a folder; name the file to write")
    check_output_folder(path.parent, option)
    return path


def check_input_folder(path: str | Path, option: str) -> Path:
    """`path` is an existing folder."""
    path = Path(path)
    if not path.exists():
        raise UserError(f"{option} {path} does not exist")
    if not path.is_dir():
        raise UserError(f"{option} {path} is a file, not a folder")
    return path


def project_folder() -> Path:
    """Where the scripts' default folders (pretrained_models/, experiment_results/) lie: the clone this package
    runs from, or the working folder for a package installed without its clone."""
    clone = Path(__file__).resolve().parents[2]
    return clone if (clone / "pretrained_models").is_dir() and (clone / "stateclusters").is_dir() else Path.cwd()
