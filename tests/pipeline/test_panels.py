"""The cached Fig. 7 panels of a reproduction: what the report reads back equals a direct count."""

from __future__ import annotations

from pathlib import Path

from darkmiss.config import load_preset
from darkmiss.detsim.generate import simulate
from darkmiss.pipeline.comparison import data_panels, read_panels, trigger_efficiency
from darkmiss.plots.detsim_figures import fig7_left


def test_panels_read_back_equal_a_direct_count(tmp_path: Path) -> None:
    preset = load_preset("na64-2016").with_overrides({"production": {"chunk_events": 5000}})
    data = tmp_path / "data"
    simulate(preset, "I", "data", data / "physics", processes=["dimuon"], eot=2e6, seed=3)
    info = data_panels(data, tmp_path / "panels")
    panels, trig = read_panels(tmp_path / "panels", tmp_path / "figures")
    direct = fig7_left(data / "physics", tmp_path / "direct")
    assert info["runs"] == ["I"] == [p.run for p in panels]
    for p, d in zip(panels, direct, strict=True):
        # the same floats after the JSON round trip; the figure is copied next to the report
        assert (p.n_events, p.weighted, p.region_i, p.region_ii, p.region_iii, p.pileup_fraction) == (
            d.n_events, d.weighted, d.region_i, d.region_ii, d.region_iii, d.pileup_fraction
        )  # fmt: skip
        assert p.path == tmp_path / "figures" / d.path.name and p.path.stat().st_size > 0
    assert trig == trigger_efficiency(data / "physics") and trig


def test_panels_do_not_depend_on_the_workers(tmp_path: Path) -> None:
    # several files in two runs: read one per task and joined in file order, drawn one run per task
    preset = load_preset("na64-2016").with_overrides({"production": {"chunk_events": 40}})
    data = tmp_path / "data"
    for run in ("I", "II"):
        simulate(preset, run, "data", data / "physics", processes=["dimuon"], eot=2e7, seed=4)
    one = fig7_left(data / "physics", tmp_path / "one")
    two = fig7_left(data / "physics", tmp_path / "two", workers=2)
    assert [p.run for p in one] == ["I", "II"] and len(list((data / "physics").rglob("*.root"))) > 2
    for a, b in zip(one, two, strict=True):
        assert a.to_record() | {"figure": None} == b.to_record() | {"figure": None}
        assert b.path == tmp_path / "two" / a.path.name and b.path.stat().st_size > 0
