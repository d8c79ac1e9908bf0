"""Ready adapters: our checkpoints and networks, and a plain torch.nn.RNN/GRU/LSTM with a linear read-out.

A plain module becomes one of our RecurrentClassifiers with the same weights (its layers as our stacked
one-layer modules), so a network brought from elsewhere and one trained here give their hidden states and
classes by the same code (all layers' h, and the LSTM's c, after every letter).
"""
import numpy as np

from stateclusters.base.errors import CheckpointError, UserError
from stateclusters.networks.recurrent import (
    Network,
    NetworkConfig,
    RecurrentClassifier,
    hidden_states,
    load_checkpoint,
    padded_letters,
    predictions_from,
    prefix_predictions,
)

GATE_PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class NetworkAdapter:
    """One of our networks as an adapter; `letters` and `classes` are the objects its indices stand for.

    `metadata` is what its checkpoint records (how it was trained or constructed), {} for a wrapped module.
    A recurrent network (not a transformer, whose state is not one vector) also offers `classify_from` and
    `STATE_PARTS` (docs/api.md, Run from a hidden state).
    """

    def __init__(self, model: Network, letters=None, classes=None, metadata: dict | None = None):
        self.model = model   # predictions and hidden states run it in eval mode (networks.recurrent)
        self.ALPHABET = list(letters if letters is not None else model.config.input_alphabet)
        self.classes = list(classes if classes is not None else model.config.output_classes)
        self.metadata = dict(metadata or {})
        self._index = {letter: i for i, letter in enumerate(self.ALPHABET)}

    def __repr__(self) -> str:
        config = self.model.config
        return f"NetworkAdapter({config.rnn}, {config.num_layers}x{config.hidden_size}, {len(self.ALPHABET)} letters)"

    def letter_arrays(self, words) -> tuple[np.ndarray, np.ndarray]:
        """Padded letter indices (at least one column) and the lengths of the words."""
        try:
            return padded_letters(words, self._index)
        except KeyError as error:
            raise UserError(f"letter {error.args[0]!r} is not in the network's alphabet") from None

    # Padded letter-index arrays in, arrays out: what the grid's NetworkData reads, and what the word methods use.
    def letter_predictions(self, letters: np.ndarray) -> np.ndarray:
        """The class index after every prefix of padded letter-index words (padded positions are junk)."""
        return prefix_predictions(self.model, letters)

    def letter_hidden_states(self, letters: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """One vector per letter occurrence of non-empty words, in word order (networks.recurrent.hidden_states)."""
        return hidden_states(self.model, letters, lengths)

    def prefix_classes(self, words) -> list[list]:
        """The class after every prefix of every word, in one batched pass."""
        letters, lengths = self.letter_arrays(list(words))
        predictions = self.letter_predictions(letters)
        return [[self.classes[index] for index in row[:length]] for row, length in zip(predictions.tolist(), lengths)]

    def classify(self, words) -> list:
        """The class after each whole word; the empty word gets the read-out of the zero (initial) state."""
        words = list(words)
        letters, lengths = self.letter_arrays(words)
        predictions = self.letter_predictions(letters)
        empty = self.classes[int(self.model.readout.bias.argmax())]
        return [self.classes[predictions[row, length - 1]] if length else empty
                for row, length in enumerate(lengths.tolist())]

    def hidden_states(self, words) -> list[np.ndarray]:
        """(len(word), d) per word: every layer's state after each letter (networks.recurrent.hidden_states)."""
        words = list(words)
        letters, lengths = self.letter_arrays(words)
        vectors = self.letter_hidden_states(letters, np.maximum(lengths, 1)) if len(words) else np.zeros((0, 1))
        width = self.model.config.hidden_state_size()
        pieces = np.split(vectors, np.cumsum(np.maximum(lengths, 1))[:-1])
        return [piece[:length] if length else np.zeros((0, width)) for piece, length in zip(pieces, lengths)]


    def _recurrent(self, what: str) -> RecurrentClassifier:
        if not isinstance(self.model, RecurrentClassifier):
            raise AttributeError(f"a {self.model.config.rnn} network has no {what}: its state is not one vector")
        return self.model

    @property
    def STATE_PARTS(self) -> dict[str, slice]:
        """The columns of each part of a hidden_states vector: `layer1`, `layer2`, …; for an LSTM `layer1_h`,
        `layer1_c`, `layer2_h`, … (the order in which the vector holds them)."""
        return self._recurrent("STATE_PARTS").state_parts()

    @property
    def classify_from(self):
        """classify_from(states, words): the class after reading each word from its row of `states` (n, d),
        rows as hidden_states gives them; the empty word gets the read-out of the row itself."""
        self._recurrent("classify_from")
        return self._classify_from

    def _classify_from(self, states, words) -> list:
        words = list(words)
        vectors = np.asarray(states, dtype=np.float64)
        width = self.model.config.hidden_state_size()
        if vectors.ndim != 2 or vectors.shape != (len(words), width):
            raise UserError(f"classify_from needs one vector of {width} values per word: got shape "
                            f"{vectors.shape} for {len(words)} words")
        letters, lengths = self.letter_arrays(words)
        return [self.classes[index] for index in predictions_from(self.model, vectors, letters, lengths).tolist()]


def checkpoint_adapter(path, device: str = "cpu") -> NetworkAdapter:
    """A checkpoint of this project (networks.recurrent.save_checkpoint) as an adapter, with its metadata."""
    import torch
    model, metadata = load_checkpoint(path, device=torch.device(device))
    return NetworkAdapter(model, metadata=metadata)


def classifier_from_state(state: dict, rnn: str, layers: int, hidden: int, letters, classes) -> RecurrentClassifier:
    """Our network from a torch.nn.RNN/GRU/LSTM state dict (`rnn.*`) and a linear read-out's (`fc.*`)."""
    config = NetworkConfig(rnn=rnn, input_alphabet=tuple(map(str, letters)), output_classes=tuple(map(str, classes)),
                           hidden_size=hidden, num_layers=layers)
    model = RecurrentClassifier(config)
    # One multi-layer module is our stack of one-layer modules: layer k's tensors are its l{k}.
    expected = {f"rnn.{name}_l{k}" for k in range(layers) for name in GATE_PARAMETERS}
    ours = {f"layers.{k}.{name}_l0": state[f"rnn.{name}_l{k}"] for k in range(layers) for name in GATE_PARAMETERS
            if f"rnn.{name}_l{k}" in state}
    ours.update({"readout.weight": state["fc.weight"], "readout.bias": state["fc.bias"]})
    extra = set(state) - expected - {"fc.weight", "fc.bias"}
    if extra:
        raise CheckpointError(f"checkpoint has weights for more layers than its name says: {sorted(extra)[:3]}")
    try:
        model.load_state_dict(ours, strict=True)
    except RuntimeError as error:
        raise CheckpointError(f"weights do not fit a {rnn} of {layers}x{hidden} with {len(letters)} letters and "
                              f"{len(classes)} classes ({str(error).strip().splitlines()[-1].strip()})") from None
    return model.eval()


def module_type(rnn) -> str:
    """Our architecture name of a torch.nn.RNN/GRU/LSTM; other modules and unsupported options are refused."""
    from torch import nn
    if getattr(rnn, "bidirectional", False) or getattr(rnn, "proj_size", 0) or not getattr(rnn, "bias", True):
        raise UserError("only unidirectional recurrent modules with biases and no projection can be wrapped")
    if isinstance(rnn, nn.GRU):
        return "gru"
    if isinstance(rnn, nn.LSTM):
        return "lstm"
    if isinstance(rnn, nn.RNN):
        return rnn.nonlinearity
    raise UserError(f"cannot wrap a {type(rnn).__name__}: expected torch.nn.RNN, GRU or LSTM")


def wrap_torch_module(rnn, readout, alphabet, classes=None, embedding=None, letter_ids=None) -> NetworkAdapter:
    """An adapter for `readout(rnn(one_hot(word)))`: letter i of `alphabet` is input column i; with `embedding`
    (an nn.Embedding), for `readout(rnn(embedding(ids)))`, letter i's id being letter_ids[letter] (default i).

    classes: what read-out row j means (default: j itself); the class of a word is the arg-max after its last letter.
    An embedding is folded into the first layer: its input weights become W_ih · E[ids]ᵀ, one column per letter,
    so the network is again one of ours, reading one-hot letters.
    """
    rnn_type = module_type(rnn)
    classes = list(classes) if classes is not None else list(range(readout.out_features))
    if readout.out_features != len(classes):
        raise UserError(f"the read-out has {readout.out_features} outputs but {len(classes)} classes are named")
    state = {f"rnn.{name}": tensor.detach().float() for name, tensor in rnn.state_dict().items()}
    state.update({f"fc.{name}": tensor.detach().float() for name, tensor in readout.state_dict().items()})
    if embedding is not None:
        state["rnn.weight_ih_l0"] = folded_input_weights(rnn, embedding, alphabet, letter_ids)
    elif letter_ids is not None:
        raise UserError("letter_ids name rows of an embedding: pass embedding= too")
    elif rnn.input_size != len(alphabet):
        raise UserError(f"the module takes {rnn.input_size} inputs but the alphabet has {len(alphabet)} letters")
    model = classifier_from_state(state, rnn_type, rnn.num_layers, rnn.hidden_size, alphabet, classes)
    return NetworkAdapter(model, letters=list(alphabet), classes=classes)


def folded_input_weights(rnn, embedding, alphabet, letter_ids=None):
    """The first layer's input weights on one-hot letters: column i is W_ih · E[id of letter i] (float64, then
    float32, the network's precision)."""
    from torch import nn
    if not isinstance(embedding, nn.Embedding):
        raise UserError(f"embedding must be a torch.nn.Embedding, not a {type(embedding).__name__}")
    if embedding.max_norm is not None:
        raise UserError("an embedding with max_norm rescales its rows as it reads them: it cannot be folded")
    if embedding.embedding_dim != rnn.input_size:
        raise UserError(f"the embedding gives vectors of {embedding.embedding_dim} values but the module takes "
                        f"{rnn.input_size} inputs")
    letter_ids = dict(letter_ids) if letter_ids is not None else {letter: i for i, letter in enumerate(alphabet)}
    rows = []
    for letter in alphabet:
        row = letter_ids.get(letter)
        if isinstance(row, bool) or not isinstance(row, (int, np.integer)) or not 0 <= row < embedding.num_embeddings:
            raise UserError(f"the letter {letter!r} needs a row of the embedding's {embedding.num_embeddings} "
                            f"(letter_ids gives {row!r})")
        rows.append(int(row))
    vectors = embedding.weight.detach().double()[rows]                      # (letters, embedding_dim)
    return (rnn.weight_ih_l0.detach().double() @ vectors.T).float()       # (gates × hidden, letters)
