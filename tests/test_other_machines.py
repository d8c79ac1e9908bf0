"""The committed small-experiment numbers on other machines, emulated on this one: another OpenBLAS kernel, and a
CPU without numpy's, torch's and MKL's newer instructions (docs/reproduction.md, On another machine)."""
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest
from committed_small import differences

REPO = Path(__file__).resolve().parents[1]

# Part of the small experiment, as run_small_experiment.py runs it: OPTICS, which moved with the kernel before its
# distances were summed from differences, two other BLAS users, and the one lr that moves (CFG_L_12 stack_size).
PART = (("tomita3", "regular", ("OPTICS", "lda", "k_means_8")), ("CFG_L_12", "stack_size", ("lr",)))
CHILD = """
import json, sys
from stateclusters.automata import get_automaton
from stateclusters.commands.run_small_experiment import LAYERS, RNN, small_network
from stateclusters.evaluation.network import evaluate_network
from stateclusters.evaluation.network_data import NetworkData
from stateclusters.evaluation.training import network_config
from stateclusters.grid.jobs import single_threaded
from stateclusters.networks.recurrent import load_checkpoint
ambiguity, scores = {}, {}
with single_threaded():
    for language, labeling, functions in json.loads(sys.argv[1]):
        automaton, network = get_automaton(language), small_network(language)
        model, _ = load_checkpoint(f"pretrained_models/{network.name}.pt",
                                   expected=network_config(automaton, RNN, network.hidden, LAYERS))
        results = evaluate_network(NetworkData(model, automaton, network.seed), functions, labelings=(labeling,))
        ambiguity[network.key(labeling)] = {f: r.as_list() for f, r in results.results[labeling].items()}
        scores[network.key(labeling)] = {f: dict(r.scores) for f, r in results.results[labeling].items()}
print(json.dumps([ambiguity, scores]))
"""
# The flags each OpenBLAS kernel needs; Prescott runs on every x86-64 CPU.
KERNEL_FLAGS = {"Haswell": {"avx2", "fma"}, "Prescott": set()}


def cpu_flags() -> set[str]:
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    return set(next(line for line in lines if line.startswith("flags")).split(":", 1)[1].split())


def openblas_kernel() -> str | None:
    """The kernel numpy's OpenBLAS chose for this CPU (numpy imported first: threadpoolctl sees loaded libraries)."""
    import numpy  # noqa: F401
    from threadpoolctl import threadpool_info
    return next((pool.get("architecture") for pool in threadpool_info() if pool["internal_api"] == "openblas"), None)


def oldest_cpu() -> dict[str, str]:
    """No numpy dispatch beyond its baseline, torch's plain kernels, MKL's compatible code path."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return {"OPENBLAS_CORETYPE": "Prescott", "ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE",
            "NPY_DISABLE_CPU_FEATURES": " ".join(f for f in __cpu_dispatch__ if __cpu_features__.get(f))}


def machines() -> dict[str, dict[str, str]]:
    """{name: environment}: this machine, Haswell's kernel (the committed files' one) and the oldest CPU."""
    found = {f"this machine ({openblas_kernel()})": {}, "oldest x86-64": oldest_cpu()}
    if openblas_kernel() != "Haswell" and KERNEL_FLAGS["Haswell"] <= cpu_flags():
        found["Haswell kernel"] = {"OPENBLAS_CORETYPE": "Haswell"}
    return found


@pytest.mark.skipif(platform.system() != "Linux" or platform.machine() != "x86_64", reason="x86-64 Linux only")
def test_the_committed_small_experiment_reproduces_on_other_kernels_and_cpus():
    if openblas_kernel() is None:
        pytest.skip("numpy does not run on OpenBLAS here")
    children = {name: subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(PART)], cwd=REPO, text=True,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ | changes)
                for name, changes in machines().items()}
    for name, child in children.items():
        stdout, stderr = child.communicate(timeout=300)
        assert child.returncode == 0, f"{name}: {stderr}"
        ambiguity, scores = json.loads(stdout)
        assert len(ambiguity) == len(PART)
        assert differences(ambiguity, scores) == [], name
