"""The public API (docs/api.md): the names `import stateclusters` offers, each a thin, typed call of the package.

A network is anything with ALPHABET and classify(words) (and, for clustering, hidden_states(words)); words are
tuples of letters.
"""
from __future__ import annotations

import numpy as np

from stateclusters.adapters.adapter import as_adapter
from stateclusters.adapters.recurrent import NetworkAdapter, checkpoint_adapter, wrap_torch_module
from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.base.arguments import check_seed
from stateclusters.base.catalogue import TRAINING_WORDS, VALIDATION_WORDS
from stateclusters.clustering.functions import FUNCTION_NAMES, Abstraction
from stateclusters.network_analysis import analysis
from stateclusters.network_analysis.analysis import NetworkAnalysis
from stateclusters.network_analysis.learning import LearnedAutomaton, LearningBudget
from stateclusters.network_analysis.learning import learn_automaton as _learn

__all__ = ["Abstraction", "FUNCTION_NAMES", "LearningBudget", "agreement", "ambiguity_score", "analyse",
           "draw_words", "hidden_states", "learn_automaton", "load_automaton", "load_network", "save_network",
           "state_labels", "train_network", "wrap"]


def load_automaton(name: str):
    """A registry automaton by name (`tomita3`, `CFG_L_12`, …) or an automaton from a .dot file (AALpy object)."""
    from stateclusters.automata import get_automaton
    return get_automaton(name)


def draw_words(automaton, n_words: int = VALIDATION_WORDS, seed: int = 0) -> list[tuple[str, ...]]:
    """Words drawn as the validation words are (docs/contract.md, Words): lengths 1–14, reproducible from seed."""
    from stateclusters.words.sampling import sample_words
    words = sample_words(automaton, n_words, seed=check_seed(seed))
    return [words.word(i) for i in range(len(words))]


def train_network(automaton, rnn: str = "gru", hidden_size: int = 16, epochs: int = 20, seed: int = 0,
                  n_words: int = TRAINING_WORDS, progress: bool = False) -> NetworkAdapter:
    """Train one of our networks on the automaton's words (docs/contract.md, Networks), on the CPU."""
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.recurrent import TrainingConfig
    from stateclusters.networks.recurrent import train_network as train
    from stateclusters.words.sampling import training_words, validation_words
    seed = check_seed(seed)
    model, _ = train(network_config(automaton, rnn, hidden_size), training_words(automaton, seed, n_words),
                     validation_words(automaton, seed), TrainingConfig(epochs=epochs, seed=seed), progress=progress)
    return NetworkAdapter(model)


def load_network(path: str) -> NetworkAdapter:
    """A checkpoint written by this project (e.g. pretrained_models/tomita3_gru_1_20_1.pt)."""
    return checkpoint_adapter(path)


def wrap(rnn, readout, alphabet, classes=None) -> NetworkAdapter:
    """An adapter for a plain torch.nn.RNN/GRU/LSTM and its nn.Linear read-out, letter i one-hot in column i."""
    return wrap_torch_module(rnn, readout, alphabet, classes)


def hidden_states(network, words) -> np.ndarray:
    """The vector after every letter of every non-empty word, in word order: (total letters, d)."""
    return as_adapter(network).stacked_hidden_states([word for word in words if len(word)])


def state_labels(automaton, words, labeling: str | None = None) -> np.ndarray:
    """The automaton's state after every letter, aligned with hidden_states (PDAs: under a labeling)."""
    from stateclusters.words.runs import labelings_for
    trace = analysis.trace(automaton, [word for word in words if len(word)])
    return trace.state_labels(labeling or labelings_for(automaton)[0])


def ambiguity_score(state_labels, cluster_labels) -> dict[str, float]:
    """The paper's ambiguity of a clustering against the states: amb, wamb, max, min (0 is perfect)."""
    return dict(zip(("amb", "wamb", "max", "min"), map(float, ambiguity_from_labels(state_labels, cluster_labels))))


def agreement(network, automaton, words) -> float | None:
    """Share of the non-empty words on which the network's class equals the automaton's output."""
    return analysis.agreement(as_adapter(network), automaton, words)


def learn_automaton(network, words=(), algorithm: str = "kv", budget: LearningBudget | None = None,
                    seed: int = 0) -> LearnedAutomaton:
    """An automaton learned from the network (AALpy KV or L*), tested first on `words`; `.converged` says if it
    finished within its budget."""
    seed = check_seed(seed)
    adapter = as_adapter(network)
    return _learn(adapter, [tuple(map(str, word)) for word in words], algorithm, budget or LearningBudget(), seed)


def analyse(network, automaton=None, words=None, functions=FUNCTION_NAMES, algorithm: str = "kv",
            budget: LearningBudget | None = None, seed: int = 0) -> NetworkAnalysis:
    """analyse_network.py as a call: agreement and every function's ambiguity (`.report`), against the given
    automaton's states or those of one learned from the network (`.learned`)."""
    return analysis.analyse(network, automaton, words, list(functions), algorithm, budget or LearningBudget(),
                            check_seed(seed))


def save_network(network: NetworkAdapter, path: str) -> None:
    """Write one of our networks (from train_network, load_network or wrap) as a checkpoint, atomically."""
    from stateclusters.networks.recurrent import save_checkpoint
    save_checkpoint(path, network.model)
