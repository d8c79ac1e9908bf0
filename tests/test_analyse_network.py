"""analyse_network.py end to end: a plain torch GRU scored as the grid scores it, an automaton learned from an
exact network, and bad input refused with one line and exit code 2."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from aalpy.utils import bisimilar, load_automaton_from_file
from torch import nn

from stateclusters.automata import get_automaton
from stateclusters.evaluation.network import evaluate_network
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.evaluation.training import network_config
from stateclusters.networks.recurrent import RecurrentClassifier
from stateclusters.results.tidy import read_results_csv
from stateclusters.words.sampling import training_words

REPO = Path(__file__).resolve().parents[1]
FUNCTIONS = ("k_means_8", "DBSCAN", "lda")
SEED = 7

GRU_ADAPTER = '''
import torch
from torch import nn
from stateclusters.adapters.recurrent import wrap_torch_module

rnn, readout = nn.GRU(2, 6, batch_first=True), nn.Linear(6, 2)
weights = torch.load({weights!r}, weights_only=True)
rnn.load_state_dict(weights["rnn"])
readout.load_state_dict(weights["readout"])
_adapter = wrap_torch_module(rnn, readout, ["0", "1"], ["False", "True"])
ALPHABET, classify, hidden_states = _adapter.ALPHABET, _adapter.classify, _adapter.hidden_states
'''

CONSTRUCTED_ADAPTER = '''
import stateclusters

_adapter = stateclusters.construct_network("tomita3")
ALPHABET, classify, hidden_states = _adapter.ALPHABET, _adapter.classify, _adapter.hidden_states
'''


def analyse(*arguments) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "analyse_network.py"), *map(str, arguments)],
                          capture_output=True, text=True, cwd=REPO, timeout=300)


def train_plain_gru(epochs: int = 3) -> tuple[nn.GRU, nn.Linear]:
    """A torch.nn.GRU and read-out trained elsewhere, as a user would: a few epochs on tomita3's words."""
    torch.manual_seed(0)
    rnn, readout = nn.GRU(2, 6, batch_first=True), nn.Linear(6, 2)
    words = training_words(get_automaton("tomita3"), seed=0, n_words=2000)
    targets = torch.as_tensor(words.labels == "True").long()
    optimiser = torch.optim.Adam([*rnn.parameters(), *readout.parameters()], lr=0.01)
    for _ in range(epochs):
        for length in np.unique(words.lengths):
            rows = torch.as_tensor(np.flatnonzero(words.lengths == length))
            inputs = nn.functional.one_hot(torch.as_tensor(words.letters[rows, :length]), 2).float()
            loss = nn.functional.cross_entropy(readout(rnn(inputs)[0][:, -1]), targets[rows])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    return rnn, readout


def grid_network(rnn: nn.GRU, readout: nn.Linear) -> RecurrentClassifier:
    """The same weights in the grid's own network."""
    model = RecurrentClassifier(network_config(get_automaton("tomita3"), "gru", 6))
    model.load_state_dict({**{f"layers.0.{name}": tensor for name, tensor in rnn.state_dict().items()},
                           "readout.weight": readout.weight, "readout.bias": readout.bias})
    return model.eval()


def test_a_plain_gru_gets_the_grids_accuracy_and_ambiguities(tmp_path):
    rnn, readout = train_plain_gru()
    torch.save({"rnn": rnn.state_dict(), "readout": readout.state_dict()}, tmp_path / "weights.pt")
    (tmp_path / "adapter.py").write_text(GRU_ADAPTER.format(weights=str(tmp_path / "weights.pt")))
    done = analyse("--network", tmp_path / "adapter.py", "--automaton", "tomita3", "--functions", ",".join(FUNCTIONS),
                   "--seed", SEED, "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    grid = evaluate_network(NetworkData(grid_network(rnn, readout), get_automaton("tomita3"), seed=SEED), FUNCTIONS)
    assert 0.0 < grid.accuracy < 1.0          # trained a little: right on some words, not on all
    assert report["accuracy"] == grid.accuracy
    assert report["automaton"]["source"] == "given" and report["words"] == 2009
    for name in FUNCTIONS:
        expected = grid.results["regular"][name]
        assert [report["functions"][name][field] for field in ("amb", "wamb", "max", "min", "n_clusters")] == \
            expected.as_list()
    rows = read_results_csv(tmp_path / "out" / "results.csv")
    assert [row["function"] for row in rows] == list(FUNCTIONS)
    assert float(rows[0]["amb"]) == grid.results["regular"][FUNCTIONS[0]].amb
    assert not (tmp_path / "out" / "automaton.dot").exists()


def test_the_automaton_learned_from_an_exact_network_is_tomita3_and_scores_the_same(tmp_path):
    (tmp_path / "adapter.py").write_text(CONSTRUCTED_ADAPTER)
    rng = np.random.default_rng(3)
    lines = [" ".join(rng.choice(["0", "1"], size=rng.integers(1, 15))) for _ in range(600)]
    (tmp_path / "words.txt").write_text("\n".join(lines) + "\n")
    reports = {}   # the same words for both runs, so that the two labelings cover the same vectors
    for run, extra in (("learned", ()), ("given", ("--automaton", "tomita3"))):
        done = analyse("--network", tmp_path / "adapter.py", "--words", tmp_path / "words.txt", "--functions",
                       ",".join(FUNCTIONS), "--out", tmp_path / run, *extra)
        assert done.returncode == 0, done.stderr
        reports[run] = json.loads((tmp_path / run / "report.json").read_text())
    learned = reports["learned"]["automaton"]
    assert learned["source"] == "learned" and learned["converged"] and learned["states"] == 5
    assert learned["membership_queries"] > 0 and learned["equivalence_queries"] >= 1
    assert reports["learned"]["agreement"] == 1.0 and reports["learned"]["words"] == 600
    dot = tmp_path / "learned" / "automaton.dot"
    assert len(load_automaton_from_file(str(dot), "dfa").states) == 5   # AALpy reads it (its letters as ints)
    assert bisimilar(get_automaton(str(dot)), get_automaton("tomita3"))
    assert reports["learned"]["functions"]["k_means_8"] == reports["given"]["functions"]["k_means_8"]
    assert reports["learned"]["functions"].keys() == reports["given"]["functions"].keys()
    for function, scores in reports["learned"]["functions"].items():   # LDA's sums may round in another order
        assert scores == pytest.approx(reports["given"]["functions"][function], rel=1e-12, abs=1e-12), function


def test_a_learning_budget_that_is_hit_is_reported_as_not_converged(tmp_path):
    (tmp_path / "adapter.py").write_text(CONSTRUCTED_ADAPTER)
    done = analyse("--network", tmp_path / "adapter.py", "--functions", "k_means", "--max-states", "2",
                   "--no-faithfulness", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    automaton = json.loads((tmp_path / "out" / "report.json").read_text())["automaton"]
    assert automaton["converged"] is False and automaton["stop_reason"] == "states"
    assert "NOT converged" in done.stdout


def test_an_adapter_without_hidden_states_gets_agreement_and_says_why_clustering_was_skipped(tmp_path):
    (tmp_path / "adapter.py").write_text("ALPHABET = ['0', '1']\n"
                                         "def classify(words):\n    return [w.count('0') % 2 == 0 for w in words]\n")
    done = analyse("--network", tmp_path / "adapter.py", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["automaton"]["states"] == 2 and report["automaton"]["converged"]
    assert report["agreement"] == 1.0 and "hidden_states" in report["functions_skipped"]
    assert "functions" not in report


BAD_ADAPTERS = {
    "import_fails": ("import no_such_module_anywhere\n", "cannot be imported"),
    "no_alphabet": ("def classify(words):\n    return [0] * len(words)\n", "has no ALPHABET"),
    "no_classify": ("ALPHABET = ['0', '1']\n", "has no classify"),
    "label_count": ("ALPHABET = ['0', '1']\ndef classify(words):\n    return [0]\n", "returned 1 labels for"),
    "hidden_shape": ("import numpy as np\nALPHABET = ['0', '1']\ndef classify(words):\n    return [0] * len(words)\n"
                     "def hidden_states(words):\n    return [np.zeros((len(w) + 1, 3)) for w in words]\n",
                     "hidden_states gave shape"),
}


@pytest.mark.parametrize("case", sorted(BAD_ADAPTERS) + ["missing", "bad_letter", "other_alphabet"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, case):
    good = "ALPHABET = ['0', '1']\ndef classify(words):\n    return [len(w) % 2 for w in words]\n"
    source, expected = BAD_ADAPTERS.get(case, (good, None))
    (tmp_path / "adapter.py").write_text(source)
    (tmp_path / "words.txt").write_text("0 1\n\n1 1 0\n0 2 1\n")
    arguments = {"missing": ("--network", tmp_path / "absent.py"),
                 "bad_letter": ("--network", tmp_path / "adapter.py", "--words", tmp_path / "words.txt"),
                 "other_alphabet": ("--network", tmp_path / "adapter.py", "--automaton", "angluin")}.get(
        case, ("--network", tmp_path / "adapter.py"))
    expected = expected or {"missing": "does not exist", "bad_letter": "line 4: letter '2'",
                            "other_alphabet": "has the alphabet ['a', 'b']"}[case]
    done = analyse(*arguments, "--out", tmp_path / "out")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ") and expected in done.stderr
    assert not (tmp_path / "out").exists()


def test_a_pda_is_scored_under_each_labeling_as_the_grid_scores_it():
    from stateclusters.adapters.recurrent import checkpoint_adapter
    from stateclusters.network_analysis.analysis import AnalysisSettings
    from stateclusters.network_analysis.analysis import analyse as analyse_in_process
    network = checkpoint_adapter(REPO / "pretrained_models" / "CFG_L_12_gru_1_32_1.pt")
    automaton = get_automaton("CFG_L_12")
    report = analyse_in_process(network, automaton, settings=AnalysisSettings(("k_means_8",), seed=SEED)).report
    grid = evaluate_network(NetworkData(network.model, automaton, seed=SEED), ["k_means_8"])
    assert report["accuracy"] == grid.accuracy and report["labeling"] == "stackless"
    assert set(report["functions_by_labeling"]) == {"stackless", "stack_size", "top_of_stack"}
    for labeling, functions in report["functions_by_labeling"].items():
        entry = functions["k_means_8"]
        assert [entry[field] for field in ("amb", "wamb", "max", "min", "n_clusters")] == \
            grid.results[labeling]["k_means_8"].as_list()


MEALY_ADAPTER = '''
import stateclusters

_adapter = stateclusters.construct_network("coffee", rnn="tanh")
ALPHABET, classify, hidden_states = _adapter.ALPHABET, _adapter.classify, _adapter.hidden_states
classify_from, STATE_PARTS = _adapter.classify_from, _adapter.STATE_PARTS
'''


def test_the_faithfulness_sizes_asked_are_used_and_recorded(tmp_path):
    (tmp_path / "coffee.py").write_text(MEALY_ADAPTER)
    done = analyse("--network", tmp_path / "coffee.py", "--automaton", "coffee", "--functions", "k_means_8",
                   "--suffix-limit", "4", "--prefix-pairs", "30", "--member-runs", "2", "--out", tmp_path / "out")
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["settings"]["faithfulness"] == {"suffix_limit": 4, "pairs": 30, "members": 2}
    scores = report["faithfulness"]   # coffee's 4 one-letter suffixes: S of a Mealy machine has no empty word
    assert (scores["suffix_length"], scores["suffixes"]) == (1, 4)
    assert scores["compression"] == scores["distinction_precision"] == scores["distinction_recall"] == 1.0
    assert scores["interventions"]["functions"]["k_means_8"] == {"centroid_iia": 1.0, "member_iia": 1.0}


@pytest.mark.parametrize("arguments, named", [
    (["--suffix-limit", "3"], "below the 4 one-letter suffixes"),          # coffee has 4 letters
    (["--prefix-pairs", "300000"], "more than the limit of 1,000,000"),     # 4 · 300,000 · 20 words
    (["--member-runs", "0"], "--member-runs"),
    (["--suffix-limit", "8", "--no-faithfulness"], "--no-faithfulness"),
])
def test_faithfulness_sizes_out_of_bounds_are_refused_before_any_work(tmp_path, arguments, named):
    (tmp_path / "coffee.py").write_text(MEALY_ADAPTER)
    done = analyse("--network", tmp_path / "coffee.py", "--automaton", "coffee", *arguments,
                   "--out", tmp_path / "out")
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2 and len(lines) == 1 and named in lines[0], done.stderr
    assert not (tmp_path / "out").exists()
