"""The network's class of every word asked so far, asked in batches, within the learning budget.

Words are tuples of letter names (str). A word is sent to `classify` once: later asks read the cache, so the
learner, the equivalence oracle and the report all see one answer per word. Words asked for the learner are
membership queries and count against the query budget, whether or not a test already classified them; test
words of the equivalence oracle do not. Every ask
first checks the time budget, and a batch that would pass the query budget is refused whole, before it is sent.
"""
import time
from dataclasses import dataclass

from stateclusters.adapters.adapter import Adapter

CLASSIFY_BATCH = 1_000        # words per classify call: one forward pass for a batch, bounded memory


class BudgetExceeded(Exception):
    """Learning reached one of its budgets; the argument names it ('states', 'membership queries', 'seconds')."""


@dataclass
class QueryCounts:
    membership_queries: int = 0     # distinct words the learner asked (some already known from tests)
    test_words: int = 0             # distinct words first classified for equivalence tests
    classify_calls: int = 0


class ClassCache:
    """classes(words) from the adapter, each word classified once; budgets on membership queries and time."""

    def __init__(self, adapter: Adapter, max_queries: int | None = None, deadline: float | None = None):
        self.adapter, self.max_queries, self.deadline = adapter, max_queries, deadline
        self.letter_of = dict(zip(adapter.letter_names, adapter.alphabet))
        self.known: dict[tuple, str] = {}
        self.membership_words: set[tuple] = set()   # every word the learner asked, cached or not
        self.counts = QueryCounts()

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExceeded("seconds")

    def classes(self, words, membership: bool = True) -> list[str]:
        """The class of each word; those not known yet go to classify in batches."""
        # By length, so that a batch pads its words to about the same length (a network pays for the padding).
        new = sorted((word for word in dict.fromkeys(words) if word not in self.known), key=len)
        if membership:
            asked = {word for word in words if word not in self.membership_words}
            if self.max_queries is not None and len(self.membership_words) + len(asked) > self.max_queries:
                raise BudgetExceeded("membership queries")
            self.membership_words |= asked
            self.counts.membership_queries = len(self.membership_words)
        if new:
            self.check_time()
            for start in range(0, len(new), CLASSIFY_BATCH):
                if start:
                    self.check_time()
                batch = new[start:start + CLASSIFY_BATCH]
                labels = self.adapter.classify([tuple(self.letter_of[name] for name in word) for word in batch])
                self.known.update(zip(batch, labels.tolist()))
                self.counts.classify_calls += 1
            if not membership:
                self.counts.test_words += len(new)
        return [self.known[word] for word in words]

    def class_of(self, word: tuple) -> str:
        return self.classes([word])[0]
