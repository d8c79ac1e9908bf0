"""The names and default sizes the scripts offer, free of heavy imports so that parsing arguments (and --help)
never waits for torch, scikit-learn or AALpy. The cores import these from here; add an entry here first.
"""
from stateclusters.base.errors import UserError

# Architectures, in the order figures style them (networks.recurrent.build_network builds each one).
RECURRENT_TYPES = ("relu", "tanh", "gru", "lstm")    # the paper's architectures, the grid's default
RNN_TYPES = RECURRENT_TYPES + ("transformer",)       # every architecture a network can have
# State labelings (docs/contract.md "labelings"): regular automata use their states, PDAs one of the others.
LABELINGS = ("regular", "stackless", "stack_size", "top_of_stack")
PDA_LABELINGS = ("stackless", "stack_size", "top_of_stack")
# A function's entry in ambiguity.pickle, in order (docs/contract.md, Result files); results.csv and reports name them.
SCORE_FIELDS = ("amb", "wamb", "max", "min", "n_clusters")
# Network sizes a script accepts: far above any grid size (the widest, 5·|Σ|·|Q|, is a few hundred units), far
# below what fails to allocate (a GRU of 10^6 units would need 12 TB).
MAX_HIDDEN = 4096
MAX_LAYERS = 16
# Seeds are 0 ≤ seed < SEED_LIMIT: numpy's RandomState and scikit-learn's random_state take no others.
SEED_LIMIT = 2 ** 32
# How a checkpoint's network was trained: networks.recurrent.train_network, or networks.group_training.
SOLO_TRAINING, GROUP_TRAINING = "solo", "group"
GROUP_SIZE = 32                   # networks per group with --group-training (docs/performance.md, group training)
GATES = {"relu": 1, "tanh": 1, "gru": 3, "lstm": 4}   # PyTorch's gate order: GRU (r, z, n), LSTM (i, f, g, o)
# On the CPU, a group's networks × gates × its widest hidden size at most CPU_GROUP_GATE_UNITS: past it a wide
# network's step tensors outgrow the core's cache and a larger group gains less. Up to CPU_NARROW_WIDEST units a
# step is bound by per-op overhead, which more networks share, so there the limit is CPU_NARROW_GATE_UNITS. Solo
# LSTM has oneDNN's fused cell, so LSTM groups only networks up to CPU_LSTM_WIDEST units wide
# (docs/performance.md, group training).
CPU_GROUP_GATE_UNITS = 768
CPU_NARROW_WIDEST = 64
CPU_NARROW_GATE_UNITS = 1536
CPU_LSTM_WIDEST = 64
# From this hidden size on, a CPU relu, tanh or GRU network without a partner still trains in the stacked model,
# alone: its own backward beats autograd's there. Not LSTM, whose solo cell is oneDNN's (docs/performance.md).
CPU_ALONE_STACKED_FROM = 64
MAX_EPOCHS = 200                  # training stops after this many epochs at the latest (docs/contract.md, Networks)
# Word counts (docs/contract.md "words"), and the longest training word.
TRAINING_WORDS = 50_000
VALIDATION_WORDS = 2_000
CONFORMANCE_WORDS = 10_000
CONFORMANCE_LENGTHS = (16, 30)    # the conformance test's word lengths: longer than any training word
MAX_TRAINING_LENGTH = 14
WORDS_PER_LENGTH = 200            # length generalisation: words of each length
LENGTH_GENERALISATION_MAX = 50    # length generalisation: the longest words
# Beyond the paper: active learning's budgets, and the live conformance test's words.
EQ_WORDS = 2_000                    # random words per equivalence query (per hypothesis)
MEMBERSHIP_QUERIES = 5_000          # membership queries that reach the network before giving up
# Learning an automaton from a network you bring (analyse_network.py): the algorithms and the default budgets.
NETWORK_LEARNING_ALGORITHMS = ("kv", "lstar")
NETWORK_LEARNING_STATES, NETWORK_LEARNING_QUERIES, NETWORK_LEARNING_SECONDS = 100, 20_000, 600
MAX_CLUSTERS = 1_000              # a function asking for more clusters than this is skipped (--max-clusters)
# What the words of a network brought by its user may cost: every prefix of every word is classified and has a
# hidden state, so a word's letters bound its prefixes and the letters of all words bound the vectors.
MAX_WORD_LETTERS, MAX_TOTAL_LETTERS = 1_000, 1_000_000
# Learning and the faithfulness scores build every prefix of every word: their letters (Σ n(n+1)/2 over the words'
# lengths n) are bounded too; 2,000 words of 30 letters hold under 10**6.
MAX_PREFIX_LETTERS = 20_000_000
# A words file's bytes, checked before it is read: room for MAX_TOTAL_LETTERS letters of up to 31 bytes and a
# separator each.
MAX_WORDS_FILE_BYTES = 32 * MAX_TOTAL_LETTERS
LIVE_WORDS = 10_000
# The most a count option (of a script, or an argument of the API) may ask for, refused before any work: far
# above the contract's sizes, far below what fails to allocate or never ends (10**12 conformance words would
# need 7 TiB). Length generalisation draws its words for each of 50 lengths, so it allows fewer per length.
MAX_WORDS = 1_000_000             # training, validation, conformance and learning words
MAX_WORDS_PER_LENGTH = 10_000
MAX_TRAINING_EPOCHS = 10_000
MAX_REPEATS = 1_000               # repetitions of each network of the grid
MAX_WORKERS = 256                 # processes of one run
MAX_GROUP_SIZE = 1_024            # networks per group with --group-training
MAX_KMEANS_RUNS = 1_000           # the protocol's kmeans_n_init
MAX_WALKS_PER_STATE = 10_000      # the learning oracle's state walks
PROJECTIONS = ("pca", "tsne")     # 2-D projections of the hidden-state pictures
EXTRACTION_FUNCTIONS = ("k_means_8", "DBSCAN")   # what the grid runner extracts with --extract
# Faithfulness scores (docs/faithfulness.md): the suffix set S holds every word up to the longest length
# that keeps |S| at most FAITHFULNESS_SUFFIX_LIMIT; prefix pairs sampled per score; member vectors run per
# cluster; and the most words one score may send to the network, checked before any work.
FAITHFULNESS_SUFFIX_LIMIT = 64
FAITHFULNESS_PAIRS = 100
FAITHFULNESS_MEMBERS = 4
FAITHFULNESS_WORD_LIMIT = 1_000_000


def check_rnn_type(rnn: str) -> str:
    if rnn not in RNN_TYPES:
        raise UserError(f"unknown architecture '{rnn}'; valid: {', '.join(RNN_TYPES)}")
    return rnn


# Correct-by-construction networks (networks/constructed.py, docs/faithfulness.md): the architectures and depths
# built, and the default weight scale, large enough for a tanh network to be exact on words of any length.
CONSTRUCTED_TYPES = ("relu", "tanh")
CONSTRUCTED_LAYERS = (1, 2)
DEFAULT_SATURATION = 10.0


def check_construction(rnn: str, layers: int, saturation: float, noise: float) -> None:
    """Refuse, before any work, a network that networks/constructed.py does not build."""
    if rnn not in CONSTRUCTED_TYPES:
        raise UserError(f"a constructed network is {' or '.join(CONSTRUCTED_TYPES)}, not '{rnn}'")
    if layers not in CONSTRUCTED_LAYERS:
        raise UserError(f"a constructed network has {' or '.join(map(str, CONSTRUCTED_LAYERS))} layers, not {layers}")
    if not saturation > 0 or saturation == float("inf"):
        raise UserError(f"the saturation of a constructed network must be a positive number, got {saturation}")
    if not noise >= 0 or noise == float("inf"):
        raise UserError(f"the noise of a constructed network must be a number at least 0, got {noise}")
