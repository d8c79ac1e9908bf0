import numpy as np
import pytest
import torch

from stateclusters.base.errors import CheckpointError, UserError
from stateclusters.networks.recurrent import (
    RECURRENT_TYPES,
    NetworkConfig,
    RecurrentClassifier,
    build_network,
    hidden_states,
    length_buckets,
    load_checkpoint,
    precise_copy,
    prefix_predictions,
    resolve_device,
    save_checkpoint,
)

ALPHABET = ("a", "b", "c")
CLASSES = ("False", "True")


def random_words(n_words=25, max_length=9, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_length + 1, size=n_words)
    letters = rng.integers(0, len(ALPHABET), size=(n_words, max_length))
    letters[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    return letters, lengths


def stepwise_states(model: RecurrentClassifier, word) -> list[np.ndarray]:
    """Reference: feed one letter at a time through each layer, carrying its state explicitly."""
    layer_states = [None] * len(model.layers)
    vectors = []
    with torch.no_grad():
        for letter in word:
            layer_input = model.one_hot(torch.tensor([[letter]]))
            pieces = []
            for depth, layer in enumerate(model.layers):
                output, layer_states[depth] = layer(layer_input, layer_states[depth])
                if isinstance(layer_states[depth], tuple):
                    h, c = layer_states[depth]
                    pieces += [h[0, 0], c[0, 0]]
                else:
                    pieces.append(layer_states[depth][0, 0])
                layer_input = output
            vectors.append(torch.cat(pieces).numpy())
    return vectors


@pytest.mark.parametrize("rnn", RECURRENT_TYPES)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_batched_extraction_equals_stepping(rnn, num_layers):
    torch.manual_seed(1)
    model = RecurrentClassifier(NetworkConfig(rnn, ALPHABET, CLASSES, hidden_size=7, num_layers=num_layers)).eval()
    letters, lengths = random_words()
    batched = hidden_states(model, letters, lengths)
    reference = np.concatenate([stepwise_states(model, letters[i, :lengths[i]]) for i in range(len(lengths))])
    assert batched.shape == (lengths.sum(), model.config.hidden_state_size())
    np.testing.assert_allclose(batched, reference, atol=1e-5)
    # Stepping a float64 copy and rounding to float32 is what extraction defines: equal to the last bit.
    precise = precise_copy(model)
    exact = np.concatenate([stepwise_states(precise, letters[i, :lengths[i]]) for i in range(len(lengths))])
    np.testing.assert_array_equal(batched, exact.astype(np.float32).astype(np.float64))


def test_extraction_does_not_depend_on_batch_composition():
    torch.manual_seed(3)
    model = RecurrentClassifier(NetworkConfig("gru", ALPHABET, CLASSES, hidden_size=20)).eval()
    letters, lengths = random_words(n_words=40)
    together = hidden_states(model, letters, lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    for i in (0, 17, 39):
        alone = hidden_states(model, letters[i:i + 1, :lengths[i]], lengths[i:i + 1])
        np.testing.assert_array_equal(alone, together[offsets[i]:offsets[i + 1]])
    assert next(model.parameters()).dtype == torch.float32   # the caller's model is left as it was


def test_prefix_predictions_match_readout_of_each_prefix():
    torch.manual_seed(2)
    model = RecurrentClassifier(NetworkConfig("gru", ALPHABET, CLASSES, hidden_size=5)).eval()
    letters, lengths = random_words(n_words=10)
    predictions = prefix_predictions(model, letters)
    with torch.no_grad():
        for i in range(len(lengths)):
            for end in range(1, lengths[i] + 1):
                alone = model(torch.as_tensor(letters[i:i + 1, :end]))[0, -1].argmax().item()
                assert predictions[i, end - 1] == alone


def test_length_buckets_never_mix_lengths_and_cover_every_word():
    lengths = np.random.default_rng(0).integers(1, 15, size=1000)
    batches = length_buckets(lengths, 128, np.random.default_rng(1))
    assert all(len(np.unique(lengths[batch])) == 1 and len(batch) <= 128 for batch in batches)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))


def test_checkpoint_round_trip_keeps_weights_and_class_order(tmp_path):
    config = NetworkConfig("lstm", ALPHABET, ("CONNACK", "CONCLOSED", "SUBACK"), hidden_size=6, num_layers=2)
    model = RecurrentClassifier(config)
    path = tmp_path / "net.pt"
    save_checkpoint(path, model, language="mqtt", seed=3)
    loaded, metadata = load_checkpoint(path, expected=config)
    assert loaded.config.output_classes == ("CONNACK", "CONCLOSED", "SUBACK")
    assert metadata == {"language": "mqtt", "seed": 3}
    for (name, tensor), (_, loaded_tensor) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(tensor, loaded_tensor), name
    assert torch.load(path, weights_only=True)["config"]["input_alphabet"] == list(ALPHABET)
    assert not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("change", [
    {"input_alphabet": ("a", "b", "d")},
    {"input_alphabet": ("b", "a", "c")},   # the same letters in another order: one-hot positions differ
    {"output_classes": ("True", "False")},
    {"hidden_size": 8},
    {"rnn": "gru"},
    {"num_layers": 2},
])
def test_checkpoint_for_another_network_is_refused(tmp_path, change):
    config = NetworkConfig("tanh", ALPHABET, CLASSES, hidden_size=4)
    save_checkpoint(tmp_path / "net.pt", RecurrentClassifier(config))
    expected = NetworkConfig(**{**config.__dict__, **change})
    with pytest.raises(CheckpointError, match="does not match"):
        load_checkpoint(tmp_path / "net.pt", expected=expected)


def test_corrupt_truncated_and_empty_checkpoints_are_refused(tmp_path):
    path = tmp_path / "net.pt"
    save_checkpoint(path, RecurrentClassifier(NetworkConfig("relu", ALPHABET, CLASSES, hidden_size=4)))
    data = path.read_bytes()
    for name, content in [("truncated.pt", data[:len(data) // 2]), ("empty.pt", b""), ("junk.pt", b"not a checkpoint")]:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CheckpointError, match=name):
            load_checkpoint(tmp_path / name)
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "missing.pt")


def test_unknown_architecture_and_missing_cuda_are_user_errors():
    with pytest.raises(UserError, match="relu, tanh, gru, lstm, transformer"):
        build_network(NetworkConfig("mamba", ALPHABET, CLASSES, hidden_size=4))
    if not torch.cuda.is_available():
        with pytest.raises(UserError, match="CUDA"):
            resolve_device("cuda")
    assert resolve_device("cpu").type == "cpu"


def test_training_twice_with_one_seed_gives_identical_weights():
    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.training import network_config
    from stateclusters.networks.recurrent import TrainingConfig, train_network
    from stateclusters.words.sampling import training_words, validation_words
    automaton = get_automaton("tomita3")
    config = network_config(automaton, "lstm", 5, num_layers=2)   # two layers: dropout draws random numbers too
    train, validation = training_words(automaton, 4, 400), validation_words(automaton, 4, 100)

    def weights(seed):
        model, _ = train_network(config, train, validation, TrainingConfig(epochs=2, seed=seed), progress=False)
        return model.state_dict()
    first, second, other_seed = weights(4), weights(4), weights(5)
    assert all(torch.equal(first[name], second[name]) for name in first)
    assert not all(torch.equal(first[name], other_seed[name]) for name in first)
