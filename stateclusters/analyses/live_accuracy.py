"""accuracy_live: the every-prefix conformance test on words drawn like the training words.

The contract's conformance test (docs/contract.md, "accuracy") uses uniformly random words of length 16–30.
For most of our PDAs such a word enters the error state within its first letters, so the test only checks
that the network keeps rejecting. accuracy_live draws 10,000 words of length 16–30 like the training words
(for a PDA with the 0.75 bias toward letters that keep it alive; for regular automata this is the same
distribution as the contract's test, other words) and applies the same every-prefix criterion. It is
reported beside the contract's accuracy, in job records and in OUT/accuracy_live.pickle ({result key: share}).
"""
import numpy as np

from stateclusters.base.catalogue import LIVE_WORDS
from stateclusters.base.keys import parse_key


def live_accuracy(model, automaton, n_words: int = LIVE_WORDS, seed: int = 0) -> float:
    """Share of live words on which the network matches the automaton after every prefix."""
    # Imported here: the statistics read this module's summaries without torch.
    from stateclusters.evaluation.network import prefix_accuracy
    from stateclusters.networks.recurrent import prefix_predictions
    from stateclusters.words.runs import trace_words
    from stateclusters.words.sampling import live_words

    words = live_words(automaton, n_words, seed=seed)
    trace = trace_words(automaton, words.letters, words.lengths, words.alphabet)
    return prefix_accuracy(prefix_predictions(model, words.letters), trace, model.config.output_classes)


def passes_live_filter(live: dict | None, key: str, min_accuracy_live: float) -> bool:
    """Whether a network's accuracy_live reaches the threshold; without a value only a threshold of 0 passes."""
    if min_accuracy_live <= 0:
        return True
    return live is not None and live.get(key, -1.0) >= min_accuracy_live


def live_summary_lines(accuracy: dict, live: dict, keys_by_set: dict[str, list[str]]) -> list[str]:
    """Per set and architecture: mean conformance accuracy beside mean accuracy_live, and how many pass 0.9 each."""
    lines = []
    for set_name, keys in keys_by_set.items():
        by_rnn: dict[str, list[str]] = {}
        for key in keys:
            if key in live:
                by_rnn.setdefault(parse_key(key).network.rnn, []).append(key)
        for rnn, chosen in sorted(by_rnn.items()):
            spec = np.array([accuracy[key] for key in chosen])
            drawn = np.array([live[key] for key in chosen])
            lines.append(f"accuracy, {set_name}, {rnn}: conformance (uniform words) mean {spec.mean():.4f}, "
                         f"{(spec >= 0.9).sum()} of {len(chosen)} at least 0.9; accuracy_live (words drawn like "
                         f"the training words) mean {drawn.mean():.4f}, {(drawn >= 0.9).sum()} at least 0.9")
    return lines
