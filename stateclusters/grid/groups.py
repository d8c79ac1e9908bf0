"""--group-training: the jobs still to train, in groups of one architecture and depth, trained before the grid runs.

Each group is one job for a backend (grid/backends.py). A network's checkpoint is written the moment it stops, so a
group that dies (kill -9, out of memory) loses only its unfinished networks; the next run groups those again.
The grid's jobs then find the checkpoints and evaluate them as usual. A job whose group failed fails with the
group's error: it is never trained solo behind the user's back.
"""
import time
import traceback
from dataclasses import dataclass

from stateclusters.base.catalogue import (
    CPU_ALONE_STACKED_FROM,
    CPU_GROUP_GATE_UNITS,
    CPU_LSTM_WIDEST,
    CPU_NARROW_GATE_UNITS,
    CPU_NARROW_WIDEST,
    GATES,
    GROUP_TRAINING,
    RECURRENT_TYPES,
)
from stateclusters.grid.jobs import FAILED, JobSpec, failed_record, one_line, single_threaded, training_plan


@dataclass(frozen=True)
class GroupSpec:
    """The jobs one group trains; shaped like a JobSpec where a backend needs it (name, settings)."""
    jobs: tuple[JobSpec, ...]

    @property
    def name(self) -> str:
        first = self.jobs[0]
        return f"group of {len(self.jobs)} {first.rnn} {first.layers}-layer from {first.name}"

    def settings(self) -> dict:
        return {"jobs": [job.name for job in self.jobs]}


def group_key(spec: JobSpec) -> tuple:
    """Jobs with one key can share a group: the stacked model's architecture and depth, the shared settings (of
    the protocol, those that change a trained network: the evaluation's, such as the validation size, do not)."""
    return (spec.rnn, spec.layers, spec.epochs, spec.training_words, tuple(spec.protocol.training_settings().items()),
            spec.device)


def needs_training(spec: JobSpec) -> bool:
    return spec.train and spec.rnn in RECURRENT_TYPES and not spec.checkpoint_path.exists()


def cpu_gate_units(hidden: int) -> int:
    """The most gate units (networks × gates × widest hidden size) of a CPU group whose widest is `hidden`."""
    return CPU_NARROW_GATE_UNITS if hidden <= CPU_NARROW_WIDEST else CPU_GROUP_GATE_UNITS


def networks_within(rnn: str, hidden: int, gate_units: int) -> int:
    """How many networks of this architecture, `hidden` units wide, fit in `gate_units` (at least one)."""
    return max(1, gate_units // (GATES[rnn] * hidden))


def cpu_group_limit(rnn: str, hidden: int) -> int:
    """How many networks of this architecture, `hidden` units wide, a CPU group holds (1: it trains solo)."""
    if rnn == "lstm" and hidden > CPU_LSTM_WIDEST:
        return 1
    return networks_within(rnn, hidden, cpu_gate_units(hidden))


def cpu_group_size(rnn: str, hidden: int, group_size: int) -> int:
    """How many networks a CPU group of the runner holds at this width, with --group-size `group_size`."""
    return min(group_size, cpu_group_limit(rnn, hidden))


def trains_alone_stacked(spec: JobSpec) -> bool:
    """Whether a network without a partner still trains in the stacked model (a group of one) rather than solo."""
    return spec.device == "cpu" and spec.rnn != "lstm" and spec.hidden >= CPU_ALONE_STACKED_FROM


def training_groups(specs: list[JobSpec], group_size: int) -> list[GroupSpec]:
    """The jobs still to train, by key, sorted by hidden size (so padding stays small), cut into groups of at
    most group_size networks and, on the CPU, at most cpu_group_limit of its widest.
    Groups of one are left out, except where trains_alone_stacked."""
    by_key: dict[tuple, list[JobSpec]] = {}
    for spec in filter(needs_training, specs):
        by_key.setdefault(group_key(spec), []).append(spec)
    groups = []
    for members in by_key.values():
        members.sort(key=lambda spec: (spec.hidden, spec.name))
        current: list[JobSpec] = []
        for spec in members:
            limit = group_size if spec.device != "cpu" else cpu_group_size(spec.rnn, spec.hidden, group_size)
            if current and len(current) >= limit:
                groups.append(GroupSpec(tuple(current)))
                current = []
            current.append(spec)
        if current:
            groups.append(GroupSpec(tuple(current)))
    # Elsewhere a group of one gains nothing over train_network: its job trains solo, as its record then says.
    return [group for group in groups if len(group.jobs) > 1 or trains_alone_stacked(group.jobs[0])]


def train_group_job(group: GroupSpec) -> dict:
    """Train one group, saving each network's checkpoint as it finishes; a plain summary, errors included."""
    start, saved = time.perf_counter(), []
    try:
        with single_threaded():
            _train(group, saved)
        return {"name": group.name, "status": "done", "saved": saved, "error": None,
                "seconds": {"total": round(time.perf_counter() - start, 3)}}
    except Exception as error:   # the group's failure is its result; the networks it saved stay saved
        return {"name": group.name, "status": FAILED, "saved": saved, "error": one_line(error),
                "details": traceback.format_exc(), "seconds": {"total": round(time.perf_counter() - start, 3)}}


def _train(group: GroupSpec, saved: list) -> None:
    # Imported here: the runner parses its arguments without torch.
    from stateclusters.automata import get_automaton
    from stateclusters.evaluation.training import network_config, training_info
    from stateclusters.networks.group_training import GroupMember, train_group
    from stateclusters.networks.recurrent import resolve_device, save_checkpoint

    plans = [training_plan(spec) for spec in group.jobs]
    members = []
    for spec, plan in zip(group.jobs, plans):
        automaton = get_automaton(spec.automaton_file or spec.language)
        members.append(GroupMember(network_config(automaton, spec.rnn, spec.hidden, spec.layers),
                                   *plan.words(automaton), plan.settings))

    def save(index, model, metrics):
        spec = group.jobs[index]
        info = training_info(plans[index].metadata(), plans[index].settings, metrics, GROUP_TRAINING)
        save_checkpoint(spec.checkpoint_path, model, **info)
        saved.append(spec.name)

    train_group(members, resolve_device(group.jobs[0].device), progress=False, on_finished=save)


def train_groups(specs: list[JobSpec], backend, group_size: int, log) -> list[dict]:
    """Train every group (on `backend`, a grid backend factory taking a job function); the failed records of the
    jobs whose group failed before saving them."""
    groups = training_groups(specs, group_size)
    grouped = sum(len(g.jobs) for g in groups)
    alone = sum(map(needs_training, specs)) - grouped
    log.write(f"group training: {grouped} networks in {len(groups)} groups of up to {group_size}; "
              f"{alone} to train solo (no partner within the group limits)")
    if not groups:
        return []
    failed = []
    for group, summary in backend(groups, train_group_job):
        if summary["status"] == FAILED:   # the worker's own summary, or the backend's record of a dead worker
            log.write(f"{group.name}: FAILED: {summary['error']}")
            failed.extend(failed_record(spec, f"group training failed: {summary['error']}") for spec in group.jobs
                          if not spec.checkpoint_path.exists())
        else:
            log.write(f"{group.name}: trained in {summary['seconds']['total']:.1f} s")
    return failed

