"""A published state dict (`rnn.*`, `fc.*`) as one of our RecurrentClassifiers, with letters and classes reordered."""
from pathlib import Path

import torch

from stateclusters.adapters.recurrent import classifier_from_state
from stateclusters.base.errors import CheckpointError
from stateclusters.networks.recurrent import NetworkConfig, RecurrentClassifier


def read_state_dict(path: Path) -> dict:
    """The checkpoint's tensors; anything unreadable or not shaped like the paper's is a CheckpointError."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:
        raise CheckpointError(f"checkpoint {path} is corrupt or truncated ({type(error).__name__})") from None
    if not isinstance(state, dict) or "fc.weight" not in state or "rnn.weight_ih_l0" not in state:
        raise CheckpointError(f"checkpoint {path} is not a state dict with rnn.* and fc.* weights")
    return state


def paper_network(state: dict, rnn: str, layers: int, hidden: int, letters, classes) -> RecurrentClassifier:
    """Our network with the paper's weights; `letters` and `classes` name its input columns and output rows."""
    return classifier_from_state(state, rnn, layers, hidden, letters, classes)


def reordered(model: RecurrentClassifier, letters, classes) -> RecurrentClassifier:
    """The same network taking letters and giving classes in the given orders (a permutation of its own)."""
    config = model.config
    letter_columns = [config.input_alphabet.index(letter) for letter in letters]
    class_rows = [config.output_classes.index(output) for output in classes]
    state = {name: tensor.clone() for name, tensor in model.state_dict().items()}
    state["layers.0.weight_ih_l0"] = state["layers.0.weight_ih_l0"][:, letter_columns]
    state["readout.weight"] = state["readout.weight"][class_rows]
    state["readout.bias"] = state["readout.bias"][class_rows]
    result = RecurrentClassifier(NetworkConfig(config.rnn, tuple(letters), tuple(classes), config.hidden_size,
                                               config.num_layers))
    result.load_state_dict(state, strict=True)
    return result.eval()
