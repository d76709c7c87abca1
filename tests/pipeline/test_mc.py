"""The MC stage's weighted samples run side by side: the same event files as one call after another."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from darkmiss.config import load_preset
from darkmiss.config.load import Preset
from darkmiss.detsim.generate import simulate
from darkmiss.pipeline.mc import SampleCall, simulate_samples

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from event_digest import event_digests


@dataclass(frozen=True)
class _Ctx:
    preset: Preset
    seed: int
    workers: int
    scheduler: str | None = None


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
    pool, serial = event_digests(tmp_path / "pool"), event_digests(tmp_path / "serial")
    assert pool == serial and len(pool) == 3


def test_calls_of_one_folder_share_seed_and_preset(tmp_path: Path) -> None:
    preset = load_preset("na64-2016")
    calls = [SampleCall("I", tmp_path, 3), SampleCall("II", tmp_path, 4)]
    with pytest.raises(ValueError, match="seed offset or preset"):
        simulate_samples(_Ctx(preset, seed=0, workers=1), calls)
