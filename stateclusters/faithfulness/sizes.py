"""How large the faithfulness scores are: the suffix limit, the prefix pairs of each kind and the member runs
per cluster (defaults in base/catalogue.py), and their check before any work."""
from dataclasses import asdict, dataclass

from stateclusters.base.catalogue import (
    FAITHFULNESS_MEMBERS,
    FAITHFULNESS_PAIRS,
    FAITHFULNESS_SUFFIX_LIMIT,
    FAITHFULNESS_WORD_LIMIT,
)
from stateclusters.faithfulness.prefixes import automaton_suffix_set, check_count, check_word_count, suffix_set


@dataclass(frozen=True)
class FaithfulnessSizes:
    suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT
    pairs: int = FAITHFULNESS_PAIRS
    members: int = FAITHFULNESS_MEMBERS

    def as_report(self) -> dict:
        return asdict(self)


def check_sizes(sizes: FaithfulnessSizes, automaton, alphabet, word_limit: int = FAITHFULNESS_WORD_LIMIT) -> None:
    """Refuse what the Myhill–Nerode scores would refuse later: a suffix limit below a Mealy machine's letters,
    or more words than the limit. Without an automaton (one to be learned: a DFA or Moore machine) S has the
    empty word."""
    check_count(sizes.pairs, "pairs")
    check_count(sizes.members, "members")
    _, suffixes = suffix_set(alphabet, sizes.suffix_limit) if automaton is None else \
        automaton_suffix_set(automaton, alphabet, sizes.suffix_limit)
    check_word_count(4 * sizes.pairs * len(suffixes), word_limit, "the Myhill–Nerode scores")
