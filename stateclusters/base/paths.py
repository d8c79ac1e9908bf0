"""Where a script will write, checked before any work starts: a folder that can be made and written to,
or a file whose folder can. A mistake is one UserError naming the option and the path."""
import os
import tempfile
from pathlib import Path

from stateclusters.base.errors import UserError

TEMP_NAME_ROOM = 32   # atomic_io's temp file is `.{name}.{8 random letters}.partial`; figures add `_epochs.gif`
FOLDER_ROOM = 256     # a results folder's own paths inside it (jobs/{network}.pickle and its temp file, logs/…)


def _first_existing(path: Path) -> Path:
    """The path itself or its nearest ancestor that exists."""
    for candidate in (path, *path.parents):
        if os.path.exists(candidate):   # os.path's: False, not an error, for a name too long to look up
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


def _check_no_dangling_link(path: Path, option: str) -> None:
    # A link to nothing passes exists() as missing, and then mkdir fails on it or resolve() makes its target.
    for candidate in (path, *path.parents):
        if os.path.islink(candidate) and not os.path.exists(candidate):
            raise UserError(f"{option} {path}: {candidate} is a symbolic link to {os.readlink(candidate)}, "
                            "which does not exist; remove the link or make its target")


def _limit(existing: Path, name: str, fallback: int) -> int:
    try:
        return os.pathconf(existing, name)
    except (OSError, ValueError):
        return fallback


def _check_length(path: Path, option: str, room: int, name_room: int = 0) -> None:
    """Each name short enough for the file system (the last with `name_room` bytes to spare, for temp names),
    and the whole path too, with `room` bytes to spare for what is written in it."""
    existing = _first_existing(path)
    name_max = _limit(existing, "PC_NAME_MAX", 255)
    names = path.parts[1:]
    for index, name in enumerate(names):
        spare = name_room if index == len(names) - 1 else 0
        if len(os.fsencode(name)) + spare > name_max:
            raise UserError(f"{option}: the name {name[:40]}… is {len(os.fsencode(name))} bytes long; the file "
                            f"system allows {name_max - spare}{' here' * bool(spare)}")
    path_max = _limit(existing, "PC_PATH_MAX", 4096)
    if len(os.fsencode(str(path))) + room > path_max:
        raise UserError(f"{option}: the path {str(path)[:40]}… is {len(os.fsencode(str(path)))} bytes long; "
                        f"paths are at most {path_max}, and {room} are needed for what is written in it")


def check_output_folder(path: str | Path, option: str) -> Path:
    """`path` is a folder, or can become one, and can be written in; returns it unchanged."""
    path = Path(path)
    _check_length(Path(os.path.abspath(path)), option, FOLDER_ROOM)
    _check_no_dangling_link(path.absolute(), option)
    existing = _first_existing(path.absolute())
    if not existing.is_dir():
        raise UserError(f"{option} {path}: {existing} is a file, not a folder")
    _probe_writable(existing, option, path)
    return path


def check_output_file(path: str | Path, option: str) -> Path:
    """`path` names a file (not a folder) whose folder exists or can be made, and can be written in."""
    path = Path(path)
    if os.path.isdir(path):
        raise UserError(f"{option} {path} is a folder; name the file to write")
    _check_length(Path(os.path.abspath(path)), option, TEMP_NAME_ROOM, TEMP_NAME_ROOM)
    _check_no_dangling_link(path.absolute(), option)
    check_output_folder(path.parent, option)
    return path


def check_output_name(path: str | Path, option: str) -> Path:
    """`path`'s names fit the file system, with room beside it for its temp file (a file the script names itself,
    from a language or network name: a too long one is refused before the work, not when it is written)."""
    _check_length(Path(os.path.abspath(path)), option, TEMP_NAME_ROOM, TEMP_NAME_ROOM)
    return Path(path)


def check_input_folder(path: str | Path, option: str) -> Path:
    """`path` is an existing folder."""
    path = Path(path)
    if not os.path.exists(path):
        raise UserError(f"{option} {path} does not exist")
    if not os.path.isdir(path):
        raise UserError(f"{option} {path} is a file, not a folder")
    return path


def project_folder() -> Path:
    """Where the scripts' default folders (pretrained_models/, experiment_results/) lie: the clone this package
    runs from, or the working folder for a package installed without its clone."""
    clone = Path(__file__).resolve().parents[2]
    return clone if (clone / "pretrained_models").is_dir() and (clone / "stateclusters").is_dir() else Path.cwd()
