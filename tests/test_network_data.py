"""NetworkData: one grid job draws and traces its validation words once, computes their hidden states once and
the conformance predictions once, however many analyses (evaluation, extraction, length generalisation) read them."""
import numpy as np

import stateclusters.adapters.recurrent as network_adapter
import stateclusters.evaluation.network_data as network_data
from stateclusters.automata import get_automaton
from stateclusters.grid.jobs import DONE, JobSpec, run_job
from stateclusters.protocol import Protocol
from stateclusters.words.sampling import validation_words


def counting(monkeypatch, module, name: str) -> list:
    """Replace module.name by a wrapper that records the arguments of each call, then calls through."""
    calls, original = [], getattr(module, name)

    def wrapper(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)
    monkeypatch.setattr(module, name, wrapper)
    return calls


def test_a_job_with_every_analysis_derives_each_piece_of_network_data_once(tmp_path, monkeypatch):
    drawn = counting(monkeypatch, network_data, "validation_words")
    traced = counting(monkeypatch, network_data, "trace_words")
    # NetworkData reads the network through its adapter (adapters/recurrent.py): count the calls made there.
    states = counting(monkeypatch, network_adapter, "hidden_states")
    predicted = counting(monkeypatch, network_adapter, "prefix_predictions")
    spec = JobSpec("tomita3", "gru", 1, 6, 1, ("lda", "k_means_8", "DBSCAN"), str(tmp_path), epochs=2,
                   training_words=300, protocol=Protocol(validation_words=100), conformance_words=100,
                   analyses=("extract", "length_generalisation"))
    record = run_job(spec)
    assert record["status"] == DONE and record["extraction"] and record["length_generalisation"]
    assert len(drawn) == 1 and len(states) == 1
    assert len(traced) == 2                       # the validation words and the conformance words, once each
    assert len(predicted) == 2                    # the network's outputs on each of those sets, once each


def test_network_data_matches_its_parts_computed_directly():
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.recurrent import RecurrentClassifier, hidden_states, set_seed
    automaton = get_automaton("CFG_L_1")
    set_seed(3)
    model = RecurrentClassifier(network_config(automaton, "lstm", 5))
    data = network_data.NetworkData(model, automaton, seed=7, n_validation_words=60, n_conformance_words=40)
    words = validation_words(automaton, 7, 60)
    assert np.array_equal(data.validation.letters, words.letters)
    assert np.array_equal(data.hidden_states, hidden_states(model, words.letters, words.lengths))
    assert len(data.state_labels("stack_size")) == len(data.hidden_states) == words.lengths.sum()
    assert data.k_multiplier("stack_size") == 3 and data.k_multiplier("top_of_stack") == 2
    assert data.abstraction("k_means", "top_of_stack").k_multiplier == 2
    assert data.conformance_predictions.shape == data.conformance.letters.shape
