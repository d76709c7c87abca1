"""Production machinery: Poisson counts and prescales, chunking, resume, determinism (docs/simulation.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import darkmiss.detsim.generate as gen
from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import runs_from_preset
from darkmiss.detsim.fastpath import read_summaries
from darkmiss.detsim.processes import available_processes, get_process, register_process, unregister_process
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.io import read_events, read_metadata
from darkmiss.events.schema import METADATA_KEYS
from darkmiss.plots.detsim_figures import fig7_left
from darkmiss.reco.fig7 import regions, srd_tagged

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from event_digest import event_digests

RATE = 2e-6  # per EOT


class _Toy:
    """A cheap process: hadronic-like deposits (E_ECAL + E_HCAL ≈ 100 GeV) with an SR tag."""

    name = "toy"

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        return RateEstimate(RATE, 0.0, "test")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        t = TruthBatch.empty(n)
        e = rng.uniform(5, 75, n)
        t.ecal[:, 2, 2] = e
        t.ps[:, 2, 2] = 1.0
        t.hcal[:, 0, 1, 1] = 99.0 - e
        t.sr_energy[:] = 0.025
        t.process[:] = 3
        return t


@pytest.fixture(autouse=True)
def _toy():
    register_process(_Toy())
    yield
    unregister_process("toy")


PRESET = load_preset("na64-2016").with_overrides({"production": {"chunk_events": 40}})


def test_registry_lists_own_processes():
    names = available_processes()
    assert {"em", "signal", "dimuon", "toy"} <= set(names)
    with pytest.raises(UserInputError):
        get_process("nonsense")


def test_poisson_count_prescale_and_metadata(tmp_path):
    p = PRESET.with_overrides({"production": {"prescale": {"toy": 4.0}}})
    s = gen.simulate(p, "I", "data", tmp_path, processes=["toy"], eot=1e8, seed=3)
    plan = s.plans[0]
    assert plan.expected_events == pytest.approx(200.0)
    # N ~ Poisson(EOT * rate / prescale) = Poisson(50)
    assert abs(plan.n_events - 50) < 5 * np.sqrt(50)
    assert plan.n_chunks == -(-plan.n_events // 40)
    ev = read_events(tmp_path)
    # pseudo-data is unweighted: a prescale is a hardware prescale, written in the metadata
    assert np.all(ev.arrays["weight"] == 1.0)
    meta = read_metadata(s.files[0])
    assert set(METADATA_KEYS) <= set(meta)
    assert meta["blinded"] is True and meta["mode"] == "data" and meta["prescales"] == {"toy": 4.0}
    assert meta["prescaled_in_signal_box"] == 0  # toy events carry E_HCAL > 20 GeV
    assert sum(read_metadata(f)["eot"] for f in s.files) == pytest.approx(1e8)


def test_same_seed_identical_for_1_and_2_workers(tmp_path):
    a = gen.simulate(PRESET, "I,III", "data", tmp_path / "a", processes=["toy"], eot=6e7, seed=11, workers=1)
    gen.simulate(PRESET, "I,III", "data", tmp_path / "b", processes=["toy"], eot=6e7, seed=11, workers=2)
    assert a.chunks_written >= 4
    da, db = event_digests(tmp_path / "a"), event_digests(tmp_path / "b")
    assert da == db and len(da) == a.chunks_written
    gen.simulate(PRESET, "I", "data", tmp_path / "c", processes=["toy"], eot=6e7, seed=12)
    assert event_digests(tmp_path / "c") != {k: v for k, v in da.items() if k.startswith("I")}


def test_interrupted_production_resumes(tmp_path, monkeypatch):
    ref = tmp_path / "ref"
    full = gen.simulate(PRESET, "II", "data", ref, processes=["toy"], eot=1e8, seed=5)
    assert full.chunks_written >= 4
    # interrupt after k = 2 chunks
    real = gen.run_chunk
    done = []

    def flaky(task):
        if len(done) == 2:
            raise KeyboardInterrupt("killed")
        done.append(task.chunk_index)
        return real(task)

    out = tmp_path / "run"
    monkeypatch.setattr(gen, "run_chunk", flaky)
    with pytest.raises(KeyboardInterrupt):
        gen.simulate(PRESET, "II", "data", out, processes=["toy"], eot=1e8, seed=5)
    assert len(list(out.rglob("*.root"))) == 2
    assert not list(out.rglob("*.part"))  # no half-written file left behind
    monkeypatch.setattr(gen, "run_chunk", real)
    s = gen.simulate(PRESET, "II", "data", out, processes=["toy"], eot=1e8, seed=5)
    assert s.chunks_skipped == 2 and s.chunks_written == full.chunks_written - 2
    assert event_digests(out) == event_digests(ref)  # nothing lost, nothing duplicated
    # a deleted chunk is regenerated identically, the others are skipped
    victim = sorted(out.rglob("*.root"))[1]
    victim.unlink()
    s2 = gen.simulate(PRESET, "II", "data", out, processes=["toy"], eot=1e8, seed=5)
    assert s2.chunks_written == 1
    assert event_digests(out) == event_digests(ref)
    assert sum(s2.stored_events["II"].values()) == sum(full.stored_events["II"].values())
    # the events read out before the trigger (the trigger efficiency's denominator) are counted the
    # same for chunks made now and chunks found on disk; in-gate pile-up fails some of them
    assert full.digitised_events == s.digitised_events == s2.digitised_events
    assert full.digitised_events["II"]["toy"] > full.stored_events["II"]["toy"]


def test_damaged_chunk_is_regenerated(tmp_path):
    out = tmp_path / "run"
    ref = gen.simulate(PRESET, "I", "data", out, processes=["toy"], eot=6e7, seed=4)
    digest = event_digests(out)
    victim = sorted(out.rglob("*.root"))[0]
    victim.write_bytes(victim.read_bytes()[:200])  # truncated (e.g. a half-copied folder)
    s = gen.simulate(PRESET, "I", "data", out, processes=["toy"], eot=6e7, seed=4)
    assert s.chunks_written == 1 and s.chunks_skipped == ref.chunks_written - 1
    assert event_digests(out) == digest
    # a file that is not an event file at all is made anew as well
    victim.write_bytes(b"not a ROOT file")
    assert gen.simulate(PRESET, "I", "data", out, processes=["toy"], eot=6e7, seed=4).chunks_written == 1


def test_argument_checks_and_process_selection():
    gen.check_arguments("data", "physics", 1e6, 1, 0)
    for args in (("sim", "physics", None, 1, 0), ("mc", "both", None, 1, 0), ("mc", "physics", 0.0, 1, 0)):
        with pytest.raises(UserInputError):
            gen.check_arguments(*args)
    with pytest.raises(UserInputError, match="workers"):
        gen.check_arguments("mc", "physics", None, 0, 0)
    with pytest.raises(UserInputError, match="seed"):
        gen.check_arguments("mc", "physics", None, 1, -1)
    every = gen.select_processes(None, None, None)
    assert "signal" not in every and "toy" in every
    assert "signal" in gen.select_processes(None, 0.0167, 1e-4)
    assert gen.select_processes(["toy"], None, None) == ["toy"]
    with pytest.raises(UserInputError, match="process"):
        gen.select_processes(["toy", "nonsense"], None, None)
    with pytest.raises(UserInputError, match="mass/epsilon"):
        gen.select_processes(["toy"], 0.01, None)


def test_production_config_optional_tables():
    # [production.prescale], [production.weighted_events] and zero suppression are optional
    data = {k: v for k, v in PRESET.data["production"].items() if k not in ("prescale", "weighted_events")}
    data["waveforms"] = {"max_ecal_energy": 120.0}
    cfg = gen.ProductionConfig.from_preset(Preset(PRESET.name, {**PRESET.data, "production": data}))
    assert (
        cfg.prescale_for("em", "physics") == 1.0 and cfg.weighted_events == {} and cfg.waveform_zs_gev == 0.0
    )
    # ... the others are required, and the error names the table and the key
    del data["waveforms"]["max_ecal_energy"]
    with pytest.raises(UserInputError, match=r"\[production\.waveforms\].*max_ecal_energy"):
        gen.ProductionConfig.from_preset(Preset(PRESET.name, {**PRESET.data, "production": data}))


def test_summary_path_pseudo_data_is_chunked_by_summary_chunk_events():
    # the pseudo-data of a process with a summary path (hadronic) takes summary_chunk_events per chunk;
    # its MC mode and every other process take chunk_events; absent, it is chunk_events
    p = load_preset("na64-2016").with_overrides(
        {"production": {"chunk_events": 40, "summary_chunk_events": 700}}
    )
    cfg = gen.ProductionConfig.from_preset(p)
    assert cfg.chunk_events_for("hadronic", "data") == 700
    assert cfg.chunk_events_for("hadronic", "mc") == 40
    assert cfg.chunk_events_for("dimuon", "data") == 40 and cfg.chunk_events_for("toy", "data") == 40
    run = runs_from_preset(p)["I"]
    plan, _ = gen.plan_process(p, run, "data", "hadronic", "physics", {}, 1e8, 0, cfg)
    assert plan.n_events > 700 and plan.n_chunks == -(-plan.n_events // 700)
    data = {k: v for k, v in p.data["production"].items() if k != "summary_chunk_events"}
    assert (
        gen.ProductionConfig.from_preset(Preset(p.name, {**p.data, "production": data})).summary_chunk_events
        == 40
    )
    bad = p.with_overrides({"production": {"summary_chunk_events": 0}})
    with pytest.raises(UserInputError, match="summary_chunk_events"):
        gen.ProductionConfig.from_preset(bad)


def test_changed_configuration_is_not_skipped(tmp_path):
    gen.simulate(PRESET, "I", "mc", tmp_path, processes=["toy"], eot=5e7, seed=1)
    s = gen.simulate(PRESET, "I", "mc", tmp_path, processes=["toy"], eot=5e7, seed=2)
    assert s.chunks_skipped == 0


def test_bad_options():
    with pytest.raises(UserInputError):
        gen.simulate(PRESET, "IV", "data", "/nonexistent", processes=["toy"])
    with pytest.raises(UserInputError):
        gen.simulate(PRESET, "I", "data", "/nonexistent", processes=["toy"], eot=-1)
    with pytest.raises(UserInputError):
        gen.simulate(PRESET, "I", "data", "/nonexistent", processes=["toy"], mass=0.01)
    bad = PRESET.with_overrides({"production": {"prescale": {"toy": 0.5}}})
    with pytest.raises(UserInputError):
        gen.simulate(bad, "I", "data", "/nonexistent", processes=["toy"])


SMALL = PRESET.with_overrides({"production": {"prefilter_cuts": {"rate_sample_events": 200}}})


def test_em_showers_calibration_and_physics_trigger(tmp_path):
    """Ordinary showers: ~all pass the calibration trigger (stored prescaled, weight = prescale);
    none of 200 passes E_ECAL < 80 GeV of the physics trigger (Eq. 14)."""
    s = gen.simulate(
        SMALL, "I", "mc", tmp_path / "cal", processes=["em"], eot=3e7, trigger="calibration", seed=2
    )
    plan = s.plans[0]
    assert plan.rate_per_eot > 0.9 and plan.prescale == 1e6
    ev = read_events(tmp_path / "cal")
    assert ev.n == plan.n_events > 10
    assert np.all(ev.arrays["weight"] == 1e6)
    assert np.median(ev.arrays["ecal_energy"]) == pytest.approx(100.0, abs=3.0)
    assert np.all(ev.arrays["true_process"] == 10)
    s = gen.simulate(SMALL, "I", "data", tmp_path / "phys", processes=["em"], eot=3e7, seed=2)
    assert s.plans[0].rate_per_eot == 0.0 and s.plans[0].n_events == 0


def test_signal_and_dimuon_weighted_mc(tmp_path):
    p = SMALL.with_overrides({"production": {"weighted_events": {"signal": 60, "dimuon": 60}}})
    s = gen.simulate(
        p, "I", "mc", tmp_path, processes=["signal", "dimuon"], mass=0.0167, epsilon=1e-4, seed=1
    )
    by = {pl.process: pl for pl in s.plans}
    assert by["signal"].n_events == 60 and by["dimuon"].n_events == 60
    ev = read_events(tmp_path / "I" / "signal")
    # sum of weights = EOT x eps^2 x yield per EOT (weighted MC)
    assert ev.arrays["weight"].sum() == pytest.approx(by["signal"].expected_events, rel=0.05)
    assert np.all(ev.arrays["true_aprime_energy"] > 20.0)
    mu = read_events(tmp_path / "I" / "dimuon")
    assert np.median(mu.arrays["hcal_module_energy"][:, :2].sum(axis=1)) > 2.0  # MIPs in HCAL1+2


def test_pseudo_data_shows_fig7_regions(tmp_path):
    """Spec Sec. IV, Fig. 7 left: region I (dimuons, E_HCAL ~ 10 GeV), II (sum ~ 100 GeV),
    III (pile-up, sum > 100 GeV) in data-mode pseudo-data of run III; region III grows with rate."""
    p = SMALL.with_overrides({"production": {"chunk_events": 5000}})
    frac = {}
    for run in ("I", "III"):
        gen.simulate(p, run, "data", tmp_path / run, processes=["dimuon", "hadronic"], eot=2e6, seed=7)
        a = read_events(tmp_path / run).arrays
        tag = srd_tagged(a["srd_energy"])
        e_e = a["ecal_energy"][tag]
        e_h = a["hcal_module_energy"][tag][:, :2].sum(axis=1)
        reg = regions(e_e, e_h)
        proc = a["true_process"][tag]
        assert reg["I"].sum() >= 3 and np.mean(proc[reg["I"]] == 2) > 0.5  # region I: dimuons
        assert np.all(a["n_pileup"][tag][reg["III"]] > 0)  # region III: pile-up only
        # the electronuclear events that fire V2 for sure are counted on the summary path (region II)
        summ = read_summaries(tmp_path / run)[run]
        assert summ.n_events > 300 and summ.fig7.sum() > 0.5 * summ.n_events
        panels = fig7_left(tmp_path / run, tmp_path / "fig")
        assert panels[0].region_ii > 0.5 * panels[0].weighted
        frac[run] = panels[0].pileup_fraction
    assert 0 < frac["I"] < frac["III"]
