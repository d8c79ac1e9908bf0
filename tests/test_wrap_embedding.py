"""wrap with an nn.Embedding: the embedding folded into the first layer gives the classes and hidden states of
the original embedding → RNN → read-out model, and classify_from / STATE_PARTS keep working."""
import numpy as np
import pytest
import torch
from torch import nn

import stateclusters
from stateclusters.base.errors import UserError

ALPHABET = ["a", "b", "c"]
LETTER_IDS = {"a": 1, "b": 2, "c": 3}   # their ids; row 0 pads


def original_model(kind: str, seed: int):
    torch.manual_seed(seed)
    module = {"gru": nn.GRU, "lstm": nn.LSTM, "tanh": nn.RNN}[kind]
    return nn.Embedding(4, 5, padding_idx=0), module(5, 6, num_layers=2, batch_first=True), nn.Linear(6, 3)


def random_words(seed: int, count: int = 25) -> list[tuple]:
    rng = np.random.default_rng(seed)
    return [tuple(ALPHABET[i] for i in rng.integers(0, 3, size=rng.integers(1, 9))) for _ in range(count)]


def reference_run(embedding, rnn, readout, word):
    """The original model on one word: its class, and every layer's state (an LSTM's h then c) after each prefix."""
    ids = torch.tensor([[LETTER_IDS[letter] for letter in word]])
    with torch.no_grad():
        outputs, final = rnn(embedding(ids))
        states = []
        for length in range(1, len(word) + 1):
            _, after = rnn(embedding(ids[:, :length]))
            parts = after if isinstance(after, tuple) else (after,)
            states.append(torch.cat([part[layer, 0] for layer in range(rnn.num_layers) for part in parts]))
        return int(readout(outputs[0, -1]).argmax()), torch.stack(states).double().numpy()


@pytest.mark.parametrize("kind", ["gru", "lstm", "tanh"])
def test_classes_and_hidden_states_equal_the_original_model(kind):
    embedding, rnn, readout = original_model(kind, seed=3)
    network = stateclusters.wrap(rnn, readout, ALPHABET, classes=["x", "y", "z"], embedding=embedding,
                                 letter_ids=LETTER_IDS)
    words = random_words(seed=4)
    expected = [reference_run(embedding, rnn, readout, word) for word in words]
    assert network.classify(words) == [["x", "y", "z"][label] for label, _ in expected]
    for states, (_, reference) in zip(network.hidden_states(words), expected):
        np.testing.assert_allclose(states, reference, atol=2e-6)
    width = (2 if kind == "lstm" else 1) * 2 * 6
    assert max(part.stop for part in network.STATE_PARTS.values()) == width


def test_classify_from_runs_the_folded_network():
    embedding, rnn, readout = original_model("gru", seed=5)
    network = stateclusters.wrap(rnn, readout, ALPHABET, embedding=embedding, letter_ids=LETTER_IDS)
    prefixes, suffixes = random_words(6, 10), random_words(7, 10)
    after = np.stack([states[-1] for states in network.hidden_states(prefixes)])
    whole = network.classify([prefix + suffix for prefix, suffix in zip(prefixes, suffixes)])
    assert network.classify_from(after, suffixes) == whole


def test_default_letter_ids_are_the_rows_in_alphabet_order():
    embedding, rnn, readout = original_model("gru", seed=8)
    by_default = stateclusters.wrap(rnn, readout, ["p", "q", "r", "s"], embedding=embedding)
    named = stateclusters.wrap(rnn, readout, ["p", "q", "r", "s"], embedding=embedding,
                               letter_ids={"p": 0, "q": 1, "r": 2, "s": 3})
    words = [("p", "s", "q"), ("r",), ("s", "s")]
    assert np.array_equal(np.concatenate(by_default.hidden_states(words)), np.concatenate(named.hidden_states(words)))


@pytest.mark.parametrize("arguments, message", [
    ({"embedding": nn.Embedding(4, 7)}, "vectors of 7 values"),
    ({"embedding": nn.Embedding(4, 5), "letter_ids": {"a": 1, "b": 2, "c": 4}}, "needs a row"),
    ({"embedding": nn.Embedding(4, 5), "letter_ids": {"a": 1, "b": 2}}, "needs a row"),
    ({"embedding": nn.Embedding(4, 5, max_norm=1.0)}, "max_norm"),
    ({"embedding": nn.Linear(4, 5)}, "must be a torch.nn.Embedding"),
    ({"letter_ids": LETTER_IDS}, "pass embedding= too"),
])
def test_embeddings_that_cannot_be_folded_are_refused(arguments, message):
    _, rnn, readout = original_model("gru", seed=0)
    with pytest.raises(UserError, match=message):
        stateclusters.wrap(rnn, readout, ALPHABET, **arguments)
