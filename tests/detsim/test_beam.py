"""Beam composition, SR physics and the SRD (spec Sec. III)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.constants import M_E, M_PI
from darkmiss.detsim.background_config import BeamFractions
from darkmiss.detsim.beam import PDG_E, PDG_PI, BeamConfig, sample_beam, with_beam
from darkmiss.detsim.processes import em as em_process
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.detsim.srd import (
    MEAN_X,
    SRDConfig,
    critical_energy,
    electron_sr,
    sample_photon_x,
    sr_counter_energies,
    sr_energy_loss,
)
from darkmiss.errors import UserInputError
from darkmiss.shower import response

PRESET = load_preset("na64-2016")


def test_beam_composition_and_spread():
    cfg = BeamConfig.from_preset(PRESET)
    b = sample_beam(200_000, np.random.default_rng(1), cfg)
    # pi/e ~ 1e-2 (spec Sec. III); binomial tolerance ~ 5 sigma
    ratio = np.mean(b.pdg == PDG_PI) / np.mean(b.pdg == PDG_E)
    assert ratio == pytest.approx(cfg.pion_fraction, rel=0.08)
    core = (b.pdg == PDG_E) & ~b.tail
    assert np.std(b.energy[core]) / 100.0 == pytest.approx(cfg.momentum_spread, rel=0.03)
    assert np.mean(b.halo) == pytest.approx(cfg.halo_fraction, rel=0.05)
    assert b.energy[b.tail].max() <= cfg.low_energy_tail_max
    # tail electrons have larger angles (spec Sec. III)
    assert np.mean(b.angle_mrad[b.tail]) > 5 * np.mean(b.angle_mrad[core])


def test_sr_physics_reference_values():
    # Independent hand calculation (Jackson 14.31/14.85): 100 GeV e-, B = 1.75 T, L = 4 m:
    # rho = 100/(0.29979*1.75) = 190.61 m; dE = 2/3 r_e m gamma^4 L / rho^2 = 0.1550 GeV;
    # E_c = 1.5 hbar c gamma^3 / rho = 11.64 MeV.
    assert sr_energy_loss(100.0, M_E, 1.75, 400.0) == pytest.approx(0.1550, rel=2e-3)
    assert critical_energy(100.0, M_E, 1.75) == pytest.approx(0.01164, rel=2e-3)
    # pions radiate (m_e/m_pi)^4 ~ 1.8e-10 as much (spec Sec. III: E^3/m^4 scaling)
    ratio = sr_energy_loss(100.0, M_PI, 1.75, 400.0) / sr_energy_loss(100.0, M_E, 1.75, 400.0)
    assert ratio == pytest.approx((M_E / M_PI) ** 4, rel=1e-3)


@given(e=st.floats(20.0, 150.0), b=st.floats(0.5, 3.0))
def test_sr_scaling_laws(e, b):
    """Delta E ∝ E^2 B^2 and E_c ∝ E^2 B (spec Sec. III)."""
    de1 = sr_energy_loss(e, M_E, b, 400.0)
    de2 = sr_energy_loss(2 * e, M_E, 2 * b, 400.0)
    assert de2 / de1 == pytest.approx(16.0, rel=1e-6)
    assert critical_energy(2 * e, M_E, b) / critical_energy(e, M_E, b) == pytest.approx(4.0, rel=1e-6)


def test_synchrotron_spectrum_mean():
    # <E_gamma>/E_c = 8/(15 sqrt 3) = 0.3079 for the full spectrum; the sampled spectrum is cut at
    # X_MIN = 0.01, which can only raise the mean; half the power lies above E_c (the definition of
    # the critical energy, Jackson Sec. 14.6) - 0.5 within the statistical tolerance.
    x = sample_photon_x(400_000, np.random.default_rng(3))
    assert x.mean() > MEAN_X
    assert x[x > 1].sum() / x.sum() == pytest.approx(0.5, abs=0.02)


def test_srd_tags_electrons_not_pions():
    cfg = SRDConfig.from_preset(PRESET)
    rng = np.random.default_rng(4)
    e = sr_counter_energies(np.full(2000, 100.0), M_E, rng, cfg)
    # a 100 GeV e- lights all three counters above 1 MeV in >~ 90% of the events (spec Sec. IV: e- ID
    # efficiency >~ 95% with the real SRD window); ~32 photons above 0.01 E_c share the fan
    assert np.mean(np.all(e > 0.001, axis=1)) > 0.9
    p = sr_counter_energies(np.full(2000, 100.0), M_PI, rng, cfg)
    assert p.max() < 1e-6  # (m_e/m_pi)^4 suppression: no tag from SR of hadrons
    low = sr_counter_energies(np.full(2000, 50.0), M_E, rng, cfg)
    assert low.sum(axis=1).mean() < 0.3 * e.sum(axis=1).mean()


def test_bad_beam_preset():
    bad = PRESET.with_overrides({"detector": {"beamline": {"pion_fraction": -1.0}}})
    with pytest.raises(UserInputError):
        BeamConfig.from_preset(bad)


def test_beam_energy_is_required():
    # no silent 100 GeV: a preset without [beam] energy is a user error naming it
    beam = {k: v for k, v in PRESET.data["beam"].items() if k != "energy"}
    with pytest.raises(UserInputError, match=r"\[beam\].*energy"):
        BeamConfig.from_preset(Preset(PRESET.name, {**PRESET.data, "beam": beam}))


def test_electron_sr_is_the_srd_model():
    e = np.full(500, 100.0)
    a = electron_sr(e, np.random.default_rng(3), PRESET)
    b = sr_counter_energies(e, M_E, np.random.default_rng(3), SRDConfig.from_preset(PRESET))
    assert a.shape == (500, 3) and np.array_equal(a, b)


def test_with_beam_positron_preset():
    """``with_beam(e+)``: the particle and the [beam.positron] contamination, the rest kept; e- unchanged."""
    assert with_beam(PRESET, "e-") is PRESET and with_beam(PRESET, None) is PRESET
    pos = with_beam(PRESET, "e+")
    cfg, ref = BeamConfig.from_preset(pos), BeamConfig.from_preset(PRESET)
    table = PRESET.section("beam")["positron"]
    assert (cfg.particle, cfg.sign, ref.particle, ref.sign) == ("e+", -1, "e-", 1)
    assert (cfg.pion_fraction, cfg.proton_fraction) == (table["pion_fraction"], table["proton_fraction"])
    assert (cfg.halo_fraction, cfg.energy) == (ref.halo_fraction, ref.energy)
    assert BeamFractions.from_preset(pos).kaon_fraction == table["kaon_fraction"]
    assert with_beam(pos, "e+") is pos and with_beam(pos, None) is pos
    for bad in ("mu-", "mu+", "tau"):
        with pytest.raises(UserInputError):
            with_beam(PRESET, bad)


def _positron_ctx() -> ProcessContext:
    pos = with_beam(PRESET, "e+")
    run = runs_from_preset(pos)["I"]
    return ProcessContext(pos, SetupGeometry.from_preset(pos), run, "mc", beam_particle="e+")


class _Stop(Exception):
    """Raised by a stand-in of the shower engine to report the primary it was given."""


def test_beam_lepton_processes_start_positron_showers(monkeypatch):
    """em, signal and dimuon hand the positron to the shower engine (PDG −11 in the cascade)."""
    seen: list[int] = []

    def fake_raw(energies, x, y, z, pid, *args, **kwargs):
        seen.append(pid)
        raise _Stop

    monkeypatch.setattr(response, "_raw_response", fake_raw)
    monkeypatch.setattr(response, "calibration", lambda *args, **kwargs: None)  # (e⁻ calibration showers)
    ctx = _positron_ctx()
    rng = np.random.default_rng(0)
    with pytest.raises(_Stop):
        em_process.PROCESS._draw(2, rng, ctx)
    with pytest.raises(_Stop):
        response.signal_sample(0.01, 2, ctx.geometry, rng, particle=ctx.beam_particle)
    with pytest.raises(_Stop):
        response.dimuon_sample(2, ctx.geometry, rng, particle=ctx.beam_particle)
    assert seen == [-11, -11, -11]
    with pytest.raises(UserInputError):
        response.signal_sample(0.01, 2, ctx.geometry, rng, particle="mu+")
