import numpy as np
import pytest
import torch

from stateclusters.automata import get_automaton
from stateclusters.base.catalogue import MAX_TRAINING_LENGTH
from stateclusters.base.errors import CheckpointError
from stateclusters.evaluation.training import network_config
from stateclusters.grid.jobs import single_threaded
from stateclusters.networks.recurrent import (
    NetworkConfig,
    TrainingConfig,
    build_network,
    class_indices,
    hidden_states,
    load_checkpoint,
    precise_copy,
    prefix_predictions,
    save_checkpoint,
    train_network,
)
from stateclusters.networks.transformer import CausalTransformerClassifier, sinusoidal_positions
from stateclusters.words.sampling import training_words, validation_words

ALPHABET = ("a", "b", "c")
CLASSES = ("False", "True")


@pytest.fixture(autouse=True)
def one_thread():
    """On a busy machine spin-waiting torch threads make even a tiny training many times slower."""
    with single_threaded():
        yield


def transformer(hidden_size=7, num_layers=2, seed=1, **settings) -> CausalTransformerClassifier:
    torch.manual_seed(seed)
    config = NetworkConfig("transformer", ALPHABET, CLASSES, hidden_size=hidden_size, num_layers=num_layers,
                           **settings)
    return build_network(config).eval()


def random_words(n_words=20, max_length=12, seed=0):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(1, max_length + 1, size=n_words)
    letters = rng.integers(0, len(ALPHABET), size=(n_words, max_length))
    letters[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    return letters, lengths


def unmasked_states(model, word) -> np.ndarray:
    """Reference without a mask: each layer's output at position t is that layer run on positions 1..t alone
    (of the layer below's outputs, computed the same way) and read at t; one row per prefix."""
    with torch.no_grad():
        letters = torch.as_tensor(word)[None, :]
        stream = model.embedding(letters)[0] + sinusoidal_positions(len(word), model.config.model_width,
                                                                    model.readout.weight.dtype, letters.device)
        outputs = []
        for layer in model.layers:
            stream = torch.stack([layer(stream[None, :end])[0, -1] for end in range(1, len(word) + 1)])
            outputs.append(stream)
        return torch.cat(outputs, dim=-1).numpy()


def test_width_is_rounded_up_to_the_heads_and_states_hold_every_layer():
    model = transformer(hidden_size=7, num_layers=2, attention_heads=2, feedforward_factor=3)
    assert model.config.model_width == 8 and model.config.hidden_state_size() == 16
    assert model.layers[0].linear1.out_features == 24 and model.layers[0].self_attn.num_heads == 2
    assert model.layers[0].norm_first
    letters, lengths = random_words(n_words=3)
    assert hidden_states(model, letters, lengths).shape == (lengths.sum(), 16)


def test_prefix_states_do_not_change_when_letters_are_appended():
    model = transformer()
    letters, lengths = random_words(n_words=10)
    batched = hidden_states(model, letters, lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    precise = precise_copy(model)
    for i in range(len(lengths)):
        reference = unmasked_states(precise, letters[i, :lengths[i]])
        np.testing.assert_array_equal(batched[offsets[i]:offsets[i + 1]], reference.astype(np.float32))


def test_batched_extraction_equals_extraction_word_by_word():
    model = transformer(hidden_size=10, num_layers=1)
    letters, lengths = random_words(n_words=30)
    together = hidden_states(model, letters, lengths)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    for i in range(len(lengths)):
        alone = hidden_states(model, letters[i:i + 1, :lengths[i]], lengths[i:i + 1])
        np.testing.assert_array_equal(alone, together[offsets[i]:offsets[i + 1]])
    assert next(model.parameters()).dtype == torch.float32   # the caller's model is left as it was


def test_the_readout_reads_the_last_layer_of_the_hidden_state():
    model = transformer(hidden_size=6, num_layers=2)
    letters, lengths = random_words(n_words=5)
    states = torch.as_tensor(hidden_states(model, letters, lengths), dtype=torch.float32)
    with torch.no_grad():
        from_states = model.readout(model.final_norm(states[:, model.config.model_width:])).argmax(dim=-1)
    predictions = prefix_predictions(model, letters)
    mask = np.arange(letters.shape[1])[None, :] < lengths[:, None]
    assert (from_states.numpy() == predictions[mask]).mean() > 0.95   # float32 vs float64 may flip a near tie


def test_positions_past_the_training_lengths_are_encoded_and_handled():
    encoding = sinusoidal_positions(50, 8, torch.float64, torch.device("cpu"))
    assert torch.isfinite(encoding).all() and encoding.abs().max() <= 1
    distances = torch.cdist(encoding, encoding) + torch.eye(50)
    assert distances.min() > 0.1                  # every position up to 50 has its own code
    model = transformer(hidden_size=8, num_layers=1)
    assert not any("position" in name for name in model.state_dict())   # fixed, nothing trained
    letters, lengths = random_words(n_words=4, max_length=50, seed=2)
    lengths[0] = 50
    states = hidden_states(model, letters, lengths)
    assert np.isfinite(states).all()
    word = states[:50]
    # The same letter at a position beyond training gets a different state: the position is seen there too.
    late = [t for t in range(MAX_TRAINING_LENGTH + 1, 50) if letters[0, t] == letters[0, MAX_TRAINING_LENGTH]]
    assert late and not np.array_equal(word[late[0]], word[MAX_TRAINING_LENGTH])
    np.testing.assert_array_equal(word, unmasked_states(precise_copy(model), letters[0]).astype(np.float32))


def test_evaluation_is_deterministic_with_dropout():
    model = transformer(hidden_size=6, num_layers=2)   # two layers: dropout 0.1
    assert model.layers[0].dropout.p == 0.1
    model.train()
    letters, lengths = random_words(n_words=6)
    first, second = hidden_states(model, letters, lengths), hidden_states(model, letters, lengths)
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(prefix_predictions(model, letters), prefix_predictions(model, letters))


def test_checkpoint_round_trip_keeps_the_transformer_settings(tmp_path):
    model = transformer(hidden_size=5, num_layers=2, attention_heads=3, feedforward_factor=2)
    path = tmp_path / "net.pt"
    save_checkpoint(path, model, language="tomita3")
    saved = torch.load(path, weights_only=True)["config"]
    assert (saved["d_model"], saved["attention_heads"], saved["feedforward_factor"]) == (6, 3, 2)
    loaded, metadata = load_checkpoint(path, expected=model.config)
    assert isinstance(loaded, CausalTransformerClassifier) and metadata == {"language": "tomita3"}
    for (name, tensor), (_, loaded_tensor) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert torch.equal(tensor, loaded_tensor), name
    letters, lengths = random_words(n_words=4)
    np.testing.assert_array_equal(hidden_states(model, letters, lengths), hidden_states(loaded, letters, lengths))
    with pytest.raises(CheckpointError, match="attention_heads is 3, expected 2"):
        load_checkpoint(path, expected=NetworkConfig("transformer", ALPHABET, CLASSES, hidden_size=5, num_layers=2))


def test_checkpoints_without_the_new_settings_still_load(tmp_path):
    model = transformer(hidden_size=4, num_layers=1)
    save_checkpoint(tmp_path / "net.pt", model)
    checkpoint = torch.load(tmp_path / "net.pt", weights_only=True)
    for name in ("attention_heads", "feedforward_factor", "d_model"):   # as written before the transformer
        del checkpoint["config"][name]
    torch.save(checkpoint, tmp_path / "old.pt")
    loaded, _ = load_checkpoint(tmp_path / "old.pt", expected=model.config)
    assert (loaded.config.attention_heads, loaded.config.feedforward_factor) == (2, 4)
    checkpoint["config"]["d_model"] = 6
    torch.save(checkpoint, tmp_path / "wrong.pt")
    with pytest.raises(CheckpointError, match="d_model 6"):
        load_checkpoint(tmp_path / "wrong.pt")


def test_training_on_tomita3_learns_above_chance():
    automaton = get_automaton("tomita3")
    config = network_config(automaton, "transformer", 16)
    train, validation = training_words(automaton, 0, 1000), validation_words(automaton, 0, 300)
    settings = TrainingConfig(epochs=3, learning_rate=3e-3)   # a larger step than the contract's, to learn in seconds
    _, metrics = train_network(config, train, validation, settings, progress=False)
    targets = class_indices(validation.labels, config.output_classes)
    majority = max(np.bincount(targets)) / len(targets)
    assert metrics.validation_accuracy[-1] > majority + 0.03
