"""A chunk with no events (e.g. a rare process that produced none passing the trigger) reconstructs to
an empty sample instead of failing (regression: reshape of a (0, 6, 6) array)."""

from __future__ import annotations

from darkmiss.config import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.events.io import write_events
from darkmiss.events.schema import empty_events
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.reconstruct import reconstruct_file


def test_empty_file_reconstructs(tmp_path):
    preset = load_preset("na64-2016")
    path = write_events(tmp_path / "empty.root", empty_events(0), {"run": "II", "mode": "data", "eot": 1e9})
    reco, info = reconstruct_file(path, AnalysisConfig.from_preset(preset), SetupGeometry.from_preset(preset))
    assert reco.n == 0 and info.n_events == 0 and info.mode == "data"
    assert reco.e_ecal.shape == (0,)
