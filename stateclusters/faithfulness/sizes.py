"""How large the faithfulness scores are: the suffix limit, the prefix pairs of each kind and the member runs
per cluster (defaults in base/catalogue.py), and their check before any work."""
from dataclasses import asdict, dataclass

from stateclusters.base.catalogue import (
    FAITHFULNESS_MEMBERS,
    FAITHFULNESS_PAIRS,
    FAITHFULNESS_SUFFIX_LIMIT,
    FAITHFULNESS_WORD_LIMIT,
)
from stateclusters.faithfulness.myhill_nerode import checked_suffixes
from stateclusters.faithfulness.prefixes import check_count


@dataclass(frozen=True)
class FaithfulnessSizes:
    suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT
    pairs: int = FAITHFULNESS_PAIRS
    members: int = FAITHFULNESS_MEMBERS

    def as_report(self) -> dict:
        return asdict(self)


def check_sizes(sizes: FaithfulnessSizes, automaton, alphabet, word_limit: int = FAITHFULNESS_WORD_LIMIT) -> None:
    """Refuse what the scores would refuse later: a count below 1, a suffix limit below a Mealy machine's letters,
    or more words than the limit (automaton None: one still to be learned)."""
    pairs = check_count(sizes.pairs, "pairs")
    check_count(sizes.members, "members")
    checked_suffixes(automaton, alphabet, sizes.suffix_limit, pairs, word_limit)
