"""--layer-ambiguity: each function scored on each layer's state alone (analyses/layer_ambiguity.py)."""
from stateclusters.analyses.layer_ambiguity import layer_table
from stateclusters.base.catalogue import SCORE_FIELDS


def settings(options: dict):
    return True


def run(data, spec) -> dict:
    from stateclusters.analyses.layer_ambiguity import layer_ambiguity
    return layer_ambiguity(data, spec.functions)


def is_valid(merged) -> bool:
    """{result key: {function: {layer: [amb, wamb, max, min, n_clusters]}}}."""
    return isinstance(merged, dict) and all(
        isinstance(functions, dict) and all(isinstance(layers, dict) and all(map(_are_scores, layers.values()))
                                            for layers in functions.values())
        for functions in merged.values())


def _are_scores(values) -> bool:
    return isinstance(values, (list, tuple)) and len(values) == len(SCORE_FIELDS) and all(
        isinstance(value, (int, float)) and not isinstance(value, bool) for value in values)


def summary_lines(merged: dict, view) -> list[str]:
    lines = []
    for set_name, keys in view.keys_by_set.items():
        table = layer_table(merged, view.ambiguity, keys)
        if table:
            lines += [f"weighted ambiguity of the whole state and of each layer alone, {set_name}:", *table]
    return lines
