"""What a new user hit in round 4 (issue 39) with adapters and sizes: count options and words files that ask for
unbounded memory or time, adapters that return the wrong thing, exit or lie, and API calls with impossible
arguments. Each refusal is one line `error: …` and exit code 2 (a UserError in the API), before any work."""
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from script_runs import one_error_line, run_cases

import stateclusters
from stateclusters.adapters.adapter import as_adapter, load_adapter
from stateclusters.base.catalogue import (
    MAX_PREFIX_LETTERS,
    MAX_TOTAL_LETTERS,
    MAX_WORD_LETTERS,
    MAX_WORDS,
    MAX_WORDS_FILE_BYTES,
)
from stateclusters.base.errors import UserError
from stateclusters.commands import (
    analyse_network,
    driver,
    evaluate_paper_networks,
    experiment_runner,
    run_small_experiment,
    statistics_computation,
)
from stateclusters.network_analysis.analysis import conformance_accuracy
from stateclusters.network_analysis.learning import LearnedAutomaton
from stateclusters.network_analysis.words_file import check_word_sizes, read_words_file
from stateclusters.protocol import Protocol

REPO = Path(__file__).resolve().parents[1]
HUGE = 10 ** 12
TOMITA1 = stateclusters.load_automaton("tomita1")   # 1*: True while every letter is 1


class Tomita1:
    """An exact tomita1 network without hidden states."""
    ALPHABET = ("0", "1")

    def classify(self, words):
        return ["0" not in word for word in words]


def adapter_file(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.py"
    path.write_text(f"ALPHABET = ('0', '1')\n\n\n{body}\n")
    return path


def run(script: str, *arguments, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / script), *map(str, arguments)], capture_output=True,
                          text=True, cwd=REPO, timeout=timeout)


# ---- the scripts, end to end ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("round4_adapters")
    adapter_file(folder, "exits_at_import", "import sys\nsys.exit(3)")
    adapter_file(folder, "exits_in_classify", "import sys\n\n\ndef classify(words):\n    sys.exit('no more')")
    (folder / "long_line.txt").write_text(" ".join(["1"] * 1_000_000) + "\n")   # 2 MB, one word
    (folder / "a_folder").mkdir()
    return folder


def cases(folder: Path) -> dict[str, tuple]:
    """name: (script, arguments, text the error line must hold)."""
    tomita3 = REPO / "examples" / "tomita3_adapter.py"
    return {
        "driver 10**12 conformance words": ("driver.py", ["--conformance-words", HUGE],
                                            f"must be at most {MAX_WORDS}, got {HUGE}"),
        "analyse a words line of 10**6 letters": ("analyse_network.py", [
            "--network", tomita3, "--words", folder / "long_line.txt", "--out", folder / "out1"],
            f"line 1: past the limits of {MAX_WORD_LETTERS} letters per word"),
        "analyse a folder as the network": ("analyse_network.py", ["--network", folder / "a_folder", "--out",
                                                                   folder / "out2"], "a_folder is a folder"),
        "analyse sys.exit(3) at import": ("analyse_network.py", ["--network", folder / "exits_at_import.py",
                                                                 "--out", folder / "out3"],
                                          "cannot be imported (sys.exit(3))"),
        "analyse sys.exit in classify": ("analyse_network.py", ["--network", folder / "exits_in_classify.py",
                                                                "--automaton", "tomita1", "--out", folder / "out4"],
                                         "classify called sys.exit('no more')"),
    }


@pytest.fixture(scope="module")
def outcomes(folder):
    all_cases = cases(folder)
    return all_cases, run_cases(all_cases, run)


@pytest.mark.parametrize("name", sorted(cases(Path("/x"))))
def test_bad_input_is_one_line_and_exit_code_2(outcomes, folder, name):
    all_cases, runs = outcomes
    assert all_cases[name][2] in one_error_line(runs[name])


def test_the_refusals_wrote_nothing(outcomes, folder):
    assert not any((folder / f"out{number}").exists() for number in range(1, 5))


# ---- count options: bounded, refused at parsing ---------------------------------------------------------------

COUNT_OPTIONS = [
    (driver, ["--conformance-words"]), (driver, ["--train-words"]), (driver, ["--validation-words"]),
    (driver, ["--epochs"]), (driver, ["--learn", "--learn-words"]), (driver, ["--learn", "--learn-queries"]),
    (driver, ["--length-generalisation", "--length-words"]),
    (experiment_runner, ["--repeats"]), (experiment_runner, ["--workers"]), (experiment_runner, ["--epochs"]),
    (experiment_runner, ["--conformance-words"]), (experiment_runner, ["--train-words"]),
    (experiment_runner, ["--validation-words"]), (experiment_runner, ["--group-training", "--group-size"]),
    (experiment_runner, ["--learn", "--learn-words"]), (experiment_runner, ["--learn", "--learn-queries"]),
    (run_small_experiment, ["--epochs"]),
    (evaluate_paper_networks, ["--paper-repo", "x", "--workers"]),
    (analyse_network, ["--network", "x", "--random-words"]), (analyse_network, ["--network", "x", "--walks-per-state"]),
]


@pytest.mark.parametrize("command, arguments", COUNT_OPTIONS,
                         ids=[f"{command.__name__.rsplit('.')[-1]} {arguments[-1]}" for command, arguments in
                              COUNT_OPTIONS])
def test_a_count_option_asking_for_10_12_is_refused_at_parsing(command, arguments, capsys):
    with pytest.raises(SystemExit) as exit_:
        command.parse_arguments([*arguments, str(HUGE)])
    line = capsys.readouterr().err.strip()
    assert exit_.value.code == 2 and "\n" not in line and f"{arguments[-1]}: must be at most" in line, line


@pytest.mark.parametrize("setting", ["validation_words", "pda_validation_words", "kmeans_n_init"])
def test_a_protocol_count_asking_for_10_12_is_refused(setting):
    with pytest.raises(UserError, match=f"protocol setting {setting} must be an integer from 1 to"):
        Protocol.spec().with_settings([f"{setting}={HUGE}"])


# ---- words files and words: bounded before they cost memory ---------------------------------------------------

def test_a_words_file_beyond_its_byte_limit_is_refused_unread(tmp_path):
    path = tmp_path / "words.txt"
    with path.open("wb") as file:
        file.truncate(MAX_WORDS_FILE_BYTES + 1)   # sparse: refused by its size alone
    with pytest.raises(UserError, match=f"has {MAX_WORDS_FILE_BYTES + 1} bytes; at most {MAX_WORDS_FILE_BYTES}"):
        read_words_file(path, ["0", "1"])


def test_a_words_file_that_is_no_regular_file_is_refused_unread():
    with pytest.raises(UserError, match="/dev/zero is not a regular file"):
        read_words_file("/dev/zero", ["0", "1"])


@pytest.mark.parametrize("text, line", [
    ("1\n" + " ".join(["1"] * (MAX_WORD_LETTERS + 1)) + "\n", 2),
    ("1 0\n" * (MAX_TOTAL_LETTERS // 2) + "1\n", MAX_TOTAL_LETTERS // 2 + 1),
    ("\n" * MAX_WORDS + "1\n", MAX_WORDS + 1),
], ids=["a long word", "too many letters", "too many words"])
def test_a_words_file_is_refused_at_the_line_past_its_limits(tmp_path, text, line):
    path = tmp_path / "words.txt"
    path.write_text(text)
    with pytest.raises(UserError, match=f"line {line}: past the limits"):
        read_words_file(path, ["0", "1"])


def test_a_words_file_at_its_limits_is_read(tmp_path):
    path = tmp_path / "words.txt"
    path.write_text(" \t".join(["1"] * MAX_WORD_LETTERS) + " \n\n0\n")
    assert read_words_file(path, ["0", "1"]) == [("1",) * MAX_WORD_LETTERS, (), ("0",)]


def test_words_whose_prefixes_cost_too_much_are_refused():
    longest = ("1",) * MAX_WORD_LETTERS
    allowed = MAX_PREFIX_LETTERS // (MAX_WORD_LETTERS * (MAX_WORD_LETTERS + 1) // 2)   # 39 of 1,000 letters
    check_word_sizes([longest] * allowed)
    with pytest.raises(UserError, match="letters in their prefixes"):
        check_word_sizes([longest] * (allowed + 1))


# ---- adapters: only ALPHABET, classify and hidden_states are called --------------------------------------------

class LyingPrefixes(Tomita1):
    """Exact through classify; its undocumented prefix_classes says the opposite of every class."""

    def prefix_classes(self, words):
        return [[str("0" in word[:n]) for n in range(1, len(word) + 1)] for word in words]


def test_an_adapter_method_outside_the_protocol_does_not_change_the_accuracy(tmp_path):
    assert conformance_accuracy(as_adapter(LyingPrefixes()), TOMITA1) == 1.0
    module = adapter_file(tmp_path, "lying", "def classify(words):\n    return ['0' not in word for word in words]"
                          "\n\n\ndef prefix_classes(words):\n    return [['False'] * len(word) for word in words]")
    assert conformance_accuracy(load_adapter(module), TOMITA1) == 1.0


EXACT = object()   # Returns: classify answers as Tomita1 does


class Returns(Tomita1):
    """classify or hidden_states returning what they are given at construction."""

    def __init__(self, classes=EXACT, states=None):
        self.classes, self.states = classes, states

    def classify(self, words):
        return super().classify(words) if self.classes is EXACT else self.classes

    def hidden_states(self, words):
        return self.states


@pytest.mark.parametrize("network, message", [
    (Returns(classes=None), "classify returned a NoneType, not a sequence of labels"),
    (Returns(classes=3), "classify returned a int, not a sequence of labels"),
    (Returns(classes=[None]), "returned a label that is a NoneType"),
])
def test_classify_returning_the_wrong_thing_is_one_user_error(network, message):
    with pytest.raises(UserError, match=message):
        stateclusters.agreement(network, TOMITA1, [("1",)])


@pytest.mark.parametrize("states", [None, ["ab"], [["a", "b"]], [np.array(["x"])], 7])
def test_hidden_states_that_are_not_numbers_are_one_user_error(states):
    with pytest.raises(UserError, match="hidden_states must return one array of numbers per word"):
        stateclusters.hidden_states(Returns(states=states), [("1",)])


def test_sys_exit_in_an_adapter_method_is_one_user_error():
    class Exits(Tomita1):
        def hidden_states(self, words):
            sys.exit(4)
    with pytest.raises(UserError, match=r"hidden_states called sys.exit\(4\)"):
        stateclusters.hidden_states(Exits(), [("1",)])


def test_an_adapter_path_that_is_a_folder_or_missing_says_which(tmp_path):
    with pytest.raises(UserError, match="is a folder; name an adapter's .py file"):
        load_adapter(tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        load_adapter(tmp_path / "missing.py")


def test_every_docs_file_a_script_names_in_its_help_exists(capsys):
    named = set()
    for command in (driver, experiment_runner, run_small_experiment, statistics_computation,
                    evaluate_paper_networks, analyse_network):
        with pytest.raises(SystemExit):
            command.parse_arguments(["--help"])
        named |= set(re.findall(r"docs/[\w./-]+?\.md", capsys.readouterr().out.replace("\n", " ")))
    assert "docs/api.md" in named
    assert all((REPO / name).is_file() for name in named), named


# ---- the API: impossible arguments refused --------------------------------------------------------------------

class AB(Tomita1):
    ALPHABET = ("a", "b")


@pytest.mark.parametrize("call, message", [
    (lambda: stateclusters.agreement(AB(), TOMITA1, [("a", "b")]), "has the alphabet"),
    (lambda: stateclusters.state_labels(TOMITA1, [("1",)], "stack_size"),
     "labeling 'stack_size' does not apply to this automaton; valid: regular"),
    (lambda: stateclusters.state_labels(TOMITA1, [("a",)]), "the letter 'a', which is not in the automaton's"),
    (lambda: stateclusters.learn_automaton(Tomita1(), [("1", "a")]), "the letter 'a', which is not in the network's"),
    (lambda: stateclusters.draw_words(TOMITA1, -5), "n_words must be at least 1, got -5"),
    (lambda: stateclusters.draw_words(TOMITA1, 0), "n_words must be at least 1, got 0"),
    (lambda: stateclusters.draw_words(TOMITA1, HUGE), f"n_words must be at most {MAX_WORDS}"),
    (lambda: stateclusters.draw_words(TOMITA1, 2.5), "n_words must be an integer"),
    (lambda: stateclusters.train_network(TOMITA1, epochs=0), "epochs must be at least 1, got 0"),
    (lambda: stateclusters.train_network(TOMITA1, n_words=-5), "n_words must be at least 1, got -5"),
    (lambda: stateclusters.train_network(TOMITA1, hidden_size=0), "hidden_size must be at least 1, got 0"),
    (lambda: stateclusters.Abstraction("k_means", n_states=0).fit(np.zeros((4, 2))),
     "n_states must be at least 1, got 0"),
    (lambda: stateclusters.Abstraction("lda", k_multiplier=-1).fit(np.zeros((4, 2)), np.arange(4) % 2),
     "k_multiplier must be at least 1, got -1"),
])
def test_the_api_refuses_impossible_arguments_in_one_user_error(call, message):
    with pytest.raises(UserError, match=re.escape(message)):
        call()


class SlowTomita1(Tomita1):
    """20 ms per classify call: the checks before learning outlast a 0.1 s budget."""

    def classify(self, words):
        time.sleep(0.02)
        return super().classify(words)


def test_a_seconds_budget_spent_before_the_first_hypothesis_is_one_user_error():
    with pytest.raises(UserError, match="stopped by its seconds budget before a first hypothesis"):
        stateclusters.learn_automaton(SlowTomita1(), budget=stateclusters.LearningBudget(max_seconds=0.1))


class Coin(Tomita1):
    """A class drawn at random for every word, every time it is asked."""

    def __init__(self):
        self.rng = np.random.default_rng(0)

    def classify(self, words):
        return self.rng.integers(0, 2, size=len(words)).astype(bool)


@pytest.mark.parametrize("algorithm", ["kv", "lstar"])
def test_learning_a_network_that_changes_its_answers_returns_or_refuses_but_raises_nothing_internal(algorithm):
    with pytest.raises(UserError, match="classify is not deterministic"):
        stateclusters.learn_automaton(Coin(), algorithm=algorithm)
    # Allowed, each word is classified once (network_analysis/queries.py): the learner sees one answer per word.
    learned = stateclusters.learn_automaton(Coin(), algorithm=algorithm, allow_nondeterministic=True,
                                            budget=stateclusters.LearningBudget(max_states=4))
    assert isinstance(learned, LearnedAutomaton) and learned.determinism["changed"] > 0
    assert len(learned.automaton.states) <= 4
