"""Interchange interventions on the hidden state (Geiger et al., NeurIPS 2021): run the network from a vector the
abstraction stands for, and ask whether it then acts as the automaton does from that vector's state.

Per abstraction function, each cluster c stands for its majority state q(c): centroid IIA runs from the
cluster's mean vector, member IIA from random member vectors, both right when the class after a suffix x of S is
q(c)'s output after x. Part swaps replace one STATE_PARTS part by that of a prefix in another state; the controls
run from a random vector of the replaced vector's norm and from the mean vector. docs/faithfulness.md.
"""
import zlib
from dataclasses import dataclass, field

import numpy as np

from stateclusters.adapters.adapter import Adapter, as_adapter
from stateclusters.base.catalogue import (
    FAITHFULNESS_MEMBERS,
    FAITHFULNESS_PAIRS,
    FAITHFULNESS_SUFFIX_LIMIT,
    FAITHFULNESS_WORD_LIMIT,
)
from stateclusters.base.errors import UserError
from stateclusters.faithfulness.prefixes import (
    PrefixStates,
    automaton_suffix_set,
    check_count,
    check_word_count,
    prefix_states,
    sample_pairs,
    state_outputs,
)

CLASSIFY_CHUNK = 8192   # (vector, word) runs per classify_from call


@dataclass(frozen=True)
class FunctionInterchange:
    """One abstraction function's IIA scores, or the reason its clusters could not be had."""
    centroid_iia: float | None = None
    member_iia: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class InterchangeScores:
    """Controls, per function and per state part: shares of (run, suffix) on which the class is the expected one."""
    random: float | None
    mean: float | None
    functions: dict = field(default_factory=dict)   # name -> FunctionInterchange
    parts: dict = field(default_factory=dict)       # STATE_PARTS name -> share


def interventions_skip_reason(network) -> str | None:
    """Why the interventions cannot run on this network (None when they can)."""
    adapter = as_adapter(network)
    config = getattr(getattr(adapter.source, "model", None), "config", None)
    if getattr(config, "rnn", None) == "transformer":
        return "a transformer's state is not one vector (its keys and values at every position)"
    if not adapter.has_classify_from:
        return "the adapter has no classify_from"
    return None


@dataclass
class Runs:
    """Vectors to run the network from, each with the state whose outputs it should give; added, then run at once."""
    vectors: list = field(default_factory=list)
    states: list = field(default_factory=list)

    def add(self, vectors: np.ndarray, states) -> slice:
        """Add runs; returns their positions, to read their shares back."""
        start = len(self.states)
        self.vectors.extend(np.atleast_2d(vectors))
        self.states.extend(int(state) for state in np.atleast_1d(states))
        return slice(start, len(self.states))

    def shares(self, adapter: Adapter, automaton, reached: PrefixStates, suffixes) -> np.ndarray:
        """Per run, the share of the suffixes after which the network's class is its state's output."""
        if not self.states:
            return np.zeros(0)
        vectors, states = np.array(self.vectors), np.array(self.states)
        distinct, inverse = np.unique(vectors, axis=0, return_inverse=True)   # equal vectors run once
        classes = classes_from(adapter, distinct, suffixes)[inverse.reshape(-1)]
        needed, state_rows = np.unique(states, return_inverse=True)
        expected = state_outputs(automaton, reached, needed.tolist(), suffixes)[state_rows.reshape(-1)]
        return (classes == expected).mean(axis=1)


def classes_from(adapter: Adapter, vectors: np.ndarray, suffixes) -> np.ndarray:
    """(n_vectors, |S|) str: the class after each suffix read from each vector, in batched calls."""
    runs = [(row, suffix) for row in range(len(vectors)) for suffix in suffixes]
    labels = []
    for start in range(0, len(runs), CLASSIFY_CHUNK):
        chunk = runs[start:start + CLASSIFY_CHUNK]
        labels.append(adapter.classify_from(vectors[[row for row, _ in chunk]], [suffix for _, suffix in chunk]))
    return np.concatenate(labels).reshape(len(vectors), len(suffixes))


def interchange_scores(network, automaton, words, hidden_states: np.ndarray, cluster_labels_by_function: dict,
                       suffix_limit: int = FAITHFULNESS_SUFFIX_LIMIT, pairs: int = FAITHFULNESS_PAIRS,
                       members: int = FAITHFULNESS_MEMBERS, seed: int = 0,
                       word_limit: int = FAITHFULNESS_WORD_LIMIT) -> InterchangeScores:
    """IIA per function, part swaps and controls; hidden_states and each function's labels (or its failure
    reason, a str) have one row per letter of the non-empty words, in word order, as hidden_states gives them."""
    adapter = as_adapter(network)
    reason = interventions_skip_reason(adapter)
    if reason:
        raise UserError(f"interventions cannot run on {adapter.name}: {reason}")
    pairs, members = check_count(pairs, "pairs"), check_count(members, "members")
    hidden_states = np.asarray(hidden_states, dtype=np.float64)
    _, suffixes = automaton_suffix_set(automaton, adapter.alphabet, suffix_limit)
    parts = adapter.state_parts(hidden_states.shape[1] if hidden_states.ndim == 2 else 0)
    labels = {name: value if isinstance(value, str) else np.asarray(value)
              for name, value in cluster_labels_by_function.items()}
    fixed_runs = 2 * pairs + pairs * len(parts)
    check_word_count(fixed_runs * len(suffixes), word_limit, "the interventions")
    labels = _within_limit(labels, members, word_limit // len(suffixes) - fixed_runs)
    reached = prefix_states(automaton, words)
    if not reached.prefixes:
        raise UserError("the interventions need at least one non-empty word")
    _check_rows(hidden_states, labels, len(reached.row_prefixes))
    runs = Runs()
    controls = _add_controls(runs, reached, hidden_states, pairs, np.random.default_rng([seed, 1]))
    by_function = {name: value if isinstance(value, str) else
                   _add_function(runs, reached, hidden_states, value, members, _function_rng(seed, name))
                   for name, value in labels.items()}
    by_part = _add_part_swaps(runs, reached, hidden_states, parts, pairs, seed)
    shares = runs.shares(adapter, automaton, reached, suffixes)
    return InterchangeScores(_mean(shares[controls[0]]), _mean(shares[controls[1]]),
                             {name: _function_scores(shares, added) for name, added in by_function.items()},
                             {name: _mean(shares[added]) for name, added in by_part.items()})


def _check_rows(hidden_states: np.ndarray, labels: dict, n_rows: int) -> None:
    if hidden_states.ndim != 2 or len(hidden_states) != n_rows:
        raise UserError(f"hidden_states must be ({n_rows}, d): one vector per letter of the non-empty words; "
                        f"got {hidden_states.shape}")
    for name, value in labels.items():
        if not isinstance(value, str) and value.shape != (n_rows,):
            raise UserError(f"the cluster labels of {name} must be one per hidden state ({n_rows}); "
                            f"got {value.shape}")


def _within_limit(labels: dict, members: int, run_limit: int) -> dict:
    """The functions whose runs fit the word limit together, cheapest first; each one that does not gets the reason
    in place of its labels (one function with thousands of clusters must not cost the others their scores)."""
    costs = {name: _cluster_runs(value, members) for name, value in labels.items() if not isinstance(value, str)}
    kept, total = dict(labels), 0
    for name in sorted(costs, key=costs.get):
        if total + costs[name] > run_limit:
            kept[name] = (f"skipped: its clusters need {costs[name]} runs from vectors, over what the word limit "
                          f"leaves ({max(0, run_limit - total)})")
        else:
            total += costs[name]
    return kept


def _cluster_runs(cluster_labels: np.ndarray, members: int) -> int:
    """Runs of one function: a centroid and up to `members` member vectors per cluster."""
    sizes = np.unique(cluster_labels, return_counts=True)[1]
    return int(len(sizes) + np.minimum(sizes, members).sum())


def _function_rng(seed: int, name: str) -> np.random.Generator:
    """A function's own stream, so that its members do not depend on which other functions are scored."""
    return np.random.default_rng([seed, 2, zlib.crc32(name.encode())])


def _first_rows(reached: PrefixStates) -> np.ndarray:
    """The hidden-state row of each distinct prefix's first occurrence."""
    first = np.full(len(reached.prefixes), -1)
    first[reached.row_prefixes[::-1]] = np.arange(len(reached.row_prefixes))[::-1]
    return first


def _add_controls(runs: Runs, reached: PrefixStates, hidden_states: np.ndarray, pairs: int, rng) -> tuple:
    """Random-vector and mean-vector runs for `pairs` prefixes drawn without replacement, each scored against the
    state of the prefix whose vector they replace; a random vector has that vector's norm, its direction uniform."""
    chosen = rng.choice(len(reached.prefixes), size=min(pairs, len(reached.prefixes)), replace=False)
    replaced = hidden_states[_first_rows(reached)[chosen]]
    directions = rng.standard_normal(replaced.shape)
    directions /= np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), np.finfo(float).tiny)
    random_vectors = directions * np.linalg.norm(replaced, axis=1, keepdims=True)
    mean_vectors = np.repeat(hidden_states.mean(axis=0, keepdims=True), len(chosen), axis=0)
    states = reached.states[chosen]
    return runs.add(random_vectors, states), runs.add(mean_vectors, states)


def _add_function(runs: Runs, reached: PrefixStates, hidden_states: np.ndarray, cluster_labels: np.ndarray,
                  members: int, rng) -> list:
    """Per cluster: (size, centroid run, member runs), each run following the cluster's majority state."""
    row_states = reached.states[reached.row_prefixes]
    added = []
    for cluster in np.unique(cluster_labels):
        rows = np.flatnonzero(cluster_labels == cluster)
        majority = int(np.bincount(row_states[rows]).argmax())   # ties: the state reached first
        chosen = rng.choice(rows, size=min(members, len(rows)), replace=False)
        added.append((len(rows), runs.add(hidden_states[rows].mean(axis=0), majority),
                      runs.add(hidden_states[chosen], np.full(len(chosen), majority))))
    return added


def _function_scores(shares: np.ndarray, added) -> FunctionInterchange:
    if isinstance(added, str):
        return FunctionInterchange(error=added)
    sizes = np.array([size for size, _, _ in added], dtype=np.float64)
    centroid = np.array([shares[run].mean() for _, run, _ in added])
    member = np.array([shares[run].mean() for _, _, run in added])
    return FunctionInterchange(float(sizes @ centroid / sizes.sum()), float(sizes @ member / sizes.sum()))


def _add_part_swaps(runs: Runs, reached: PrefixStates, hidden_states: np.ndarray, parts: dict, pairs: int,
                    seed: int) -> dict:
    """Per part: the base prefix's vector with that part taken from a prefix in another state (the source),
    following the source's state; pairs drawn as the distinction pairs are."""
    swaps = sample_pairs(reached.states, pairs, seed).different_states
    rows = _first_rows(reached)
    added = {}
    for name, part in parts.items():
        vectors = hidden_states[rows[swaps[:, 0]]].copy()
        vectors[:, part] = hidden_states[rows[swaps[:, 1]]][:, part]
        added[name] = runs.add(vectors, reached.states[swaps[:, 1]])
    return added


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if len(values) else None
