"""Run independent chunks of work, locally or on a dask.distributed cluster.

Chunk ``i`` always gets the random stream ``SeedSequence(seed).spawn(n)[i]``, so a result is
identical whatever the number of workers or where the chunks run.
"""

from __future__ import annotations

import heapq
import math
import multiprocessing
import multiprocessing.forkserver
import os
import resource
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.context import BaseContext
from typing import Any, TypeVar

import numpy as np
import scipy.linalg  # noqa: F401  (loads scipy's BLAS, so that single_threaded_blas limits it too)
from threadpoolctl import threadpool_limits

T = TypeVar("T")


def default_workers() -> int:
    """The number of cores this process may run on (``os.sched_getaffinity``; ``os.cpu_count`` elsewhere)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)  # pragma: no cover - macOS and Windows have no affinity call


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far [MB] (``getrusage``; Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class ProcessUsage:
    """What one process spent on the chunks it ran: CPU [s], peak resident memory [MB], chunk count."""

    host: str
    pid: int
    cpu_seconds: float
    peak_rss_mb: float
    chunks: int

    def to_dict(self) -> dict[str, Any]:
        """JSON form (rounded)."""
        return {
            "host": self.host,
            "pid": self.pid,
            "cpu_seconds": round(self.cpu_seconds, 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "chunks": self.chunks,
        }


# Usage of the chunks run since the innermost ``record_usage`` began, keyed by (host, pid).
_USAGE_STACK: list[dict[tuple[str, int], ProcessUsage]] = []


@contextmanager
def record_usage() -> Iterator[dict[tuple[str, int], ProcessUsage]]:
    """Collect, per process, the CPU time and peak memory of every chunk that ``map_chunks`` runs inside."""
    usage: dict[tuple[str, int], ProcessUsage] = {}
    _USAGE_STACK.append(usage)
    try:
        yield usage
    finally:
        _USAGE_STACK.remove(usage)


def add_usage(host: str, pid: int, cpu: float, rss: float) -> None:
    """Count one chunk of process (host, pid), its CPU [s] and peak RSS [MB] (:func:`measured`), in every
    active :func:`record_usage`."""
    for usage in _USAGE_STACK:
        u = usage.get((host, pid))
        if u is None:
            usage[(host, pid)] = ProcessUsage(host, pid, cpu, rss, 1)
        else:
            u.cpu_seconds += cpu
            u.peak_rss_mb = max(u.peak_rss_mb, rss)
            u.chunks += 1


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with one BLAS thread (threadpoolctl; numpy's and scipy's OpenBLAS both loaded first).

    darkmiss runs in parallel over processes, and the results of threaded BLAS reductions depend on the
    thread count, hence on the machine (the asymptotic pyhf limits moved in the 11th digit)."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def measured(fn: Callable[..., T], *args: Any) -> tuple[T, tuple[str, int, float, float]]:
    """Run ``fn(*args)`` with one BLAS thread (:func:`single_threaded_blas`) and return its result with
    (host, pid, CPU seconds, peak RSS [MB])."""
    c0 = time.process_time()
    with single_threaded_blas():
        out = fn(*args)
    return out, (socket.gethostname(), os.getpid(), time.process_time() - c0, peak_rss_mb())


def chunk_seeds(seed: int, n_chunks: int) -> list[np.random.SeedSequence]:
    """The per-chunk seed sequences of a production with master ``seed``."""
    return np.random.SeedSequence(int(seed)).spawn(int(n_chunks))


def clean_context(preload: Sequence[str] = ()) -> BaseContext:
    """A multiprocessing context whose workers start from a clean interpreter (forkserver; spawn where
    there is none), not from a fork of this process.

    Forked from the process of a long ``reproduce``, a worker that computes limits took 40–60 thousand
    minor page faults per task, against 2–4 thousand from a clean interpreter: 0.6–0.8 s of system
    time and 3.3–4.4 s per mass instead of 2.1–2.8 s (2-core machine; a fork of a short-lived
    process does not show it, and the cause in the long-lived one is not pinned down). The forkserver
    imports darkmiss (and the modules ``preload``, when it starts) once; each worker then forks from it.
    Like spawn, it imports the calling program's main module, which must therefore keep its work under
    ``if __name__ == "__main__":`` (the ``darkmiss`` command and ``python -m`` entry points do). The
    workers see the environment variables of the forkserver's start (the first such pool of the process),
    not later changes."""
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["darkmiss.parallel", *preload])
    return ctx


def start_clean_context(preload: Sequence[str] = ()) -> None:
    """Start the forkserver of :func:`clean_context` (with ``preload``) now, without waiting for it: it
    imports darkmiss and ``preload`` in a process of its own (~1.2 s on one core of the 2-core test
    machine), so that a later pool of clean workers finds it ready. Its ``preload`` is that of the first
    start in this process, as with :func:`clean_context`. No-op where there is no forkserver."""
    if "forkserver" not in multiprocessing.get_all_start_methods():  # pragma: no cover - Windows
        return
    clean_context(preload)
    multiprocessing.forkserver.ensure_running()


def map_chunks(
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
    clean_workers: bool = False,
) -> list[T]:
    """Apply ``fn(*task)`` to every task and return the results in task order.

    ``clean_workers``: start the local pool's workers from a clean interpreter (:func:`clean_context`)
    instead of forking this process, for tasks that need nothing this process has computed.

    ``workers <= 1`` runs in this process; otherwise a process pool of ``workers``;
    ``scheduler`` (an address such as ``tcp://host:8786``) sends the tasks to a dask cluster.
    ``fn`` must be a module-level function (picklable). Paths among the task arguments must be
    absolute: a worker, on a cluster in another folder or on another host, never resolves a relative
    path. The CPU time and peak memory of every process go to the active :func:`record_usage`.
    """
    n = len(tasks)
    results: list[Any] = [None] * n

    def keep(i: int, out: tuple[Any, tuple[str, int, float, float]]) -> None:
        results[i] = out[0]
        add_usage(*out[1])

    if scheduler:
        # distributed is imported only for a cluster run: it costs ~1 s at start-up otherwise
        from distributed import Client
        from distributed import as_completed as dask_as_completed

        with Client(scheduler) as client:
            futures = [client.submit(measured, fn, *t, pure=False) for t in tasks]
            index = {f.key: i for i, f in enumerate(futures)}
            it: Iterable[Any] = dask_as_completed(futures)
            if progress is not None:
                it = progress(it, n)
            for fut in it:
                keep(index[fut.key], fut.result())
        return results
    if workers <= 1 or n <= 1:
        it2: Iterable[int] = range(n)
        if progress is not None:
            it2 = progress(it2, n)
        for i in it2:
            keep(i, measured(fn, *tasks[i]))
        return results
    context = clean_context([fn.__module__]) if clean_workers else None
    with ProcessPoolExecutor(max_workers=min(workers, n), mp_context=context) as pool:
        futs = {pool.submit(measured, fn, *t): i for i, t in enumerate(tasks)}
        it3: Iterable[Any] = as_completed(futs)
        if progress is not None:
            it3 = progress(it3, n)
        for fut in it3:
            keep(futs[fut], fut.result())
    return results


@dataclass(frozen=True)
class Task:
    """One task of :func:`run_tasks`: ``fn(*args)``, its estimated ``cost`` (any unit, scheduling only)
    and the caller's ``key``."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]
    cost: float = 0.0
    key: Any = None


def run_tasks(
    initial: Sequence[Task],
    on_done: Callable[[Task, Any], Sequence[Task]],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[Iterable[Any], int | None], Iterable[Any]] | None = None,
) -> None:
    """Run tasks that may add tasks: ``on_done(task, result)``, called in this process as each task
    ends, returns the tasks it makes ready (for example a production's chunks once its plan is made).

    Of the ready tasks, the most costly starts first (ties: the order they became ready); a local pool
    holds no more than ``workers`` tasks at a time, so that a costly task made ready late still goes
    before cheap ones. A task's result depends only on its arguments, so what is computed never
    depends on the order, the worker count or the cluster; callers keep results by ``key``.
    ``workers``, ``scheduler``: as :func:`map_chunks` (whose rules for ``fn`` and paths apply).
    """
    ready: list[tuple[float, int, Task]] = []
    seq = 0

    def push(tasks: Sequence[Task]) -> None:
        nonlocal seq
        for t in tasks:
            heapq.heappush(ready, (-t.cost, seq, t))
            seq += 1

    def done(task: Task, out: tuple[Any, tuple[str, int, float, float]]) -> Task:
        add_usage(*out[1])
        push(on_done(task, out[0]))
        return task

    push(initial)
    if scheduler:
        from distributed import Client
        from distributed import as_completed as dask_as_completed

        with Client(scheduler) as client:
            queue = dask_as_completed()
            running: dict[str, Task] = {}

            def submit_ready() -> None:
                while ready:
                    t = heapq.heappop(ready)[2]
                    # dask runs higher priorities first (all ready tasks are submitted at once)
                    priority = t.cost if math.isfinite(t.cost) else 1e300
                    f = client.submit(measured, t.fn, *t.args, pure=False, priority=priority)
                    running[f.key] = t
                    queue.add(f)

            def events_dask() -> Iterator[Task]:
                submit_ready()
                for fut in queue:
                    yield done(running.pop(fut.key), fut.result())
                    submit_ready()

            _drain(events_dask(), progress)
        return
    if workers <= 1:

        def events_serial() -> Iterator[Task]:
            while ready:
                t = heapq.heappop(ready)[2]
                yield done(t, measured(t.fn, *t.args))

        _drain(events_serial(), progress)
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        inflight: dict[Any, Task] = {}

        def events_pool() -> Iterator[Task]:
            while ready or inflight:
                while ready and len(inflight) < workers:
                    t = heapq.heappop(ready)[2]
                    inflight[pool.submit(measured, t.fn, *t.args)] = t
                finished, _ = wait(list(inflight), return_when=FIRST_COMPLETED)
                for fut in finished:
                    yield done(inflight.pop(fut), fut.result())

        _drain(events_pool(), progress)


def _drain(events: Iterable[Task], progress: Callable[..., Iterable[Any]] | None) -> None:
    """Consume ``events`` (one per finished task), through the progress bar when there is one."""
    for _ in progress(events, None) if progress is not None else events:
        pass
