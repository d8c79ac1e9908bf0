"""--layer-ambiguity: each function scored on each layer's state alone (analyses/layer_ambiguity.py)."""
from stateclusters.analyses.layer_ambiguity import layer_table


def settings(options: dict):
    return True


def run(data, spec) -> dict:
    from stateclusters.analyses.layer_ambiguity import layer_ambiguity
    return layer_ambiguity(data, spec.functions)


def is_valid(merged) -> bool:
    return isinstance(merged, dict) and all(isinstance(functions, dict) for functions in merged.values())


def summary_lines(merged: dict, view) -> list[str]:
    lines = []
    for set_name, keys in view.keys_by_set.items():
        table = layer_table(merged, view.ambiguity, keys)
        if table:
            lines += [f"weighted ambiguity of the whole state and of each layer alone, {set_name}:", *table]
    return lines
