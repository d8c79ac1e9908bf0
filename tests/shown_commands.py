"""What the README and docs tests share: the commands a Markdown text shows, and a command made runnable with
its output in a temp folder (an added `--out`, `--figures` or driver's `--checkpoint-dir` with a copy of the
shipped networks; a relative `--out` or `--plot` and `/tmp/...` made temp paths)."""
import re
import shlex
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PAPER = REPO.parent / "shared" / "paper"
SCRIPTS = ("driver.py", "run_small_experiment.py", "experiment_runner.py", "statistics_computation.py",
           "evaluate_paper_networks.py", "analyse_network.py")
RUN_BY_CI = ("python3 -m venv", ". .venv/bin/activate", "pip install", "python -m pytest")
RUN_ELSEWHERE = {   # command of the README or docs: the test that runs it (its output in a temp folder)
    "python run_small_experiment.py": "tests/test_small_experiment.py::test_small_experiment_on_the_shipped_networks",
    "python run_small_experiment.py --out /tmp/small":
        "tests/test_small_experiment.py::test_small_experiment_on_the_shipped_networks",
    "python statistics_computation.py --results /tmp/small --metric nmi":
        "tests/test_small_experiment.py::test_the_nmi_means_that_beyond_the_paper_shows",
    "python driver.py --automaton tomita5 --construct --rnn tanh --layers 2 --validation-words 500 "
    "--conformance-words 1000": "tests/test_constructed_networks.py::test_the_command_of_the_faithfulness_page_runs",
}
PLACEHOLDER = re.compile(r"\.\.\.|\[|FILE|DIR\b|PATTERNS|LANGUAGES|ADAPTER|…")


def shown_commands(text: str) -> list[str]:
    """The commands of a Markdown text: lines of ``` blocks and indented lines starting with `python`, with
    `\\` continuations joined, comments dropped, and `&&` chains split."""
    lines, in_block = [], False
    for line in text.splitlines():
        continued = bool(lines) and lines[-1].endswith("\\") and line.startswith("    ")
        if line.startswith("```"):
            in_block = not in_block
        elif in_block or line.startswith("    python") or continued:
            lines.append(line.strip())
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    commands = []
    for line in joined.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        commands.extend(part.strip() for part in line.split("&&") if part.strip())
    return list(dict.fromkeys(commands))


def runnable(command: str, tmp_path: Path) -> tuple[str, list[str]]:
    """The command's script and arguments, with what it writes sent into tmp_path."""
    words = [str(tmp_path / word[len("/tmp/"):]) if word.startswith("/tmp/") else word
             for word in shlex.split(command)]
    assert words[0] == "python" and words[1] in SCRIPTS, command
    script, arguments = words[1], words[2:]
    for option in ("--out", "--plot"):
        if option in arguments and not Path(arguments[arguments.index(option) + 1]).is_absolute():
            value = arguments.index(option) + 1
            arguments[value] = str(tmp_path / arguments[value])   # the doc's relative path, here under tmp_path
    if script == "run_small_experiment.py" and "--out" not in arguments and "--train" not in arguments:
        arguments += ["--out", str(tmp_path / "small")]   # not into the committed experiment_results/small
    if script == "statistics_computation.py" and "--figures" not in arguments:
        arguments += ["--figures", str(tmp_path / "figures")]
    if script == "driver.py" and "--checkpoint-dir" not in arguments:
        # The default folder of registry languages is pretrained_models/: a copy, so that nothing is saved there.
        shutil.copytree(REPO / "pretrained_models", tmp_path / "pretrained_models", dirs_exist_ok=True)
        arguments += ["--checkpoint-dir", str(tmp_path / "pretrained_models")]
    if script == "run_small_experiment.py" and "--train" in arguments:
        shutil.copytree(REPO / "pretrained_models", tmp_path / "networks")
        arguments += ["--epochs", "1", "--pretrained-dir", str(tmp_path / "networks"), "--out", str(tmp_path / "out")]
    return script, arguments
