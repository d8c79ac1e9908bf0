"""Length generalisation: does an abstraction fitted on training-length hidden states still separate the
automaton's states after longer words?

Each abstraction function is fitted on the validation hidden states (words of length 1–14, docs/contract.md).
Then n words of every length 1..50 are drawn, and the hidden state after each *whole* word is labelled by the
fitted function and compared with the automaton's state after that word: the ambiguity (docs/contract.md) of those
labels, word length by word length. Only final states are used, so that a word of length 50 counts once and
each length's score is about states reached by words of exactly that length.

The words of each length are spread over the (control) states they end in (sampling.words_by_end_state).
Uniformly random long words mostly end in a sink (or a PDA's
error state); a length whose words all end in one state is trivially unambiguous and would read as
"generalises". Each length's record says how many distinct states its words end in.

New vectors are labelled by clustering.Abstraction.predict: as each function labels the validation vectors
it was not fitted on (DBSCAN: its border-point rule); a non-finite new vector gets a cluster of its own.
"""
from dataclasses import dataclass

import numpy as np

from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.base.catalogue import LENGTH_GENERALISATION_MAX as MAX_LENGTH
from stateclusters.base.catalogue import MAX_TRAINING_LENGTH, WORDS_PER_LENGTH
from stateclusters.clustering.functions import FUNCTION_FAILURES, failure_reason, get_function
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.networks.recurrent import RecurrentClassifier, hidden_states
from stateclusters.words.runs import PrefixTrace, trace_words
from stateclusters.words.sampling import LENGTH_GENERALISATION_STREAM, words_by_end_state

LENGTH_BUCKETS = ((1, MAX_TRAINING_LENGTH), (15, 20), (21, 30), (31, 40), (41, 50))


# ---- the words and their final hidden states -------------------------------------------------------------

@dataclass(frozen=True)
class FinalStates:
    """The hidden-state vector and the automaton's trace after each whole word of a set of words."""
    word_lengths: np.ndarray   # (n_words,)
    vectors: np.ndarray        # (n_words, hidden-state size): the vector after the word's last letter
    trace: PrefixTrace

    def state_labels(self, labeling: str) -> np.ndarray:
        """The automaton's state label after each whole word."""
        return self.trace.state_labels(labeling)[np.cumsum(self.word_lengths) - 1]


def final_hidden_states(model: RecurrentClassifier, letters: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The vector after each word's last letter; words of one length at a time, so memory stays small."""
    finals = np.empty((len(lengths), model.config.hidden_state_size()))
    for length in np.unique(lengths):
        words = np.flatnonzero(lengths == length)
        every_prefix = hidden_states(model, letters[words, :length], lengths[words])
        finals[words] = every_prefix[length - 1::length]
    return finals


def final_states(model: RecurrentClassifier, automaton, n_per_length: int = WORDS_PER_LENGTH,
                 max_length: int = MAX_LENGTH, seed: int = 0) -> FinalStates:
    """n_per_length words of every length 1..max_length, spread over the states they end in (words_by_end_state)."""
    words = words_by_end_state(automaton, n_per_length, range(1, max_length + 1),
                               seed=[seed, LENGTH_GENERALISATION_STREAM])
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    return FinalStates(words.lengths, final_hidden_states(model, words.letters, words.lengths), trace)


# ---- ambiguity per word length ---------------------------------------------------------------------------

def ambiguity_per_group(state_labels: np.ndarray, cluster_labels: np.ndarray,
                        groups: np.ndarray) -> dict:
    """{group: (amb, wamb, n, distinct states)}: the ambiguity of the vectors of each group (e.g. word length)."""
    scores = {}
    for group in np.unique(groups):
        members = groups == group
        amb, wamb, _, _ = ambiguity_from_labels(state_labels[members], cluster_labels[members])
        scores[group.item()] = (amb, wamb, int(members.sum()), len(np.unique(state_labels[members])))
    return scores


def length_bucket_names(word_lengths: np.ndarray, buckets=LENGTH_BUCKETS) -> np.ndarray:
    """'1-14', '15-20', … for each word length (lengths outside every bucket get their own name)."""
    names = np.array([str(length) for length in word_lengths], dtype=object)
    for first, last in buckets:
        names[(word_lengths >= first) & (word_lengths <= last)] = f"{first:02d}-{last:02d}"
    return names.astype(str)


def length_generalisation(data: NetworkData, function_names, *, labelings=None,
                          n_per_length: int = WORDS_PER_LENGTH, max_length: int = MAX_LENGTH) -> dict:
    """{labeling: {function: {word length: [amb, wamb, n, states]}, or why it failed}}, record-ready.

    The functions are fitted on the validation hidden states exactly as the network's evaluation fits them
    (sharing its clusterings); the new words are an independent draw from the same seed.
    """
    finals = final_states(data.model, data.automaton, n_per_length, max_length, data.seed)
    labelings = labelings or data.labelings
    try:
        clusterer = data.clusterer(function_names)
    except FUNCTION_FAILURES as error:   # NaN/inf validation vectors: nothing to fit
        return {labeling: {name: failure_reason(error) for name in function_names} for labeling in labelings}
    results, labels_of = {}, {}
    for labeling in labelings:
        final_labels = finals.state_labels(labeling)
        results[labeling] = {}
        for name in function_names:
            # Only the probes and k-means (whose k follows the labeling) depend on the labeling.
            key = (name, labeling) if get_function(name).family in ("linear", "k_means") else (name,)
            try:
                if key not in labels_of:
                    abstraction = data.abstraction(name, labeling).fit(
                        data.hidden_states, data.state_labels(labeling), clusterer)
                    labels_of[key] = abstraction.predict(finals.vectors)
                per_length = ambiguity_per_group(final_labels, labels_of[key], finals.word_lengths)
                results[labeling][name] = {length: list(scores) for length, scores in per_length.items()}
            except FUNCTION_FAILURES as error:
                results[labeling][name] = failure_reason(error)
    return results


# ---- the driver's table ----------------------------------------------------------------------------------

def length_bucket_table(data: NetworkData, function_name: str, labeling: str, *,
                        n_per_length: int = WORDS_PER_LENGTH) -> list[tuple]:
    """(lengths, amb, wamb, words, distinct states) per length bucket, the function fitted on the validation states."""
    abstraction = data.abstraction(function_name, labeling).fit(
        data.hidden_states, data.state_labels(labeling), data.clusterer((function_name,)))
    finals = final_states(data.model, data.automaton, n_per_length, MAX_LENGTH, data.seed)
    final_labels = finals.state_labels(labeling)
    buckets = length_bucket_names(finals.word_lengths)
    scores = ambiguity_per_group(final_labels, abstraction.predict(finals.vectors), buckets)
    return [(bucket, *scores) for bucket, scores in scores.items()]


def format_length_table(rows: list[tuple], function_name: str) -> str:
    lines = [f"length generalisation of {function_name} (state after each whole word; trained on lengths "
             f"1-{MAX_TRAINING_LENGTH}):", f"  {'lengths':<8} {'amb':>7} {'wamb':>7} {'words':>6} {'states':>6}"]
    lines += [f"  {bucket:<8} {amb:7.4f} {wamb:7.4f} {n:6d} {n_states:6d}" for bucket, amb, wamb, n, n_states in rows]
    return "\n".join(lines)
