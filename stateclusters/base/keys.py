"""Network names and result keys (docs/contract.md, Result files): built and parsed here and nowhere else.

A network is named `{language}_{rnn}_{layers}_{hidden}_{repetition}`; a result key adds the labeling.
"""
import zlib
from dataclasses import dataclass

from stateclusters.base.catalogue import LABELINGS, RNN_TYPES


def name_seed(name: str) -> int:
    """A stable seed derived from a network's name (Python's hash() changes between runs)."""
    return zlib.crc32(name.encode("utf-8"))


@dataclass(frozen=True)
class NetworkId:
    """What names one network: its checkpoint, its grid job and the first part of its result keys."""
    language: str
    rnn: str
    layers: int
    hidden: int
    repetition: int

    @property
    def name(self) -> str:
        return f"{self.language}_{self.rnn}_{self.layers}_{self.hidden}_{self.repetition}"

    @property
    def seed(self) -> int:
        return name_seed(self.name)

    def key(self, labeling: str) -> str:
        """The result key of this network under one labeling."""
        return f"{self.name}_{labeling}"

    @property
    def network(self) -> "NetworkId":
        """The identity alone, of anything that is a network's (a grid job, a published network)."""
        return NetworkId(self.language, self.rnn, self.layers, self.hidden, self.repetition)


@dataclass(frozen=True)
class KeyParts:
    """The fields of a result key: a network and a labeling."""
    network: NetworkId
    labeling: str


def parse_network_name(name: str) -> NetworkId:
    """The network a name `{language}_{rnn}_{layers}_{hidden}_{repetition}` names; the language may hold
    underscores, so the fields are taken from the right. A name that does not fit is a ValueError."""
    fields = name.rsplit("_", 4)
    if len(fields) != 5 or not fields[0] or fields[1] not in RNN_TYPES or not all(f.isdigit() for f in fields[2:]):
        raise ValueError(f"'{name}' is not {{language}}_{{rnn}}_{{layers}}_{{hidden}}_{{repetition}}")
    language, rnn, layers, hidden, repetition = fields
    return NetworkId(language, rnn, int(layers), int(hidden), int(repetition))


def parse_key(key: str) -> KeyParts:
    """Split a result key; the language may hold underscores, so the fields are taken from the right.

    A key that does not fit is a ValueError.
    """
    labeling = next((name for name in LABELINGS if key.endswith(f"_{name}")), None)
    if labeling is None:
        raise ValueError(f"key '{key}' does not end in a labeling ({', '.join(LABELINGS)})")
    try:
        network = parse_network_name(key[:-len(labeling) - 1])
    except ValueError:
        raise ValueError(f"key '{key}' is not {{language}}_{{rnn}}_{{layers}}_{{hidden}}_{{repetition}}_{{labeling}}") \
            from None
    return KeyParts(network, labeling)
