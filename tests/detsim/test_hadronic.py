"""Hadronic physics of darkmiss.detsim.hadronic against published values and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import N_AVOGADRO
from darkmiss.detsim import hadronic as had
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import SamplingStructure, get_element


@pytest.fixture(scope="module")
def preset():
    return load_preset("na64-2016")


@pytest.fixture(scope="module")
def setup(preset):
    return SetupGeometry.from_preset(preset)


@pytest.fixture(scope="module")
def pcfg(preset):
    return had.PhotonuclearConfig.from_preset(preset)


@pytest.fixture(scope="module")
def hcfg(preset):
    return had.HadronicConfig.from_preset(preset)


def test_sigma_gamma_p_matches_measurement(pcfg):
    # Caldwell et al., PRL 40 (1978) 1222: sigma(gamma p) = 114-118 ub for E_gamma = 18-185 GeV (+-2%).
    for e in (20.0, 50.0, 100.0, 180.0):
        assert 0.110 < float(had.sigma_gamma_p_mb(e, pcfg)) < 0.122


def test_lead_shadowing_and_cross_section(pcfg):
    # Caldwell et al., PRL 42 (1979) 553: A_eff/A for Pb ~ 0.6-0.7 at 20-185 GeV.
    ratio = had.shadowing_a_eff(get_element("Pb").A, pcfg) / get_element("Pb").A
    assert 0.55 < ratio < 0.75
    # sigma(gamma Pb) ~ 15 mb at 10-100 GeV (same reference; 20% tolerance)
    s = had.sigma_gamma_a_pb("Pb", np.array([10.0, 100.0]), pcfg) / had.MB_TO_PB
    assert np.all((s > 12.0) & (s < 18.0))


def test_photonuclear_per_x0_pure_lead(pcfg):
    # independent: n sigma X0 = sigma N_A X0[g/cm2] / A for a pure Pb block
    pb = SamplingStructure("pb", "Pb", 1.0, "Pb", 1.0, 10, 3.0, 1, 1)
    e = np.array([30.0])
    expected = float(had.sigma_gamma_a_pb("Pb", e, pcfg)[0]) * 1e-36 * N_AVOGADRO * 6.37 / 207.2
    assert float(had.photonuclear_per_x0(pb, e, pcfg)[0]) == pytest.approx(expected, rel=1e-6)
    # ~ 2.8e-4: the ratio of photonuclear to pair production (7/9 per X0) is ~ 3.6e-4 (PDG)
    assert 2.2e-4 < expected < 3.4e-4


@given(st.floats(1e-4, 0.999))
def test_ww_flux_positive(y):
    assert (
        float(
            had.ww_photon_flux(
                np.array([y]), 100.0, had.PhotonuclearConfig.from_preset(load_preset("na64-2016"))
            )[0]
        )
        >= 0
    )


def test_electronuclear_probability_real_part_is_rossi(setup, pcfg):
    # the real-photon part must equal 0.572 E0 (1/k1 - 1/k2) * <n sigma X0> (Rossi approx. B)
    r = had.electronuclear_probability(setup, pcfg, 20.0, 100.0)
    c = float(had.photonuclear_per_x0(setup.ecal, np.array([40.0]), pcfg)[0])
    analytic = 0.572 * 100.0 * (1 / 20.0 - 1 / 100.0) * c
    assert r.probability * r.real_fraction == pytest.approx(analytic, rel=0.05)
    # electroproduction through virtual photons adds a few percent (WW flux ~ alpha/pi ln)
    assert 0.9 < r.real_fraction < 1.0


@given(st.floats(1.0, 40.0), st.floats(1.05, 2.0))
def test_electronuclear_monotone_in_threshold(k1, factor):
    p = load_preset("na64-2016")
    g = SetupGeometry.from_preset(p)
    c = had.PhotonuclearConfig.from_preset(p)
    lo = had.electronuclear_probability(g, c, k1, 100.0, n_k=40).probability
    hi = had.electronuclear_probability(g, c, k1 * factor, 100.0, n_k=40).probability
    assert 0 <= hi < lo


def test_electronuclear_bad_range(setup, pcfg):
    with pytest.raises(UserInputError):
        had.electronuclear_probability(setup, pcfg, 50.0, 20.0)


def test_leading_hadron_probability_below_spec_bound(preset, setup):
    from darkmiss.detsim.processes.hadronic import leading_hadron_probability

    # spec Sec. VIII: probability of leading-hadron electroproduction P_h <~ 1e-4 per e-
    p = leading_hadron_probability(preset, setup, x_min=0.5)
    assert 1e-7 < p < 1e-4


def test_total_depth_about_30_lambda(setup):
    # spec Sec. III/VIII: ECAL + HCAL ~ 30 lambda_int; HCAL module ~ 7 lambda_int
    assert had.total_lambda(setup) == pytest.approx(30.0, rel=0.1)
    assert setup.hcal.total_lambda == pytest.approx(7.0, rel=0.1)


@given(st.floats(0.0, 40.0), st.floats(0.0, 40.0))
def test_punchthrough_exponential(l1, l2):
    p = had.punchthrough_probability
    assert float(p(l1 + l2)) == pytest.approx(float(p(l1)) * float(p(l2)), rel=1e-9)
    assert float(p(max(l1, l2))) <= float(p(min(l1, l2)))


def test_bock_tail_limits(hcfg):
    e = np.array([10.0, 100.0])
    assert np.allclose(had.bock_cdf_beyond(e, np.zeros(2), np.zeros(2), hcfg), 1.0)
    assert np.all(had.bock_cdf_beyond(e, np.full(2, 500.0), np.full(2, 40.0), hcfg) < 1e-8)
    d = np.linspace(0, 10, 30)
    t = had.bock_cdf_beyond(np.full(30, 50.0), d * 10, d, hcfg)
    assert np.all(np.diff(t) <= 1e-15)


def test_hadron_shower_conserves_energy(preset, setup):
    # with e/h = 1 and no sampling fluctuations, deposits + escaped energy = incident energy
    p = preset.with_overrides(
        {
            "backgrounds": {
                "hadronic": {
                    **preset.data["backgrounds"]["hadronic"],
                    "e_over_h_ecal": 1.0,
                    "e_over_h_hcal": 1.0,
                    "sampling_ecal": 0.0,
                    "sampling_hcal": 0.0,
                }
            }
        }
    )
    cfg = had.HadronicConfig.from_preset(p)
    rng = np.random.default_rng(5)
    n = 300
    e = rng.uniform(5, 100, n)
    start = rng.uniform(0, 20, n)
    d = had.hadron_shower(e, start, rng.normal(0, 1, n), rng.normal(0, 1, n), setup, cfg, rng)
    tot = d.ecal.sum(axis=(1, 2)) + d.ps.sum(axis=(1, 2)) + d.hcal.sum(axis=(1, 2, 3)) + d.escaped
    assert np.allclose(tot, e, rtol=1e-9)
    assert np.all(d.ecal >= 0) and np.all(d.hcal >= 0)


def test_hcal_pion_resolution_near_spec(setup, hcfg):
    # spec Sec. III: delta E_HCAL / E_HCAL ~ 0.6/sqrt(E) (a result to check, not an input): 30% tolerance
    rng = np.random.default_rng(11)
    for e in (20.0, 80.0):
        n = 3000
        d = had.hadron_shower(
            np.full(n, e),
            np.full(n, setup.ecal.total_lambda + 0.1),
            np.zeros(n),
            np.zeros(n),
            setup,
            hcfg,
            rng,
        )
        vis = d.hcal.sum(axis=(1, 2, 3))
        a = vis.std() / vis.mean() * math.sqrt(e)
        assert 0.6 * 0.7 < a < 0.6 * 1.3, a
        # non-compensation: pi/e = f_em + (1 - f_em)/(e/h) < 1
        assert 0.75 < vis.mean() / e < 1.0


def test_mip_in_hcal_above_threshold(setup, hcfg):
    # a muon/MIP crossing one HCAL module leaves more than the 1 GeV zero-energy threshold (spec Eq. 15)
    assert had.mip_calibrated_gev(setup.hcal, hcfg, hcfg.e_over_mip_hcal) > 1.0
    assert had.mip_calibrated_gev(setup.ecal, hcfg, hcfg.e_over_mip_ecal) < 1.0


def test_knockon_tag_probability_matches_spec(preset):
    # spec Sec. IV: the SRD pion suppression factor is < 1e-5
    p = had.knockon_tag_probability(had.KnockOnConfig.from_preset(preset))
    assert 1e-6 < p <= 1.2e-5


@given(st.floats(0.01, 1.0), st.floats(1.1, 3.0))
def test_knockon_monotone_in_window(thick, factor):
    base = load_preset("na64-2016")
    k = dict(base.data["backgrounds"]["knockon"])
    p1 = had.knockon_tag_probability(
        had.KnockOnConfig.from_preset(
            base.with_overrides({"backgrounds": {"knockon": {**k, "window_thickness_cm": thick}}})
        )
    )
    p2 = had.knockon_tag_probability(
        had.KnockOnConfig.from_preset(
            base.with_overrides({"backgrounds": {"knockon": {**k, "window_thickness_cm": thick * factor}}})
        )
    )
    assert 0 <= p1 <= p2


def test_em_longitudinal_cdf(setup):
    ec = setup.ecal.absorber_material.ec_gev
    f = had.em_longitudinal_cdf(np.array([1.0, 100.0]), np.array([4.0, 4.0]), ec)
    assert 0 < f[1] < f[0] < 1  # higher energies develop deeper
    assert float(had.em_longitudinal_cdf(np.array([50.0]), np.array([40.0]), ec)[0]) > 0.98


def test_bad_preset_value(preset):
    bad = preset.with_overrides(
        {
            "backgrounds": {
                "hadronic": {**preset.data["backgrounds"]["hadronic"], "leading_neutral_fraction": 2.0}
            }
        }
    )
    with pytest.raises(UserInputError):
        had.HadronicConfig.from_preset(bad)
