"""The stacked layer's own backward (networks/stacked_layer.py) against finite differences, in float64."""
import pytest
import torch

from stateclusters.base.catalogue import GATES
from stateclusters.networks.stacked_layer import LayerRun, StackedLayer, Workspace, tanh_into

N, STEPS, BATCH, HIDDEN, INPUTS = 3, 5, 2, 4, 3
LENGTHS = (5, 3, 3)   # non-increasing, as the stacked model sorts them


def layer_arguments(rnn: str, seed: int):
    generator = torch.Generator().manual_seed(seed)
    width = GATES[rnn] * HIDDEN

    def tensor(*shape):
        return (torch.rand(*shape, generator=generator, dtype=torch.float64) - 0.5).requires_grad_()
    return (tensor(N, STEPS, BATCH, INPUTS), tensor(N, INPUTS, width), tensor(N, 1, width),
            tensor(N, HIDDEN, width), tensor(N, 1, width))


def layer(rnn: str, units):
    padding = None if units is None else ~units

    def run(*arguments):   # a fresh workspace per call: gradcheck keeps outputs of several calls
        return StackedLayer.apply(*arguments, LayerRun(rnn, LENGTHS, padding, Workspace(), "layer"))
    return run


@pytest.mark.parametrize("rnn", sorted(GATES))
@pytest.mark.parametrize("padded", [False, True])
def test_the_backward_equals_finite_differences(rnn, padded):
    units = None
    if padded:   # the third network has 2 of the 4 units
        units = torch.tensor([[True] * 4, [True] * 4, [True, True, False, False]])[:, None, :]
    assert torch.autograd.gradcheck(layer(rnn, units), layer_arguments(rnn, 0), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("rnn", sorted(GATES))
def test_the_backward_from_letters_equals_finite_differences(rnn):
    # the first layer: letters gather their input-weight rows, whose gradient is a one-hot product
    letters = torch.randint(0, INPUTS, (N, STEPS, BATCH), generator=torch.Generator().manual_seed(2))
    assert torch.autograd.gradcheck(layer(rnn, None), (letters, *layer_arguments(rnn, 0)[1:]), eps=1e-6, atol=1e-7)


@pytest.mark.parametrize("rnn", sorted(GATES))
def test_an_ended_word_keeps_its_state_and_its_padded_units_stay_zero(rnn):
    units = torch.tensor([[True] * 4, [True] * 4, [True, True, False, False]])[:, None, :]
    states, final = layer(rnn, units)(*layer_arguments(rnn, 1))
    for network, length in enumerate(LENGTHS):
        assert torch.equal(final[network], states[network, length - 1])
        assert torch.equal(states[network, length:], states[network, length - 1].expand(STEPS - length, -1, -1))
    assert torch.equal(states[2, ..., 2:], torch.zeros(STEPS, BATCH, 2, dtype=torch.float64))
    assert (states[2, ..., :2] != 0).any()


def ulp_distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """How many float32 steps apart a and b are (both finite and of one sign here, or equal)."""
    return (a.view(torch.int32).long() - b.view(torch.int32).long()).abs()


def test_tanh_into_is_pytorchs_tanh_within_one_ulp_in_place_strided_and_at_the_edges():
    dense = torch.linspace(-12, 12, 2_000_001)
    edges = torch.tensor([0.0, -0.0, 1e-40, -1e-40, 1e-30, 1e-8, -3e-4, 8.9, 9.1, 50.0, -50.0, 3e38])
    values = torch.cat([dense, edges])
    assert ulp_distance(tanh_into(values.clone()), torch.tanh(values)).max() <= 1
    gates = torch.randn(6, 128, 48) * 4   # one gate's slice of GRU units: the stacked layer's strided case
    into = torch.empty(6, 128, 16)
    tanh_into(gates[..., 32:], into)
    assert ulp_distance(into, torch.tanh(gates[..., 32:])).max() <= 1
    assert torch.equal(into, tanh_into(gates[..., 32:].contiguous()))   # the layout changes no bit
    special = tanh_into(torch.tensor([torch.inf, -torch.inf, torch.nan]))
    assert special[:2].tolist() == [1.0, -1.0] and special[2].isnan()


def test_tanh_into_leaves_what_numpy_cannot_take_to_pytorch():
    halves = torch.linspace(-3, 3, 101, dtype=torch.bfloat16)
    assert torch.equal(tanh_into(halves.clone()), torch.tanh(halves))
