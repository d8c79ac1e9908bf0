"""Is the network's classify a function of the word? Asked twice, in different batch orders, before learning.

Learning asks each word once, so a network with random outputs (dropout left on, sampling) would be learned as a
large, meaningless automaton without anything noticing. Here a sample of words is classified in one batch and
again shuffled in small batches; any word whose label changes is reported.
"""
import numpy as np

from stateclusters.adapters.adapter import Adapter
from stateclusters.base.errors import UserError

DETERMINISM_WORDS = 200       # words classified twice
SECOND_BATCH = 7          # the second pass's batch size: other batch shapes, other paddings


def determinism_check(adapter: Adapter, words, seed: int = 0, allow: bool = False) -> dict:
    """{'words', 'changed', 'allowed'}; a UserError when a label changes and `allow` is False."""
    rng = np.random.default_rng([seed, 5])
    sample = [word for word in dict.fromkeys(map(tuple, words)) if len(word)]
    if len(sample) > DETERMINISM_WORDS:
        sample = [sample[i] for i in sorted(rng.choice(len(sample), DETERMINISM_WORDS, replace=False))]
    first = adapter.classify(sample)
    order = rng.permutation(len(sample))
    second = np.empty(len(sample), dtype=object)
    for start in range(0, len(sample), SECOND_BATCH):
        rows = order[start:start + SECOND_BATCH]
        second[rows] = adapter.classify([sample[i] for i in rows])
    changed = np.flatnonzero(first != second.astype(str))
    if len(changed) and not allow:
        word = " ".join(map(str, sample[changed[0]]))
        raise UserError(f"adapter {adapter.name}: classify is not deterministic: {len(changed)} of {len(sample)} "
                        f"words changed label when asked again in another batch order (e.g. '{word}': "
                        f"{first[changed[0]]} then {second[changed[0]]}); --allow-nondeterministic to go on")
    return {"words": len(sample), "changed": int(len(changed)), "allowed": bool(allow)}
