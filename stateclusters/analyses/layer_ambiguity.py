"""Per-layer ambiguity: for networks of two or more layers, each function scored on one layer's state alone.

The contract clusters the concatenated state of all layers (h, plus c for an LSTM). Scoring each layer's
part alone says which layer carries the automaton state: the one whose clusters are as pure as the whole
state's. Records hold {labeling: {function: {"layer_1": [amb, wamb, max, min, n_clusters], ...}}} (a failed
function on a layer is left out of that layer), merged into OUT/layer_ambiguity.pickle keyed like
ambiguity.pickle; one-layer networks have none.
"""
import numpy as np


def layer_columns(config) -> list[slice]:
    """The columns of each layer in hidden_states' concatenation (h, then c for an LSTM), layer by layer."""
    width = config.hidden_state_size() // config.num_layers
    return [slice(depth * width, (depth + 1) * width) for depth in range(config.num_layers)]


def layer_ambiguity(data, function_names) -> dict:
    """{labeling: {function: {layer name: [amb, wamb, max, min, n_clusters]}}}; {} for a one-layer network."""
    from stateclusters.evaluation.network import evaluate_functions  # here: statistics read layer_table light
    from stateclusters.evaluation.network_data import protocol_clusterer

    columns = layer_columns(data.model.config)
    if len(columns) < 2:
        return {}
    vectors = data.hidden_states
    assert vectors.shape[1] == columns[-1].stop, "hidden_states concatenates the layers as layer_columns says"
    scores: dict = {labeling: {} for labeling in data.labelings}
    for depth, part in enumerate(columns, start=1):
        layer_vectors = np.ascontiguousarray(vectors[:, part])
        for labeling in scores:
            results = evaluate_functions(layer_vectors, data.state_labels(labeling), function_names, data.n_states,
                                         data.k_multiplier(labeling), data.seed, data.protocol.fit_fraction,
                                         protocol_clusterer(layer_vectors, data.protocol, data.seed, function_names))
            for name, result in results.items():
                if not result.error:
                    scores[labeling].setdefault(name, {})[f"layer_{depth}"] = [
                        float(result.amb), float(result.wamb), float(result.max), float(result.min),
                        int(result.n_clusters)]
    return scores


def layer_table(layer_scores: dict, ambiguity: dict, keys: list[str]) -> list[str]:
    """Per function: mean wamb of the whole state and of each layer alone over the networks that have both,
    and which layer has the lower mean (the one that carries the automaton state)."""
    lines = []
    functions = sorted({name for key in keys for name in layer_scores.get(key, {})})
    for name in functions:
        chosen = [key for key in keys if name in layer_scores.get(key, {}) and name in ambiguity.get(key, {})]
        layers = sorted({layer for key in chosen for layer in layer_scores[key][name]})
        if not chosen or not layers:
            continue
        whole = np.mean([ambiguity[key][name][1] for key in chosen])
        means = {layer: np.mean([layer_scores[key][name][layer][1] for key in chosen
                                 if layer in layer_scores[key][name]]) for layer in layers}
        carrier = min(means, key=means.get)
        lines.append(f"  {name:<22} whole {whole:.4f}  " + "  ".join(f"{layer} {value:.4f}"
                                                                    for layer, value in means.items())
                     + f"  carrier {carrier} ({len(chosen)} networks)")
    return lines
