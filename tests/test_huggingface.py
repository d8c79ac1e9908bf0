"""The Hugging Face adapter on tiny models built from configs (no download): classify equals the model run on each
word alone; a causal model's hidden state after a prefix is the prefix's own, layer by layer; an encoder has no
hidden states and analyse says why."""
from pathlib import Path

import numpy as np
import pytest
import tomllib
import torch
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    BertTokenizer,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    GPT2Config,
    GPT2ForSequenceClassification,
    XLNetConfig,
    XLNetForSequenceClassification,
)

import stateclusters
from stateclusters.adapters.adapter import as_adapter
from stateclusters.adapters.huggingface import BIDIRECTIONAL
from stateclusters.base.errors import UserError

LETTER_IDS = {"0": 1, "1": 2}   # 0 pads, 3 starts a word (BOS / CLS), 4 ends it (SEP)


def tiny_gpt2(seed: int = 0, labels: int = 3) -> GPT2ForSequenceClassification:
    torch.manual_seed(seed)
    config = GPT2Config(vocab_size=5, n_positions=40, n_embd=8, n_layer=2, n_head=2, n_inner=16, num_labels=labels,
                        pad_token_id=0, bos_token_id=3, eos_token_id=4)
    return GPT2ForSequenceClassification(config)


def tiny_bert(seed: int = 0, **options) -> BertForSequenceClassification:
    torch.manual_seed(seed)
    config = BertConfig(vocab_size=8, hidden_size=8, num_hidden_layers=2, num_attention_heads=2, intermediate_size=16,
                        max_position_embeddings=40, num_labels=2, pad_token_id=0, **options)
    return BertForSequenceClassification(config)


def tiny_distilbert(seed: int = 0) -> DistilBertForSequenceClassification:
    torch.manual_seed(seed)
    return DistilBertForSequenceClassification(DistilBertConfig(vocab_size=5, dim=8, n_layers=2, n_heads=2,
                                                                hidden_dim=16, max_position_embeddings=40,
                                                                num_labels=2, pad_token_id=0))


def random_words(seed: int, count: int = 30, longest: int = 12) -> list[tuple]:
    rng = np.random.default_rng(seed)
    return [tuple(str(letter) for letter in rng.integers(0, 2, size=rng.integers(1, longest + 1)))
            for _ in range(count)]


def alone(model, ids: list[int], hidden: bool = False):
    """The model on one unpadded sequence of token ids."""
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids]), output_hidden_states=hidden)


def test_classify_is_the_head_run_on_each_word_alone():
    model = tiny_gpt2(seed=1)
    network = stateclusters.wrap_huggingface(model, LETTER_IDS, classes=["x", "y", "z"], start_ids=[3])
    network.batch_words = 4   # batches of mixed lengths, right-padded under a mask
    words = random_words(seed=2)
    expected = [["x", "y", "z"][int(alone(model, [3] + [LETTER_IDS[letter] for letter in word]).logits.argmax())]
                for word in words + [()]]
    labels = network.classify(words + [()])
    assert labels == expected and len(set(labels)) > 1


def test_a_causal_models_state_after_a_prefix_is_the_prefixs_own():
    model = tiny_gpt2(seed=3)
    network = stateclusters.wrap_huggingface(model, LETTER_IDS, start_ids=[3])
    assert not hasattr(network, "HIDDEN_STATES_SKIPPED")
    assert network.STATE_PARTS == {"layer1": slice(0, 8), "layer2": slice(8, 16)}
    words = random_words(seed=4)
    prefixes = [word[:len(word) // 2 + 1] for word in words]
    inside, on_their_own = network.hidden_states(words), network.hidden_states(prefixes)
    for word, whole, prefix, own in zip(words, inside, prefixes, on_their_own):
        assert whole.shape == (len(word), 16) and own.shape == (len(prefix), 16)
        np.testing.assert_allclose(whole[:len(prefix)], own, atol=1e-5)
        layers = alone(model, [3] + [LETTER_IDS[letter] for letter in word], hidden=True).hidden_states
        np.testing.assert_allclose(whole, torch.cat(layers[1:], dim=2)[0, 1:].numpy(), atol=1e-5)   # after BOS
    assert stateclusters.hidden_states(network, words).shape == (sum(map(len, words)), 16)


def test_a_bert_decoder_is_causal():
    network = stateclusters.wrap_huggingface(tiny_bert(is_decoder=True), LETTER_IDS, start_ids=[3])
    assert [array.shape for array in network.hidden_states([("0", "1"), ("1",)])] == [(2, 16), (1, 16)]


@pytest.mark.parametrize("model, reason", [(tiny_bert, BIDIRECTIONAL), (tiny_distilbert, BIDIRECTIONAL),
                                           (lambda: XLNetForSequenceClassification(XLNetConfig(
                                               vocab_size=5, d_model=8, n_layer=2, n_head=2, d_inner=16,
                                               num_labels=2, pad_token_id=0)), "changed when letters were added")])
def test_an_encoder_has_no_hidden_states_and_says_why(model, reason):
    network = stateclusters.wrap_huggingface(model(), LETTER_IDS, start_ids=[3], end_ids=[4])
    assert not as_adapter(network).has_hidden_states and reason in as_adapter(network).hidden_states_skipped
    assert len(network.classify(random_words(seed=5))) == 30


def test_analyse_reports_why_an_encoders_clusters_are_skipped():
    network = stateclusters.wrap_huggingface(tiny_distilbert(seed=2), LETTER_IDS, start_ids=[3], end_ids=[4])
    tomita3 = stateclusters.load_automaton("tomita3")
    result = stateclusters.analyse(network, tomita3, random_words(seed=6, count=50), functions=["k_means"],
                                   faithfulness=False)
    assert result.report["functions_skipped"] == BIDIRECTIONAL
    assert 0 <= result.report["agreement"] <= 1 and "functions" not in result.report and result.rows == []


def test_a_tokenizer_gives_the_letters_ids_and_the_special_tokens(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n##b\n")
    tokenizer = BertTokenizer(str(tmp_path / "vocab.txt"))
    model = tiny_bert(seed=7)
    network = stateclusters.wrap_huggingface(model, tokenizer, alphabet=["a", "b"])
    assert network.tokens.ids == {"a": 5, "b": 6} and (network.tokens.start, network.tokens.end) == ((2,), (3,))
    words = [("a",), ("b", "a", "b"), ("a", "a", "b", "b"), ()]
    with torch.no_grad():
        expected = [int(model(**tokenizer(" ".join(word), return_tensors="pt")).logits.argmax()) for word in words]
    assert network.classify(words) == expected
    with pytest.raises(UserError, match="same token id"):
        stateclusters.wrap_huggingface(model, tokenizer, alphabet=["a", "c", "d"])
    with pytest.raises(UserError, match="makes 2 tokens of the letter 'ab'"):
        stateclusters.wrap_huggingface(model, tokenizer, alphabet=["a", "ab"])


@pytest.mark.parametrize("change, arguments, message", [
    (lambda model: setattr(model.config, "pad_token_id", None), {}, "no pad_token_id"),
    (lambda model: setattr(model.config, "pad_token_id", 2), {}, "the model's pad id 2"),
    (lambda model: None, {"classes": ["a", "b"]}, "3 labels but 2 classes"),
    (lambda model: None, {"letter_ids": {"0": 1, "1": -2}}, "whole number"),
    (lambda model: None, {"alphabet": ["0", "1", "2"]}, "'2' has no token id"),
    (lambda model: None, {"start_ids": [3, "4"]}, "start id must be a whole number"),
    (lambda model: None, {"end_ids": 4}, "must be lists of token ids"),
    (lambda model: None, {"letter_ids": {}}, "alphabet is empty"),
])
def test_bad_models_and_ids_are_refused_in_one_line(change, arguments, message):
    model = tiny_gpt2()
    change(model)
    with pytest.raises(UserError, match=message):
        stateclusters.wrap_huggingface(model, **{"letter_ids": LETTER_IDS, **arguments})


def test_words_the_model_cannot_take_are_refused_in_one_line():
    network = stateclusters.wrap_huggingface(tiny_gpt2(), LETTER_IDS)
    with pytest.raises(UserError, match="empty word gives the model no tokens"):
        network.classify([("0",), ()])
    with_empty_class = stateclusters.wrap_huggingface(tiny_gpt2(), LETTER_IDS, empty_class="none")
    assert with_empty_class.classify([(), ("0",), ()])[::2] == ["none", "none"]
    with pytest.raises(UserError, match="needs 41 positions; the model has 40"):
        network.classify([("0",) * 41])
    with pytest.raises(UserError, match="not in the model adapter's alphabet"):
        network.classify([("0", "2")])


def test_any_adapter_may_say_why_it_has_no_hidden_states():
    class Counter:
        ALPHABET = ["0", "1"]
        HIDDEN_STATES_SKIPPED = "it counts in a register the adapter cannot read"

        def classify(self, words):
            return [word.count("1") % 3 == 0 for word in words]

    assert as_adapter(Counter()).hidden_states_skipped == Counter.HIDDEN_STATES_SKIPPED
    Counter.HIDDEN_STATES_SKIPPED = ["not", "a line"]
    with pytest.raises(UserError, match="HIDDEN_STATES_SKIPPED must be one line of text"):
        as_adapter(Counter()).hidden_states_skipped
    del Counter.HIDDEN_STATES_SKIPPED
    assert as_adapter(Counter()).hidden_states_skipped == "the adapter has no hidden_states"


def test_the_dev_extra_installs_the_hf_extra():
    extras = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert extras["hf"] and set(extras["hf"]) <= set(extras["dev"])
