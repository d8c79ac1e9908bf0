"""The lr probe: L-BFGS on weighted distinct pairs, against the contract's saga on every vector; saga as a protocol."""
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from stateclusters.ambiguity.scores import ambiguity_from_labels
from stateclusters.automata import get_automaton
from stateclusters.clustering.probes import linear_probe_model, weighted_pairs
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.networks.recurrent import load_checkpoint
from stateclusters.protocol import Protocol

PRETRAINED = Path(__file__).parent.parent / "pretrained_models"


def test_weighted_pairs_count_every_row_once():
    rows = np.array([[0.0, 1.0], [0.0, 1.0], [2.0, 2.0], [0.0, 1.0], [2.0, 2.0]])
    labels = np.array(["a", "a", "b", "c", "b"])
    vectors, pair_labels, counts = weighted_pairs(rows, labels)
    pairs = {(tuple(v), label): count for v, label, count in zip(vectors.tolist(), pair_labels, counts)}
    assert pairs == {((0.0, 1.0), "a"): 2, ((0.0, 1.0), "c"): 1, ((2.0, 2.0), "b"): 2}


def test_a_probe_stopped_at_the_iteration_cap_is_its_result_without_a_warning(monkeypatch):
    import warnings

    from stateclusters.clustering import probes
    monkeypatch.setattr(probes, "LR_MAX_ITER", 2)
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(300, 6)) * 100
    labels = rng.choice(["q0", "q1", "q2"], size=300)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probe = linear_probe_model("lr", rows, labels)
    assert probe.n_iter_.max() == 2
    assert set(probe.predict(rows)) <= {"q0", "q1", "q2"}


def test_weighted_fit_equals_the_fit_on_every_row():
    rng = np.random.default_rng(0)
    distinct = rng.normal(size=(40, 5))
    rows = distinct[rng.integers(0, 40, 400)]
    labels = np.where(rows[:, 0] + 0.3 * rng.normal(size=400) > 0, "q0", "q1")
    ours = linear_probe_model("lr", rows, labels)
    every_row = LogisticRegression(solver="lbfgs", max_iter=1000).fit(rows, labels)
    assert np.allclose(ours.coef_, every_row.coef_, atol=1e-3)
    assert np.array_equal(ours.predict(rows), every_row.predict(rows))


@pytest.mark.parametrize("checkpoint, language", [("tomita3_gru_1_20_1.pt", "tomita3"),
                                                  ("CFG_L_13_gru_1_30_1.pt", "CFG_L_13")])
def test_lr_labels_match_the_contracts_saga_on_a_trained_network(checkpoint, language):
    model, _ = load_checkpoint(PRETRAINED / checkpoint)
    data = NetworkData(model, get_automaton(language), seed=1, n_validation_words=300)
    labels = data.state_labels(data.labelings[0])
    ours = linear_probe_model("lr", data.hidden_states, labels).predict(data.hidden_states)
    saga = LogisticRegression(solver="saga", max_iter=1000, random_state=0).fit(data.hidden_states, labels)
    reference = saga.predict(data.hidden_states)
    assert np.mean(ours == reference) >= 0.999
    wamb = ambiguity_from_labels(labels, ours)[1], ambiguity_from_labels(labels, reference)[1]
    assert abs(wamb[0] - wamb[1]) <= 0.005


def test_the_protocols_lr_solver_reaches_the_probe_and_saga_is_the_papers():
    model, _ = load_checkpoint(PRETRAINED / "tomita3_gru_1_20_1.pt")
    saga_protocol = Protocol.spec().with_settings(["lr_solver=saga"])
    assert Protocol.paper().lr_solver == "saga"
    for protocol, solver in [(Protocol.spec(), "lbfgs"), (saga_protocol, "saga")]:
        data = NetworkData(model, get_automaton("tomita3"), seed=1, n_validation_words=200, protocol=protocol)
        labels = data.state_labels("regular")
        abstraction = data.abstraction("lr", "regular").fit(data.hidden_states, labels, data.clusterer())
        assert abstraction.estimator_.model_.solver == solver
    # The paper's probe: LogisticRegression(max_iter=1000, solver="saga") on every row (seeded here).
    saga = LogisticRegression(solver="saga", max_iter=1000, random_state=1).fit(data.hidden_states, labels)
    assert np.array_equal(abstraction.labels_, saga.predict(data.hidden_states))
