"""The group-training benchmarks and the prepared GPU check run (small and on the CPU), so that they work the
first time they meet a long run or a GPU."""
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_the_group_benchmark_runs_quick():
    result = subprocess.run([sys.executable, "benchmarks/bench_group_training.py", "--quick"], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith("gru ")]
    assert [row[2] for row in rows] == ["1", "4"] and all(float(row[7]) > 0 for row in rows)
    assert "load" in rows[0]
    pooled = next(line for line in result.stdout.splitlines() if line.startswith("pooled solo, gru 16:"))
    assert "the median of 2 solo epochs" in pooled and re.search(r"N=1 [\d.]+x, N=4 [\d.]+x$", pooled)
    products = next(line for line in result.stdout.splitlines() if line.startswith("products, GFLOP/s"))
    numbers = [int(number) for number in re.findall(r"\d+", products)]
    # 1024 x 1024 x 1024 PEAK; GRU step at hidden 16: ALONE alone, STACKED stacked 32
    assert numbers[:3] + numbers[4:5] + numbers[7:] == [1024, 1024, 1024, 16, 32]
    assert min(numbers[3], numbers[5], numbers[6]) > 0


def test_the_bound_benchmark_runs_quick_and_prices_its_ceilings(capsys):
    result = subprocess.run([sys.executable, "benchmarks/bench_group_bound.py", "--quick"], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    rows = [line.split() for line in lines if line.split()[0] in ("gru", "relu", "lstm")]
    assert [(row[0], row[1], row[2]) for row in rows] == [(rnn, hidden, "2") for rnn in ("gru", "relu", "lstm")
                                                          for hidden in ("8", "16")]
    for row in rows:   # solo, group and floor s/net-epoch (to 3 decimals), then the ratios solo ÷ group, ÷ floor
        solo, group, floor = (float(value) for value in row[3:6])
        assert min(solo, group, floor) > 0
        for ratio, seconds in ((row[6], group), (row[7], floor)):
            low, high = (solo - 5e-4) / (seconds + 5e-4) - 5e-3, (solo + 5e-4) / (seconds - 5e-4) + 5e-3
            assert low <= float(ratio.rstrip("x")) <= high
    sys.path.insert(0, str(REPO / "benchmarks"))
    import price_group_training
    prices = {}
    for kind, line in zip(("group", "ceiling"), lines[-2:]):
        heading, _, command = line.partition(": ")
        assert heading == f"the grid at the {kind} ratios"
        price = shlex.split(command)
        assert price[:2] == ["python", "benchmarks/price_group_training.py"]
        assert price_group_training.main(price[2:]) == 0
        prices[kind] = float(capsys.readouterr().out.split("training, group:")[1].split()[0])
    floors_below_groups = all(float(row[5]) <= float(row[4]) for row in rows)
    assert prices["ceiling"] <= prices["group"] or not floors_below_groups


def test_the_limit_benchmark_runs_quick():
    result = subprocess.run([sys.executable, "benchmarks/bench_group_limit.py", "--quick"], cwd=REPO,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("gru ")]
    # 48 and 96 gate units: 2 and 4 GRUs of 8 units, 1 and 2 of 16; the runner's own limit gives 32 of either
    assert [re.findall(r"N=(\d+)", line) for line in rows] == [["2", "4", "32"], ["1", "2", "32"]]
    for line in rows:
        solo = float(re.search(r"solo ([\d.]+)", line).group(1))
        groups = re.findall(r"N=\d+ ([\d.]+)x \(([\d.]+)-([\d.]+)\)", line)
        assert len(groups) == 2 and solo > 0
        for ratio, fastest, slowest in groups:   # 1 round: the range is one epoch, the ratio solo ÷ it
            assert fastest == slowest and float(ratio) == pytest.approx(solo / float(fastest), rel=0.05)


def test_free_elementwise_skips_the_steps_work_and_restores_it():
    sys.path.insert(0, str(REPO / "benchmarks"))
    import torch
    from bench_group_bound import free_elementwise

    from stateclusters.networks import stacked_layer
    values = torch.full((3,), 0.5)
    real_forward = stacked_layer._gru_forward
    with free_elementwise():
        assert stacked_layer._gru_forward is not real_forward
        assert torch.equal(stacked_layer.tanh_into(values.clone()), values)   # tanh skipped: the input is kept
    assert stacked_layer._gru_forward is real_forward
    assert torch.allclose(stacked_layer.tanh_into(values.clone()), torch.tanh(values), rtol=1e-6, atol=0)


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("awk") is None, reason="needs bash and awk")
def test_the_gpu_check_runs_dry_on_the_cpu(tmp_path):
    results = tmp_path / "gpu.txt"
    env = dict(os.environ, PYTHON=sys.executable)
    subprocess.run(["bash", "benchmarks/gpu_check.sh", "--dry", str(results)], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=900)
    text = results.read_text()
    for heading in ("## 1. solo against group", "## 2. grid slice", "## 3. group on cpu against solo"):
        assert heading in text
    assert text.count("this run: 2 done, 0 failed") == 2
    assert "exit" not in text and "OUTSIDE" not in text and "validation accuracy same every epoch" in text


def documented_commands(command: str) -> list[list[str]]:
    """The arguments of each command line of docs/performance.md that starts with `command`."""
    lines = [line.strip() for line in (REPO / "docs" / "performance.md").read_text().splitlines()
             if line.strip().startswith(command + " ") or line.strip() == command]
    return [shlex.split(line)[len(shlex.split(command)):] for line in lines]


def documented_arguments(command: str) -> list[str]:
    """The arguments of the one command line of docs/performance.md that starts with `command`."""
    commands = documented_commands(command)
    assert len(commands) == 1, commands
    return commands[0]


# docs/performance.md's grid prices: at the main run's ratios, then at the bound benchmark's ceilings (run 1).
DOCUMENTED_PRICES = [(279.2, (264.8, 159.7, 145.9, 119.5)), (231.6, (264.8, 112.0, 145.9, 119.6))]


@pytest.mark.parametrize("which", range(len(DOCUMENTED_PRICES)))
def test_the_grid_price_with_group_training(which, capsys):
    sys.path.insert(0, str(REPO / "benchmarks"))
    import price_group_training
    commands = documented_commands("python benchmarks/price_group_training.py")
    assert len(commands) == len(DOCUMENTED_PRICES)
    assert price_group_training.main(commands[which]) == 0
    lines = capsys.readouterr().out.splitlines()
    solo, group = (float(line.split(":")[1].split()[0]) for line in lines[1:3])
    documented_group, documented_split = DOCUMENTED_PRICES[which]
    assert solo == pytest.approx(409.6, rel=0.01)    # docs/performance.md's price of the solo grid at 200 epochs
    assert group == pytest.approx(documented_group, abs=0.05)   # and its price with group training
    words = [word.strip(",;()x") for word in lines[3].split()]
    numbers = [float(word) for word in words if word.replace(".", "").isdigit()]
    (narrow_solo, narrow_group, wide_solo, wide_group, gru, relu, tanh, lstm), needed = numbers[1:9], numbers[-1]
    assert (narrow_solo, narrow_group, wide_solo, wide_group) == documented_split
    assert narrow_solo + wide_solo == pytest.approx(solo, abs=0.15)
    assert narrow_group + wide_group == pytest.approx(group, abs=0.15)
    assert gru + relu + tanh + lstm == pytest.approx(wide_group, abs=0.25)
    assert narrow_group / needed == pytest.approx(solo / 2 - wide_group, rel=0.005)   # what half of solo leaves them


@pytest.mark.parametrize("script", ["benchmarks/bench_group_training.py", "benchmarks/bench_group_bound.py",
                                    "benchmarks/bench_group_limit.py", "benchmarks/price_group_training.py",
                                    "stateclusters/studies/compare_training_modes.py", "benchmarks/gpu_equivalence.py"])
def test_help_is_light(script):
    from test_statistics_figures import test_help_imports_no_heavy_library as help_is_light
    help_is_light(script)


@pytest.mark.parametrize("script, arguments, message", [
    ("benchmarks/price_group_training.py", ["--speedups", "16x"], "'16x' is not HIDDEN:VALUE"),
    ("benchmarks/bench_group_training.py", ["--rnn", "transformer"], "group training is for"),
    ("benchmarks/bench_group_training.py", ["--groups", "0"], "--groups"),
    ("benchmarks/bench_group_bound.py", ["--rnn", "transformer"], "group training is for"),
    ("benchmarks/bench_group_bound.py", ["--rounds", "0"], "--rounds"),
    ("benchmarks/bench_group_limit.py", ["--gate-units", "768"], "at least two limits"),
])
def test_bad_input_is_one_line_and_exit_2(script, arguments, message):
    result = subprocess.run([sys.executable, script, *arguments], cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 2 and message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_training_modes_comparison_runs_small(tmp_path, capsys):
    from stateclusters.studies import compare_training_modes
    assert compare_training_modes.main(["--out", str(tmp_path), "--languages", "tomita1", "--rnn", "gru",
                                        "--repeats", "2", "--epochs", "1", "--train-words", "200",
                                        "--validation-words", "100", "--conformance-words", "100",
                                        "--functions", "lda,k_means"]) == 0
    rows = {line.split()[0]: line.split() for line in capsys.readouterr().out.splitlines()}
    assert {"lda", "k_means"} <= rows.keys()
    solo, group = float(rows["lda"][1]), float(rows["lda"][4])
    assert solo == pytest.approx(group, abs=1e-3)   # 1 epoch, 200 words: group equals solo to rounding


def test_cpu_groups_of_the_grid_keep_to_the_gate_unit_limit():
    sys.path.insert(0, str(REPO / "benchmarks"))
    from bench_scaling import grid_specs

    from stateclusters.base.catalogue import (
        CPU_ALONE_STACKED_FROM,
        CPU_GROUP_GATE_UNITS,
        CPU_LSTM_WIDEST,
        CPU_NARROW_GATE_UNITS,
        CPU_NARROW_WIDEST,
        GATES,
        GROUP_SIZE,
    )
    from stateclusters.grid.groups import training_groups
    specs = grid_specs()
    groups = training_groups(specs, GROUP_SIZE)
    for group in groups:
        widest = group.jobs[-1]
        if len(group.jobs) == 1:   # alone in the stacked model: only where that beats train_network
            assert widest.rnn != "lstm" and widest.hidden >= CPU_ALONE_STACKED_FROM
            continue
        limit = CPU_NARROW_GATE_UNITS if widest.hidden <= CPU_NARROW_WIDEST else CPU_GROUP_GATE_UNITS
        assert len(group.jobs) * GATES[widest.rnn] * widest.hidden <= limit
        assert widest.rnn != "lstm" or widest.hidden <= CPU_LSTM_WIDEST
    # Every wide non-LSTM network trains stacked, alone or not; every solo one is an LSTM or narrower.
    stacked = {spec.name for group in groups for spec in group.jobs}
    solo = [spec for spec in specs if spec.name not in stacked]
    assert all(spec.rnn == "lstm" or spec.hidden < CPU_ALONE_STACKED_FROM for spec in solo)
    alone = {(group.jobs[0].rnn, group.jobs[0].hidden) for group in groups if len(group.jobs) == 1}
    assert {("gru", 550), ("relu", 550), ("tanh", 550)} <= alone and ("lstm", 550) not in alone
    largest = {}
    for group in groups:
        key = (group.jobs[-1].rnn, group.jobs[-1].hidden)
        largest[key] = max(largest.get(key, 0), len(group.jobs))
    assert largest[("gru", 16)] == 32 and largest[("relu", 16)] == 32 and largest[("lstm", 16)] == 24
    assert largest[("gru", 60)] == 8 and largest[("gru", 120)] == 2 and largest[("lstm", 60)] == 6


def test_the_documented_speed_and_slice_commands_are_valid():
    # Both run for minutes (docs/performance.md says how long): here their arguments are parsed as written.
    sys.path.insert(0, str(REPO / "benchmarks"))
    import bench_group_bound
    import bench_group_limit
    import bench_group_training

    from stateclusters.studies import compare_training_modes
    speed = bench_group_training.parse_arguments(documented_arguments("python benchmarks/bench_group_training.py"))
    assert list(speed.architectures) == ["gru", "relu", "lstm"] and speed.groups == [1, 4, 8, 16, 32]
    bound = bench_group_bound.parse_arguments(documented_arguments("python benchmarks/bench_group_bound.py"))
    assert list(bound.architectures) == ["gru", "relu", "lstm"] and bound.hidden == [16, 32, 64, 128, 256]
    limits = [bench_group_limit.parse_arguments(arguments)
              for arguments in documented_commands("python benchmarks/bench_group_limit.py")]
    assert [limit.gate_units for limit in limits] == [[768, 1536]] * 2
    assert limits[1].hidden == [128, 256, 550] and limits[1].train_words == 5000
    slice_ = compare_training_modes.parse_arguments(
        documented_arguments("python -m stateclusters.studies.compare_training_modes"))
    assert slice_.epochs == 50 and slice_.train_words == 50000
