"""Chunked execution: results in task order, identical for any worker count, usage recorded per process;
tasks that make tasks (run_tasks), most costly first."""

from __future__ import annotations

import os

import numpy as np
import pytest

from darkmiss.parallel import (
    Task,
    chunk_seeds,
    default_workers,
    map_chunks,
    record_usage,
    run_tasks,
    start_clean_context,
)


def _draw(seq: np.random.SeedSequence, n: int) -> np.ndarray:
    return np.random.default_rng(seq).normal(size=n)


def test_default_workers_is_the_affinity_set() -> None:
    # the cores this process may run on, not the machine's count
    assert default_workers() == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_identical_for_any_worker_count(workers: int) -> None:
    seeds = chunk_seeds(7, 5)
    ref = [_draw(s, 100) for s in chunk_seeds(7, 5)]
    got = map_chunks(_draw, [(s, 100) for s in seeds], workers=workers)
    assert len(got) == 5
    for a, b in zip(ref, got, strict=True):
        assert a.tobytes() == b.tobytes()


def test_usage_recorded_per_process() -> None:
    with record_usage() as usage:
        map_chunks(_draw, [(s, 1000) for s in chunk_seeds(1, 4)], workers=2)
    assert sum(u.chunks for u in usage.values()) == 4
    assert all(u.pid != os.getpid() for u in usage.values())  # ran in the pool's processes
    assert all(u.cpu_seconds >= 0 and u.peak_rss_mb > 10 for u in usage.values())
    with record_usage() as serial:
        map_chunks(_draw, [(s, 10) for s in chunk_seeds(1, 3)], workers=1)
    assert list(serial) and all(u.pid == os.getpid() and u.chunks == 3 for u in serial.values())


def _square(x: int) -> int:
    return x * x


def _slow_square(x: int) -> int:
    import time

    time.sleep(0.05)
    return x * x


def _fail(x: int) -> int:
    raise ValueError(f"task {x} failed")


def _follow_ups(task: Task, out: int) -> list[Task]:
    """Each task of the first generation makes two of the second (keys carry the generation)."""
    if task.key[0] == 0:
        return [Task(_square, (out + k,), cost=float(k), key=(1, out + k)) for k in (1, 2)]
    return []


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_run_tasks_runs_every_follow_up_whatever_the_workers(workers: int) -> None:
    got: dict[tuple[int, int], int] = {}

    def on_done(task: Task, out: int) -> list[Task]:
        got[task.key] = out
        return _follow_ups(task, out)

    run_tasks([Task(_square, (x,), key=(0, x)) for x in range(4)], on_done, workers=workers)
    # independent calculation: x² for the first generation, (x² + k)² for the second
    want = {(0, x): x * x for x in range(4)} | {
        (1, x * x + k): (x * x + k) ** 2 for x in range(4) for k in (1, 2)
    }
    assert got == want


def test_run_tasks_serial_order_is_cost_then_readiness() -> None:
    order: list[int] = []

    def on_done(task: Task, out: int) -> list[Task]:
        order.append(task.key)
        return [Task(_square, (9,), cost=5.0, key=9)] if task.key == 0 else []

    tasks = [Task(_square, (k,), cost=c, key=k) for k, c in ((0, 10.0), (1, 1.0), (2, 3.0), (3, 1.0))]
    run_tasks(tasks, on_done, workers=1)
    # 0 first (most costly); the task it makes (cost 5) goes before the cheaper ones; ties in order
    assert order == [0, 9, 2, 1, 3]


def test_run_tasks_pool_starts_a_late_costly_task_before_cheap_ones() -> None:
    order: list[int] = []

    def on_done(task: Task, out: int) -> list[Task]:
        order.append(task.key)
        return [Task(_slow_square, (99,), cost=100.0, key=99)] if task.key == 0 else []

    cheap = [Task(_slow_square, (k,), cost=1.0, key=k) for k in range(1, 11)]
    with record_usage() as usage:
        run_tasks([Task(_square, (0,), cost=1000.0, key=0), *cheap], on_done, workers=2)
    # at most two tasks are ever queued in the pool, so 99 overtakes most of the ten cheap ones
    assert sorted(order) == [0, *range(1, 11), 99]
    assert order.index(99) <= 4
    assert sum(u.chunks for u in usage.values()) == 12


@pytest.mark.parametrize("workers", [1, 2])
def test_run_tasks_raises_a_task_error(workers: int) -> None:
    with pytest.raises(ValueError, match="task 3 failed"):
        run_tasks([Task(_fail, (3,), key=3)], lambda t, o: [], workers=workers)


_STATE = {"value": "as imported"}


def _read_state(_: int) -> str:
    return _STATE["value"]


def test_clean_workers_do_not_inherit_this_process_state() -> None:
    _STATE["value"] = "changed here"
    try:
        forked = map_chunks(_read_state, [(i,) for i in range(2)], workers=2)
        clean = map_chunks(_read_state, [(i,) for i in range(2)], workers=2, clean_workers=True)
    finally:
        _STATE["value"] = "as imported"
    assert forked == ["changed here"] * 2  # a fork sees this process' memory
    assert clean == ["as imported"] * 2  # a clean interpreter imports the module afresh
    seeds = chunk_seeds(3, 3)
    same = map_chunks(_draw, [(s, 50) for s in seeds], workers=2, clean_workers=True)
    assert [a.tobytes() for a in same] == [_draw(s, 50).tobytes() for s in chunk_seeds(3, 3)]


def test_a_started_clean_context_serves_the_later_clean_pools() -> None:
    # start_clean_context launches the forkserver without waiting for its imports; a later pool of clean
    # workers forks from that same server (whose pid multiprocessing keeps), with the same results
    import multiprocessing.forkserver as fs

    start_clean_context([__name__])
    pid = fs._forkserver._forkserver_pid  # private, but the only handle on the server
    assert pid is not None
    seeds = chunk_seeds(3, 3)
    same = map_chunks(_draw, [(s, 50) for s in seeds], workers=2, clean_workers=True)
    assert fs._forkserver._forkserver_pid == pid
    assert [a.tobytes() for a in same] == [_draw(s, 50).tobytes() for s in chunk_seeds(3, 3)]
