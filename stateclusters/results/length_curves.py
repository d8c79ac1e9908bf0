"""The length-generalisation pickle read for the statistics: checked, averaged into curves, described.

numpy only, like the rest of what statistics_computation.py reads.
"""

import numpy as np

WAMB = 1   # the weighted ambiguity's position in each length's [amb, wamb, n]


def length_curves(length_results: dict, keys_by_set: dict, function: str) -> dict:
    """{set: (word lengths, mean weighted ambiguity over the set's networks at each length, networks)}.

    Only the selected networks (the same filters as the tables) that have the function count; a set without
    any is left out. A length a network lacks (never, with the runner's words) is averaged without it.
    """
    curves = {}
    for set_name, keys in keys_by_set.items():
        per_network = [length_results[key][function] for key in keys
                       if function in length_results.get(key, {})]
        if not per_network:
            continue
        lengths = sorted({length for scores in per_network for length in scores})
        means = [float(np.mean([scores[length][WAMB] for scores in per_network if length in scores]))
                 for length in lengths]
        curves[set_name] = (lengths, means, len(per_network))
    return curves


def describe_length_curves(curves: dict, function: str, training_length: int) -> list[str]:
    lines = [f"length generalisation, {function} weighted ambiguity of the state after each word, mean over networks:"]
    for set_name, (lengths, means, n_networks) in curves.items():
        inside = [mean for length, mean in zip(lengths, means) if length <= training_length]
        beyond = [mean for length, mean in zip(lengths, means) if length > training_length]
        parts = [f"lengths 1-{training_length} {np.mean(inside):.4f}" if inside else None,
                 f"{training_length + 1}-{max(lengths)} {np.mean(beyond):.4f}" if beyond else None]
        lines.append(f"  {set_name} ({n_networks} networks): " + ", ".join(part for part in parts if part))
    return lines
