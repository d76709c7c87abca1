"""The MC stage's weighted samples run side by side: the same event files as one call after another."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

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
    ] + [
        SampleCall("II", tmp_path / "pool" / "dimuon_b", 7, {"processes": ["dimuon"], "eot": 1e8}),
        # a folder's calls may differ in seed; pseudo-data (unit weights) in the same production
        SampleCall("I", tmp_path / "pool" / "dimuon_b", 8, {"processes": ["dimuon"], "eot": 1e8}),
        SampleCall(
            "III", tmp_path / "pool" / "data", 0, {"processes": ["em", "hadronic"], "eot": 2e7}, mode="data"
        ),
    ]
    summaries = simulate_samples(_Ctx(preset, seed=11, workers=2), calls)
    for c, s in zip(calls, summaries, strict=True):
        one = simulate(
            preset,
            c.run,
            c.mode,
            tmp_path / "serial" / c.folder.name,
            workers=1,
            seed=11 + c.seed_offset,
            **c.options,
        )
        assert s.stored_events == one.stored_events and s.weighted_events == one.weighted_events
    pool, serial = event_digests(tmp_path / "pool"), event_digests(tmp_path / "serial")
    assert pool == serial and len(pool) >= 5
