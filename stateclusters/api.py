"""The public API (docs/api.md): the names `import stateclusters` offers, each a thin, typed call of the package.

A network is anything with ALPHABET and classify(words) (and, for clustering, hidden_states(words)); words are
tuples of letters.
"""
from __future__ import annotations

import numpy as np

from stateclusters.adapters.adapter import as_adapter
from stateclusters.adapters.recurrent import NetworkAdapter, checkpoint_adapter, wrap_torch_module
from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.base.arguments import check_count, check_seed
from stateclusters.base.catalogue import (
    DEFAULT_SATURATION,
    FAITHFULNESS_MEMBERS,
    FAITHFULNESS_PAIRS,
    FAITHFULNESS_SUFFIX_LIMIT,
    MAX_CLUSTERS,
    MAX_HIDDEN,
    MAX_TRAINING_EPOCHS,
    MAX_WORDS,
    TRAINING_WORDS,
    VALIDATION_WORDS,
)
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FUNCTION_NAMES, Abstraction
from stateclusters.faithfulness.interchange import InterchangeScores
from stateclusters.faithfulness.myhill_nerode import MyhillNerodeScores
from stateclusters.faithfulness.sizes import FaithfulnessSizes, check_sizes
from stateclusters.network_analysis import analysis
from stateclusters.network_analysis.analysis import NetworkAnalysis
from stateclusters.network_analysis.learning import LearnedAutomaton, LearningBudget
from stateclusters.network_analysis.learning import learn_automaton as _learn
from stateclusters.network_analysis.oracles import OracleSettings

__all__ = ["Abstraction", "FUNCTION_NAMES", "LearningBudget", "OracleSettings", "agreement", "ambiguity_score",
           "analyse", "construct_network", "draw_words", "hidden_states", "interchange_scores", "learn_automaton",
           "load_automaton", "load_network", "myhill_nerode_scores", "save_network", "state_labels", "train_network",
           "wrap", "wrap_huggingface"]


def load_automaton(name: str):
    """A registry automaton by name (`tomita3`, `CFG_L_12`, …) or an automaton from a .dot file (AALpy object)."""
    from stateclusters.automata import get_automaton
    return get_automaton(name)


def draw_words(automaton, n_words: int = VALIDATION_WORDS, seed: int = 0) -> list[tuple[str, ...]]:
    """Words drawn as the validation words are (docs/contract.md, Words): lengths 1–14, reproducible from seed."""
    from stateclusters.words.sampling import sample_words
    words = sample_words(automaton, check_count(n_words, "n_words", MAX_WORDS), seed=check_seed(seed))
    return [words.word(i) for i in range(len(words))]


def train_network(automaton, rnn: str = "gru", hidden_size: int = 16, epochs: int = 20, seed: int = 0,
                  n_words: int = TRAINING_WORDS, progress: bool = False,
                  start: NetworkAdapter | None = None) -> NetworkAdapter:
    """Train one of our networks on the automaton's words (docs/contract.md, Networks), on the CPU; with `start`
    (e.g. a noisy construct_network), train that network further instead of a fresh one of rnn and hidden_size."""
    from stateclusters.networks.recurrent import TrainingConfig
    from stateclusters.networks.recurrent import train_network as train
    from stateclusters.words.sampling import training_words, validation_words
    seed = check_seed(seed)
    epochs, n_words = check_count(epochs, "epochs", MAX_TRAINING_EPOCHS), check_count(n_words, "n_words", MAX_WORDS)
    if start is None:
        from stateclusters.evaluation.training import network_config
        hidden_size = check_count(hidden_size, "hidden_size", MAX_HIDDEN)
        config, weights, metadata = network_config(automaton, rnn, hidden_size), None, {}
    else:
        config, weights = start.model.config, start.model.state_dict()
        metadata = dict(start.metadata, retrained=True)
        if "seed" in start.metadata:   # the start's own seed (a construction's noise) is kept beside the new one
            metadata["start_seed"] = start.metadata["seed"]
    model, metrics = train(config, training_words(automaton, seed, n_words), validation_words(automaton, seed),
                           TrainingConfig(epochs=epochs, seed=seed), progress=progress, initial_weights=weights)
    return NetworkAdapter(model, metadata=dict(metadata, seed=seed, epochs_run=metrics.epochs_run))


def construct_network(automaton, rnn: str = "relu", layers: int = 1, saturation: float = DEFAULT_SATURATION,
                      noise: float = 0.0, seed: int = 0) -> NetworkAdapter:
    """A relu or tanh network of 1 or 2 layers that computes the regular automaton (an AALpy object, a registry
    name or a .dot file) exactly (docs/faithfulness.md); `noise` is the σ of Gaussian noise on every weight,
    drawn from `seed`. Its `metadata` records the construction; save_network keeps it in the checkpoint."""
    from stateclusters.evaluation.construction import construct_network as construct
    if isinstance(automaton, str):
        automaton = load_automaton(automaton)
    model, metadata = construct(automaton, rnn, layers, saturation, noise, seed)
    return NetworkAdapter(model, metadata=metadata)


def load_network(path: str) -> NetworkAdapter:
    """A checkpoint written by this project (e.g. pretrained_models/tomita3_gru_1_20_1.pt)."""
    return checkpoint_adapter(path)


def wrap(rnn, readout, alphabet, classes=None, embedding=None, letter_ids=None) -> NetworkAdapter:
    """An adapter for a plain torch.nn.RNN/GRU/LSTM and its nn.Linear read-out, letter i one-hot in column i; or,
    with `embedding` (an nn.Embedding in front of the module), letter i read as embedding row letter_ids[letter]
    (default i), folded into the first layer's input weights."""
    return wrap_torch_module(rnn, readout, alphabet, classes, embedding, letter_ids)


def wrap_huggingface(model, letter_ids, alphabet=None, classes=None, start_ids=(), end_ids=(), empty_class=None):
    """An adapter for a Hugging Face transformers sequence-classification model: letter_ids is {letter: token id}
    or a tokenizer (then alphabet names the letters). A causal model also gives hidden_states (every layer after
    each letter); an encoder does not, and says why (docs/api.md, Transformers)."""
    from stateclusters.adapters.huggingface import huggingface_adapter
    return huggingface_adapter(model, letter_ids, alphabet, classes, start_ids, end_ids, empty_class)


def hidden_states(network, words) -> np.ndarray:
    """The vector after every letter of every non-empty word, in word order: (total letters, d)."""
    return as_adapter(network).stacked_hidden_states([word for word in words if len(word)])


def state_labels(automaton, words, labeling: str | None = None) -> np.ndarray:
    """The automaton's state after every letter, aligned with hidden_states (PDAs: under a labeling)."""
    from stateclusters.words.runs import labelings_for
    valid = labelings_for(automaton)
    if labeling is not None and labeling not in valid:
        raise UserError(f"labeling {labeling!r} does not apply to this automaton; valid: {', '.join(valid)}")
    trace = analysis.trace(automaton, [word for word in words if len(word)])
    return trace.state_labels(labeling or valid[0])


def ambiguity_score(state_labels, cluster_labels) -> dict[str, float]:
    """The paper's ambiguity of a clustering against the states: amb, wamb, max, min (0 is perfect)."""
    return dict(zip(("amb", "wamb", "max", "min"), map(float, ambiguity_from_labels(state_labels, cluster_labels))))


def agreement(network, automaton, words) -> float | None:
    """Share of the non-empty words on which the network's class equals the automaton's output."""
    adapter = as_adapter(network)
    analysis.check_same_alphabet(adapter, automaton, "passed to agreement")
    return analysis.agreement(adapter, automaton, words)


def learn_automaton(network, words=(), algorithm: str = "kv", budget: LearningBudget | None = None,
                    seed: int = 0, oracle: OracleSettings | None = None,
                    allow_nondeterministic: bool = False) -> LearnedAutomaton:
    """An automaton learned from the network (AALpy KV or L*), tested by the oracle (given words, random words,
    walks from every state); `.converged` says if the last hypothesis passed it, `.stop_reason` which budget
    stopped learning otherwise."""
    seed = check_seed(seed)
    adapter = as_adapter(network)
    return _learn(adapter, [tuple(map(str, word)) for word in words], algorithm, budget or LearningBudget(), seed,
                  oracle=oracle or OracleSettings(), allow_nondeterministic=allow_nondeterministic)


def analyse(network, automaton=None, words=None, functions=FUNCTION_NAMES, algorithm: str = "kv",
            budget: LearningBudget | None = None, seed: int = 0, oracle: OracleSettings | None = None,
            max_clusters: int = MAX_CLUSTERS, allow_nondeterministic: bool = False,
            name: str | None = None, faithfulness: bool = True, suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT,
            pairs: int = FAITHFULNESS_PAIRS, members: int = FAITHFULNESS_MEMBERS) -> NetworkAnalysis:
    """analyse_network.py as a call: agreement and every function's ambiguity beside its chance level
    (`.report`), against the given automaton's states or those of one learned from the network (`.learned`);
    the faithfulness scores with these sizes (myhill_nerode_scores, interchange_scores)."""
    settings = analysis.AnalysisSettings(tuple(functions), algorithm, budget or LearningBudget(),
                                         oracle or OracleSettings(), check_seed(seed), max_clusters,
                                         allow_nondeterministic, faithfulness=faithfulness,
                                         faithfulness_sizes=FaithfulnessSizes(suffix_limit, pairs, members))
    adapter = as_adapter(network, name)
    if faithfulness and settings.faithfulness_sizes != FaithfulnessSizes():   # asked for: checked before the work
        check_sizes(settings.faithfulness_sizes, automaton, adapter.alphabet)
    return analysis.analyse(adapter, automaton, words, settings)


def save_network(network: NetworkAdapter, path: str) -> None:
    """Write one of our networks (from train_network, construct_network, load_network or wrap) as a checkpoint,
    atomically, with its metadata."""
    from stateclusters.networks.recurrent import save_checkpoint
    save_checkpoint(path, network.model, **network.metadata)


def myhill_nerode_scores(network, automaton, words, suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT,
                         pairs: int = FAITHFULNESS_PAIRS, seed: int = 0) -> MyhillNerodeScores:
    """Vafa et al.'s compression and distinction of the network's classes after the prefixes of the words, over
    every suffix up to the longest length that keeps their number within suffix_limit (docs/faithfulness.md)."""
    from stateclusters.faithfulness.myhill_nerode import myhill_nerode_scores as scores
    return scores(network, automaton, words, suffix_limit, pairs, seed)


def interchange_scores(network, automaton, words, functions=FUNCTION_NAMES,
                       suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT, pairs: int = FAITHFULNESS_PAIRS,
                       members: int = FAITHFULNESS_MEMBERS,
                       seed: int = 0) -> InterchangeScores:
    """Interchange interventions on a network with hidden_states and classify_from: each function's centroid and
    member IIA, the STATE_PARTS swaps and the controls (docs/faithfulness.md)."""
    from stateclusters.clustering.functions import FUNCTION_FAILURES, labeling_k_multiplier
    from stateclusters.evaluation.network_data import automaton_size, protocol_clusterer
    from stateclusters.faithfulness.interchange import interchange_scores as scores
    from stateclusters.faithfulness.interchange import interventions_skip_reason
    from stateclusters.faithfulness.report import function_cluster_labels
    from stateclusters.words.runs import labelings_for
    from stateclusters.words.sampling import SPEC_PROTOCOL
    adapter = as_adapter(network)
    if interventions_skip_reason(adapter):   # refused before the hidden states and clusters are computed
        raise UserError(f"interventions cannot run on {adapter.name}: {interventions_skip_reason(adapter)}")
    words = [tuple(word) for word in words if len(word)]
    vectors = adapter.stacked_hidden_states(words)
    labeling = labelings_for(automaton)[0]
    states = state_labels(automaton, words, labeling)
    try:
        clusterer = protocol_clusterer(vectors, SPEC_PROTOCOL, seed, list(functions))
    except FUNCTION_FAILURES:
        clusterer = None   # e.g. NaN vectors: each function records its reason
    labels = function_cluster_labels(vectors, states, list(functions), automaton_size(automaton),
                                     labeling_k_multiplier(labeling, len(adapter.alphabet)), seed,
                                     SPEC_PROTOCOL.fit_fraction, clusterer)
    return scores(adapter, automaton, words, vectors, labels, suffix_limit, pairs, members, seed)
