"""The fifth architecture: a small causal transformer whose layers' outputs play the RNNs' hidden states.

Letters are embedded (a trained vector per letter) and a fixed sinusoidal position encoding is added
(Vaswani et al. 2017: sin/cos of position / 10000^(2i/d), computed for any position, nothing trained), so words
longer than the training words (1–14) — conformance 16–30, length generalisation 1–50 — get well-defined
positions. Then `num_layers` pre-LN torch TransformerEncoderLayers with a causal mask, a final LayerNorm and a
linear readout. Because of the mask, position t sees only letters 1..t: one forward pass gives every prefix.
"""
import math

import torch
from torch import nn

POSITION_BASE = 10_000.0   # the wavelength scale of the sinusoidal encoding


def sinusoidal_positions(length: int, width: int, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """(length, width) encoding of positions 0..length-1: sin on even columns, cos on odd ones."""
    positions = torch.arange(length, dtype=dtype, device=device)[:, None]
    pairs = (width + 1) // 2
    frequencies = torch.exp(torch.arange(pairs, dtype=dtype, device=device) * (-2 * math.log(POSITION_BASE) / width))
    angles = positions * frequencies[None, :]
    return torch.stack([torch.sin(angles), torch.cos(angles)], dim=-1).reshape(length, 2 * pairs)[:, :width]


class CausalTransformerClassifier(nn.Module):
    """Embedding + sinusoidal positions, pre-LN encoder layers under a causal mask, LayerNorm, linear readout.

    `config` is an networks.recurrent.NetworkConfig with rnn 'transformer'; its model_width is d_model.
    """

    def __init__(self, config):
        super().__init__()
        self.config = config
        width = config.model_width
        self.embedding = nn.Embedding(len(config.input_alphabet), width)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(width, config.attention_heads, dim_feedforward=config.feedforward_factor * width,
                                       dropout=config.dropout, batch_first=True, norm_first=True)
            for _ in range(config.num_layers))
        self.final_norm = nn.LayerNorm(width)
        self.readout = nn.Linear(width, len(config.output_classes))

    def layer_outputs(self, letters: torch.Tensor) -> list[torch.Tensor]:
        """Every layer's output sequence, (batch, time, d_model) each, for a (batch, time) letter-index tensor."""
        length = letters.shape[1]
        dtype, device = self.readout.weight.dtype, letters.device
        stream = self.embedding(letters) + sinusoidal_positions(length, self.config.model_width, dtype, device)
        causal_mask = nn.Transformer.generate_square_subsequent_mask(length, device=device, dtype=dtype)
        outputs = []
        for layer in self.layers:
            stream = layer(stream, src_mask=causal_mask, is_causal=True)
            outputs.append(stream)
        return outputs

    def state_sequence(self, letters: torch.Tensor) -> torch.Tensor:
        """Hidden state after every prefix: the layers' outputs at its last position, concatenated."""
        return torch.cat(self.layer_outputs(letters), dim=-1)

    def forward(self, letters: torch.Tensor) -> torch.Tensor:
        """Class logits after every prefix: (batch, time, n_classes)."""
        return self.readout(self.final_norm(self.layer_outputs(letters)[-1]))
