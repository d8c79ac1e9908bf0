"""An adapter file for analyse_network.py: the shipped tomita3 GRU (pretrained_models/) through the ready adapter.

A network of your own needs ALPHABET and classify(words); hidden_states(words) adds the clusters, and
classify_from(states, words) with STATE_PARTS the interventions (docs/api.md has a model from another codebase
wrapped in about 30 lines).
"""
from pathlib import Path

from stateclusters.adapters.recurrent import checkpoint_adapter

_network = checkpoint_adapter(Path(__file__).resolve().parents[1] / "pretrained_models" / "tomita3_gru_1_20_1.pt")
ALPHABET = _network.ALPHABET
classify = _network.classify
hidden_states = _network.hidden_states
classify_from = _network.classify_from
STATE_PARTS = _network.STATE_PARTS
