"""Parametrised hadronic showers and MIP tracks (darkmiss.detsim.hadron_shower)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.detsim import hadron_shower as hs
from darkmiss.detsim.background_config import HadronicConfig

PRESET = load_preset("na64-2016")
SETUP = SetupGeometry.from_preset(PRESET)
HCFG = HadronicConfig.from_preset(PRESET)


def test_bock_tail_limits():
    e = np.array([10.0, 100.0])
    assert np.allclose(hs.bock_cdf_beyond(e, np.zeros(2), np.zeros(2), HCFG), 1.0)
    assert np.all(hs.bock_cdf_beyond(e, np.full(2, 500.0), np.full(2, 40.0), HCFG) < 1e-8)
    d = np.linspace(0, 10, 30)
    t = hs.bock_cdf_beyond(np.full(30, 50.0), d * 10, d, HCFG)
    assert np.all(np.diff(t) <= 1e-15)


def test_segments_tile_the_setup():
    segs = hs.setup_segments(SETUP)
    # ECAL, gap, then n modules separated by n - 1 gaps
    assert len(segs) == 2 + 2 * SETUP.n_hcal_modules - 1
    assert [s.hcal_module for s in segs if s.hcal_module is not None] == list(range(SETUP.n_hcal_modules))
    for a, b in itertools.pairwise(segs):
        assert a.lam_end == b.lam_start and a.x0_end == b.x0_start
    assert segs[0].lam_end == pytest.approx(SETUP.ecal.total_lambda)


def test_start_depth_x0_is_linear_within_segments():
    segs = hs.setup_segments(SETUP)
    ecal = segs[0]
    lam = np.array([0.0, 0.5 * ecal.lam_end, ecal.lam_end * 0.999999, 1e3])
    x0 = hs.start_depth_x0(lam, segs)
    assert x0[0] == 0.0
    assert x0[1] == pytest.approx(0.5 * ecal.x0_end, rel=1e-12)
    assert x0[2] == pytest.approx(ecal.x0_end, rel=1e-5)
    assert x0[3] == segs[-1].x0_end  # beyond the setup: at its end


def test_cell_fractions_sum_to_contained_fraction():
    # a central shower with a small scale is contained; far outside the ECAL nothing is
    f = hs.cell_fractions(np.array([0.0, 1e3]), np.array([0.0, 0.0]), SETUP.ecal, 0.5)
    assert f[0].sum() == pytest.approx(1.0, abs=1e-6)
    assert f[1].sum() < 1e-12
    assert f.shape == (2, SETUP.ecal.n_cells_x, SETUP.ecal.n_cells_y)


def test_hadron_shower_conserves_energy():
    # with e/h = 1 and no sampling fluctuations, deposits + escaped energy = incident energy
    p = PRESET.with_overrides(
        {
            "backgrounds": {
                "hadronic": {
                    **PRESET.data["backgrounds"]["hadronic"],
                    "e_over_h_ecal": 1.0,
                    "e_over_h_hcal": 1.0,
                    "sampling_ecal": 0.0,
                    "sampling_hcal": 0.0,
                }
            }
        }
    )
    cfg = HadronicConfig.from_preset(p)
    rng = np.random.default_rng(5)
    n = 300
    e = rng.uniform(5, 100, n)
    start = rng.uniform(0, 20, n)
    d = hs.hadron_shower(e, start, rng.normal(0, 1, n), rng.normal(0, 1, n), SETUP, cfg, rng)
    tot = d.ecal.sum(axis=(1, 2)) + d.ps.sum(axis=(1, 2)) + d.hcal.sum(axis=(1, 2, 3)) + d.escaped
    assert np.allclose(tot, e, rtol=1e-9)
    assert np.all(d.ecal >= 0) and np.all(d.hcal >= 0)


def test_hadron_shower_of_no_event():
    d = hs.hadron_shower(
        np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0), SETUP, HCFG, np.random.default_rng(1)
    )
    assert d.ecal.shape == (0, 6, 6) and d.hcal.shape == (0, 4, 3, 3) and d.escaped.shape == (0,)


def test_hcal_pion_resolution_near_spec():
    # spec Sec. III: delta E_HCAL / E_HCAL ~ 0.6/sqrt(E) (a result to check, not an input): 30% tolerance
    rng = np.random.default_rng(11)
    for e in (20.0, 80.0):
        n = 3000
        d = hs.hadron_shower(
            np.full(n, e),
            np.full(n, SETUP.ecal.total_lambda + 0.1),
            np.zeros(n),
            np.zeros(n),
            SETUP,
            HCFG,
            rng,
        )
        vis = d.hcal.sum(axis=(1, 2, 3))
        a = vis.std() / vis.mean() * math.sqrt(e)
        assert 0.6 * 0.7 < a < 0.6 * 1.3, a
        # non-compensation: pi/e = f_em + (1 - f_em)/(e/h) < 1
        assert 0.75 < vis.mean() / e < 1.0


def test_v2_charged_hadrons_mean():
    # N ~ Poisson(0.3 / GeV x E), ~1 MIP each: <V2> = 0.3 x E (v2_charged_per_gev of the preset)
    v2 = hs.v2_charged_hadrons(np.full(20000, 10.0), HCFG, np.random.default_rng(3))
    assert v2.mean() == pytest.approx(HCFG.v2_charged_per_gev * 10.0, rel=0.03)
    assert np.all(hs.v2_charged_hadrons(np.zeros(10), HCFG, np.random.default_rng(3)) == 0)


def test_mip_in_hcal_above_threshold():
    # a muon/MIP crossing one HCAL module leaves more than the 1 GeV zero-energy threshold (spec Eq. 15)
    assert hs.mip_calibrated_gev(SETUP.hcal, HCFG, HCFG.e_over_mip_hcal) > 1.0
    assert hs.mip_calibrated_gev(SETUP.ecal, HCFG, HCFG.e_over_mip_ecal) < 1.0


def test_mip_track_stops_where_the_hadron_interacts():
    rng = np.random.default_rng(4)
    full = hs.mip_track(2000, SETUP, HCFG, rng)
    mip_h = hs.mip_calibrated_gev(SETUP.hcal, HCFG, HCFG.e_over_mip_hcal)
    # Gamma(11)/11 fluctuations: mean 1 MIP per module (3 sigma of the mean: 0.3/sqrt(2000))
    assert full.hcal[:, :, 1, 1].mean(axis=0) == pytest.approx(np.full(SETUP.n_hcal_modules, mip_h), rel=0.03)
    assert np.all(full.v2 > 0)
    stopped = hs.mip_track(50, SETUP, HCFG, rng, upto_lambda=np.full(50, 0.5))
    assert np.all(stopped.hcal == 0) and np.all(stopped.v2 == 0)
