"""The experiment protocol: the nine settings in which the paper's published runs differ from our default, and
the fit fraction they share, so that a job carries every number that shapes its result in one value.

`Protocol.spec()` is this project's behaviour (docs/contract.md); `Protocol.paper()` is what the paper's code
did for its result files. Each setting can be flipped alone, so that an ablation measures its effect.
docs/paper_protocol.md explains every setting.
"""
import argparse
import dataclasses
from dataclasses import dataclass

from stateclusters.base.catalogue import MAX_KMEANS_RUNS, MAX_WORDS, VALIDATION_WORDS
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FIT_FRACTION
from stateclusters.clustering.probes import LR_SOLVERS

PROTOCOL_NAMES = ("spec", "paper")
WORD_COUNT_RULES = ("distinct", "paper")      # see stateclusters.words.sampling.words_per_length
VALIDATION_ORDERS = ("shuffled", "length")
PDA_BIASES = ("alive", "paper")                # which letters a PDA's word sampler favours
FIT_SCORING = ("all", "fitted")                # OPTICS / mean shift: score every vector, or only the fitted ones


@dataclass(frozen=True)
class Protocol:
    """One value per difference; the defaults are this project's (spec) protocol."""
    early_stop: bool = True            # stop after 3 epochs at 100 % validation accuracy (paper: never)
    fit_scoring: str = "all"           # OPTICS/mean shift fitted on the first quarter; "fitted": scored there only
    kmeans_n_init: int = 1             # k-means runs, the one of least inertia kept (paper: 10)
    word_counts: str = "distinct"      # words per length: drop what has no room, or the paper's duplicates
    validation_order: str = "shuffled"  # validation words shuffled, or kept in length (generation) order
    validation_words: int = VALIDATION_WORDS   # validation words whose hidden states are clustered (paper: 1,000)
    pda_validation_words: int | None = None   # the same for PDAs; None: validation_words (paper: 2,000)
    pda_bias: str = "alive"            # PDA words favour letters that avoid err, or the paper's "possible" ones
    lr_solver: str = "lbfgs"           # lr's solver: L-BFGS on weighted distinct pairs, or saga on every row (paper)
    fit_fraction: float = FIT_FRACTION  # the first share of the vectors OPTICS and mean shift are fitted on (both)

    def __post_init__(self):
        checks = (("fit_scoring", FIT_SCORING), ("word_counts", WORD_COUNT_RULES),
                  ("validation_order", VALIDATION_ORDERS), ("pda_bias", PDA_BIASES),
                  ("lr_solver", LR_SOLVERS))
        for name, valid in checks:
            if getattr(self, name) not in valid:
                raise UserError(f"protocol setting {name}={getattr(self, name)!r} is not one of {', '.join(valid)}")
        if not isinstance(self.early_stop, bool):
            raise UserError(f"protocol setting early_stop must be true or false, got {self.early_stop!r}")
        if isinstance(self.fit_fraction, bool) or not isinstance(self.fit_fraction, (int, float)) \
                or not 0 < self.fit_fraction <= 1:
            raise UserError(f"protocol setting fit_fraction must be a number in (0, 1], got {self.fit_fraction!r}")
        for name, limit in INTEGER_SETTINGS.items():
            value = getattr(self, name)
            if name == "pda_validation_words" and value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
                raise UserError(f"protocol setting {name} must be an integer from 1 to {limit}, got {value!r}")

    @classmethod
    def spec(cls) -> "Protocol":
        return cls()

    @classmethod
    def paper(cls) -> "Protocol":
        return cls(early_stop=False, fit_scoring="fitted", kmeans_n_init=10, word_counts="paper",
                   validation_order="length", validation_words=1_000, pda_validation_words=2_000,
                   pda_bias="paper", lr_solver="saga")

    @classmethod
    def named(cls, name: str) -> "Protocol":
        if name not in PROTOCOL_NAMES:
            raise UserError(f"unknown protocol {name!r}; valid: {', '.join(PROTOCOL_NAMES)}")
        return cls.spec() if name == "spec" else cls.paper()

    def validation_size(self, context_free: bool) -> int:
        """How many validation words a network of a regular language (or of a PDA) is evaluated on."""
        if context_free and self.pda_validation_words is not None:
            return self.pda_validation_words
        return self.validation_words

    def for_family(self, context_free: bool) -> "Protocol":
        """The settings one network is evaluated under: its family's validation size as validation_words."""
        return self.with_validation_words(self.validation_size(context_free))

    def with_validation_words(self, n_words: int) -> "Protocol":
        """This protocol with n_words validation words for every language (the scripts' --validation-words)."""
        return dataclasses.replace(self, validation_words=n_words, pda_validation_words=None)

    def with_settings(self, assignments) -> "Protocol":
        """This protocol with `name=value` assignments applied (values parsed by the setting's type)."""
        changes = {}
        for assignment in assignments:
            name, separator, text = assignment.partition("=")
            name = name.strip()
            if not separator or name not in setting_names():
                raise UserError(f"--protocol-set expects NAME=VALUE with NAME one of {', '.join(setting_names())}, "
                                f"got {assignment!r}")
            changes[name] = _parse_value(name, text.strip(), SETTING_TYPES.get(name, str))
        return dataclasses.replace(self, **changes)

    def differences(self) -> dict:
        """{setting: value} where this protocol differs from spec (empty for spec itself)."""
        spec = Protocol.spec()
        return {name: getattr(self, name) for name in setting_names() if getattr(self, name) != getattr(spec, name)}

    def training_config(self, epochs: int, seed: int):
        """stateclusters.networks.recurrent.TrainingConfig for these settings: without early stop, every epoch runs."""
        from stateclusters.networks.recurrent import (
            TrainingConfig,  # imported here: the settings themselves need no torch
        )
        return TrainingConfig(epochs=epochs, seed=seed,
                              perfect_epochs_to_stop=TrainingConfig.perfect_epochs_to_stop if self.early_stop
                              else None)

    def training_settings(self) -> dict:
        """The settings that change a trained network, as recorded in its checkpoint."""
        return {"early_stop": self.early_stop, "word_counts": self.word_counts, "pda_bias": self.pda_bias}

    def describe(self) -> str:
        differences = self.differences()
        if not differences:
            return "spec"
        if self == Protocol.paper():
            return "paper"
        return ", ".join(f"{name}={value}" for name, value in differences.items())


# The integer settings and the most each may ask for (base/catalogue.py).
INTEGER_SETTINGS = {"kmeans_n_init": MAX_KMEANS_RUNS, "validation_words": MAX_WORDS, "pda_validation_words": MAX_WORDS}
SETTING_TYPES = {"early_stop": bool, "fit_fraction": float, **{name: int for name in INTEGER_SETTINGS}}


def setting_names() -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(Protocol))


def _parse_value(name: str, text: str, kind: type):
    if kind is bool:
        if text.lower() not in ("true", "false", "on", "off", "1", "0"):
            raise UserError(f"protocol setting {name} must be true or false, got {text!r}")
        return text.lower() in ("true", "on", "1")
    if kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            raise UserError(f"protocol setting {name} must be {'an integer' if kind is int else 'a number'}, "
                            f"got {text!r}") from None
    return text


def add_protocol_arguments(parser: argparse.ArgumentParser, default: str = "spec") -> None:
    """--protocol NAME and repeatable --protocol-set NAME=VALUE."""
    parser.add_argument("--protocol", default=default, choices=PROTOCOL_NAMES,
                        help="spec: this project's protocol; paper: the settings of the paper's published runs, "
                        "see docs/paper_protocol.md")
    parser.add_argument("--protocol-set", action="append", default=None, metavar="NAME=VALUE",
                        help=f"flip one protocol setting ({', '.join(setting_names())}); repeatable")


def protocol_from_arguments(args) -> Protocol:
    return Protocol.named(args.protocol).with_settings(args.protocol_set or ())
