"""The compilation of the heaviest kernels before the first computing stage (pipeline/warmup.py): each
group runs the library's wrappers, the groups are spread over the workers only when numba's cache is cold,
the caller goes on once the first group is done, and numba itself says whether its cache is cold."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import darkmiss.pipeline.warmup as warmup
from darkmiss.config.load import load_preset
from darkmiss.parallel import record_usage

PRESET = load_preset("na64-2016")


@pytest.mark.parametrize("group", warmup.GROUPS)
def test_each_group_runs_its_kernels(group):
    # the wrappers' tiny inputs must keep matching their signatures (a renamed argument fails here)
    assert warmup.compile_group(group, PRESET) == group


def _fake_group(group: str, folder: Path) -> str:
    """Stands in for compile_group in the forked workers: the second group waits for the test's go."""
    if group == warmup.GROUPS[1]:
        t0 = time.monotonic()
        while not (folder / "go").exists():
            if time.monotonic() - t0 > 60:
                raise TimeoutError("the first group's caller did not come back while the second ran")
            time.sleep(0.01)
        if (folder / "fail").exists():
            raise RuntimeError("the second group failed")
    (folder / group).touch()
    return group


def test_groups_go_to_the_workers_once_and_only_on_a_cold_cache(monkeypatch, tmp_path):
    monkeypatch.setattr(warmup, "compile_group", _fake_group)
    monkeypatch.setattr(warmup, "_CHECKED", [])
    monkeypatch.setattr(warmup, "numba_cache_warm", lambda: False)
    assert warmup.compile_kernels(tmp_path, 1) is None  # one worker compiles them in turn anyway
    with record_usage() as usage:
        finish = warmup.compile_kernels(tmp_path, 2)
        # back once the first group is done, while the second still runs (it waits for "go")
        assert finish is not None
        assert (tmp_path / warmup.GROUPS[0]).exists()
        assert not (tmp_path / warmup.GROUPS[1]).exists()
        (tmp_path / "go").touch()
        finish()
    assert (tmp_path / warmup.GROUPS[1]).exists()
    assert sorted(u.chunks for u in usage.values()) == [1, 1]  # each group ran in a worker of its own
    assert os.getpid() not in {pid for _, pid in usage}
    assert warmup.compile_kernels(tmp_path, 4) is None  # done once per process
    monkeypatch.setattr(warmup, "_CHECKED", [])
    monkeypatch.setattr(warmup, "numba_cache_warm", lambda: True)
    assert warmup.compile_kernels(tmp_path, 2) is None  # a warm cache: nothing to do


def test_a_failed_second_group_raises_when_awaited(monkeypatch, tmp_path):
    monkeypatch.setattr(warmup, "compile_group", _fake_group)
    monkeypatch.setattr(warmup, "_CHECKED", [])
    monkeypatch.setattr(warmup, "numba_cache_warm", lambda: False)
    (tmp_path / "fail").touch()
    finish = warmup.compile_kernels(tmp_path, 2)
    assert finish is not None
    (tmp_path / "go").touch()
    with pytest.raises(RuntimeError, match="second group failed"):
        finish()


def test_numba_says_whether_its_cache_is_warm(tmp_path):
    # a fresh numba cache folder: the first process compiles the probe (cold), the next loads it (warm)
    code = "from darkmiss.pipeline.warmup import numba_cache_warm; print(numba_cache_warm())"
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["False", "True"]
