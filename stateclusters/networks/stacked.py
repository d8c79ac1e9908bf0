"""N recurrent networks of one architecture and depth as one model: weights [N, ...], one torch.bmm per step.

Networks of different hidden sizes, alphabets and classes share a model by padding. A padded unit's weights
start at zero and its state is kept exactly zero by masks (torch.where, never a multiplication by zero: a relu
state can overflow to inf and inf·0 is nan); padded classes are masked out of the logits. So padding never
changes a network's function (docs/performance.md, group training).
"""
import torch
from torch import nn

from stateclusters.base.catalogue import GATES
from stateclusters.networks.recurrent import NetworkConfig
from stateclusters.networks.stacked_layer import LayerRun, StackedLayer, Workspace


def padded_shape(configs: list[NetworkConfig]) -> tuple[int, int, int]:
    """(alphabet, hidden, classes) sizes the group is padded to: the largest of its networks'."""
    return (max(len(c.input_alphabet) for c in configs), max(c.hidden_size for c in configs),
            max(len(c.output_classes) for c in configs))


def check_group(configs: list[NetworkConfig]) -> None:
    """One architecture and one depth; recurrent only."""
    kinds = {(c.rnn, c.num_layers) for c in configs}
    if len(kinds) != 1 or configs[0].rnn not in GATES:
        raise ValueError(f"a group needs one recurrent architecture and depth, got {sorted(kinds)}")


class StackedRecurrent(nn.Module):
    """The stacked weights of N networks, built from (and written back into) their solo state_dicts."""

    def __init__(self, configs: list[NetworkConfig], state_dicts: list[dict]):
        super().__init__()
        check_group(configs)
        self.configs = list(configs)
        self.rnn, self.num_layers = configs[0].rnn, configs[0].num_layers
        self.alphabet, self.hidden, self.classes = padded_shape(configs)
        self.gates = GATES[self.rnn]
        self.workspace = Workspace()   # buffers reused from batch to batch (stacked_layer.py)
        self.padded = any((len(c.input_alphabet), c.hidden_size, len(c.output_classes))
                          != (self.alphabet, self.hidden, self.classes) for c in configs)
        params = {name: [] for name in self.parameter_names()}
        for config, state in zip(configs, state_dicts):
            for name, tensor in self._padded_weights(config, state).items():
                params[name].append(tensor)
        self.weights = nn.ParameterDict({name: nn.Parameter(torch.stack(tensors)) for name, tensors in params.items()})
        self.register_buffer("unit_mask", torch.stack([torch.arange(self.hidden) < c.hidden_size for c in configs])
                             [:, None, :])
        self.register_buffer("class_mask", torch.stack([torch.arange(self.classes) < len(c.output_classes)
                                                        for c in configs])[:, None, :])
        own = [self._own_entries(config, state) for config, state in zip(configs, state_dicts)]
        for name in self.weights:   # buffers, so that they move with .to(device)
            self.register_buffer(f"own_{name}", torch.stack([entries[name] for entries in own]))

    def parameter_names(self) -> list[str]:
        names = []
        for depth in range(self.num_layers):
            names += [f"ih{depth}", f"hh{depth}", f"bih{depth}", f"bhh{depth}"]
        return names + ["readout", "readout_bias"]

    def _input_size(self, config: NetworkConfig, depth: int) -> tuple[int, int]:
        """(the network's own input size, the padded one) of a layer."""
        return (len(config.input_alphabet), self.alphabet) if depth == 0 else (config.hidden_size, self.hidden)

    def _gate_columns(self, config: NetworkConfig) -> torch.Tensor:
        """Padded column of each of the network's own gate units: gate g, unit j → g·hidden + j."""
        return torch.cat([g * self.hidden + torch.arange(config.hidden_size) for g in range(self.gates)])

    def _padded_weights(self, config: NetworkConfig, state: dict) -> dict[str, torch.Tensor]:
        """The network's solo weights placed in the zero-padded, transposed (input × gate units) layout."""
        columns, out = self._gate_columns(config), {}
        for depth in range(self.num_layers):
            own_in, padded_in = self._input_size(config, depth)
            for kind, source, rows in (("ih", "weight_ih_l0", (own_in, padded_in)),
                                       ("hh", "weight_hh_l0", (config.hidden_size, self.hidden))):
                weight = torch.zeros(rows[1], self.gates * self.hidden)
                weight[:rows[0], columns] = state[f"layers.{depth}.{source}"].T
                out[f"{kind}{depth}"] = weight
            for kind in ("ih", "hh"):
                bias = torch.zeros(1, self.gates * self.hidden)
                bias[0, columns] = state[f"layers.{depth}.bias_{kind}_l0"]
                out[f"b{kind}{depth}"] = bias
        readout = torch.zeros(self.hidden, self.classes)
        readout[:config.hidden_size, :len(config.output_classes)] = state["readout.weight"].T
        bias = torch.zeros(1, self.classes)
        bias[0, :len(config.output_classes)] = state["readout.bias"]
        return {**out, "readout": readout, "readout_bias": bias}

    def _own_entries(self, config: NetworkConfig, state: dict) -> dict[str, torch.Tensor]:
        """Which entries of each stacked weight are the network's own (True), which padding (False)."""
        ones = {name: torch.ones_like(value) for name, value in state.items()}
        return {name: weight != 0 for name, weight in self._padded_weights(config, ones).items()}

    def own_entries(self, name: str) -> torch.Tensor:
        return getattr(self, f"own_{name}")

    def state_dict_of(self, index: int) -> dict[str, torch.Tensor]:
        """Network `index`'s weights in its solo module's state_dict layout (for load_state_dict)."""
        config, columns, state = self.configs[index], self._gate_columns(self.configs[index]), {}
        for depth in range(self.num_layers):
            own_in, _ = self._input_size(config, depth)
            w = {name: self.weights[f"{name}{depth}"][index].detach() for name in ("ih", "hh", "bih", "bhh")}
            state[f"layers.{depth}.weight_ih_l0"] = w["ih"][:own_in, columns].T.clone()
            state[f"layers.{depth}.weight_hh_l0"] = w["hh"][:config.hidden_size, columns].T.clone()
            state[f"layers.{depth}.bias_ih_l0"] = w["bih"][0, columns].clone()
            state[f"layers.{depth}.bias_hh_l0"] = w["bhh"][0, columns].clone()
        classes = len(config.output_classes)
        state["readout.weight"] = self.weights["readout"][index, :config.hidden_size, :classes].detach().T.clone()
        state["readout.bias"] = self.weights["readout_bias"][index, 0, :classes].detach().clone()
        return state

    def select(self, keep: list[int]) -> None:
        """Keep only the networks at `keep` (the others stopped): their weights, masks and configs."""
        index = torch.as_tensor(keep, device=self.unit_mask.device)
        for name, weight in self.weights.items():
            weight.data = weight.data.index_select(0, index)
        self.unit_mask, self.class_mask = self.unit_mask[index], self.class_mask[index]
        for name in self.weights:
            setattr(self, f"own_{name}", self.own_entries(name)[index])
        self.configs = [self.configs[i] for i in keep]

    # ---- forward ---------------------------------------------------------------------------------------

    def _sorted(self, lengths) -> tuple[torch.Tensor | None, dict[str, torch.Tensor], torch.Tensor | None]:
        """(order, weights, padded units) with the networks sorted longest words first (order None: already so)."""
        order = sorted(range(len(lengths)), key=lambda i: -int(lengths[i]))   # stable: ties keep their order
        padding = ~self.unit_mask if self.padded else None
        if order == list(range(len(lengths))):
            return None, dict(self.weights), padding
        index = torch.as_tensor(order, device=self.unit_mask.device)
        weights = {name: weight.index_select(0, index) for name, weight in self.weights.items()}
        return index, weights, None if padding is None else padding.index_select(0, index)

    def final_states(self, letters: torch.Tensor, lengths=None, dropout_masks=None) -> torch.Tensor:
        """The last layer's state after each word's last letter: [N, B, hidden].

        letters [N, T, B] (time before batch); lengths: each network's word length this batch (None: all T);
        dropout_masks: one scaled [N, T, B, hidden] mask per layer above the first, or None.
        """
        return self._run(letters, lengths, dropout_masks)[1]

    def logits_after_every_letter(self, letters: torch.Tensor) -> torch.Tensor:
        """Logits after every prefix: [N, T, B, classes] for letters [N, T, B], padded classes −inf."""
        states = self._run(letters, None, None)[0]
        n, steps, batch, hidden = states.shape
        return self._readout(states.reshape(n, steps * batch, hidden)).view(n, steps, batch, -1)

    def _run(self, letters, lengths, dropout_masks) -> tuple[torch.Tensor, torch.Tensor]:
        """The last layer's states [N, T, B, hidden] and final states [N, B, hidden] (final_states' arguments);
        the states are in the sorted order, so only an unsorted run (lengths None) may use them."""
        n, steps = letters.shape[:2]
        lengths = [steps] * n if lengths is None else [int(length) for length in lengths]
        order, weights, padding = self._sorted(lengths)
        if order is not None:
            letters = letters.index_select(0, order)
            dropout_masks = None if dropout_masks is None else [m.index_select(0, order) for m in dropout_masks]
            lengths = sorted(lengths, reverse=True)
        layer_input = letters
        for depth in range(self.num_layers):
            if depth > 0 and dropout_masks is not None:
                layer_input = layer_input * dropout_masks[depth - 1]
            run = LayerRun(self.rnn, tuple(lengths), padding, self.workspace, f"layer{depth}")
            layer_input, final = StackedLayer.apply(layer_input, weights[f"ih{depth}"], weights[f"bih{depth}"],
                                                    weights[f"hh{depth}"], weights[f"bhh{depth}"], run)
        if order is None:
            return layer_input, final
        return layer_input, final.index_select(0, torch.argsort(order))

    def forward(self, letters: torch.Tensor, lengths=None, dropout_masks=None) -> torch.Tensor:
        """Logits after each word's last letter: [N, B, classes], padded classes -inf (arguments as
        final_states)."""
        return self._readout(self.final_states(letters, lengths, dropout_masks))

    def _readout(self, states: torch.Tensor) -> torch.Tensor:
        """Class logits [N, X, classes] of states [N, X, hidden], padded classes −inf."""
        logits = torch.baddbmm(self.weights["readout_bias"], states, self.weights["readout"])
        return torch.where(self.class_mask, logits, -torch.inf) if self.padded else logits
