"""Argument pieces every script shares: number types, comma lists, --rnn and --device. Light: no torch."""
import argparse
import numbers

from stateclusters.base.catalogue import RNN_TYPES, SEED_LIMIT, check_rnn_type
from stateclusters.base.errors import UserError

DEVICE_HELP = "cpu, cuda, cuda:N, or auto for cuda where available"


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Defaults shown once: an option whose help already says its default (or has none) gets no '(default: …)'."""

    def _get_help_string(self, action):
        text = action.help or ""
        if "default" in text or action.default is None or action.default is False \
                or action.default == argparse.SUPPRESS:
            return text
        return super()._get_help_string(action)


class OneLineErrorParser(argparse.ArgumentParser):
    """Argument mistakes end like every other user error: one line `error: ...`, exit code 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def parser_for(description: str) -> argparse.ArgumentParser:
    return OneLineErrorParser(description=description, formatter_class=HelpFormatter)


def _number(text: str, kind: type):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not {'an integer' if kind is int else 'a number'}") from None


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = _number(text, int)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def at_most(limit: int):
    """argparse type: an integer from 1 to `limit` (a size that can be allocated)."""
    def bounded(text: str) -> int:
        value = positive_int(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"must be at most {limit}, got {value}")
        return value
    return bounded


def seed_problem(value) -> str | None:
    """Why `value` is not a seed (an integer, 0 ≤ seed < 2**32), or None if it is one."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):   # numpy's integers too
        return f"a seed must be an integer, got {value!r}"
    if not 0 <= value < SEED_LIMIT:
        return f"a seed must be from 0 to 2**32 - 1 = {SEED_LIMIT - 1}, got {value}"
    return None


def seed_int(text: str) -> int:
    """argparse type: a seed, an integer 0 ≤ seed < 2**32 (what numpy and scikit-learn accept)."""
    value = _number(text, int)
    problem = seed_problem(value)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return value


def check_seed(value, name: str = "seed") -> int:
    """`value` if it is a seed; else a UserError naming the argument (the API's check of seed_int)."""
    problem = seed_problem(value)
    if problem:
        raise UserError(f"{name}: {problem}")
    return int(value)


def check_count(value, name: str, limit: int | None = None) -> int:
    """`value` if it is an integer from 1 to `limit` (if any); else a UserError naming the argument (the API's
    at_most)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise UserError(f"{name} must be an integer, got {value!r}")
    if value < 1:
        raise UserError(f"{name} must be at least 1, got {value}")
    if limit is not None and value > limit:
        raise UserError(f"{name} must be at most {limit}, got {value}")
    return int(value)


def fraction_of_one(text: str) -> float:
    """argparse type: a number in (0, 1]."""
    value = _number(text, float)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return value


def unit_interval(text: str) -> float:
    """argparse type: a number in [0, 1]."""
    value = _number(text, float)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {value}")
    return value


def comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_architectures(text: str, allow_all: bool = False) -> tuple[str, ...] | None:
    """--rnn: comma-separated architectures, each checked, duplicates dropped; with allow_all, 'all' → None."""
    if allow_all and text.strip() == "all":
        return None
    names = comma_list(text)
    if not names:
        raise UserError(f"--rnn names no architecture; valid: {', '.join(RNN_TYPES)}{' or all' if allow_all else ''}")
    return tuple(dict.fromkeys(check_rnn_type(name) for name in names))


def add_device_option(parser) -> None:
    parser.add_argument("--device", default="cpu", help=DEVICE_HELP)
