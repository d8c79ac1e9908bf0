"""A Hugging Face `transformers` sequence-classification model as an adapter (docs/api.md, Transformers).

Each letter is one token id (a dict, or a tokenizer that gives each letter alone exactly one id); a word is
its letters' ids between the start and end ids (a tokenizer's special tokens, e.g. BERT's [CLS] … [SEP]).
`classify` is the arg-max of the head's logits, words batched (sorted by length) and right-padded with the
model's pad id under an attention mask.

A causal model (every self-attention masked to the past, checked on a few words when the adapter is built)
also gives `hidden_states`: after letter t, each layer's output at t's position (`output_hidden_states`, the
embeddings left out), layer 1 first, so `STATE_PARTS` is {"layer1": the first d columns, "layer2": …}. It sees
only the prefix, as a recurrent network's state does. An encoder (BERT, DistilBERT: a position attends to the
letters after it) has no such state, so it gets agreement and learning, and `HIDDEN_STATES_SKIPPED` says why.
Nothing here imports transformers: the model and the tokenizer are called as they are.
"""
import numpy as np

from stateclusters.base.errors import UserError

BATCH_WORDS = 256          # words per forward pass
CAUSALITY_WORDS = 4        # words whose prefixes are run alone, to check that a position sees only its past
CAUSALITY_TOLERANCE = 1e-4  # float32 runs of different lengths differ by ~1e-6; a future letter moves far more
BIDIRECTIONAL = ("its self-attention is bidirectional (an encoder): the vector at a letter also sees the letters "
                 "after it, so it is not the state of the prefix")


def huggingface_adapter(model, letter_ids, alphabet=None, classes=None, start_ids=(), end_ids=(),
                        empty_class=None, batch_words: int = BATCH_WORDS):
    """An adapter for a `transformers` sequence-classification model (put in eval mode).

    letter_ids: {letter: token id}, or a tokenizer (then `alphabet` names the letters, each tokenized alone into
    one id, and the tokenizer's special tokens are the start and end ids). classes: what logit j means (default
    j). empty_class: the class of the empty word when it has no tokens at all (no start or end ids).
    """
    if not callable(model) or not hasattr(model, "config") or not hasattr(model, "parameters"):
        raise UserError(f"expected a transformers model with a config, not a {type(model).__name__}")
    if isinstance(batch_words, bool) or not isinstance(batch_words, int) or batch_words < 1:
        raise UserError(f"batch_words must be a whole number ≥ 1, not {batch_words!r}")
    if isinstance(letter_ids, dict):
        alphabet = list(letter_ids) if alphabet is None else list(alphabet)
        missing = [letter for letter in alphabet if letter not in letter_ids]
        if missing:
            raise UserError(f"the letter {missing[0]!r} has no token id")
        ids = {letter: _token_id(letter_ids[letter], f"the letter {letter!r}") for letter in alphabet}
    else:
        if alphabet is None:
            raise UserError("with a tokenizer, name the letters: huggingface_adapter(model, tokenizer, alphabet)")
        alphabet = list(alphabet)
        if alphabet:
            ids, (start_ids, end_ids) = tokenizer_ids(letter_ids, alphabet), tokenizer_frame(letter_ids, alphabet[0])
    if not alphabet:
        raise UserError("the alphabet is empty")
    if not isinstance(start_ids, (list, tuple)) or not isinstance(end_ids, (list, tuple)):
        raise UserError("start_ids and end_ids must be lists of token ids")
    start = tuple(_token_id(value, "a start id") for value in start_ids)
    end = tuple(_token_id(value, "an end id") for value in end_ids)
    tokens = TokenFrame(ids, start, end, _pad_id(model, ids))
    arguments = (model, alphabet, tokens, _checked_classes(model, classes), empty_class, batch_words)
    causal = CausalHuggingFaceClassifier(*arguments)
    reason = causality_failure(causal)
    if reason is None:
        return causal
    encoder = HuggingFaceClassifier(*arguments)
    encoder.HIDDEN_STATES_SKIPPED = reason
    return encoder


class TokenFrame:
    """How words become token ids: each letter's id, the ids before and after a word, and the pad id."""

    def __init__(self, ids: dict, start: tuple, end: tuple, pad: int):
        self.ids, self.start, self.end, self.pad = ids, start, end, pad

    def rows(self, words) -> tuple:
        """input_ids and attention_mask (torch, right-padded) of the framed words."""
        import torch
        try:
            sequences = [self.start + tuple(self.ids[letter] for letter in word) + self.end for word in words]
        except KeyError as error:
            raise UserError(f"letter {error.args[0]!r} is not in the model adapter's alphabet") from None
        width = max(map(len, sequences))
        input_ids = np.full((len(sequences), width), self.pad, dtype=np.int64)
        mask = np.zeros((len(sequences), width), dtype=np.int64)
        for row, sequence in enumerate(sequences):
            input_ids[row, :len(sequence)] = sequence
            mask[row, :len(sequence)] = 1
        return torch.from_numpy(input_ids), torch.from_numpy(mask)


class HuggingFaceClassifier:
    """classify for any sequence-classification model; no hidden_states (see CausalHuggingFaceClassifier)."""

    def __init__(self, model, alphabet, tokens: TokenFrame, classes: list, empty_class, batch_words: int):
        self.model = model.eval()
        self.ALPHABET = list(alphabet)
        self.tokens, self.classes, self.empty_class = tokens, classes, empty_class
        self.batch_words = int(batch_words)
        positions = getattr(model.config, "max_position_embeddings", None)
        self.max_tokens = positions if isinstance(positions, int) and positions > 0 else None   # XLNet: -1

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.model).__name__}, {len(self.ALPHABET)} letters)"

    def _outputs(self, words, hidden: bool):
        """(words, outputs) per batch: words sorted by length, each batch one forward pass without gradients."""
        import torch
        framing = len(self.tokens.start) + len(self.tokens.end)
        longest = max(map(len, words), default=0) + framing
        if self.max_tokens is not None and longest > self.max_tokens:
            raise UserError(f"a word of {longest - framing} letters needs {longest} positions; the model has "
                            f"{self.max_tokens}")
        order = sorted(range(len(words)), key=lambda index: len(words[index]))
        device = next(self.model.parameters()).device
        for start in range(0, len(order), self.batch_words):
            indices = order[start:start + self.batch_words]
            input_ids, mask = self.tokens.rows([words[index] for index in indices])
            with torch.inference_mode():
                yield indices, self.model(input_ids=input_ids.to(device), attention_mask=mask.to(device),
                                          output_hidden_states=hidden)

    def classify(self, words) -> list:
        """The class of the head's largest logit for each word."""
        words = [tuple(word) for word in words]
        if any(not word for word in words) and not (self.tokens.start or self.tokens.end):
            if self.empty_class is None:
                raise UserError("the empty word gives the model no tokens: pass start_ids (e.g. a BOS token) or "
                                "empty_class to huggingface_adapter")
        labels = [self.empty_class] * len(words)
        runnable = [index for index, word in enumerate(words) if word or self.tokens.start or self.tokens.end]
        for indices, outputs in self._outputs([words[index] for index in runnable], hidden=False):
            logits = outputs.logits
            if logits.ndim != 2 or logits.shape[1] != len(self.classes):
                raise UserError(f"the model's logits have shape {tuple(logits.shape)}; a sequence-classification "
                                f"head gives (words, {len(self.classes)})")
            for index, label in zip(indices, logits.argmax(dim=1).tolist()):
                labels[runnable[index]] = self.classes[label]
        return labels


class CausalHuggingFaceClassifier(HuggingFaceClassifier):
    """A causal model: classify, and every layer's vector after each letter as its hidden state."""

    def hidden_states(self, words) -> list[np.ndarray]:
        """(len(word), layers × d) per word: each layer's output at each letter's position, layer 1 first."""
        words = [tuple(word) for word in words]
        states = [None] * len(words)
        offset = len(self.tokens.start)
        runnable = [index for index, word in enumerate(words) if word]
        for indices, outputs in self._outputs([words[index] for index in runnable], hidden=True):
            layers = np.concatenate([layer.float().cpu().numpy() for layer in outputs.hidden_states[1:]], axis=2)
            for row, index in enumerate(indices):
                word = words[runnable[index]]
                states[runnable[index]] = layers[row, offset:offset + len(word)].astype(np.float64)
        width = self.layer_widths()
        return [array if array is not None else np.zeros((0, sum(width))) for array in states]

    def layer_widths(self) -> list[int]:
        if not hasattr(self, "_layer_widths"):
            with_letter = self._outputs([(self.ALPHABET[0],)], hidden=True)
            self._layer_widths = [layer.shape[2] for layer in next(with_letter)[1].hidden_states[1:]]
        return self._layer_widths

    @property
    def STATE_PARTS(self) -> dict[str, slice]:
        """The columns of each layer in a hidden_states vector: layer1, layer2, … (the embeddings are left out)."""
        bounds = np.cumsum([0] + self.layer_widths()).tolist()
        return {f"layer{n + 1}": slice(bounds[n], bounds[n + 1]) for n in range(len(bounds) - 1)}


def causality_failure(causal: CausalHuggingFaceClassifier) -> str | None:
    """Why a position's vector is not the state of its prefix (None when it is): an attention module that says
    it is not causal, or a vector that changes when letters follow (prefixes of a few words run alone). The
    words are classified too, so that a model without a classification head fails here, in one line."""
    if not getattr(causal.model.config, "is_decoder", False) and any(
            getattr(module, "is_causal", None) is False for module in causal.model.modules()):
        return BIDIRECTIONAL
    rng = np.random.default_rng(0)
    words = [tuple(causal.ALPHABET[i] for i in rng.integers(0, len(causal.ALPHABET), size=6))
             for _ in range(CAUSALITY_WORDS)]
    prefixes = [word[:3] for word in words]
    try:
        causal.classify(words)
        whole, alone = causal.hidden_states(words), causal.hidden_states(prefixes)
    except UserError:
        raise
    except Exception as error:
        raise UserError(f"the model cannot run the words ({type(error).__name__}: {error})") from None
    if any(not np.allclose(long[:3], short, rtol=CAUSALITY_TOLERANCE, atol=CAUSALITY_TOLERANCE)
           for long, short in zip(whole, alone)):
        return ("the vector at a letter changed when letters were added after it, so it is not the state of the "
                "prefix")
    return None


def tokenizer_ids(tokenizer, alphabet) -> dict:
    """Each letter's one token id, tokenized alone; a letter of several tokens, or two letters of one id, is
    refused."""
    ids = {}
    for letter in alphabet:
        tokens = _token_ids(tokenizer, letter, special=False)
        if len(tokens) != 1:
            raise UserError(f"the tokenizer makes {len(tokens)} tokens of the letter {letter!r}; each letter must "
                            f"be one token")
        ids[letter] = int(tokens[0])
    if len(set(ids.values())) != len(ids):
        raise UserError("the tokenizer gives two letters the same token id")
    return ids


def tokenizer_frame(tokenizer, letter) -> tuple[tuple, tuple]:
    """The ids the tokenizer puts before and after a text (e.g. [CLS] and [SEP]), read around one letter."""
    alone, framed = _token_ids(tokenizer, letter, special=False), _token_ids(tokenizer, letter, special=True)
    for start in range(len(framed) - len(alone) + 1):
        if framed[start:start + len(alone)] == alone:
            return tuple(framed[:start]), tuple(framed[start + len(alone):])
    raise UserError(f"the tokenizer's special tokens change the letter {letter!r}'s token")


def _token_ids(tokenizer, letter, special: bool) -> list[int]:
    """The tokenizer's ids of one letter's text, with or without its special tokens."""
    try:
        return [int(token) for token in tokenizer(str(letter), add_special_tokens=special)["input_ids"]]
    except Exception as error:
        raise UserError(f"the tokenizer cannot tokenize the letter {letter!r} ({type(error).__name__}: {error}); "
                        f"pass a tokenizer or a dict of token ids") from None


def _token_id(value, what: str) -> int:
    """A token id: a whole number ≥ 0; `what` names it in the message."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise UserError(f"the token id of {what} must be a whole number ≥ 0, not {value!r}")
    return int(value)


def _pad_id(model, ids: dict) -> int:
    """The model's pad id, which no letter may have (a GPT-style head finds a word's last token by it)."""
    pad = getattr(getattr(model, "config", None), "pad_token_id", None)
    if pad is None:
        raise UserError("the model has no pad_token_id: set model.config.pad_token_id to an id that no letter has")
    letters = [letter for letter, token in ids.items() if token == pad]
    if letters:
        raise UserError(f"the letter {letters[0]!r} has the model's pad id {pad}: give it another id, or set "
                        f"model.config.pad_token_id to an id that no letter has")
    return int(pad)


def _checked_classes(model, classes) -> list:
    labels = getattr(model.config, "num_labels", None)
    if not isinstance(labels, int) or labels < 2:
        raise UserError(f"the model has num_labels {labels}: a classifier needs at least 2 classes")
    classes = list(range(labels)) if classes is None else list(classes)
    if len(classes) != labels:
        raise UserError(f"the model has {labels} labels but {len(classes)} classes are named")
    return classes
