"""The networks, under the name the paper's repository gives them: the architectures, training, checkpoints and
hidden states. A face of the package for readers of that code: every name is stateclusters.networks.recurrent's."""
from stateclusters.networks.recurrent import (
    NetworkConfig,
    RecurrentClassifier,
    TrainingConfig,
    build_network,
    hidden_states,
    load_checkpoint,
    prefix_predictions,
    save_checkpoint,
    set_seed,
    train_network,
)

__all__ = ["NetworkConfig", "RecurrentClassifier", "TrainingConfig", "build_network", "hidden_states",
           "load_checkpoint", "prefix_predictions", "save_checkpoint", "set_seed", "train_network"]
