"""The architectures' names, importable without torch: result keys and statistics need them, not the networks."""
from stateclusters.base.errors import UserError

RNN_TYPES = ("relu", "tanh", "gru", "lstm")


def check_rnn_type(rnn: str) -> str:
    if rnn not in RNN_TYPES:
        raise UserError(f"unknown architecture '{rnn}'; valid: {', '.join(RNN_TYPES)}")
    return rnn
