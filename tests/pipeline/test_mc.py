"""The MC stage's weighted samples run side by side: the same event files as one call after another."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from darkmiss.config import load_preset
from darkmiss.config.load import Preset
from darkmiss.detsim.generate import simulate
from darkmiss.events.io import read_events
from darkmiss.pipeline.mc import SampleCall, simulate_samples


@dataclass(frozen=True)
class _Ctx:
    preset: Preset
    seed: int
    workers: int
    scheduler: str | None = None


def _digests(root: Path) -> dict[str, str]:
    """SHA-256 of the event arrays of every file under ``root``, by relative path (the ROOT container
    itself carries write times)."""
    out = {}
    for f in sorted(root.rglob("*.root")):
        ev = read_events(f)
        h = hashlib.sha256()
        for k in sorted(ev.arrays):
            h.update(np.ascontiguousarray(ev.arrays[k]).tobytes())
        out[str(f.relative_to(root))] = h.hexdigest()
    return out


def test_samples_side_by_side_equal_one_by_one(tmp_path: Path) -> None:
    preset = load_preset("na64-2016").with_overrides({"production": {"weighted_events": {"dimuon": 300}}})
    calls = [
        SampleCall(run, tmp_path / "pool" / "dimuon", 3, {"processes": ["dimuon"], "eot": 1e8})
        for run in ("I", "III")
    ] + [SampleCall("II", tmp_path / "pool" / "dimuon_b", 7, {"processes": ["dimuon"], "eot": 1e8})]
    simulate_samples(_Ctx(preset, seed=11, workers=2), calls)
    for c in calls:
        simulate(
            preset,
            c.run,
            "mc",
            tmp_path / "serial" / c.folder.name,
            workers=1,
            seed=11 + c.seed_offset,
            **c.options,
        )
    pool, serial = _digests(tmp_path / "pool"), _digests(tmp_path / "serial")
    assert pool == serial and len(pool) == 3


def test_calls_of_one_folder_share_seed_and_preset(tmp_path: Path) -> None:
    preset = load_preset("na64-2016")
    calls = [SampleCall("I", tmp_path, 3), SampleCall("II", tmp_path, 4)]
    with pytest.raises(ValueError, match="seed offset or preset"):
        simulate_samples(_Ctx(preset, seed=0, workers=1), calls)
