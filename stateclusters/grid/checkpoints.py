"""A grid checkpoint that cannot be used is moved aside, never deleted: the user may want to look at it."""
import time
from pathlib import Path

QUARANTINE_FOLDER = "quarantine"


def quarantine(checkpoint: Path) -> Path:
    """Move `checkpoint` to quarantine/NAME.TIMESTAMP beside it; returns where it went."""
    checkpoint = Path(checkpoint)
    folder = checkpoint.parent / QUARANTINE_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = folder / f"{checkpoint.name}.{stamp}"
    for attempt in range(2, 1000):   # two moves within one second keep both files
        if not target.exists():
            break
        target = folder / f"{checkpoint.name}.{stamp}-{attempt}"
    checkpoint.replace(target)
    return target
