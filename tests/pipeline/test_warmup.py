"""The compilation of the heaviest kernels before the first computing stage (pipeline/warmup.py): each
group runs the library's wrappers, the groups are spread over the workers only when numba's cache is cold,
and numba itself says whether it is."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import darkmiss.pipeline.warmup as warmup
from darkmiss.config.load import load_preset

PRESET = load_preset("na64-2016")


@pytest.mark.parametrize("group", warmup.GROUPS)
def test_each_group_runs_its_kernels(group):
    # the wrappers' tiny inputs must keep matching their signatures (a renamed argument fails here)
    assert warmup.compile_group(group, PRESET) == group


def test_groups_go_to_the_workers_once_and_only_on_a_cold_cache(monkeypatch):
    seen: list[tuple] = []

    def fake_map(fn, tasks, *, workers):
        seen.append((fn, [t[0] for t in tasks], workers))
        return [t[0] for t in tasks]

    monkeypatch.setattr(warmup, "map_chunks", fake_map)
    monkeypatch.setattr(warmup, "_CHECKED", [])
    monkeypatch.setattr(warmup, "numba_cache_warm", lambda: False)
    assert warmup.compile_kernels(PRESET, 1) is False  # one worker compiles them in turn anyway
    assert warmup.compile_kernels(PRESET, 2) is True
    assert seen == [(warmup.compile_group, list(warmup.GROUPS), 2)]
    assert warmup.compile_kernels(PRESET, 4) is False  # done once per process
    monkeypatch.setattr(warmup, "_CHECKED", [])
    monkeypatch.setattr(warmup, "numba_cache_warm", lambda: True)
    assert warmup.compile_kernels(PRESET, 2) is False  # a warm cache: nothing to do
    assert len(seen) == 1


def test_numba_says_whether_its_cache_is_warm(tmp_path):
    # a fresh numba cache folder: the first process compiles the probe (cold), the next loads it (warm)
    code = "from darkmiss.pipeline.warmup import numba_cache_warm; print(numba_cache_warm())"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["False", "True"]
