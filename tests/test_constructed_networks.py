"""Correct-by-construction networks (stateclusters/networks/constructed.py): the automaton's class after every
prefix of the validation, conformance and long random words, for every regular registry language; a proof that
the default saturation makes tanh exact on words of every length; noise; checkpoints; the API; the driver."""
import functools
import pickle
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import stateclusters
from stateclusters.automata import get_automaton, list_automata, regular_automaton_names
from stateclusters.base.catalogue import DEFAULT_SATURATION
from stateclusters.base.errors import UserError
from stateclusters.commands import driver
from stateclusters.evaluation.construction import construct_network, transition_arrays
from stateclusters.networks.constructed import exact_saturation
from stateclusters.networks.recurrent import load_checkpoint, prefix_predictions, save_checkpoint
from stateclusters.words.runs import trace_words
from stateclusters.words.sampling import conformance_words, validation_words

REPO = Path(__file__).resolve().parents[1]
LONG = 120                # random words of this length, besides the validation and conformance words
FEW = ["tomita3", "regex", "coffee", "mqtt", "dfa_10_6_1", "moore_12_4_5_2"]   # DFAs, Mealy and Moore machines
VARIANTS = [("relu", 2), ("tanh", 1), ("tanh", 2)]



pytestmark = pytest.mark.usefixtures("one_thread")

@functools.cache
def automaton(name: str):
    return get_automaton(name)


def prefix_agreement(model, language: str, n_words: int = 100, n_long: int = 10) -> float:
    """Share of the prefixes of validation, conformance and random length-LONG words on which the network's class
    is the automaton's."""
    machine = automaton(language)
    word_sets = [validation_words(machine, 0, n_words), conformance_words(machine, n_words)]
    alphabet = word_sets[0].alphabet
    long_words = np.random.default_rng(0).integers(0, len(alphabet), size=(n_long, LONG))
    letters = np.concatenate([np.pad(words.letters, ((0, 0), (0, LONG - words.letters.shape[1])))
                              for words in word_sets] + [long_words])
    lengths = np.concatenate([word_sets[0].lengths, word_sets[1].lengths, np.full(n_long, LONG)])
    trace = trace_words(machine, letters, lengths, alphabet)
    predicted = np.asarray(model.config.output_classes)[prefix_predictions(model, letters)]
    valid = trace.valid()
    return float((predicted[valid] == trace.outputs[valid]).mean())


@pytest.mark.parametrize("language", regular_automaton_names())
def test_a_relu_network_computes_every_regular_language(language):
    model, _ = construct_network(automaton(language), "relu", 1)
    assert prefix_agreement(model, language) == 1.0


@pytest.mark.parametrize("rnn, layers", VARIANTS)
@pytest.mark.parametrize("language", FEW)
def test_every_variant_computes_the_language(language, rnn, layers):
    model, _ = construct_network(automaton(language), rnn, layers)
    assert prefix_agreement(model, language) == 1.0


@pytest.mark.parametrize("rnn, layers", [("relu", 1), *VARIANTS])
def test_the_empty_word_gets_the_initial_states_output(rnn, layers):
    for language in ("tomita3", "angluin", "moore_8_2_5_1"):
        machine = automaton(language)
        initial = machine.initial_state
        expected = str(initial.is_accepting if hasattr(initial, "is_accepting") else initial.output)
        network = stateclusters.construct_network(machine, rnn, layers)
        assert network.classify([()]) == [expected]
        assert network.classify_from(np.zeros((1, network.model.config.hidden_state_size())), [()]) == [expected]


def tanh_step_is_contracting(model, arrays, epsilon: float) -> bool:
    """The induction step of the proof in networks/constructed.py, for one constructed tanh network: from the
    zero start and from every unit within `epsilon` of a code (±1), every layer's next state is within
    `epsilon` of the right code, and the read-out's class is right. Then, by induction on the length, the
    network is right after every prefix of every word (float rounding, ~1e-7, is one more deviation far below
    epsilon)."""
    n_states, n_letters = arrays.next_state.shape
    live = n_states * n_letters
    units = model.config.hidden_size
    layers = [{name.split("_l0")[0]: parameter.detach().double().numpy()
               for name, parameter in layer.named_parameters()} for layer in model.layers]
    codes = 2 * np.eye(units) - 1                               # code of unit u: +1 on u, −1 elsewhere
    reached = arrays.next_state.reshape(-1)

    def within(pre: np.ndarray, wanted: np.ndarray, deviation: float) -> bool:
        """tanh(pre ± deviation) is within epsilon of the code `wanted`, with the right sign."""
        return bool(np.all(np.sign(pre) == wanted) and 1 - np.tanh(np.abs(pre).min() - deviation) <= epsilon)

    first = layers[0]
    assert np.abs(first["weight_hh"]).sum() > 0 and not np.any(first["bias_hh"])
    row_norm = np.abs(first["weight_hh"]).sum(axis=1).max()
    next_codes, ok = [], True
    for source in [None, *range(live)]:        # None: the zero start vector, exact
        h = np.zeros(units) if source is None else codes[source]
        state = arrays.initial_state if source is None else reached[source]
        for letter in range(n_letters):
            pre = first["weight_ih"][:, letter] + first["weight_hh"] @ h + first["bias_ih"]
            target = state * n_letters + letter
            ok &= within(pre, codes[target], 0.0 if source is None else row_norm * epsilon)
            next_codes.append(target)
    last_codes, last_classes = codes[:live], arrays.output_after.reshape(-1)
    if len(layers) == 2:
        second = layers[1]
        assert not np.any(second["weight_hh"])
        pre = codes[:live] @ second["weight_ih"].T + second["bias_ih"]
        ok &= bool(np.all(1 - np.tanh(np.abs(pre).min() - np.abs(second["weight_ih"]).sum(axis=1).max() * epsilon)
                          <= epsilon))
        last_codes = np.sign(pre)                 # each row exactly one +1 (its (state, output) unit)
        ok &= bool(np.all((last_codes == 1).sum(axis=1) == 1))
    readout = {name: parameter.detach().double().numpy() for name, parameter in model.readout.named_parameters()}
    logits = last_codes @ readout["weight"].T + readout["bias"]
    margins = logits[np.arange(len(logits)), last_classes] - np.where(
        np.eye(logits.shape[1], dtype=bool)[last_classes], -np.inf, logits).max(axis=1)
    readout_norm = np.abs(readout["weight"]).sum(axis=1).max()
    return bool(ok and margins.min() > 2 * readout_norm * epsilon)


@pytest.mark.parametrize("layers", [1, 2])
def test_the_default_saturation_makes_tanh_exact_on_words_of_every_length(layers):
    for language in regular_automaton_names():
        machine = automaton(language)
        model, _ = construct_network(machine, "tanh", layers)
        assert tanh_step_is_contracting(model, transition_arrays(machine), epsilon=1e-3), language
    # The bound is not vacuous: a small saturation fails it (and the network errs on long words).
    small, _ = construct_network(automaton("dfa_10_6_1"), "tanh", 1, saturation=2.0)
    assert not tanh_step_is_contracting(small, transition_arrays(automaton("dfa_10_6_1")), epsilon=1e-3)


def test_relu_saturation_is_rounded_so_its_sums_are_exact():
    assert exact_saturation(10.0) == 10.0 and exact_saturation(0.5) == 0.5
    assert abs(exact_saturation(3.7) - 3.7) < 1e-4
    model, info = construct_network(automaton("dfa_10_4_1"), "relu", 1, saturation=3.7)
    assert info["saturation"] == exact_saturation(3.7)
    assert prefix_agreement(model, "dfa_10_4_1", n_words=50, n_long=20) == 1.0


def parameters(model) -> dict:
    return {name: tensor.clone() for name, tensor in model.state_dict().items()}


def test_noise_changes_every_weight_reproducibly_with_the_seed():
    machine = automaton("tomita5")
    exact = parameters(construct_network(machine, "tanh", 2)[0])
    noisy = parameters(construct_network(machine, "tanh", 2, noise=0.3, seed=4)[0])
    again = parameters(construct_network(machine, "tanh", 2, noise=0.3, seed=4)[0])
    other = parameters(construct_network(machine, "tanh", 2, noise=0.3, seed=5)[0])
    differences = torch.cat([(noisy[name] - exact[name]).reshape(-1) for name in exact])
    assert all(torch.equal(noisy[name], again[name]) for name in exact)
    assert all(not torch.equal(noisy[name], other[name]) for name in exact)
    assert all(not torch.equal(noisy[name], exact[name]) for name in exact)
    assert 0.25 < float(differences.std()) < 0.35 and abs(float(differences.mean())) < 0.05


def test_a_constructed_network_round_trips_through_its_checkpoint(tmp_path):
    network = stateclusters.construct_network("coffee", rnn="tanh", layers=2, noise=0.1, seed=3)
    assert network.metadata == {"constructed": True, "saturation": DEFAULT_SATURATION, "noise": 0.1, "seed": 3}
    stateclusters.save_network(network, tmp_path / "coffee.pt")
    model, metadata = load_checkpoint(tmp_path / "coffee.pt", expected=network.model.config)
    assert metadata == network.metadata
    assert all(torch.equal(model.state_dict()[name], tensor) for name, tensor in network.model.state_dict().items())
    again = stateclusters.load_network(str(tmp_path / "coffee.pt"))
    words = stateclusters.draw_words(automaton("coffee"), n_words=50)
    assert again.classify(words) == network.classify(words) and again.metadata == network.metadata
    save_checkpoint(tmp_path / "plain.pt", model)   # an ordinary checkpoint without metadata loads too
    assert load_checkpoint(tmp_path / "plain.pt")[1] == {}


def test_the_api_takes_a_name_or_an_automaton_and_retrains_from_the_construction():
    by_name = stateclusters.construct_network("tomita3", rnn="relu", layers=2)
    by_object = stateclusters.construct_network(automaton("tomita3"), rnn="relu", layers=2)
    assert all(torch.equal(by_name.model.state_dict()[name], tensor)
               for name, tensor in by_object.model.state_dict().items())
    words = stateclusters.draw_words(automaton("tomita3"), n_words=200)
    assert stateclusters.agreement(by_name, automaton("tomita3"), words) == 1.0
    noisy = stateclusters.construct_network("tomita3", rnn="tanh", noise=0.5, seed=1)
    retrained = stateclusters.train_network(automaton("tomita3"), epochs=1, n_words=300, start=noisy)
    assert retrained.model.config == noisy.model.config
    assert retrained.metadata["retrained"] and retrained.metadata["constructed"]
    assert retrained.metadata["epochs_run"] == 1 and retrained.metadata["noise"] == 0.5
    assert not torch.equal(retrained.model.layers[0].weight_hh_l0, noisy.model.layers[0].weight_hh_l0)


@pytest.mark.parametrize("rnn, layers, saturation, noise, named", [
    ("gru", 1, 10.0, 0.0, "'gru'"),
    ("relu", 3, 10.0, 0.0, "not 3"),
    ("relu", 1, 0.0, 0.0, "saturation"),
    ("tanh", 1, 10.0, -0.1, "noise"),
])
def test_what_is_not_built_is_refused(rnn, layers, saturation, noise, named):
    with pytest.raises(UserError, match=named):
        construct_network(automaton("tomita3"), rnn, layers, saturation, noise)


def test_a_pda_is_refused():
    pda = get_automaton([name for name in list_automata() if name.startswith("CFG_L_")][0])
    with pytest.raises(UserError, match="PDA"):
        construct_network(pda)


def test_the_driver_uses_a_constructed_network(tmp_path, capsys):
    arguments = ["--automaton", "tomita5", "--construct", "--rnn", "tanh", "--layers", "2", "--validation-words",
                 "100", "--conformance-words", "200", "--checkpoint-dir", str(tmp_path)]
    assert driver.main(arguments) == 0
    output = capsys.readouterr().out
    assert "(constructed: saturation 10, noise 0, seed 0)" in output and "conformance accuracy: 1.0000" in output
    assert "weighted ambiguity: 0.0000" in output
    _, metadata = load_checkpoint(tmp_path / "tomita5_tanh_2_8_1_constructed_s10_noise0_seed0.pt")
    assert metadata["constructed"] and metadata["language"] == "tomita5"


def test_the_driver_retrains_a_noisy_constructed_network(tmp_path, capsys):
    assert driver.main(["--automaton", "tomita3", "--construct", "--noise", "0.5", "--retrain", "--rnn", "tanh",
                        "--epochs", "1", "--train-words", "300", "--validation-words", "60",
                        "--conformance-words", "50", "--checkpoint-dir", str(tmp_path)]) == 0
    output = capsys.readouterr().out
    assert "retrained for 1 epochs with seed 0" in output
    _, metadata = load_checkpoint(tmp_path / "tomita3_tanh_1_10_1_constructed_s10_noise0.5_seed0_retrained.pt")
    assert metadata["retrained"] and metadata["noise"] == 0.5 and metadata["epochs_run"] == 1
    assert metadata["training_words"] == 300


@pytest.mark.parametrize("arguments, named", [
    (["--construct", "--noise", "-0.5"], "noise"),
    (["--construct", "--saturation", "0"], "saturation"),
    (["--construct", "--automaton", "CFG_L_1"], "PDA"),
    (["--construct", "--rnn", "lstm"], "'lstm'"),
    (["--construct", "--layers", "3"], "not 3"),
    (["--noise", "0.1"], "--construct"),
])
def test_bad_construction_options_are_one_line_and_exit_code_2(arguments, named, tmp_path):
    completed = subprocess.run([sys.executable, str(REPO / "driver.py"), *arguments, "--checkpoint-dir",
                                str(tmp_path)], capture_output=True, text=True, cwd=REPO, timeout=120)
    lines = completed.stderr.strip().splitlines()
    assert completed.returncode == 2 and len(lines) == 1 and named in lines[0], completed.stderr
    assert not any(tmp_path.iterdir())


def test_the_command_of_the_faithfulness_page_runs(tmp_path):
    text = (REPO / "docs" / "faithfulness.md").read_text()
    section = text.split("## Correct-by-construction networks")[1].split("\n## ")[0]
    commands = re.findall(r"^python driver\.py .*$", section, flags=re.M)
    assert len(commands) == 1 and "--construct" in commands[0]
    completed = subprocess.run([sys.executable, *shlex.split(commands[0])[1:], "--checkpoint-dir", str(tmp_path)],
                               capture_output=True, text=True, cwd=REPO, timeout=300)
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "conformance accuracy: 1.0000" in completed.stdout and "weighted ambiguity: 0.0000" in completed.stdout


def test_the_grid_evaluates_a_constructed_network_under_its_grid_name(tmp_path):
    from stateclusters.commands import experiment_runner
    network = stateclusters.construct_network("tomita5", rnn="relu")
    checkpoints = tmp_path / "out" / "checkpoints"
    checkpoints.mkdir(parents=True)
    save_checkpoint(checkpoints / "tomita5_relu_1_8_1.pt", network.model, language="tomita5", **network.metadata)
    assert experiment_runner.main(["--languages", "tomita5", "--rnn", "relu", "--sizes", "1x1", "--repeats", "1",
                                   "--no-train", "--functions", "k_means_8", "--validation-words", "100",
                                   "--conformance-words", "100", "--out", str(tmp_path / "out")]) == 0
    record = pickle.loads((tmp_path / "out" / "jobs" / "tomita5_relu_1_8_1.pickle").read_bytes())
    assert record["status"] == "done" and record["accuracy"] == 1.0 and record["training"]["constructed"]
    assert record["results"]["regular"]["k_means_8"][:2] == [0.0, 0.0]
