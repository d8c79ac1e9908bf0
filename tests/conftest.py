import sys
from pathlib import Path

# Tests import the top-level modules as a user running the scripts from the repo root would.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
