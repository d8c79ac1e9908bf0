"""The protocol settings: spec is today's behaviour, paper is the paper's, and each setting does what it says."""
import dataclasses

import numpy as np
import pytest

from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.automata import get_automaton
from stateclusters.base.catalogue import VALIDATION_WORDS
from stateclusters.base.errors import UserError
from stateclusters.clustering.functions import FIT_FRACTION, Abstraction, shared_clusterer
from stateclusters.clustering.k_means import KMeansClusters, k_means_model
from stateclusters.clustering.shared import distinct_vectors, fitted_row_count
from stateclusters.commands import experiment_runner
from stateclusters.evaluation.network import evaluate_functions
from stateclusters.grid.jobs import DONE, is_finished, job_record
from stateclusters.networks.recurrent import TrainingConfig
from stateclusters.protocol import Protocol, setting_names
from stateclusters.words.runs import trace_words
from stateclusters.words.sampling import validation_words, words_per_length


def test_spec_is_todays_behaviour_and_paper_flips_all_nine():
    spec, paper = Protocol.spec(), Protocol.paper()
    assert spec.validation_words == VALIDATION_WORDS
    assert spec.training_config(200, 7) == TrainingConfig(epochs=200, seed=7)
    assert paper.training_config(200, 7).perfect_epochs_to_stop is None
    assert spec.differences() == {}
    assert set(paper.differences()) == set(setting_names()) - {"fit_fraction"} and len(paper.differences()) == 9
    assert paper.fit_fraction == spec.fit_fraction   # a setting both share, carried with the others
    assert paper.validation_words == 1_000 and paper.kmeans_n_init == 10
    assert (spec.lr_solver, paper.lr_solver) == ("lbfgs", "saga")


def test_a_single_setting_flips_alone_and_bad_ones_are_user_errors():
    flipped = Protocol.spec().with_settings(["early_stop=false"])
    assert flipped.differences() == {"early_stop": False}
    assert Protocol.paper().with_settings(["validation_words=2000"]).differences()["kmeans_n_init"] == 10
    for bad in (["nonsense=1"], ["kmeans_n_init=zero"], ["validation_order=random"], ["kmeans_n_init=0"], ["x"],
                ["lr_solver=newton"]):
        with pytest.raises(UserError):
            Protocol.spec().with_settings(bad)


def test_paper_word_counts_reproduce_the_papers_binary_training_set():
    paper = words_per_length(50_000, 2, rule="paper")
    assert sum(paper.values()) == 50_006
    assert (paper[13], paper[14]) == (20_670, 21_146)
    assert all(paper[length] == 2 ** length for length in range(1, 13))
    assert sum(words_per_length(50_000, 2).values()) == 2 ** 15 - 2   # ours: every binary word once


def test_length_order_keeps_the_same_words_in_generation_order():
    automaton = get_automaton("tomita3")
    shuffled = validation_words(automaton, 5, 300)
    ordered = validation_words(automaton, 5, 300, dataclasses.replace(Protocol.spec(), validation_order="length"))
    assert np.all(np.diff(ordered.lengths) >= 0) and not np.all(np.diff(shuffled.lengths) >= 0)
    def as_set(words):
        return sorted(words.word(i) for i in range(len(words)))
    assert as_set(ordered) == as_set(shuffled)


def test_more_k_means_runs_never_raise_the_inertia_and_one_run_is_unchanged():
    rng = np.random.default_rng(0)
    vectors = np.round(rng.normal(size=(400, 3)), 1)
    distinct = distinct_vectors(vectors)
    one, ten = k_means_model(vectors, distinct, 6, 3), k_means_model(vectors, distinct, 6, 3, n_init=10)
    assert ten.inertia_ <= one.inertia_
    default = KMeansClusters(6, random_state=3).fit(vectors)
    assert np.array_equal(default.model_.labels_, one.labels_)
    assert np.array_equal(default.labels_, distinct.expand(one.labels_))


def test_fitted_scoring_scores_optics_and_mean_shift_on_the_fitted_quarter_only():
    rng = np.random.default_rng(1)
    vectors = np.concatenate([rng.normal(0, 0.05, (60, 2)), rng.normal(3, 0.05, (140, 2))])
    states = np.array([0] * 60 + [1] * 140)
    names = ("OPTICS", "mean_shift", "k_means")
    fitted = shared_clusterer(vectors, names, score_fitted_only=True)
    everything = shared_clusterer(vectors, names)
    scored = evaluate_functions(vectors, states, names, 2, clusterer=fitted)
    plain = evaluate_functions(vectors, states, names, 2, clusterer=everything)
    quarter = fitted_row_count(len(vectors), FIT_FRACTION)
    for name in ("OPTICS", "mean_shift"):
        labels = Abstraction(name, 2).fit_predict(vectors, states, fitted)
        assert scored[name].wamb == pytest.approx(ambiguity_from_labels(states[:quarter], labels[:quarter])[1])
        assert scored[name].n_clusters == len(np.unique(labels[:quarter]))
    # The first quarter holds one state only: its one cluster is pure there, and mixed over all vectors.
    assert scored["mean_shift"].wamb == 0 and plain["mean_shift"].wamb > 0.5
    assert scored["k_means"].as_list() == plain["k_means"].as_list()


def test_a_record_made_under_another_protocol_is_stale(tmp_path):
    arguments = experiment_runner.parse_arguments(["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1",
                                                   "--repeats", "1", "--out", str(tmp_path)])
    spec_job = experiment_runner.build_grid(arguments)[0]
    paper_job = experiment_runner.build_grid(experiment_runner.parse_arguments(
        ["--languages", "tomita1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--out", str(tmp_path),
         "--protocol", "paper"]))[0]
    assert paper_job.protocol.validation_words == 1_000 and paper_job.protocol == Protocol.paper().for_family(False)
    old_record = job_record(spec_job, DONE)
    assert "protocol" not in old_record["settings"]   # records from before the protocol are spec
    assert is_finished(old_record, spec_job) and not is_finished(old_record, paper_job)
    one_flip = dataclasses.replace(spec_job, protocol=Protocol(kmeans_n_init=10))
    assert not is_finished(old_record, one_flip)
    other_fraction = dataclasses.replace(spec_job, protocol=Protocol(fit_fraction=0.5))
    assert not is_finished(old_record, other_fraction)
    assert "protocol" not in job_record(other_fraction, DONE)["settings"]   # recorded as fit_fraction


def test_the_paper_protocol_evaluates_pdas_on_2000_words_and_regular_languages_on_1000(tmp_path):
    paper = Protocol.paper()
    assert (paper.validation_size(False), paper.validation_size(True)) == (1_000, 2_000)
    assert Protocol.spec().validation_size(True) == VALIDATION_WORDS
    assert Protocol.spec().with_settings(["validation_words=300"]).validation_size(True) == 300
    assert paper.with_settings(["pda_validation_words=1000"]).validation_size(True) == 1_000
    assert paper.with_validation_words(500).validation_size(True) == 500
    jobs = experiment_runner.build_grid(experiment_runner.parse_arguments(
        ["--languages", "tomita1,CFG_L_1", "--rnn", "gru", "--sizes", "1x1", "--repeats", "1", "--out", str(tmp_path),
         "--protocol", "paper"]))
    assert {job.language: job.protocol.validation_words for job in jobs} == {"tomita1": 1_000, "CFG_L_1": 2_000}
    pda_job = next(job for job in jobs if job.language == "CFG_L_1")
    assert pda_job.protocol.validation_size(True) == 2_000
    with pytest.raises(UserError):
        paper.with_settings(["pda_validation_words=none"])


def test_the_papers_sampler_counts_explicit_error_transitions_and_bare_pops_as_possible():
    l4 = get_automaton("CFG_L_4")
    assert l4.enabled_letters() == ["a"] and l4.paper_possible_letters() == ["a", "b"]
    l6 = get_automaton("CFG_L_6")
    for letter in "abde":
        l6.step(letter)
    assert l6.stack == ("$",) and l6.enabled_letters() == []
    assert {"d", "f"} <= set(l6.paper_possible_letters())   # unguarded pops of the bare `$`
    l6.step("d")
    assert l6.current_state.state_id == "err" and l6.paper_possible_letters() == l6.get_input_alphabet()
    l13 = get_automaton("CFG_L_13")   # no explicit error transitions and no unguarded pops: the same letters
    assert l13.enabled_letters() == l13.paper_possible_letters()


def one_cluster_ambiguity_of_the_first_quarter(language: str, protocol: Protocol) -> float:
    """The weighted ambiguity of one cluster holding the first quarter: what mean shift scores when it finds one."""
    automaton = get_automaton(language)
    words = validation_words(automaton, 0, protocol.validation_size(True), protocol)
    labels = trace_words(automaton, words.letters, words.lengths, words.alphabet).state_labels("stackless")
    return ambiguity_from_labels(labels[:len(labels) // 4], np.zeros(len(labels) // 4))[1]


def test_the_paper_bias_gives_the_papers_one_cluster_ambiguity_on_cfg_l_4():
    # The paper's file: CFG_L_4_relu_1_42_1, default-bandwidth mean shift, 1 cluster, wamb 0.307 (issue 11).
    paper = one_cluster_ambiguity_of_the_first_quarter("CFG_L_4", Protocol.paper())
    alive = one_cluster_ambiguity_of_the_first_quarter("CFG_L_4", Protocol.paper().with_settings(["pda_bias=alive"]))
    assert abs(paper - 0.307) < 0.04 and alive > 0.7
