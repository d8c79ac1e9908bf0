"""One network end to end: its agreement with an automaton (given, or learned from it), and every abstraction
function's ambiguity against that automaton's states (PDAs: under each labeling), each beside its chance level.

Two stages, so that what was learned survives a failure of the scoring: `prepare` checks the inputs, checks that
classify is deterministic, and learns the automaton if none is given; `score` reads the network's labels against
the automaton's outputs and scores the clusters.
"""
from dataclasses import dataclass, field

import numpy as np

from stateclusters.adapters.adapter import Adapter, as_adapter, probe
from stateclusters.adapters.recurrent import NetworkAdapter
from stateclusters.automata import input_alphabet, is_context_free
from stateclusters.base.catalogue import CONFORMANCE_WORDS, MAX_CLUSTERS, SCORE_FIELDS, VALIDATION_WORDS
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FUNCTION_FAILURES, FUNCTION_NAMES, labeling_k_multiplier
from stateclusters.evaluation.network import FunctionResult, ScoringOptions, evaluate_functions
from stateclusters.evaluation.network_data import automaton_size, protocol_clusterer
from stateclusters.faithfulness.sizes import FaithfulnessSizes
from stateclusters.network_analysis.determinism import determinism_check
from stateclusters.network_analysis.labels_match import label_reading, read_labels
from stateclusters.network_analysis.learning import LearnedAutomaton, LearningBudget, learn_automaton
from stateclusters.network_analysis.oracles import RANDOM_WORD_LENGTHS, OracleSettings
from stateclusters.network_analysis.words_file import check_word_sizes
from stateclusters.networks.recurrent import padded_letters
from stateclusters.words.runs import labelings_for, trace_words
from stateclusters.words.sampling import SPEC_PROTOCOL, conformance_words, validation_words


@dataclass(frozen=True)
class NetworkAnalysis:
    """What analyse() found: the report (report.json), the learned automaton if any, and the results.csv rows."""
    report: dict
    learned: LearnedAutomaton | None = None
    rows: list = field(default_factory=list)


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything analyse() is asked, besides the network, the automaton and the words."""
    function_names: tuple = FUNCTION_NAMES
    algorithm: str = "kv"
    budget: LearningBudget = LearningBudget()
    oracle: OracleSettings = OracleSettings()
    seed: int = 0
    max_clusters: int = MAX_CLUSTERS
    allow_nondeterministic: bool = False
    progress: bool = False
    faithfulness: bool = True
    faithfulness_sizes: FaithfulnessSizes = FaithfulnessSizes()

    def as_report(self) -> dict:
        return {"seed": self.seed, "algorithm": self.algorithm, "budget": self.budget.as_report(),
                "max_clusters": self.max_clusters, "allow_nondeterministic": self.allow_nondeterministic,
                "faithfulness": self.faithfulness_sizes.as_report() if self.faithfulness else False}


@dataclass(frozen=True)
class PreparedAnalysis:
    """The first stage's result: the checked inputs, the automaton to score against, and the report so far."""
    adapter: Adapter
    automaton: object
    words: list
    report: dict
    learned: LearnedAutomaton | None


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
    try:
        letters, lengths = padded_letters([tuple(map(str, word)) for word in words],
                                          {name: i for i, name in enumerate(alphabet)})
    except KeyError as error:
        raise UserError(f"a word holds the letter {error.args[0]!r}, which is not in the automaton's alphabet "
                        f"({', '.join(alphabet)})") from None
    return trace_words(automaton, letters, lengths, alphabet)


def agreement(adapter: Adapter, automaton, words, reading: dict | None = None) -> float | None:
    """Share of the non-empty words on which the automaton's output after the word equals the network's class."""
    words = [word for word in words if len(word)]
    if not words:
        return None
    labels = adapter.classify(words)
    expected = trace(automaton, words).final_outputs()
    if reading is None:
        reading = label_reading(set(labels), set(expected))
    return float(np.mean(np.asarray(read_labels(labels, reading), dtype=str) == expected))


def prefix_classes(adapter: Adapter, words) -> list[list[str]]:
    """The class after every prefix: our own networks in one pass, any other adapter through classify."""
    if isinstance(adapter.source, NetworkAdapter):    # our code: trusted, and one batched pass
        return [[str(label) for label in labels] for labels in adapter.source.prefix_classes(words)]
    prefixes = list(dict.fromkeys(word[:n] for word in words for n in range(1, len(word) + 1)))
    label_of = dict(zip(prefixes, adapter.classify(prefixes).tolist()))
    return [[label_of[word[:n]] for n in range(1, len(word) + 1)] for word in words]


def conformance_accuracy(adapter: Adapter, automaton, seed: int = 0, reading: dict | None = None) -> float:
    """The grid's accuracy: share of the conformance words right after every prefix (docs/contract.md, Accuracy)."""
    words = adapter_words(adapter, conformance_words(automaton, CONFORMANCE_WORDS, seed=seed))
    expected = trace(automaton, words)
    right = [read_labels(labels, reading or {}) == expected.outputs[row, :len(labels)].tolist()
             for row, labels in enumerate(prefix_classes(adapter, words))]
    return float(np.mean(right))


def score_functions(hidden_states: np.ndarray, automaton, words, function_names, seed: int,
                    options: ScoringOptions = ScoringOptions(), clusterer=None) -> dict:
    """{labeling: {function: FunctionResult}} against the automaton's states after every letter."""
    prefix_trace = trace(automaton, words)
    n_letters = len(input_alphabet(automaton))
    clusterer = clusterer or shared_clusterer_or_none(hidden_states, function_names, seed)
    return {labeling: evaluate_functions(hidden_states, prefix_trace.state_labels(labeling), function_names,
                                         automaton_size(automaton), labeling_k_multiplier(labeling, n_letters),
                                         seed, SPEC_PROTOCOL.fit_fraction, clusterer, options)
            for labeling in labelings_for(automaton)}


def shared_clusterer_or_none(hidden_states: np.ndarray, function_names, seed: int):
    """The protocol's shared clusterer of the vectors; None when they cannot be clustered (evaluate_functions then
    records each function's reason)."""
    try:
        return protocol_clusterer(hidden_states, SPEC_PROTOCOL, seed, function_names)
    except FUNCTION_FAILURES:
        return None


def result_fields(result: FunctionResult) -> dict:
    """A function's report entry: its numbers and chance level, or its error (JSON has no NaN)."""
    if result.error is not None:
        return {"error": result.error}
    return {"amb": result.amb, "wamb": result.wamb, "max": result.max, "min": result.min,
            "n_clusters": int(result.n_clusters), "wamb_chance": result.wamb_chance}


def automaton_entry(automaton, name: str, learned: LearnedAutomaton | None) -> dict:
    entry = {"source": "learned" if learned else "given", "name": name, "states": automaton_size(automaton),
             "algorithm": None, "membership_queries": 0, "equivalence_queries": 0, "converged": None, "seconds": 0.0}
    if learned:
        entry.update(algorithm=learned.algorithm, membership_queries=learned.membership_queries,
                     equivalence_queries=learned.equivalence_queries, converged=learned.converged,
                     seconds=learned.seconds, stop_reason=learned.stop_reason,
                     classified_words=learned.classified_words, oracle=learned.oracle)
    return entry


def prepare(network, automaton=None, words=None, settings: AnalysisSettings = AnalysisSettings(),
            automaton_name: str | None = None) -> PreparedAnalysis:
    """The inputs checked, classify checked for determinism, and the automaton: given, or learned."""
    adapter = as_adapter(network)
    probe(adapter, settings.seed)
    if automaton is not None:
        check_same_alphabet(adapter, automaton, automaton_name or "given")
    words = list(words) if words is not None else draw_words(adapter, automaton, settings.seed)
    check_word_sizes(words)
    learned = None
    if automaton is None:
        learned = learn_automaton(adapter, words, settings.algorithm, settings.budget, settings.seed,
                                  oracle=settings.oracle, allow_nondeterministic=settings.allow_nondeterministic,
                                  progress=settings.progress)
        automaton, automaton_name, determinism = learned.automaton, "learned", learned.determinism
    else:
        determinism = determinism_check(adapter, words, settings.seed, settings.allow_nondeterministic)
    report = {"network": adapter.name, "alphabet_size": len(adapter.alphabet), "words": len(words),
              "non_empty_words": sum(1 for word in words if len(word)), "settings": settings.as_report(),
              "determinism": determinism, "automaton": automaton_entry(automaton, automaton_name or "given", learned)}
    return PreparedAnalysis(adapter, automaton, words, report, learned)


def score(prepared: PreparedAnalysis, settings: AnalysisSettings = AnalysisSettings()) -> NetworkAnalysis:
    """Agreement, accuracy and every function's scores against the prepared automaton."""
    adapter, automaton, report = prepared.adapter, prepared.automaton, dict(prepared.report)
    non_empty = [word for word in prepared.words if len(word)]
    labels = adapter.classify(non_empty) if non_empty else np.array([], dtype=str)
    reading = label_reading(set(labels), set(trace(automaton, non_empty).final_outputs()) if non_empty else set())
    if reading:
        report["label_reading"] = reading
    report["agreement"] = agreement(adapter, automaton, non_empty, reading)
    report["accuracy"] = None if prepared.learned else conformance_accuracy(adapter, automaton, settings.seed,
                                                                             reading)
    labelings = labelings_for(automaton)
    report["labeling"] = labelings[0]
    converged = report["automaton"]["converged"]
    if converged is False:
        report["scores_note"] = (f"scores against an automaton that did not converge (stopped by its "
                                 f"{report['automaton']['stop_reason']} budget)")
    if not adapter.has_hidden_states:
        report["functions_skipped"] = adapter.hidden_states_skipped
        return NetworkAnalysis(report, prepared.learned, [])
    options = ScoringOptions(settings.max_clusters, settings.seed, settings.progress)
    hidden_states = adapter.stacked_hidden_states(non_empty)
    clusterer = shared_clusterer_or_none(hidden_states, list(settings.function_names), settings.seed)
    results = score_functions(hidden_states, automaton, non_empty, list(settings.function_names), settings.seed,
                              options, clusterer)
    by_labeling = {labeling: {name: result_fields(result) for name, result in functions.items()}
                   for labeling, functions in results.items()}
    report["functions"] = by_labeling[labelings[0]]
    if is_context_free(automaton):
        report["functions_by_labeling"] = by_labeling
    if settings.faithfulness:
        from stateclusters.faithfulness.report import faithfulness_entry
        labeling = labelings[0]
        report.update(faithfulness_entry(adapter, automaton, non_empty, hidden_states, list(settings.function_names),
                                         settings.seed, SPEC_PROTOCOL.fit_fraction, clusterer,
                                         {name: result.error for name, result in results[labeling].items()
                                          if result.error}, settings.faithfulness_sizes))
    return NetworkAnalysis(report, prepared.learned, csv_rows(report, by_labeling))


def analyse(network, automaton=None, words=None, settings: AnalysisSettings = AnalysisSettings(),
            automaton_name: str | None = None) -> NetworkAnalysis:
    """Agreement and every function's ambiguity; without an automaton, against one learned from the network."""
    return score(prepare(network, automaton, words, settings, automaton_name), settings)


FAITHFULNESS_COLUMNS = ("compression", "distinction_precision", "distinction_recall")


def csv_rows(report: dict, by_labeling: dict) -> list[dict]:
    """results.csv's rows: one per labeling × function; accuracy is the grid's, or the agreement when learned.
    The network's Myhill–Nerode scores repeat on every row; each function's IIA stands on its own rows."""
    accuracy = report["agreement"] if report["accuracy"] is None else report["accuracy"]
    automaton, faithful = report["automaton"], report.get("faithfulness", {})
    iia = faithful.get("interventions", {}).get("functions", {})
    return [{"network": report["network"], "automaton": automaton["name"],
             "automaton_source": automaton["source"], "automaton_converged": automaton["converged"],
             "labeling": labeling, "function": name, **{key: entry.get(key) for key in SCORE_FIELDS},
             "wamb_chance": entry.get("wamb_chance"), "accuracy": accuracy,
             **{key: faithful.get(key) for key in FAITHFULNESS_COLUMNS},
             "centroid_iia": iia.get(name, {}).get("centroid_iia"), "member_iia": iia.get(name, {}).get("member_iia")}
            for labeling, functions in by_labeling.items() for name, entry in functions.items()]
