"""Every command of our scripts, modules and benchmarks in docs/*.md is parsed by its script, and those that
finish in under a minute are run in full, in their doc's order, so that a renamed flag, a changed default or a
refused value breaks a test, not a user. Their output goes to a temp folder (shown_commands.runnable).
"""
import importlib
import importlib.util
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from shown_commands import PAPER, PLACEHOLDER, REPO, RUN_ELSEWHERE, SCRIPTS, runnable, shown_commands

ASSIGNMENT = re.compile(r"^([A-Z_]+)=(.*)$")
ENVIRONMENT_PREFIX = re.compile(r"^(\w+=\S*\s+)+(?=python )")
# Commands of docs/*.md that are parsed only, each with why: over a minute on the shared 2-core machine (timed
# with OMP_NUM_THREADS=1), or a file of the reader's. A key is a whole command, or the start of commands when it
# ends in a space or a slash.
# Every other doc command is run in full, in the doc's order (a command may read what an earlier one wrote).
PARSED_ONLY = {
    "python experiment_runner.py": "the default grid: hours",
    "python experiment_runner.py --languages tomita3,coffee,CFG_L_13 ": "three trainings of 30 epochs: 1 min 40 s",
    "python experiment_runner.py --languages path/to/": "a .dot file of the reader's, then a grid",
    "python statistics_computation.py --results experiment_results/mine ": "the results of the grid above",
    "python driver.py --automaton path/to/": "a .dot file of the reader's",
    "python driver.py --automaton tomita3 --protocol paper": "a training of up to 100 epochs: 1 min 41 s",
    "python driver.py --automaton tomita3 --rnn transformer --hidden 32 --epochs 30 ": "1 min 4 s",
    "python experiment_runner.py --languages tomita3 --protocol spec ": "24 trainings of up to 200 epochs",
    "python evaluate_paper_networks.py --paper-repo ../shared/paper --protocol paper ": "every paper network: hours",
    "python evaluate_paper_networks.py --paper-repo ../shared/paper --out experiment_results/": "hours",
    "python experiment_runner.py --languages tomita1,tomita3,tomita5,tomita7,angluin,regex,coffee,mqtt ":
        "grids of 16-24 networks: an hour or more",
    "python experiment_runner.py --languages CFG_L_1,CFG_L_2,CFG_L_7,CFG_L_12,CFG_L_13,CFG_L_15 ":
        "grids of 12-18 networks: an hour or more",
    "python experiment_runner.py --languages tomita1,tomita3,tomita5,tomita7 --rnn gru,lstm --sizes 2x1 ":
        "8 networks of 100 epochs with every analysis: hours",
    "python -m stateclusters.studies.compare_training_length ": "3 min 15 s",
    "python -m stateclusters.studies.compare_training_modes ": "trainings of 50 epochs: hours",
    "python benchmarks/": "the benchmarks: minutes to hours (docs/performance.md gives each one's time)",
}


def key_matches(command: str, key: str) -> bool:
    return command == key or key.endswith((" ", "/")) and command.startswith(key)


def parsed_only(command: str) -> bool:
    return any(key_matches(command, key) for key in PARSED_ONLY)


def doc_variables(text: str) -> dict[str, str]:
    """The shell variables a doc sets in its indented code (`A=…`, `EXTRAS="…"`, continued with `\\`)."""
    lines = re.sub(r"\\\n\s*", " ", text).splitlines()
    matches = (ASSIGNMENT.match(line[4:]) for line in lines if line.startswith("    "))
    return {match[1]: " ".join(shlex.split(match[2])) for match in matches if match}


def with_variables(command: str, variables: dict[str, str]) -> str:
    """`"$NAME"` as one quoted word, `$NAME` as its words, for the variables the doc sets; env prefixes dropped."""
    for name, value in variables.items():
        command = re.sub(rf'"\${name}"(?!\w)', lambda _: shlex.quote(value), command)
        command = re.sub(rf"\${name}(?!\w)", lambda _: value, command)
    return ENVIRONMENT_PREFIX.sub("", command)


def is_ours(words: list[str]) -> bool:
    """One of our scripts, a module of the package (`python -m stateclusters.…`) or a benchmark."""
    if len(words) < 2 or words[0] != "python":
        return False
    return words[1] in SCRIPTS or words[1].startswith("benchmarks/") or (
        words[1] == "-m" and len(words) > 2 and words[2].startswith("stateclusters."))


def doc_commands() -> list[tuple[str, str]]:
    """(doc file, command) for every command of our scripts, modules and benchmarks in docs/*.md, the doc's shell
    variables filled in; synopses (`[--option]`, FILE, DIR, …) left out."""
    found = []
    for doc in sorted((REPO / "docs").glob("*.md")):
        variables = doc_variables(doc.read_text())
        for command in shown_commands(doc.read_text()):
            command = with_variables(command, variables)
            if is_ours(command.split()) and not PLACEHOLDER.search(command):
                found.append((doc.name, command))
    return found


def parser_module(words: list[str]):
    """The module whose parse_arguments reads the command's arguments, and the arguments."""
    if words[1] == "-m":
        return importlib.import_module(words[2]), words[3:]
    if words[1].startswith("benchmarks/"):
        spec = importlib.util.spec_from_file_location(Path(words[1]).stem, REPO / words[1])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module, words[2:]
    return importlib.import_module(f"stateclusters.commands.{words[1][:-len('.py')]}"), words[2:]


def run_commands_by_doc() -> dict[str, list[str]]:
    """{doc: its commands run in full, in the doc's order}."""
    by_doc = {}
    for doc, command in doc_commands():
        if not parsed_only(command) and command not in RUN_ELSEWHERE:
            by_doc.setdefault(doc, []).append(command)
    return by_doc


def test_the_docs_commands_are_found():
    commands = [command for _, command in doc_commands()]
    assert len(commands) >= 50, commands
    assert not [command for command in commands if "$" in command]   # every variable filled in
    unused = [key for key in PARSED_ONLY if not any(key_matches(command, key) for command in commands)]
    assert unused == []   # a parsed-only command changed in the docs: look at PARSED_ONLY above
    assert sum(map(len, run_commands_by_doc().values())) >= 15


@pytest.mark.parametrize("doc, command", doc_commands())
def test_a_doc_command_parses(doc, command):
    # Parsing catches a flag or value the script refuses; the quick ones are also run in full below.
    module, arguments = parser_module(shlex.split(command.split(" | ")[0]))
    try:
        module.parse_arguments(arguments)
    except SystemExit as stop:
        pytest.fail(f"{doc}: `{command}` is refused (exit {stop.code})")


@pytest.mark.parametrize("doc", sorted(run_commands_by_doc()))
def test_a_docs_quick_commands_run_as_shown(doc, tmp_path):
    for command in run_commands_by_doc()[doc]:
        if "../shared/paper" in command and not PAPER.is_dir():
            continue   # the paper's networks are not beside this clone
        words = shlex.split(command)
        if words[1] == "-m":
            script, arguments = words[1:3], words[3:]
        else:
            script, arguments = runnable(command, tmp_path)
            script = [str(REPO / script)]
        completed = subprocess.run([sys.executable, *script, *arguments], capture_output=True, text=True,
                                   cwd=REPO, timeout=300)
        assert completed.returncode == 0, f"{doc}: `{command}`\n{completed.stderr[-3000:]}"
        assert "Traceback" not in completed.stderr, command
