"""The clone's root: the scripts, and the paper-style faces of the package (README, Layout)."""
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# {face at the root: the package module whose names it shows}; a face re-exports, it holds no code of its own.
FACES = {"rnn_models": "stateclusters.networks.recurrent", "clustering": "stateclusters.clustering.functions",
         "ambiguity": "stateclusters.ambiguity.scores", "automata": "stateclusters.automata"}
SCRIPTS = sorted(path.stem for path in REPO.glob("*.py") if path.stem not in FACES)
