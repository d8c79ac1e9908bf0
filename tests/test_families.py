"""A clustering family is one module and one row: a fake one runs through the function table and the evaluation."""
import importlib
import sys

import numpy as np
import pytest

from stateclusters.base.errors import UserError
from stateclusters.clustering import families, functions
from stateclusters.clustering.functions import FUNCTIONS, Abstraction, AbstractionFunction, parse_function_names
from stateclusters.evaluation.network import evaluate_functions

FAKE_MODULE = '''
import numpy as np

from stateclusters.clustering.shared import shared_work_for

SHARED_CALLS = []   # the function rows each computation of the shared work covered


class ThresholdClusters:
    """Two clusters: first coordinate above the mean of all vectors' first coordinates plus an offset, or not."""

    def __init__(self, offset):
        self.offset = offset

    def fit(self, hidden_states, state_labels=None, shared=None):
        shared = shared_work_for(hidden_states, shared)
        centre = shared.family_work if shared.family_work is not None else shared_mean(shared.distinct, ())
        self.threshold_ = centre + self.offset
        self.labels_ = self.predict(hidden_states)
        self.fitted_rows_ = slice(None)
        return self

    def predict(self, vectors):
        return (vectors[:, 0] > self.threshold_).astype(int)


def clusters_for(function, settings):
    return ThresholdClusters(function.eps)


def shared_mean(distinct, rows):
    SHARED_CALLS.append(sorted(row.name for row in rows))
    return float(np.average(distinct.vectors[:, 0], weights=distinct.counts))
'''
ROWS = (AbstractionFunction("threshold", "threshold", eps=0.0),
        AbstractionFunction("threshold_far", "threshold", eps=5.0))   # eps: the fake family's offset


@pytest.fixture
def fake_family(tmp_path, monkeypatch):
    (tmp_path / "threshold_family.py").write_text(FAKE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("threshold_family")
    row = families.Family("threshold", module.clusters_for, shared_work=module.shared_mean)
    monkeypatch.setattr(families, "FAMILY_TABLE", (*families.FAMILY_TABLE, row))
    monkeypatch.setattr(functions, "FUNCTIONS", (*functions.FUNCTIONS, *ROWS))
    yield module
    sys.modules.pop("threshold_family")


def two_blobs():
    rng = np.random.default_rng(0)
    vectors = np.concatenate([rng.normal(-2, 0.1, (50, 3)), rng.normal(2, 0.1, (50, 3))])
    return vectors, np.repeat(np.array(["q0", "q1"]), 50)


def test_a_fake_family_runs_through_the_table_and_the_evaluation(fake_family):
    vectors, states = two_blobs()
    names = parse_function_names("threshold,threshold_far,k_means")
    results = evaluate_functions(vectors, states, names, n_states=2)
    assert results["threshold"].wamb == 0 and results["threshold"].n_clusters == 2
    assert results["threshold_far"].n_clusters == 1 and results["threshold_far"].wamb > 0.4   # one mixed cluster
    assert results["k_means"].error is None
    # The family's shared work ran once, over both of its functions, and reached both estimators.
    assert fake_family.SHARED_CALLS == [["threshold", "threshold_far"]]


def test_a_fake_family_is_an_abstraction_that_labels_new_vectors(fake_family):
    vectors, states = two_blobs()
    abstraction = Abstraction("threshold").fit(vectors, states)
    assert abstraction.predict(np.array([[3.0, 0, 0], [-3.0, 0, 0], [np.nan, 0, 0]])).tolist() == [
        "1", "0", functions.NON_FINITE_LABEL]


def test_a_row_of_an_unknown_family_is_refused(monkeypatch):
    monkeypatch.setattr(functions, "FUNCTIONS", (*functions.FUNCTIONS, AbstractionFunction("odd", "no_such_family")))
    with pytest.raises(UserError, match="unknown clustering family 'no_such_family'"):
        Abstraction("odd").fit(*two_blobs())


def test_every_function_has_a_family_and_every_family_a_function():
    assert {function.family for function in FUNCTIONS} == set(families.family_names()) == set(functions.FAMILIES)
