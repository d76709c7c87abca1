"""Photo/electronuclear production (darkmiss.detsim.photonuclear) against published values and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import N_AVOGADRO
from darkmiss.detsim import photonuclear as pn
from darkmiss.detsim.background_config import PhotonuclearConfig
from darkmiss.detsim.processes.hadronic import leading_hadron_probability
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import SamplingStructure, get_element

PRESET = load_preset("na64-2016")
SETUP = SetupGeometry.from_preset(PRESET)
PCFG = PhotonuclearConfig.from_preset(PRESET)


def test_sigma_gamma_p_matches_measurement():
    # Caldwell et al., PRL 40 (1978) 1222: sigma(gamma p) = 114-118 ub for E_gamma = 18-185 GeV (+-2%).
    for e in (20.0, 50.0, 100.0, 180.0):
        assert 0.110 < float(pn.sigma_gamma_p_mb(e, PCFG)) < 0.122


def test_lead_shadowing_and_cross_section():
    # Caldwell et al., PRL 42 (1979) 553: A_eff/A for Pb ~ 0.6-0.7 at 20-185 GeV.
    ratio = pn.shadowing_a_eff(get_element("Pb").A, PCFG) / get_element("Pb").A
    assert 0.55 < ratio < 0.75
    # sigma(gamma Pb) ~ 15 mb at 10-100 GeV (same reference; 20% tolerance)
    s = pn.sigma_gamma_a_pb("Pb", np.array([10.0, 100.0]), PCFG) / pn.MB_TO_PB
    assert np.all((s > 12.0) & (s < 18.0))


def test_photonuclear_per_x0_pure_lead():
    # independent: n sigma X0 = sigma N_A X0[g/cm2] / A for a pure Pb block
    pb = SamplingStructure("pb", "Pb", 1.0, "Pb", 1.0, 10, 3.0, 1, 1)
    e = np.array([30.0])
    expected = float(pn.sigma_gamma_a_pb("Pb", e, PCFG)[0]) * 1e-36 * N_AVOGADRO * 6.37 / 207.2
    assert float(pn.photonuclear_per_x0(pb, e, PCFG)[0]) == pytest.approx(expected, rel=1e-6)
    # ~ 2.8e-4: the ratio of photonuclear to pair production (7/9 per X0) is ~ 3.6e-4 (PDG)
    assert 2.2e-4 < expected < 3.4e-4


@given(st.floats(1e-4, 0.999))
def test_ww_flux_positive(y):
    assert float(pn.ww_photon_flux(np.array([y]), 100.0, PCFG)[0]) >= 0


def test_electronuclear_probability_real_part_is_rossi():
    # the real-photon part must equal 0.572 E0 (1/k1 - 1/k2) * <n sigma X0> (Rossi approx. B)
    r = pn.electronuclear_probability(SETUP, PCFG, 20.0, 100.0)
    c = float(pn.photonuclear_per_x0(SETUP.ecal, np.array([40.0]), PCFG)[0])
    analytic = 0.572 * 100.0 * (1 / 20.0 - 1 / 100.0) * c
    assert r.probability * r.real_fraction == pytest.approx(analytic, rel=0.05)
    # electroproduction through virtual photons adds a few percent (WW flux ~ alpha/pi ln)
    assert 0.9 < r.real_fraction < 1.0


@given(st.floats(1.0, 40.0), st.floats(1.05, 2.0))
def test_electronuclear_monotone_in_threshold(k1, factor):
    lo = pn.electronuclear_probability(SETUP, PCFG, k1, 100.0, n_k=40).probability
    hi = pn.electronuclear_probability(SETUP, PCFG, k1 * factor, 100.0, n_k=40).probability
    assert 0 <= hi < lo


def test_electronuclear_bad_range():
    with pytest.raises(UserInputError):
        pn.electronuclear_probability(SETUP, PCFG, 50.0, 20.0)


def test_sample_photon_energy_follows_one_over_k2():
    # inverse CDF of 1/k^2 on [k1, k2]: the mean is ln(k2/k1) / (1/k1 - 1/k2) (closed form)
    k = pn.sample_photon_energy(200_000, np.random.default_rng(8), 15.0, 100.0)
    assert k.min() >= 15.0 and k.max() <= 100.0
    mean = np.log(100.0 / 15.0) / (1 / 15.0 - 1 / 100.0)
    assert k.mean() == pytest.approx(mean, rel=5e-3)  # ~ 4 sigma of the MC error


def test_leading_hadron_probability_below_spec_bound():
    # spec Sec. VIII: probability of leading-hadron electroproduction P_h <~ 1e-4 per e-
    p = leading_hadron_probability(PRESET, SETUP, x_min=0.5)
    assert 1e-7 < p < 1e-4
