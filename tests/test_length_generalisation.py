"""Length generalisation: words of each length, labelling new vectors with fitted functions, ambiguity per
length, the runner's record and merged pickle, and the statistics figure."""
import pickle

import matplotlib
import numpy as np
import pytest
import torch

matplotlib.use("Agg")

from stateclusters.analyses.length_generalisation import (  # noqa: E402
    ambiguity_per_group,
    length_bucket_names,
    length_generalisation,
)
from stateclusters.analyses.registry import analysis_named  # noqa: E402
from stateclusters.automata import get_automaton  # noqa: E402
from stateclusters.automata.tables import compile_table  # noqa: E402
from stateclusters.clustering.functions import FIT_FRACTION, FUNCTION_NAMES, Abstraction  # noqa: E402
from stateclusters.commands import experiment_runner  # noqa: E402
from stateclusters.commands import statistics_computation as stats  # noqa: E402
from stateclusters.evaluation.network_data import NetworkData  # noqa: E402
from stateclusters.evaluation.training import network_config  # noqa: E402
from stateclusters.grid.jobs import JobSpec, single_threaded  # noqa: E402
from stateclusters.networks.recurrent import RecurrentClassifier, TrainingConfig, train_network  # noqa: E402
from stateclusters.results.files import (  # noqa: E402
    LENGTH_GENERALISATION_FILE,
    read_analysis,
    read_job_record,
    write_results,
)
from stateclusters.words.runs import trace_words  # noqa: E402
from stateclusters.words.sampling import (  # noqa: E402
    balanced_by_end_state,
    training_words,
    validation_words,
    words_by_end_state,
    words_of_each_length,
)


@pytest.fixture(autouse=True)
def one_thread():
    """On a busy machine spin-waiting BLAS/OpenMP threads make training and clustering many times slower."""
    with single_threaded():
        yield


# ---- words -----------------------------------------------------------------------------------------------

def test_words_of_each_length_has_every_length_and_all_short_words():
    words = words_of_each_length(get_automaton("tomita3"), 20, range(1, 51), seed=3)
    counts = np.bincount(words.lengths)
    assert counts[1:].tolist() == [2, 4, 8, 16] + [20] * 46      # all 2^l words while there are at most 20
    short = {words.word(i) for i in np.flatnonzero(words.lengths == 3)}
    assert len(short) == 8
    again = words_of_each_length(get_automaton("tomita3"), 20, range(1, 51), seed=3)
    assert np.array_equal(words.letters, again.letters) and np.array_equal(words.labels, again.labels)


def test_long_pda_words_are_spread_over_the_control_states_they_can_end_in():
    # Drawn like the training words alone, 92 % of CFG_L_11's words of length 15-50 ended in err.
    pda = get_automaton("CFG_L_11")
    words = words_by_end_state(pda, 40, range(15, 51), seed=0)
    trace = trace_words(pda, words.letters, words.lengths, words.alphabet)
    ends = np.asarray(trace.states[np.arange(len(words)), words.lengths - 1])
    _, counts = np.unique(ends, return_counts=True)
    assert len(counts) == 4 and counts.min() >= 0.2 * len(words)
    assert (np.bincount(words.lengths)[15:] == 40).all()


def test_a_pda_gives_words_of_length_50_that_its_trace_follows():
    pda = get_automaton("CFG_L_1")
    words = words_of_each_length(pda, 5, [50], seed=0)
    assert words.letters.shape == (5, 50) and (words.lengths == 50).all()
    assert set(words.labels.tolist()) <= {"True", "False"}


# ---- labelling new vectors -------------------------------------------------------------------------------

def blobs_with_copies(seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Three 2-D blobs (one state each) plus exact copies of some rows, as hidden states repeat."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    states = rng.integers(0, 3, size=240)
    vectors = centres[states] + rng.normal(scale=0.3, size=(240, 2))
    copies = rng.integers(0, 240, size=60)
    return np.vstack([vectors, vectors[copies]]), np.concatenate([states, states[copies]]).astype(str)


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_a_fitted_function_labels_its_own_vectors_as_the_clustering_did(name):
    vectors, states = blobs_with_copies()
    abstraction = Abstraction(name, n_states=3).fit(vectors, states)
    fitted = abstraction.labels_
    predicted = abstraction.predict(vectors)
    n_fit = int(len(vectors) * FIT_FRACTION)
    # OPTICS keeps its own labels on the quarter it is fitted on; all others label every row by the new-point rule.
    rows = slice(n_fit, None) if name == "OPTICS" else slice(None)
    assert np.array_equal(predicted[rows], fitted[rows])


def test_dbscan_gives_a_new_vector_the_lowest_numbered_cluster_within_eps_else_noise():
    # Two groups of five copies (weighted neighbour count 5: core points for eps 0.5), 0.8 apart; one loner.
    vectors = np.array([[0.0, 0.0]] * 5 + [[0.8, 0.0]] * 5 + [[5.0, 5.0]])
    abstraction = Abstraction("DBSCAN").fit(vectors)
    assert abstraction.function_.eps == 0.5
    assert abstraction.labels_.tolist() == [0] * 5 + [1] * 5 + [-1]
    new = np.array([[0.45, 0.0],    # within eps of both groups, nearer to cluster 1: DBSCAN's rule says 0
                    [0.9, 0.3],     # only near cluster 1
                    [-0.5, 0.0],    # exactly eps from cluster 0: inside
                    [0.4, 0.6],     # 0.72 and 0.72 away: outside both
                    [5.0, 5.0]])    # where the fitted noise point is: still noise (it is not a core point)
    assert abstraction.predict(new).tolist() == [0, 1, 0, -1, -1]


def test_non_finite_new_vectors_form_one_cluster_of_their_own():
    vectors, states = blobs_with_copies()
    abstraction = Abstraction("k_means", n_states=3).fit(vectors, states)
    new = np.array([[0.0, 0.0], [np.nan, 1.0], [3.0, 0.0], [np.inf, 0.0]])
    labels = abstraction.predict(new)
    assert labels[1] == labels[3] == "non-finite" and labels[0] != labels[2] != "non-finite"


def test_words_are_kept_round_robin_over_their_end_states():
    lengths = np.array([5] * 10 + [6] * 3)
    end_states = np.array(["sink"] * 8 + ["q1", "q2"] + ["sink"] * 3)
    keep = balanced_by_end_state(lengths, end_states, 4, np.random.default_rng(0))
    kept_of_5 = keep[lengths[keep] == 5]
    # Both rare end states are kept, and the sink takes only the places left: 2 of 4, not 8 of 10.
    assert sorted(end_states[kept_of_5].tolist()) == ["q1", "q2", "sink", "sink"]
    assert (lengths[keep] == 6).sum() == 3   # fewer words than places: all kept


def test_long_words_of_tomita3_reach_several_states_at_every_length():
    """Uniform long words of tomita3 almost all end in its sink; balanced, every length keeps several states."""
    from stateclusters.analyses.length_generalisation import final_states
    automaton = get_automaton("tomita3")
    finals = final_states(automaton_network("tomita3"), automaton, n_per_length=20, max_length=40, seed=1)
    states = finals.state_labels("regular")
    for length in (30, 40):
        at_length = states[finals.word_lengths == length]
        assert len(at_length) == 20 and len(np.unique(at_length)) >= 3, length


def test_ambiguity_per_group_scores_each_group_alone():
    states = np.array(["a", "a", "b", "b", "a", "b"])
    clusters = np.array([0, 0, 1, 1, 0, 0])
    groups = np.array([1, 1, 1, 1, 2, 2])
    scores = ambiguity_per_group(states, clusters, groups)
    assert scores[1] == (0.0, 0.0, 4, 2)
    assert scores[2] == pytest.approx((1.0, 1.0, 2, 2))   # one cluster holding a and b equally


def test_length_buckets_are_named_by_their_range():
    assert length_bucket_names(np.array([1, 14, 15, 50])).tolist() == ["01-14", "01-14", "15-20", "41-50"]


# ---- whole networks --------------------------------------------------------------------------------------

def automaton_network(name: str) -> RecurrentClassifier:
    """A relu RNN that runs the DFA exactly: unit (q, a) is 1 iff the word so far ends in letter a at state q.

    u(q', a)_t = relu(x_a + Σ_{δ(q, a) = q'} u(q, ·)_{t-1} + [δ(q0, a) = q'](1 - z_{t-1}) - 1), and z = relu(1)
    is 0 only before the first letter, so its absence stands for the initial state.
    """
    automaton = get_automaton(name)
    table = compile_table(automaton)
    n_states, n_letters = table.next_state.shape
    n_units = n_states * n_letters + 1
    model = RecurrentClassifier(network_config(automaton, "relu", n_units))
    w_ih, w_hh, bias = torch.zeros(n_units, n_letters), torch.zeros(n_units, n_units), -torch.ones(n_units)
    started = n_units - 1
    for source in range(n_states):
        for letter in range(n_letters):
            unit = table.next_state[source, letter] * n_letters + letter
            w_ih[unit, letter] = 1.0
            w_hh[unit, source * n_letters:(source + 1) * n_letters] = 1.0
    for letter in range(n_letters):
        unit = table.next_state[table.initial_state, letter] * n_letters + letter
        bias[unit] += 1.0
        w_hh[unit, started] = -1.0
    bias[started] = 1.0
    layer = model.layers[0]
    with torch.no_grad():
        layer.weight_ih_l0.copy_(w_ih)
        layer.weight_hh_l0.copy_(w_hh)
        layer.bias_ih_l0.copy_(bias)
        layer.bias_hh_l0.zero_()
    return model.eval()


def test_hidden_states_that_follow_the_automaton_stay_unambiguous_at_every_length():
    automaton = get_automaton("tomita3")
    data = NetworkData(automaton_network("tomita3"), automaton, n_validation_words=200)
    results = length_generalisation(data, ["k_means_8", "DBSCAN", "lr", "k_means_dec"], n_per_length=20)["regular"]
    for name in ("k_means_8", "DBSCAN", "lr"):
        assert sorted(results[name]) == list(range(1, 51))
        assert all(amb == 0.0 and wamb == 0.0 for amb, wamb, _, _ in results[name].values()), name
    # Fewer clusters than states must merge two states somewhere: the score can tell.
    assert max(wamb for _, wamb, _, _ in results["k_means_dec"].values()) > 0.1


@pytest.fixture(scope="module")
def tiny_network():
    automaton = get_automaton("tomita1")
    config = network_config(automaton, "gru", 4)
    model, _ = train_network(config, training_words(automaton, 0, 300), validation_words(automaton, 0, 100),
                             TrainingConfig(epochs=2, seed=0), progress=False)
    return automaton, model


def test_length_generalisation_of_a_tiny_network_has_every_length_and_scores_in_range(tiny_network):
    automaton, model = tiny_network
    functions = ["lda", "k_means_8", "DBSCAN", "OPTICS", "mean_shift_8"]
    results = length_generalisation(NetworkData(model, automaton, n_validation_words=100), functions,
                                    n_per_length=10)
    assert list(results) == ["regular"] and list(results["regular"]) == functions
    for name, per_length in results["regular"].items():
        assert sorted(per_length) == list(range(1, 51)), name
        for length, (amb, wamb, n, n_states) in per_length.items():
            assert 0.0 <= amb <= 1.0 and 0.0 <= wamb <= 1.0
            assert n == min(10, 2 ** length) and 1 <= n_states <= 2


# ---- the runner and the statistics -----------------------------------------------------------------------

TINY_GRID = ["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--epochs", "2",
             "--train-words", "300", "--validation-words", "100", "--conformance-words", "100",
             "--functions", "k_means_8,DBSCAN"]


def test_the_setting_is_recorded_only_when_on():
    spec = JobSpec("tomita1", "gru", 1, 4, 1, ("k_means",), "/tmp")
    assert "length_generalisation" not in spec.settings()   # records written before the option stay finished
    on = JobSpec("tomita1", "gru", 1, 4, 1, ("k_means",), "/tmp", analyses=("length_generalisation",))
    assert on.settings()["length_generalisation"] == [200, 50, "balanced by end state"]


def test_runner_records_and_merges_length_generalisation(tmp_path):
    out = tmp_path / "grid"
    assert experiment_runner.main(TINY_GRID + ["--out", str(out)]) == 0
    assert not (out / LENGTH_GENERALISATION_FILE).exists()
    # Turning it on reruns the finished job (its settings differ) and writes the merged file.
    assert experiment_runner.main(TINY_GRID + ["--out", str(out), "--length-generalisation"]) == 0
    record = read_job_record(out / "jobs" / "tomita1_gru_1_4_1.pickle")
    per_function = record["length_generalisation"]["regular"]
    assert set(per_function) == {"k_means_8", "DBSCAN"} and record["seconds"]["length_generalisation"] > 0
    with open(out / LENGTH_GENERALISATION_FILE, "rb") as file:
        merged = pickle.load(file)
    assert merged == {"tomita1_gru_1_4_1_regular": per_function}
    assert sorted(merged["tomita1_gru_1_4_1_regular"]["k_means_8"]) == list(range(1, 51))
    # Off again: the record with the extra serves the plain run, so nothing reruns and the file stays.
    assert experiment_runner.main(TINY_GRID + ["--out", str(out)]) == 0
    assert read_job_record(out / "jobs" / "tomita1_gru_1_4_1.pickle") == record
    with open(out / LENGTH_GENERALISATION_FILE, "rb") as file:
        assert pickle.load(file) == merged
    # The file is derived from the records: without them it goes.
    (out / "jobs" / "tomita1_gru_1_4_1.pickle").unlink()
    assert experiment_runner.main(TINY_GRID + ["--out", str(out), "--no-train"]) == 0
    assert not (out / LENGTH_GENERALISATION_FILE).exists()


def curve(values_by_length: dict) -> dict:
    return {length: [wamb / 2, wamb, 10] for length, wamb in values_by_length.items()}


def test_statistics_draws_mean_weighted_ambiguity_against_length(tmp_path, capsys):
    results = tmp_path / "results"
    keys = ["tomita1_gru_1_4_1_regular", "tomita3_gru_1_10_1_regular", "CFG_L_1_gru_1_8_1_stackless"]
    write_results(results, {key: 1.0 for key in keys}, {key: {"k_means_8": [0, 0, 0, 0, 8]} for key in keys})
    lengths = range(1, 51)
    length_results = {keys[0]: {"k_means_8": curve({n: 0.0 if n <= 14 else 0.2 for n in lengths})},
                      keys[1]: {"k_means_8": curve({n: 0.1 if n <= 14 else 0.4 for n in lengths})},
                      keys[2]: {"k_means_8": curve({n: 0.5 for n in lengths})}}
    with open(results / LENGTH_GENERALISATION_FILE, "wb") as file:
        pickle.dump(length_results, file)
    assert stats.main(["--results", str(results), "--figures", str(tmp_path / "figures")]) == 0
    output = capsys.readouterr().out
    assert "regular (2 networks): lengths 1-14 0.0500, 15-50 0.3000" in output
    assert "stackless (1 networks): lengths 1-14 0.5000, 15-50 0.5000" in output
    image = matplotlib.image.imread(tmp_path / "figures" / "length_generalisation_k_means_8_wamb.png")
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500


def test_statistics_refuses_a_corrupt_length_file(tmp_path):
    results = tmp_path / "results"
    write_results(results, {"tomita1_gru_1_4_1_regular": 1.0}, {"tomita1_gru_1_4_1_regular": {}})
    with open(results / LENGTH_GENERALISATION_FILE, "wb") as file:
        pickle.dump({"tomita1_gru_1_4_1_regular": {"k_means_8": {"1": [0, 0]}}}, file)
    with pytest.raises(stats.ResultFileError, match="corrupt"):
        read_analysis(results, analysis_named("length_generalisation"))
