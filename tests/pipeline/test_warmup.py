"""The compilation of the heaviest kernels before the first computing stage (pipeline/warmup.py): each
group runs the library's wrappers, the groups are spread over the workers, and the darkmiss cache keeps
later reproductions from doing it again."""

from __future__ import annotations

import pytest

import darkmiss.pipeline.warmup as warmup
from darkmiss.config.load import load_preset

PRESET = load_preset("na64-2016")


@pytest.mark.parametrize("group", warmup.GROUPS)
def test_each_group_runs_its_kernels(group):
    # the wrappers' tiny inputs must keep matching their signatures (a renamed argument fails here)
    assert warmup.compile_group(group, PRESET) == group


def test_groups_go_to_the_workers_once_and_are_then_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("DARKMISS_CACHE", str(tmp_path))
    seen: list[tuple] = []

    def fake_map(fn, tasks, *, workers):
        seen.append((fn, [t[0] for t in tasks], workers))
        return [t[0] for t in tasks]

    monkeypatch.setattr(warmup, "map_chunks", fake_map)
    assert warmup.compile_kernels(PRESET, 1) is False  # one worker compiles them in turn anyway
    assert warmup.compile_kernels(PRESET, 2) is True
    assert seen == [(warmup.compile_group, list(warmup.GROUPS), 2)]
    assert warmup.compile_kernels(PRESET, 4) is False  # recorded in the darkmiss cache
    assert len(seen) == 1
    # another numba cache folder is another compilation
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "numba"))
    assert warmup.compile_kernels(PRESET, 2) is True
