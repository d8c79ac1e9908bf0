"""accuracy_live: the every-prefix conformance test on words drawn like the training words.

The contract's conformance test (docs/contract.md, "accuracy") uses uniformly random words of length 16–30.
For most of our PDAs such a word enters the error state within its first letters, so the test only checks
that the network keeps rejecting. accuracy_live draws 10,000 words of length 16–30 like the training words
(for a PDA with the 0.75 bias toward letters that keep it alive; for regular automata this is the same
distribution as the contract's test, other words) and applies the same every-prefix criterion. It is
reported beside the contract's accuracy, in job records and in OUT/accuracy_live.pickle ({result key: share}).
"""
from stateclusters.evaluation.network import prefix_accuracy
from stateclusters.words.sampling import live_words

LIVE_WORDS = 10_000
LIVE_MIN_LENGTH, LIVE_MAX_LENGTH = 16, 30


def live_accuracy(model, automaton, n_words: int = LIVE_WORDS, seed: int = 0) -> float:
    """Share of live words on which the network matches the automaton after every prefix."""
    return prefix_accuracy(model, automaton, live_words(automaton, n_words, LIVE_MIN_LENGTH, LIVE_MAX_LENGTH, seed))
