"""The names and default sizes the scripts offer, free of heavy imports so that parsing arguments (and --help)
never waits for torch, scikit-learn or AALpy. The cores import these from here; add an entry here first.
"""
from dataclasses import dataclass

from stateclusters.base.errors import UserError

# Architectures, in the order figures style them (rnn_models builds each one).
RNN_TYPES = ("relu", "tanh", "gru", "lstm")
# State labelings (docs/contract.md "labelings"): regular automata use their states, PDAs one of the others.
LABELINGS = ("regular", "stackless", "stack_size", "top_of_stack")
PDA_LABELINGS = ("stackless", "stack_size", "top_of_stack")
# Word counts (docs/contract.md "words"), and the longest training word.
TRAINING_WORDS = 50_000
VALIDATION_WORDS = 2_000
CONFORMANCE_WORDS = 10_000
MAX_TRAINING_LENGTH = 14
WORDS_PER_LENGTH = 200            # length generalisation: words of each length
LENGTH_GENERALISATION_MAX = 50    # length generalisation: the longest words
PROJECTIONS = ("pca", "tsne")     # 2-D projections of the hidden-state pictures
EXTRACTION_FUNCTIONS = ("k_means_8", "DBSCAN")   # what the grid runner extracts with --extract


@dataclass(frozen=True)
class AbstractionFunction:
    """One abstraction function: its family and the one number that sets it."""
    name: str
    family: str           # one of FAMILIES
    k_factor: float = 0   # k-means: k = k_factor·|Q| + k_offset
    k_offset: int = 0
    eps: float = 0        # DBSCAN neighbourhood radius
    bandwidth_divisor: int = 1  # mean shift: bandwidth = b / divisor


FUNCTIONS = (
    AbstractionFunction("lda", "linear"),
    AbstractionFunction("lr", "linear"),
    AbstractionFunction("k_means", "k_means", k_factor=1),
    AbstractionFunction("k_means_dec", "k_means", k_factor=1, k_offset=-1),
    AbstractionFunction("k_means_inc", "k_means", k_factor=1, k_offset=1),
    AbstractionFunction("k_means_double", "k_means", k_factor=2),
    AbstractionFunction("k_means_4", "k_means", k_factor=4),
    AbstractionFunction("k_means_6", "k_means", k_factor=6),
    AbstractionFunction("k_means_8", "k_means", k_factor=8),
    AbstractionFunction("DBSCAN_half", "DBSCAN", eps=0.25),
    AbstractionFunction("DBSCAN", "DBSCAN", eps=0.5),
    AbstractionFunction("DBSCAN_double", "DBSCAN", eps=1.0),
    AbstractionFunction("DBSCAN_triple", "DBSCAN", eps=1.5),
    AbstractionFunction("DBSCAN_quad", "DBSCAN", eps=2.0),
    AbstractionFunction("OPTICS", "OPTICS"),
    AbstractionFunction("mean_shift", "mean_shift", bandwidth_divisor=1),
    AbstractionFunction("mean_shift_2", "mean_shift", bandwidth_divisor=2),
    AbstractionFunction("mean_shift_4", "mean_shift", bandwidth_divisor=4),
    AbstractionFunction("mean_shift_8", "mean_shift", bandwidth_divisor=8),
)
FUNCTION_NAMES = tuple(function.name for function in FUNCTIONS)
FAMILIES = ("linear", "k_means", "DBSCAN", "OPTICS", "mean_shift")


def get_function(name: str) -> AbstractionFunction:
    """The abstraction function called `name`, or a UserError listing the valid names."""
    for function in FUNCTIONS:
        if function.name == name:
            return function
    raise UserError(f"unknown abstraction function '{name}'; valid: {', '.join(FUNCTION_NAMES)}")


def parse_function_names(text: str) -> list[str]:
    """Comma-separated function names (or 'all') checked against the table."""
    if text.strip() == "all":
        return list(FUNCTION_NAMES)
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        get_function(name)
    return names


def check_rnn_type(rnn: str) -> str:
    if rnn not in RNN_TYPES:
        raise UserError(f"unknown architecture '{rnn}'; valid: {', '.join(RNN_TYPES)}")
    return rnn
