"""One network end to end: its agreement with an automaton (given, or learned from it), and every abstraction
function's ambiguity against that automaton's states (PDAs: under each labeling)."""
from dataclasses import dataclass, field

import numpy as np

from stateclusters.adapters.adapter import Adapter, as_adapter, probe
from stateclusters.automata import input_alphabet, is_context_free
from stateclusters.base.catalogue import CONFORMANCE_WORDS, SCORE_FIELDS, VALIDATION_WORDS
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FUNCTION_FAILURES, FUNCTION_NAMES, labeling_k_multiplier
from stateclusters.evaluation.network import FunctionResult, evaluate_functions
from stateclusters.evaluation.network_data import automaton_size, protocol_clusterer
from stateclusters.network_analysis.learning import (
    RANDOM_WORD_LENGTHS,
    LearnedAutomaton,
    LearningBudget,
    learn_automaton,
)
from stateclusters.networks.recurrent import padded_letters
from stateclusters.words.runs import labelings_for, trace_words
from stateclusters.words.sampling import SPEC_PROTOCOL, conformance_words, validation_words


@dataclass(frozen=True)
class NetworkAnalysis:
    """What analyse() found: the report (report.json), the learned automaton if any, and the results.csv rows."""
    report: dict
    learned: LearnedAutomaton | None = None
    rows: list = field(default_factory=list)


def check_same_alphabet(adapter: Adapter, automaton, automaton_name: str) -> None:
    ours, theirs = sorted(adapter.letter_names), sorted(map(str, input_alphabet(automaton)))
    if ours != theirs:
        raise UserError(f"automaton {automaton_name} has the alphabet {theirs}, the network {ours}")


def draw_words(adapter: Adapter, automaton=None, seed: int = 0, n_words: int = VALIDATION_WORDS) -> list[tuple]:
    """The validation words of the automaton (docs/contract.md, Words), else uniform lengths 1–30 and letters."""
    if automaton is not None:
        return adapter_words(adapter, validation_words(automaton, seed, protocol=SPEC_PROTOCOL))
    rng = np.random.default_rng(seed)
    lengths = rng.integers(RANDOM_WORD_LENGTHS[0], RANDOM_WORD_LENGTHS[1] + 1, size=n_words)
    return [tuple(adapter.alphabet[i] for i in rng.integers(0, len(adapter.alphabet), size=length))
            for length in lengths]


def adapter_words(adapter: Adapter, word_set) -> list[tuple]:
    """A drawn WordSet's words in the adapter's letters (the automaton names them by their str)."""
    letter_of = dict(zip(adapter.letter_names, adapter.alphabet))
    return [tuple(letter_of[name] for name in word_set.word(i)) for i in range(len(word_set))]


def trace(automaton, words):
    """The automaton's PrefixTrace of non-empty words (letters by their str, as the automaton names them)."""
    alphabet = tuple(sorted(map(str, input_alphabet(automaton))))
    letters, lengths = padded_letters([tuple(map(str, word)) for word in words],
                                      {name: i for i, name in enumerate(alphabet)})
    return trace_words(automaton, letters, lengths, alphabet)


def agreement(adapter: Adapter, automaton, words) -> float | None:
    """Share of the non-empty words on which the automaton's output after the word equals the network's class."""
    words = [word for word in words if len(word)]
    if not words:
        return None
    return float(np.mean(adapter.classify(words) == trace(automaton, words).final_outputs()))


def prefix_classes(adapter: Adapter, words) -> list[list[str]]:
    """The class after every prefix: from the adapter's own prefix_classes when it has one, else by classify."""
    if callable(getattr(adapter.source, "prefix_classes", None)):
        return [[str(label) for label in labels] for labels in adapter.source.prefix_classes(words)]
    prefixes = list(dict.fromkeys(word[:n] for word in words for n in range(1, len(word) + 1)))
    label_of = dict(zip(prefixes, adapter.classify(prefixes).tolist()))
    return [[label_of[word[:n]] for n in range(1, len(word) + 1)] for word in words]


def conformance_accuracy(adapter: Adapter, automaton, seed: int = 0) -> float:
    """The grid's accuracy: share of the conformance words right after every prefix (docs/contract.md, Accuracy)."""
    words = adapter_words(adapter, conformance_words(automaton, CONFORMANCE_WORDS, seed=seed))
    expected = trace(automaton, words)
    right = [labels == expected.outputs[row, :len(labels)].tolist()
             for row, labels in enumerate(prefix_classes(adapter, words))]
    return float(np.mean(right))


def score_functions(hidden_states: np.ndarray, automaton, words, function_names, seed: int) -> dict:
    """{labeling: {function: FunctionResult}} against the automaton's states after every letter."""
    prefix_trace = trace(automaton, words)
    n_letters = len(input_alphabet(automaton))
    try:
        clusterer = protocol_clusterer(hidden_states, SPEC_PROTOCOL, seed, function_names)
    except FUNCTION_FAILURES:
        clusterer = None   # evaluate_functions records each function's reason
    return {labeling: evaluate_functions(hidden_states, prefix_trace.state_labels(labeling), function_names,
                                         automaton_size(automaton), labeling_k_multiplier(labeling, n_letters),
                                         seed, SPEC_PROTOCOL.fit_fraction, clusterer)
            for labeling in labelings_for(automaton)}


def result_fields(result: FunctionResult) -> dict:
    """A function's report entry: its numbers, or its error (JSON has no NaN)."""
    if result.error is not None:
        return {"error": result.error}
    return {"amb": result.amb, "wamb": result.wamb, "max": result.max, "min": result.min,
            "n_clusters": int(result.n_clusters)}


def automaton_entry(automaton, name: str, learned: LearnedAutomaton | None) -> dict:
    entry = {"source": "learned" if learned else "given", "name": name, "states": automaton_size(automaton),
             "algorithm": None, "membership_queries": 0, "equivalence_queries": 0, "converged": None, "seconds": 0.0}
    if learned:
        entry.update(algorithm=learned.algorithm, membership_queries=learned.membership_queries,
                     equivalence_queries=learned.equivalence_queries, converged=learned.converged,
                     seconds=learned.seconds, stop_reason=learned.stop_reason,
                     classified_words=learned.classified_words)
    return entry


def analyse(network, automaton=None, words=None, function_names=FUNCTION_NAMES, algorithm: str = "kv",
            budget: LearningBudget = LearningBudget(), seed: int = 0,
            automaton_name: str | None = None) -> NetworkAnalysis:
    """Agreement and every function's ambiguity; without an automaton, against one learned from the network."""
    adapter = as_adapter(network)
    probe(adapter, seed)
    if automaton is not None:
        check_same_alphabet(adapter, automaton, automaton_name or "given")
    words = list(words) if words is not None else draw_words(adapter, automaton, seed)
    learned = None
    if automaton is None:
        learned = learn_automaton(adapter, words, algorithm, budget, seed)
        automaton, automaton_name = learned.automaton, "learned"
    report = {"network": adapter.name, "alphabet_size": len(adapter.alphabet), "words": len(words), "seed": seed,
              "automaton": automaton_entry(automaton, automaton_name or "given", learned),
              "agreement": agreement(adapter, automaton, words),
              "accuracy": None if learned else conformance_accuracy(adapter, automaton, seed)}
    labelings = labelings_for(automaton)
    report["labeling"] = labelings[0]
    non_empty = [word for word in words if len(word)]
    if not adapter.has_hidden_states:
        report["functions_skipped"] = "the adapter has no hidden_states"
        return NetworkAnalysis(report, learned, [])
    results = score_functions(adapter.stacked_hidden_states(non_empty), automaton, non_empty, function_names, seed)
    by_labeling = {labeling: {name: result_fields(result) for name, result in functions.items()}
                   for labeling, functions in results.items()}
    report["functions"] = by_labeling[labelings[0]]
    if is_context_free(automaton):
        report["functions_by_labeling"] = by_labeling
    return NetworkAnalysis(report, learned, csv_rows(report, by_labeling))


def csv_rows(report: dict, by_labeling: dict) -> list[dict]:
    """results.csv's rows: one per labeling × function; accuracy is the grid's, or the agreement when learned."""
    accuracy = report["agreement"] if report["accuracy"] is None else report["accuracy"]
    return [{"network": report["network"], "automaton": report["automaton"]["name"],
             "automaton_source": report["automaton"]["source"], "labeling": labeling, "function": name,
             **{key: entry.get(key) for key in SCORE_FIELDS}, "accuracy": accuracy}
            for labeling, functions in by_labeling.items() for name, entry in functions.items()]
