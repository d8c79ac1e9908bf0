"""Where the grid's jobs run: in this process, in a pool of local processes, or on a Dask cluster.

Each backend is a generator of (JobSpec, record) pairs in completion order. Closing it (the driver does so
on Ctrl-C or SIGTERM) stops submitting and ends the jobs in flight. Scheduling is left to
concurrent.futures and Dask; this module only submits, collects, and turns a lost worker into a failed record.
"""
import logging
import os
import signal
import uuid
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from multiprocessing import get_context

from stateclusters.base.errors import UserError
from stateclusters.grid.jobs import JobSpec, failed_record, one_line, run_job
from stateclusters.grid.parent_watch import end_with

WORKER_DIED = "the worker process died (a crash or out of memory)"


def run_in_process(specs: Sequence[JobSpec], job=None) -> Iterator[tuple[JobSpec, dict]]:
    """One job after another in the driver itself (--workers 1): no start-up cost, easy to debug.

    `job` (here and in the other backends): the picklable function that turns a spec into its record;
    run_job for the grid, another for other jobs shaped like it (e.g. the paper's published networks).
    """
    job = job or run_job   # looked up at call time, so that a replaced run_job is the one used
    for spec in specs:
        yield spec, job(spec)


def _start_worker(driver_pid: int) -> None:
    """A worker ignores Ctrl-C (it reaches the whole process group; the driver alone decides what happens to the
    workers) and ends when the driver does, even killed with SIGKILL (no orphan computing on)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    end_with(driver_pid)


def _worker_context():
    """Forkserver workers: the server imports the job's modules (torch, scikit-learn) once and every worker
    is forked from it, instead of each spawned worker paying seconds of imports. Where forkserver does not
    exist (Windows), spawn."""
    try:
        context = get_context("forkserver")
    except ValueError:
        return get_context("spawn")
    context.set_forkserver_preload(["stateclusters.grid.jobs"])
    return context


@contextmanager
def _process_pool(workers: int):
    """A pool of worker processes that are killed, not awaited, when the driver stops early."""
    pool = ProcessPoolExecutor(workers, mp_context=_worker_context(), initializer=_start_worker,
                               initargs=(os.getpid(),))
    try:
        yield pool
    except BaseException:
        # No public way to stop running workers before Python 3.14 (terminate_workers); a killed job
        # loses nothing but itself, since results are only written by the driver.
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        raise
    pool.shutdown(wait=True)


def run_in_pool(specs: Sequence[JobSpec], workers: int, job=None) -> Iterator[tuple[JobSpec, dict]]:
    """Up to `workers` jobs at a time in local processes; a dead worker fails only the job that killed it."""
    job = job or run_job
    pending = deque(specs)
    while pending:
        crashed = []
        with _process_pool(workers) as pool:
            in_flight = {}
            while (pending or in_flight) and not crashed:
                while pending and len(in_flight) < workers:
                    spec = pending.popleft()
                    in_flight[pool.submit(job, spec)] = spec
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    spec = in_flight.pop(future)
                    if isinstance(future.exception(), BrokenProcessPool):
                        crashed.append(spec)
                    else:
                        yield spec, _record_of(future, spec)
            # A broken pool fails every job in flight; which one crashed it is found by rerunning each alone.
            crashed.extend(in_flight.values())
        for spec in crashed:
            yield spec, _run_alone(spec, job)


def _run_alone(spec: JobSpec, job=None) -> dict:
    with _process_pool(1) as pool:
        future = pool.submit(job or run_job, spec)
        wait([future])
        if isinstance(future.exception(), BrokenProcessPool):
            return failed_record(spec, WORKER_DIED)
        return _record_of(future, spec)


def _record_of(future, spec: JobSpec) -> dict:
    """The job's record; run_job catches its own errors, so an exception here is one of shipping the job."""
    error = future.exception()
    return failed_record(spec, one_line(error)) if error is not None else future.result()


@contextmanager
def _dask_client(workers: int, scheduler: str | None):
    """A client of the cluster at `scheduler`, or of a LocalCluster of single-threaded worker processes."""
    from dask.distributed import Client, LocalCluster  # imported here: only this backend needs Dask
    if scheduler:
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as error:
            raise UserError(f"cannot reach the Dask scheduler at {scheduler} ({one_line(error)})") from None
        with client:
            yield client
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def run_on_dask(specs: Sequence[JobSpec], workers: int, scheduler: str | None = None, job=None
                ) -> Iterator[tuple[JobSpec, dict]]:
    """Submit every job to Dask (earlier jobs first) and collect them as they complete."""
    from dask.distributed import as_completed
    job = job or run_job
    run_token = uuid.uuid4().hex[:8]   # keys must be unique on a scheduler that outlives this run
    with _dask_client(workers, scheduler) as client:
        spec_of = {}
        futures = []
        for index, spec in enumerate(specs):
            future = client.submit(job, spec, key=f"{spec.name}-{run_token}", priority=-index)
            spec_of[future.key] = spec
            futures.append(future)
        try:
            for future in as_completed(futures):
                spec = spec_of[future.key]
                try:
                    record = future.result()
                except Exception as error:   # e.g. KilledWorker after the worker died repeatedly
                    record = failed_record(spec, f"{WORKER_DIED}: {one_line(error)}")
                future.release()
                yield spec, record
        finally:
            client.cancel([future for future in futures if not future.done()])
