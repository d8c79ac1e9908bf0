"""One network's data for a job, each piece derived once: words, traces, hidden states, predictions.

Evaluation, extraction and length generalisation all read the same object, so the validation words are drawn
and traced once, their hidden states computed once, and the conformance predictions computed once.
"""
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stateclusters.adapters.recurrent import NetworkAdapter
from stateclusters.automata import automaton_size, input_alphabet, is_context_free
from stateclusters.clustering.clusterer import HiddenStateClusterer
from stateclusters.clustering.functions import (
    FUNCTION_NAMES,
    Abstraction,
    labeling_k_multiplier,
    shared_clusterer,
)
from stateclusters.networks.recurrent import RecurrentClassifier
from stateclusters.protocol import Protocol
from stateclusters.words.runs import PrefixTrace, labelings_for, trace_words
from stateclusters.words.sampling import (
    CONFORMANCE_WORDS,
    SPEC_PROTOCOL,
    WordSet,
    conformance_words,
    validation_words,
)


def protocol_clusterer(hidden_states: np.ndarray, protocol: Protocol, seed: int,
                       function_names=FUNCTION_NAMES) -> HiddenStateClusterer:
    """The shared clusterings of one network's vectors under a protocol's fit, k-means, lr and scoring settings."""
    return shared_clusterer(hidden_states, function_names, random_state=seed, fit_fraction=protocol.fit_fraction,
                            kmeans_n_init=protocol.kmeans_n_init, lr_solver=protocol.lr_solver,
                            score_fitted_only=protocol.fit_scoring == "fitted")


@dataclass(frozen=True, eq=False)
class NetworkData:
    """A trained network, its automaton and the words drawn from one seed; everything else derived on first use."""
    model: RecurrentClassifier
    automaton: object
    seed: int = 0
    n_validation_words: int | None = None   # None: the protocol's size for this automaton's family
    n_conformance_words: int = CONFORMANCE_WORDS
    protocol: Protocol = SPEC_PROTOCOL   # the validation words' rule and order, and how the functions fit and score

    def __post_init__(self):
        if self.n_validation_words is None:
            object.__setattr__(self, "n_validation_words",
                               self.protocol.validation_size(is_context_free(self.automaton)))

    @cached_property
    def network(self) -> NetworkAdapter:
        """The network as an adapter: the one way hidden states and classes enter the evaluation."""
        return NetworkAdapter(self.model)

    @cached_property
    def validation(self) -> WordSet:
        return validation_words(self.automaton, self.seed, self.n_validation_words, self.protocol)

    @cached_property
    def validation_trace(self) -> PrefixTrace:
        """The automaton's output and state after every validation prefix, in hidden-state order."""
        words = self.validation
        return trace_words(self.automaton, words.letters, words.lengths, words.alphabet)

    @cached_property
    def hidden_states(self) -> np.ndarray:
        """One vector per validation letter occurrence, in word order (docs/contract.md, Labelings)."""
        return self.network.letter_hidden_states(self.validation.letters, self.validation.lengths)

    @cached_property
    def validation_predictions(self) -> np.ndarray:
        """The network's class index after every validation prefix (padded like the letters)."""
        return self.network.letter_predictions(self.validation.letters)

    @cached_property
    def conformance(self) -> WordSet:
        return conformance_words(self.automaton, self.n_conformance_words, seed=self.seed)

    @cached_property
    def conformance_trace(self) -> PrefixTrace:
        words = self.conformance
        return trace_words(self.automaton, words.letters, words.lengths, words.alphabet)

    @cached_property
    def conformance_predictions(self) -> np.ndarray:
        """The network's class index after every conformance prefix (padded like the letters)."""
        return self.network.letter_predictions(self.conformance.letters)

    @property
    def n_states(self) -> int:
        return automaton_size(self.automaton)

    @property
    def labelings(self) -> tuple[str, ...]:
        return labelings_for(self.automaton)

    def state_labels(self, labeling: str) -> np.ndarray:
        return self.validation_trace.state_labels(labeling)

    def k_multiplier(self, labeling: str) -> int:
        return labeling_k_multiplier(labeling, len(input_alphabet(self.automaton)))

    def abstraction(self, name: str, labeling: str) -> Abstraction:
        """Abstraction function `name`, set up for this automaton and labeling (k from |Q| and the labeling)."""
        return Abstraction(name, self.n_states, self.k_multiplier(labeling), random_state=self.seed,
                           fit_fraction=self.protocol.fit_fraction)

    def clusterer(self, function_names=FUNCTION_NAMES) -> HiddenStateClusterer:
        """The shared clusterings of the validation hidden states, made on first use; raises on NaN/inf."""
        if not self._clusterers:
            self._clusterers.append(protocol_clusterer(self.hidden_states, self.protocol, self.seed, function_names))
        return self._clusterers[0]

    @cached_property
    def _clusterers(self) -> list:   # the one shared clusterer once made (frozen: no attribute to assign)
        return []
