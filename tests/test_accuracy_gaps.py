"""studies/paper_accuracy_gaps.py: its reduced-precision forward pass is torch's, and its gap bookkeeping."""
import numpy as np
import pytest
import torch

from stateclusters.automata import get_automaton
from stateclusters.networks.recurrent import NetworkConfig, build_network
from stateclusters.studies.paper_accuracy_gaps import (
    accuracy_gaps,
    first_failures,
    later_file_rows,
    rounded,
    rounded_logits,
)
from stateclusters.words.sampling import conformance_words, trace_words


@pytest.mark.parametrize("rnn", ["relu", "tanh", "gru", "lstm"])
def test_full_precision_emulation_is_torchs_forward_pass(rnn):
    torch.manual_seed(0)
    model = build_network(NetworkConfig(rnn=rnn, input_alphabet=("a", "b", "c"), output_classes=("False", "True"),
                                        hidden_size=7, num_layers=1)).eval()
    letters = np.random.default_rng(0).integers(0, 3, size=(20, 12))
    with torch.inference_mode():
        expected = model(torch.as_tensor(letters))
    assert torch.allclose(rounded_logits(model, letters, 23), expected, atol=1e-5)
    assert not torch.allclose(rounded_logits(model, letters, 7), expected, atol=1e-5)


def test_rounding_keeps_the_requested_mantissa_bits():
    values = torch.tensor([1 + 2 ** -12, 1 + 2 ** -9, -3.14159265, 1e-3])
    kept = rounded(values, 10).view(torch.int32)
    assert torch.all(kept & ((1 << 13) - 1) == 0)
    assert rounded(values, 10)[0] == 1.0 and rounded(values, 10)[1] == 1 + 2 ** -9
    assert torch.allclose(rounded(values, 10), values, rtol=2 ** -10)


def test_gaps_take_one_labeling_per_network():
    accuracy = {"net_a_gpu_stackless": 0.9, "net_a_gpu_stackful": 0.9, "net_b_gpu_regular": 1.0, "other": 0.5}
    expected = {"net_a_gpu_stackless": {"accuracy": 1.0}, "net_a_gpu_stackful": {"accuracy": 1.0},
                "net_b_gpu_regular": {"accuracy": 0.75}}
    assert accuracy_gaps(accuracy, expected) == pytest.approx({"net_a_gpu": -0.1, "net_b_gpu": 0.25})


def test_first_failures_name_the_expected_output_and_stack_height():
    automaton = get_automaton("CFG_L_13")
    words = conformance_words(automaton, 200, seed=1)
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    always_true = np.ones_like(words.letters)    # class index of "True" after every prefix
    failures = first_failures(always_true, trace, ("False", "True"))
    assert sum(failures.values()) == np.sum(((trace.outputs == "False") & trace.valid()).any(axis=1))
    assert all(output == "False" for output, _ in failures)    # a network that says True fails only on False
    assert set(height for _, height in failures) - {"err"} <= set(range(0, 31))


def test_the_later_file_is_compared_where_it_has_the_network():
    accuracy = {"CFG_L_13_gru_1_15_1_gpu_stackless": 0.996, "CFG_L_13_lstm_1_15_1_gpu_stackless": 0.89}
    expected = {key: {"accuracy": 1.0} for key in accuracy}
    later = {"CFG_L_13_gru_1_15_1_gpu": 0.997, "CFG_L_1_gru_1_4_1_gpu": 1.0}
    assert later_file_rows(accuracy, expected, later) == [("CFG_L_13_gru_1_15_1_gpu", 0.996, 0.997, 1.0)]
