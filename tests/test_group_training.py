"""Group training (networks/group_training.py) against solo training (train_network), and padding's neutrality."""
from dataclasses import replace

import pytest
import torch

from stateclusters.automata import get_automaton
from stateclusters.evaluation.training import network_config
from stateclusters.grid.jobs import single_threaded
from stateclusters.networks.group_training import GroupMember, train_group
from stateclusters.networks.recurrent import TrainingConfig, build_network, train_network
from stateclusters.networks.stacked import StackedRecurrent
from stateclusters.words.sampling import training_words, validation_words

EPOCHS, WORDS, VALIDATION = 3, 300, 200


@pytest.fixture(autouse=True)
def one_thread():
    with single_threaded():   # on a busy machine, torch's spinning threads make a tiny training take seconds
        yield


def member(language: str, rnn: str, hidden: int, seed: int, layers: int = 1, epochs: int = EPOCHS) -> GroupMember:
    automaton = get_automaton(language)
    return GroupMember(network_config(automaton, rnn, hidden, layers), training_words(automaton, seed, WORDS),
                       validation_words(automaton, seed, VALIDATION), TrainingConfig(epochs=epochs, seed=seed,
                                                                        perfect_epochs_to_stop=None))


def assert_same_training(a, b, loss_tolerance=1e-6, weight_tolerance=1e-5):
    (model_a, metrics_a), (model_b, metrics_b) = a, b
    assert metrics_a.epochs_run == metrics_b.epochs_run
    assert metrics_a.validation_accuracy == metrics_b.validation_accuracy
    assert metrics_a.training_loss == pytest.approx(metrics_b.training_loss, rel=loss_tolerance)
    state_b = model_b.state_dict()
    for name, tensor in model_a.state_dict().items():
        assert torch.allclose(tensor, state_b[name], rtol=0, atol=weight_tolerance), name


@pytest.mark.parametrize("rnn, layers", [("relu", 1), ("tanh", 1), ("gru", 1), ("lstm", 1), ("gru", 2)])
def test_a_group_of_four_trains_as_train_network(rnn, layers):
    members = [member("tomita3", rnn, 6, seed, layers) for seed in range(4)]
    group = train_group(members, progress=False)
    for one, trained in zip(members, group):
        solo = train_network(one.config, one.training_words, one.validation_words, one.settings, progress=False)
        assert_same_training(trained, solo)


def test_validation_sets_of_different_sizes_are_each_measured_as_train_network_measures_them():
    # About 90 and 600 words: the stacked validation pads the smaller set and cuts the larger one into chunks.
    automaton = get_automaton("tomita3")
    members = [GroupMember(network_config(automaton, "relu", 8), training_words(automaton, seed, 2000),
                           validation_words(automaton, seed, n_validation),
                           TrainingConfig(epochs=4, seed=seed, perfect_epochs_to_stop=None))
               for seed, n_validation in ((3, 90), (4, 600))]
    small, large = (len(m.validation_words.lengths) for m in members)
    assert small < members[0].settings.batch_size < large
    group = train_group(members, progress=False)
    for one, trained in zip(members, group):
        solo = train_network(one.config, one.training_words, one.validation_words, one.settings, progress=False)
        assert_same_training(trained, solo)
    assert len(set(group[1][1].validation_accuracy)) > 1   # its accuracy moves, so equal lists say something


def test_padding_in_hidden_size_alphabet_and_classes_changes_nothing():
    own = member("tomita3", "gru", 6, 1)
    unpadded = train_group([own, member("tomita3", "gru", 6, 2)], progress=False)[0]
    padded = train_group([own, member("mqtt", "gru", 11, 2)], progress=False)[0]   # 6 letters, 6 classes
    assert_same_training(padded, unpadded)


def test_an_overflowing_relu_network_padded_keeps_its_padding_at_zero():
    small, wide = network_config(get_automaton("tomita3"), "relu", 4), network_config(get_automaton("mqtt"), "relu", 9)
    torch.manual_seed(0)
    exploding = {name: tensor * 1e3 for name, tensor in build_network(small).state_dict().items()}
    padded = StackedRecurrent([small, wide], [exploding, build_network(wide).state_dict()])
    letters = torch.randint(0, 2, (2, 40, 5))   # networks, steps, words
    final_h = padded.final_states(letters)
    assert not torch.isfinite(final_h[0, :, :4]).all()     # its real units overflow (inf, then inf - inf) ...
    assert torch.equal(final_h[0, :, 4:], torch.zeros(5, 5))   # ... its padded units stay exactly zero
    solo = build_network(small)
    solo.load_state_dict(exploding)
    with torch.no_grad():
        torch.testing.assert_close(padded(letters)[0, :, :2], solo(letters[0].T)[:, -1], equal_nan=True)


ACCEPT_ALL = """digraph everything {
q0 [label="q0", shape=doublecircle];
q0 -> q0 [label="a"];
q0 -> q0 [label="b"];
__start0 [shape=none, label=""];
__start0 -> q0 [label=""];
}
"""


def test_a_network_that_stops_early_leaves_the_group_as_it_would_stop_alone(tmp_path):
    path = tmp_path / "everything.dot"   # one state, one class: 100% accuracy from the first epoch
    path.write_text(ACCEPT_ALL)
    early = member(str(path), "gru", 4, 1)
    members = [member("tomita3", "gru", 4, 2), early, member("tomita3", "gru", 4, 3)]
    members = [replace(m, settings=replace(m.settings, perfect_epochs_to_stop=2)) for m in members]
    finished = []
    group = train_group(members, progress=False,
                        on_finished=lambda index, model, metrics: finished.append((index, metrics.epochs_run)))
    assert finished[0] == (1, 2)   # reported (its checkpoint can be written) while the others still train
    for one, trained in zip(members, group):
        solo = train_network(one.config, one.training_words, one.validation_words, one.settings, progress=False)
        assert_same_training(trained, solo)


TWO_LETTER_LANGUAGES = ("tomita1", "tomita3", "tomita5", "tomita7", "angluin", "dfa_5_2_1", "dfa_5_2_2", "dfa_5_2_3")


def test_one_network_alone_equals_it_in_a_group_of_eight_to_the_last_bit_where_the_schedules_coincide():
    # One seed and one alphabet size: every network's batches have the same sizes and lengths at every step, so
    # no rows or steps are padded, and each network's products are its own matrices' (docs/performance.md).
    members = [member(language, "gru", 6, 5, epochs=1) for language in TWO_LETTER_LANGUAGES]
    alone = train_group(members[3:4], progress=False)[0]
    in_group = train_group(members, progress=False)[3]
    assert in_group[1].training_loss == alone[1].training_loss
    for name, tensor in alone[0].state_dict().items():
        assert torch.equal(in_group[0].state_dict()[name], tensor), name


def test_the_same_group_trains_to_the_same_bits_twice():
    members = [member("tomita3", "gru", 6, seed, epochs=1) for seed in range(3)]
    first, second = train_group(members, progress=False), train_group(members, progress=False)
    for (model_a, metrics_a), (model_b, metrics_b) in zip(first, second):
        assert metrics_a.training_loss == metrics_b.training_loss
        assert all(torch.equal(a, b) for a, b in zip(model_a.state_dict().values(), model_b.state_dict().values()))
