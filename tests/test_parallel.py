"""Chunked execution: results in task order, identical for any worker count, usage recorded per process."""

from __future__ import annotations

import os

import numpy as np
import pytest

from darkmiss.parallel import chunk_seeds, default_workers, map_chunks, record_usage


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
