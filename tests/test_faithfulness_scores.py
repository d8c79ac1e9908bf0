"""The Myhill–Nerode and interchange scores (stateclusters/faithfulness) against brute-force references written
here: the same sampled pairs, every suffix, plain loops that classify one word (or run one vector) at a time."""
import functools
from itertools import count, product

import numpy as np
import pytest
import torch

import stateclusters
from stateclusters.adapters.adapter import as_adapter
from stateclusters.adapters.recurrent import NetworkAdapter
from stateclusters.automata import automaton_kind, get_automaton
from stateclusters.base.errors import UserError
from stateclusters.evaluation.construction import construct_network
from stateclusters.evaluation.training import network_config
from stateclusters.faithfulness.interchange import interchange_scores, interventions_skip_reason
from stateclusters.faithfulness.myhill_nerode import myhill_nerode_scores
from stateclusters.faithfulness.prefixes import prefix_states, sample_pairs, suffix_set
from stateclusters.faithfulness.report import faithfulness_report, function_cluster_labels
from stateclusters.networks.recurrent import NetworkConfig, RecurrentClassifier, build_network
from stateclusters.words.sampling import validation_words


class Constant:
    """A network that ignores its input: always the first class."""

    def __init__(self, automaton):
        self.ALPHABET = sorted(automaton.get_input_alphabet())

    def classify(self, words):
        return ["False"] * len(words)


def random_network(automaton, rnn="gru", hidden=6, layers=2, seed=0, scale=2.0) -> NetworkAdapter:
    """A random network; its weights scaled up so that its class depends on the word (as a trained one's does)."""
    torch.manual_seed(seed)
    config = network_config(automaton, rnn, hidden)
    config = NetworkConfig(config.rnn, config.input_alphabet, config.output_classes, hidden, num_layers=layers)
    model = RecurrentClassifier(config).eval()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.mul_(scale)
    return NetworkAdapter(model)


def noisy_exact_network(automaton, sigma, seed=0) -> NetworkAdapter:
    """The hand-built exact network with Gaussian noise on its weights: right on most words, not all."""
    model = construct_network(automaton)[0]
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(sigma * torch.randn(parameter.shape, generator=generator))
    return NetworkAdapter(model)


def words_of(automaton, n_words, seed=0):
    drawn = validation_words(automaton, seed, n_words)
    return [drawn.word(i) for i in range(len(drawn))]


# The brute-force references: the automaton run letter by letter (AALpy's step, or the PDA's), the network asked
# about one word (or one vector) per call.
def automaton_output(automaton, word) -> str:
    automaton.reset_to_initial()
    output = None
    for letter in word:
        output = automaton.step(letter)
    return str(output)


def state_key(automaton, prefix):
    automaton.reset_to_initial()
    for letter in prefix:
        automaton.step(letter)
    state = automaton.current_state
    return (state.state_id, automaton.stack) if hasattr(automaton, "stack") else state.state_id


def reference_suffixes(automaton, alphabet, suffix_limit):
    """S written out: every word of length 0 to k, k the largest length that keeps S within the limit; a Mealy
    machine's S starts at length 1, as its output after the empty suffix is its last transition's."""
    shortest = 1 if automaton_kind(automaton) == "mealy" else 0
    for longest in count(shortest):
        if sum(len(alphabet) ** n for n in range(shortest, longest + 2)) > suffix_limit:
            return [suffix for n in range(shortest, longest + 1) for suffix in product(alphabet, repeat=n)]


def first_differences(first, second, suffixes, shortest=0):
    """The suffixes after which the two output functions differ while after none of their proper prefixes (of
    at least `shortest` letters)."""
    return [suffix for suffix in suffixes if first(suffix) != second(suffix)
            and all(first(suffix[:n]) == second(suffix[:n]) for n in range(shortest, len(suffix)))]


def grouped_mean(scores: dict):
    """scores: {group: [values]}; the mean of the group means."""
    return float(np.mean([np.mean(values) for values in scores.values()])) if scores else None


def brute_force_myhill_nerode(adapter, automaton, words, suffix_limit, pairs, seed):
    reached = prefix_states(automaton, words)
    sampled = sample_pairs(reached.states, pairs, seed)
    suffixes = reference_suffixes(automaton, adapter.ALPHABET, suffix_limit)
    shortest = min(map(len, suffixes))
    prefixes = reached.prefixes

    classify = functools.cache(lambda word: str(adapter.classify([word])[0]))   # one word a call, each once
    output = functools.cache(lambda word: automaton_output(automaton, word))

    def network(prefix):
        return lambda suffix: classify(prefix + suffix)

    def truth(prefix):
        return lambda suffix: output(prefix + suffix)

    compression = {}
    for a, b in sampled.same_state.tolist():
        state = state_key(automaton, prefixes[a])
        assert state == state_key(automaton, prefixes[b])
        same = all(network(prefixes[a])(suffix) == network(prefixes[b])(suffix) for suffix in suffixes)
        compression.setdefault(state, []).append(float(same))
    precision, recall = {}, {}
    for a, b in sampled.different_states.tolist():
        first, second = prefixes[a], prefixes[b]
        states = frozenset((state_key(automaton, first), state_key(automaton, second)))
        assert len(states) == 2
        true_boundary = first_differences(truth(first), truth(second), suffixes, shortest)
        network_boundary = first_differences(network(first), network(second), suffixes, shortest)
        recalled = [suffix for suffix in true_boundary if network(first)(suffix) == truth(first)(suffix)
                    and network(second)(suffix) == truth(second)(suffix)]
        confirmed = [suffix for suffix in network_boundary if truth(first)(suffix) != truth(second)(suffix)]
        recall.setdefault(states, []).append(len(recalled) / len(true_boundary) if true_boundary else 1.0)
        precision.setdefault(states, []).append(len(confirmed) / len(network_boundary) if network_boundary else 1.0)
    return grouped_mean(compression), grouped_mean(precision), grouped_mean(recall)


@pytest.mark.parametrize("language, network, seed, suffixes", [
    ("tomita5", 0.3, 0, 15), ("tomita7", 0.5, 1, 15), ("CFG_L_1", "gru", 2, 15), ("coffee", 0.3, 4, 20),
    ("mqtt", "tanh", 5, 42)])
def test_myhill_nerode_scores_equal_the_brute_force_reference(language, network, seed, suffixes):
    automaton = get_automaton(language)
    adapter = random_network(automaton, network, seed=seed) if isinstance(network, str) else \
        noisy_exact_network(automaton, network, seed)
    words = words_of(automaton, 40, seed)
    scores = myhill_nerode_scores(adapter, automaton, words, suffix_limit=suffixes + 1, pairs=25, seed=seed)
    assert scores.suffixes == suffixes and scores.suffix_length == (3 if suffixes == 15 else 2)
    assert scores.compression_pairs > 5 and scores.distinction_pairs > 5
    expected = brute_force_myhill_nerode(adapter, automaton, words, suffixes + 1, 25, seed)
    assert (scores.compression, scores.distinction_precision, scores.distinction_recall) == pytest.approx(expected)


def test_the_exact_network_scores_one_and_a_constant_network_recalls_little():
    automaton = get_automaton("tomita5")
    words = words_of(automaton, 60)
    exact = myhill_nerode_scores(NetworkAdapter(construct_network(automaton)[0]), automaton, words, pairs=50)
    assert (exact.compression, exact.distinction_precision, exact.distinction_recall) == (1.0, 1.0, 1.0)
    constant = myhill_nerode_scores(Constant(automaton), automaton, words, pairs=50)
    assert constant.compression == 1.0 and constant.distinction_precision == 1.0   # no boundary of its own
    assert constant.distinction_recall < 0.5


def two_layer_exact_network(automaton, sigma, seed=0) -> NetworkAdapter:
    """The noisy exact network's layer, then a relu layer that copies it: the state lives in layer 1, and layer 2
    holds only what the read-out reads now."""
    first = noisy_exact_network(automaton, sigma, seed).model
    width = first.config.hidden_size
    config = NetworkConfig("relu", first.config.input_alphabet, first.config.output_classes, width, num_layers=2)
    model = RecurrentClassifier(config).eval()
    copy = {"weight_ih_l0": torch.eye(width), "weight_hh_l0": torch.zeros(width, width),
            "bias_ih_l0": torch.zeros(width), "bias_hh_l0": torch.zeros(width)}
    model.load_state_dict({**{f"layers.0.{name}": value for name, value in first.layers[0].state_dict().items()},
                           **{f"layers.1.{name}": value for name, value in copy.items()},
                           **{f"readout.{name}": value for name, value in first.readout.state_dict().items()}})
    return NetworkAdapter(model)


def brute_force_share(adapter, automaton, vector, prefix, suffixes) -> float:
    """The share of suffixes after which the class run from the vector is the automaton's after prefix·suffix."""
    return float(np.mean([str(adapter.classify_from(vector[None], [suffix])[0]) ==
                          automaton_output(automaton, prefix + suffix) for suffix in suffixes]))


def brute_force_iia(adapter, automaton, hidden, cluster_labels, row_prefixes, suffixes) -> tuple[float, float]:
    """Centroid and member IIA (every member run), each cluster following a prefix of its majority state (ties:
    the state the words reach first)."""
    keys = [state_key(automaton, prefix) for prefix in row_prefixes]
    order = list(dict.fromkeys(keys))
    centroid, member, sizes = [], [], []
    for cluster in sorted(set(cluster_labels.tolist())):
        rows = [row for row, label in enumerate(cluster_labels.tolist()) if label == cluster]
        counts = [sum(keys[row] == key for row in rows) for key in order]
        follow = row_prefixes[keys.index(order[counts.index(max(counts))])]
        centroid.append(brute_force_share(adapter, automaton, hidden[rows].mean(axis=0), follow, suffixes))
        member.append(np.mean([brute_force_share(adapter, automaton, hidden[row], follow, suffixes) for row in rows]))
        sizes.append(len(rows))
    return float(np.average(centroid, weights=sizes)), float(np.average(member, weights=sizes))


@pytest.mark.parametrize("language", ["tomita3", "CFG_L_1", "coffee"])
def test_interventions_equal_the_brute_force_reference(language):
    automaton = get_automaton(language)
    network = random_network(automaton, "tanh", seed=3, scale=3.0) if language == "CFG_L_1" else \
        two_layer_exact_network(automaton, 0.02 if language == "tomita3" else 0.3, seed=3)
    adapter = as_adapter(network)
    words = [word for word in words_of(automaton, 30, 3) if word][:8]
    hidden = adapter.stacked_hidden_states(words)
    row_prefixes = [word[:n] for word in words for n in range(1, len(word) + 1)]
    keys = [state_key(automaton, prefix) for prefix in row_prefixes]
    state_labels = np.array([str(key) for key in keys])
    labels = function_cluster_labels(hidden, state_labels, ["k_means", "lr"], len(set(keys)))
    labels["broken"] = "ValueError: no clusters"
    scores = interchange_scores(adapter, automaton, words, hidden, labels,
                                suffix_limit=7 if language != "coffee" else 20, pairs=100, members=1000, seed=3)
    suffixes = reference_suffixes(automaton, adapter.alphabet, 7 if language != "coffee" else 20)
    for name in ("k_means", "lr"):
        iia = brute_force_iia(adapter, automaton, hidden, labels[name], row_prefixes, suffixes)
        assert (scores.functions[name].centroid_iia, scores.functions[name].member_iia) == pytest.approx(iia)
    assert scores.functions["broken"].error == "ValueError: no clusters"
    # Part swaps: the distinction pairs' first vector with the part of the second, following the second's prefix.
    reached = prefix_states(automaton, words)
    swaps = sample_pairs(reached.states, 100, 3).different_states
    first_rows = [row_prefixes.index(prefix) for prefix in reached.prefixes]
    for name, part in network.STATE_PARTS.items():
        shares = []
        for base, source in swaps.tolist():
            vector = hidden[first_rows[base]].copy()
            vector[part] = hidden[first_rows[source]][part]
            shares.append(brute_force_share(adapter, automaton, vector, reached.prefixes[source], suffixes))
        assert scores.parts[name] == pytest.approx(np.mean(shares))
    # The controls: with more pairs than prefixes, every prefix is replaced once.
    assert len(reached.prefixes) < 100
    mean = hidden.mean(axis=0)
    assert scores.mean == pytest.approx(np.mean([brute_force_share(adapter, automaton, mean, prefix, suffixes)
                                                 for prefix in reached.prefixes]))
    assert 0.0 <= scores.random <= 1.0
    if language == "tomita3":
        assert scores.parts["layer1"] > scores.parts["layer2"] + 0.2   # the state is carried by layer 1


def test_running_from_a_prefixs_vector_is_reading_the_prefix():
    automaton = get_automaton("tomita5")
    adapter = as_adapter(random_network(automaton, "gru", seed=4))
    words = [("0", "1", "1"), ("1", "0")]
    hidden = adapter.hidden_states(words)
    _, suffixes = suffix_set(adapter.alphabet, 15)
    for word, vectors in zip(words, hidden):
        from_state = adapter.classify_from(np.repeat(vectors[-1:], len(suffixes), axis=0), suffixes)
        assert from_state.tolist() == adapter.classify([word + suffix for suffix in suffixes]).tolist()


@pytest.mark.parametrize("language", ["tomita3", "tomita5", "tomita7"])
def test_the_exact_network_acts_as_its_clusters_and_a_random_vector_does_not(language):
    automaton = get_automaton(language)
    adapter = as_adapter(NetworkAdapter(construct_network(automaton)[0]))
    words = words_of(automaton, 100)
    hidden = adapter.stacked_hidden_states(words)
    reached = prefix_states(automaton, words)
    labels = function_cluster_labels(hidden, reached.states[reached.row_prefixes].astype(str),
                                     ["k_means_8", "lr"], reached.n_states)
    scores = interchange_scores(adapter, automaton, words, hidden, labels)
    report = faithfulness_report(myhill_nerode_scores(adapter, automaton, words), scores)["faithfulness"]
    interventions = report["interventions"]
    assert interventions["functions"]["k_means_8"] == {"centroid_iia": 1.0, "member_iia": 1.0}
    assert interventions["functions"]["lr"] == {"centroid_iia": 1.0, "member_iia": 1.0}
    assert interventions["parts"] == {"layer1": 1.0}
    assert interventions["controls"]["random"] < 0.9
    assert report["compression"] == report["distinction_precision"] == report["distinction_recall"] == 1.0


def test_networks_without_one_state_vector_get_the_reason():
    automaton = get_automaton("tomita3")
    words = words_of(automaton, 20)
    scores = myhill_nerode_scores(Constant(automaton), automaton, words, pairs=10)
    reason = interventions_skip_reason(Constant(automaton))
    assert reason == "the adapter has no classify_from"
    assert faithfulness_report(scores, reason)["faithfulness"]["interventions_skipped"] == reason
    transformer = NetworkAdapter(build_network(network_config(automaton, "transformer", 8)))
    assert interventions_skip_reason(transformer).startswith("a transformer")
    with pytest.raises(UserError, match="no classify_from"):
        interchange_scores(Constant(automaton), automaton, words, np.zeros((1, 1)), {})


class Unasked(Constant):
    """A network that must not be asked: a score refused before any work never calls it."""
    STATE_PARTS = {"all": slice(0, 2)}

    def classify(self, words):
        raise RuntimeError("asked")

    def classify_from(self, states, words):
        raise RuntimeError("asked")


def test_sizes_past_the_word_limit_are_refused_before_any_work():
    automaton = get_automaton("tomita3")
    words = words_of(automaton, 20)
    with pytest.raises(UserError, match="more than the limit"):
        myhill_nerode_scores(Unasked(automaton), automaton, words, suffix_limit=1000, pairs=10_000)
    hidden = np.zeros((sum(map(len, words)), 2))
    with pytest.raises(UserError, match="more than the limit"):
        interchange_scores(Unasked(automaton), automaton, words, hidden, {"k_means": np.arange(len(hidden))},
                           members=1000, word_limit=10_000)
    with pytest.raises(UserError, match="suffix limit"):
        myhill_nerode_scores(Unasked(automaton), automaton, words, suffix_limit=0)
    with pytest.raises(UserError, match="pairs"):
        myhill_nerode_scores(Unasked(automaton), automaton, words, pairs=0)
    mqtt = get_automaton("mqtt")
    with pytest.raises(UserError, match="one-letter suffixes that S needs for a Mealy machine"):
        myhill_nerode_scores(Unasked(mqtt), mqtt, [tuple(Unasked(mqtt).ALPHABET[:1])], suffix_limit=5)


class WrongCounts(Constant):
    """classify_from that drops a label, and a part past the vector's end."""
    STATE_PARTS = {"layer1": slice(0, 3), "layer2": slice(3, 9)}

    def classify_from(self, states, words):
        return ["False"] * (len(words) - 1)


def test_the_adapter_checks_classify_from_and_its_state_parts():
    automaton = get_automaton("tomita3")
    adapter = as_adapter(WrongCounts(automaton))
    with pytest.raises(UserError, match="returned 1 labels for 2 words"):
        adapter.classify_from(np.zeros((2, 4)), [("0",), ()])
    with pytest.raises(UserError, match="one state row per word"):
        adapter.classify_from(np.zeros((3, 4)), [("0",), ()])
    with pytest.raises(UserError, match="STATE_PARTS\\['layer2'\\]"):
        adapter.state_parts(6)
    assert adapter.state_parts(9) == {"layer1": slice(0, 3), "layer2": slice(3, 9)}
    assert as_adapter(Constant(automaton)).state_parts(9) == {}


def test_a_function_past_the_word_limit_is_skipped_and_the_others_kept():
    automaton = get_automaton("tomita3")
    network = stateclusters.construct_network(automaton)
    words = words_of(automaton, 60)
    hidden = as_adapter(network).stacked_hidden_states([word for word in words if word])
    labels = {"few": np.zeros(len(hidden), dtype=int), "one_per_vector": np.arange(len(hidden))}
    n_suffixes = len(suffix_set(network.ALPHABET, 64)[1])
    scores = interchange_scores(network, automaton, words, hidden, labels, pairs=10,
                                word_limit=(2 * 10 + 10 + 50) * n_suffixes)
    assert scores.functions["few"].error is None and scores.functions["few"].centroid_iia is not None
    assert scores.functions["one_per_vector"].error.startswith("skipped: its clusters need")
