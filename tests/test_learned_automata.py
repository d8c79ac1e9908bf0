"""Learned automata you can trust (docs/api.md, Learning): oracles that cover states, budgets that hold, labels
normalised or refused, determinism checked, chance levels, and what was learned kept when scoring fails."""
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from aalpy.automata import Dfa, DfaState
from aalpy.utils import bisimilar
from torch import nn

import stateclusters
from stateclusters.adapters.adapter import as_adapter
from stateclusters.adapters.recurrent import NetworkAdapter
from stateclusters.automata import get_automaton, input_alphabet
from stateclusters.base.errors import UserError
from stateclusters.evaluation.network import chance_wamb
from stateclusters.network_analysis.analysis import trace
from stateclusters.network_analysis.learning import LearningBudget, learn_automaton
from stateclusters.network_analysis.oracles import OracleSettings

REPO = Path(__file__).resolve().parents[1]
LOCK_LETTERS = [f"k{i}" for i in range(20)]
CODE = ("k3", "k1", "k4", "k1", "k5", "k9", "k2", "k6")
TOGGLES = ("k15", "k16", "k17", "k18", "k19")


def lock_dfa() -> Dfa:
    """A combination lock: 8 letters of 20 open it (a wrong letter starts over). Once open, a toggle letter
    rings an alarm that accepts too, and any letter after the alarm but a toggle locks again. Uniform random words
    of 1–30 letters open it with probability about 2e-9."""
    progress = [DfaState(f"p{i}", False) for i in range(len(CODE))]
    opened, alarm = DfaState("open", True), DfaState("alarm", True)
    for position, state in enumerate(progress):
        for letter in LOCK_LETTERS:
            state.transitions[letter] = progress[0]
        state.transitions[CODE[position]] = progress[position + 1] if position + 1 < len(CODE) else opened
    for letter in LOCK_LETTERS:
        opened.transitions[letter], alarm.transitions[letter] = opened, progress[0]
    for toggle in TOGGLES:
        opened.transitions[toggle], alarm.transitions[toggle] = alarm, opened
    return Dfa(progress[0], [*progress, opened, alarm])


def lock_words(n_words: int = 40) -> list[tuple]:
    """The network's own data: the code, then a few letters, never a toggle; and words that do not open it."""
    rng = np.random.default_rng(0)
    others = [letter for letter in LOCK_LETTERS if letter not in TOGGLES]
    opening = [CODE + tuple(rng.choice(others, size=rng.integers(0, 3))) for _ in range(n_words)]
    closed = [tuple(rng.choice(others, size=rng.integers(1, 11))) for _ in range(n_words)]
    return opening + closed


@pytest.fixture(scope="module")
def lock_network():
    return stateclusters.construct_network(lock_dfa())


def test_walks_from_every_state_find_what_given_and_random_words_miss(lock_network):
    words, random_words = lock_words(), 300     # fewer random words than the default: a faster test
    old = learn_automaton(as_adapter(lock_network), words, "kv", seed=1,
                          oracle=OracleSettings(parts=("given", "random_words"), random_words=random_words))
    new = learn_automaton(as_adapter(lock_network), words, "kv", seed=1,
                          oracle=OracleSettings(random_words=random_words))
    assert old.converged and len(old.automaton.states) == 9          # the toggle never tested: a wrong automaton
    assert new.converged and len(new.automaton.states) == 10
    assert bisimilar(new.automaton, lock_dfa())
    tried = new.oracle["tried"]
    assert tried["state_walks"]["counterexamples"] > 0 and tried["state_walks"]["words"] >= 25 * 9
    assert new.oracle["settings"]["walk_lengths"] == "given words"


def pda_network(name: str):
    """The exact classifier of a registry PDA: classify runs the automaton itself."""
    automaton = get_automaton(name)

    class ExactPda:
        ALPHABET = sorted(map(str, input_alphabet(automaton)))

        @staticmethod
        def classify(words):
            return trace(automaton, words).final_outputs()
    return ExactPda, automaton


@pytest.mark.parametrize("name", ["CFG_L_3", "CFG_L_12"])
def test_a_context_free_language_is_never_reported_converged(name):
    """Default oracle and budgets (docs/api.md has the run of all 15 registry PDAs); the time budget is cut
    so that a slow machine fails the test rather than hangs it."""
    network, automaton = pda_network(name)
    words = stateclusters.draw_words(automaton, seed=0)
    learned = learn_automaton(as_adapter(network), words, "kv", LearningBudget(max_seconds=120))
    assert not learned.converged and learned.stop_reason in ("states", "membership queries")
    assert len(learned.automaton.states) <= LearningBudget().max_states


def random_gru_adapter(seed: int = 0) -> NetworkAdapter:
    """An untrained GRU with large weights: deterministic, and far from any small automaton."""
    torch.manual_seed(seed)
    rnn, readout = nn.GRU(4, 16, batch_first=True), nn.Linear(16, 2)
    with torch.no_grad():
        for parameter in (*rnn.parameters(), *readout.parameters()):
            parameter.mul_(4.0)
    return stateclusters.wrap(rnn, readout, ["a", "b", "c", "d"], ["False", "True"])


def complete(automaton) -> bool:
    states = {id(state) for state in automaton.states}
    return all(id(target) in states for state in automaton.states for target in state.transitions.values())


@pytest.mark.parametrize("algorithm", ["kv", "lstar"])
@pytest.mark.parametrize("budget, reason", [
    (LearningBudget(max_states=7), "states"),
    (LearningBudget(max_states=1000, max_queries=300), "membership queries"),
    (LearningBudget(max_states=10**6, max_queries=10**9, max_seconds=2), "seconds")])
def test_each_budget_stops_each_algorithm_cleanly(algorithm, budget, reason):
    network = random_gru_adapter()
    words = [tuple(np.random.default_rng(i).choice(list("abcd"), size=6)) for i in range(50)]
    start = time.monotonic()
    learned = learn_automaton(as_adapter(network), words, algorithm, budget, seed=0)
    assert learned.stop_reason == reason and not learned.converged
    assert complete(learned.automaton) and len(learned.automaton.states) <= budget.max_states
    assert learned.membership_queries <= budget.max_queries
    assert time.monotonic() - start < budget.max_seconds + 10
    assert 0.0 <= stateclusters.agreement(network, learned.automaton, words) <= 1.0


class Relabelled:
    """The exact tomita3 network, its labels given back in another type."""

    def __init__(self, relabel):
        self.network = stateclusters.construct_network(get_automaton("tomita3"))
        self.ALPHABET, self.hidden_states, self.relabel = self.network.ALPHABET, self.network.hidden_states, relabel

    def classify(self, words):
        return self.relabel(np.asarray(self.network.classify(words)) == "True")


LABEL_TYPES = {
    "python bools": lambda accept: [bool(value) for value in accept],
    "numpy bools": lambda accept: accept,
    "torch bool tensor": lambda accept: torch.as_tensor(accept),
    "ints 1/0 (argmax)": lambda accept: accept.astype(int).tolist(),
    "numpy int64": lambda accept: accept.astype(np.int64),
    "floats": lambda accept: accept.astype(float),
    "(n, 1) array": lambda accept: accept.astype(np.float32)[:, None],
    "(n, 1) tensor": lambda accept: torch.as_tensor(accept).long()[:, None],
    "0-d arrays": lambda accept: [np.array(value) for value in accept],
    "0-d tensors": lambda accept: list(torch.as_tensor(accept)),
}


@pytest.mark.parametrize("kind", LABEL_TYPES)
def test_label_types_are_normalised(kind):
    network, automaton = Relabelled(LABEL_TYPES[kind]), get_automaton("tomita3")
    words = stateclusters.draw_words(automaton, n_words=200, seed=1)
    assert stateclusters.agreement(network, automaton, words) == 1.0
    report = stateclusters.analyse(network, automaton, words, functions=["k_means"], faithfulness=False).report
    assert report["agreement"] == 1.0 and report["accuracy"] == 1.0
    assert ("label_reading" in report) == kind.startswith(("ints", "numpy int", "floats", "(n, 1)"))


def test_labels_that_share_no_value_with_the_automaton_are_refused():
    network = Relabelled(lambda accept: np.where(accept, "yes", "no"))
    with pytest.raises(UserError, match=r"labels \['no', 'yes'\] and the automaton's outputs \['False', 'True'\]"):
        stateclusters.analyse(network, get_automaton("tomita3"), functions=["k_means"])


def test_labels_of_other_types_are_refused_in_one_line():
    for labels in (lambda accept: None, lambda accept: 3, lambda accept: [object()] * len(accept),
                   lambda accept: np.zeros((len(accept), 2))):
        with pytest.raises(UserError, match="classify returned"):
            as_adapter(Relabelled(labels)).classify([("0",), ("1",)])


class Coin:
    """A network that flips a coin for every word."""
    ALPHABET = ["0", "1"]

    def __init__(self):
        self.rng = np.random.default_rng(0)

    def classify(self, words):
        return self.rng.random(len(words)) < 0.5


def test_a_random_classify_is_refused_before_learning_unless_allowed():
    with pytest.raises(UserError, match="not deterministic"):
        stateclusters.learn_automaton(Coin(), budget=LearningBudget(max_states=5))
    learned = stateclusters.learn_automaton(Coin(), budget=LearningBudget(max_states=5),
                                            allow_nondeterministic=True)
    assert learned.determinism["changed"] > 0 and learned.determinism["allowed"]


def test_max_clusters_skips_a_function_that_asks_for_more_and_says_why():
    network = stateclusters.construct_network(get_automaton("tomita3"))
    report = stateclusters.analyse(network, get_automaton("tomita3"), functions=["k_means", "k_means_8", "DBSCAN"],
                                   max_clusters=10, faithfulness=False).report
    assert "amb" in report["functions"]["k_means"] and "amb" in report["functions"]["DBSCAN"]
    assert report["functions"]["k_means_8"]["error"].startswith("skipped: needs 40 clusters")


def test_the_chance_level_is_the_permuted_labels_ambiguity():
    rng = np.random.default_rng(0)
    states = rng.integers(0, 4, size=2000)
    assert chance_wamb(states, states, seed=0) > 0.9                      # 4 pure clusters, 4 states at random
    assert chance_wamb(states, np.arange(len(states)), seed=0) == 0.0     # one vector per cluster is always pure
    renamed = np.array(["s", "t", "u", "v"])[states]
    assert chance_wamb(renamed, states, seed=3) == chance_wamb(states, states, seed=3)


ADAPTER_FAILING_AFTER_LEARNING = '''
import stateclusters

_network = stateclusters.construct_network("tomita3")
ALPHABET, classify = _network.ALPHABET, _network.classify
calls = []

def hidden_states(words):
    calls.append(len(words))
    if len(calls) > 1:      # the probe passes; the scoring fails
        raise RuntimeError("out of GPU memory")
    return _network.hidden_states(words)
'''


def run_analyse(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "analyse_network.py"), *map(str, arguments)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def test_the_learned_automaton_is_kept_when_scoring_fails(tmp_path):
    (tmp_path / "adapter.py").write_text(ADAPTER_FAILING_AFTER_LEARNING)
    done = run_analyse("--network", tmp_path / "adapter.py", "--functions", "k_means", "--no-faithfulness",
                       "--out", tmp_path / "out")
    assert done.returncode == 2 and "out of GPU memory" in done.stderr.splitlines()[-1]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert "out of GPU memory" in report["failed"] and report["automaton"]["states"] == 5
    assert bisimilar(get_automaton(str(tmp_path / "out" / "automaton.dot")), get_automaton("tomita3"))
    assert not (tmp_path / "out" / "results.csv").exists()


def test_provenance_name_chance_and_progress_reach_the_report(tmp_path):
    adapter = REPO / "examples" / "tomita3_adapter.py"
    (tmp_path / "words.txt").write_text("0 1 1\n1 0\n1 1 0 0 1\n")
    done = run_analyse("--network", adapter, "--name", "my-gru", "--words", tmp_path / "words.txt",
                       "--functions", "k_means", "--max-states", "10", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    provenance = report["provenance"]
    assert report["network"] == "my-gru" and provenance["adapter"] == str(adapter)
    assert len(provenance["adapter_sha256"]) == 64 and provenance["words_file_words"] == 3
    assert provenance["toolkit_version"] and "--name my-gru" in provenance["command"]
    assert report["settings"]["budget"]["max_states"] == 10 and report["settings"]["seed"] == 0
    assert report["automaton"]["oracle"]["name"] == "given+pumped+random_words+state_walks"
    assert report["automaton"]["states"] <= 10
    assert 0 < report["functions"]["k_means"]["wamb_chance"] <= 1
    csv_text = (tmp_path / "out" / "results.csv").read_text()
    assert "wamb_chance" in csv_text.splitlines()[0] and "my-gru" in csv_text
    assert "chance" in done.stdout and "scoring" in done.stderr
