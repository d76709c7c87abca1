"""EM showers for the background processes (darkmiss.detsim.em_deposits)."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.detsim.em_deposits import em_longitudinal_cdf, em_response

SETUP = SetupGeometry.from_preset(load_preset("na64-2016"))


def test_em_longitudinal_cdf():
    ec = SETUP.ecal.absorber_material.ec_gev
    f = em_longitudinal_cdf(np.array([1.0, 100.0]), np.array([4.0, 4.0]), ec)
    assert 0 < f[1] < f[0] < 1  # higher energies develop deeper
    assert float(em_longitudinal_cdf(np.array([50.0]), np.array([40.0]), ec)[0]) > 0.98
    # electrons peak one X0 earlier than photons (PDG Eq. 34.36: C = -0.5 vs +0.5)
    e = np.array([30.0])
    assert em_longitudinal_cdf(e, np.array([5.0]), ec, photon=False) > em_longitudinal_cdf(
        e, np.array([5.0]), ec
    )


def test_em_response_zero_energy_entries():
    # zero-energy entries get zero deposits and use no random numbers: the others are as if alone
    e = np.array([0.0, 40.0, 0.0, 60.0])
    xy = np.zeros(4)
    r = em_response(e, xy, xy, SETUP, np.random.default_rng(6))
    alone = em_response(e[[1, 3]], xy[:2], xy[:2], SETUP, np.random.default_rng(6))
    assert np.all(r.ecal[[0, 2]] == 0) and np.all(r.hcal[[0, 2]] == 0) and np.all(r.v2[[0, 2]] == 0)
    assert np.array_equal(r.ecal[[1, 3]], alone.ecal) and np.array_equal(r.leak[[1, 3]], alone.leak)
    tot = r.ecal.sum(axis=(1, 2)) + r.ps.sum(axis=(1, 2))
    # full containment in 40 X0 with 10%/sqrt(E) resolution (spec Sec. III): 5 sigma
    assert tot[1] == pytest.approx(40.0, abs=5 * 0.1 * np.sqrt(40.0))
