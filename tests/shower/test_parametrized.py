"""GFlash-style parametrisation: effective media, energy bookkeeping, containment."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.shower.parametrized import N_CELLS, SlabTable, mip_dedx
from darkmiss.shower.response import parametrised_deposits


@pytest.fixture(scope="module")
def table() -> SlabTable:
    return SlabTable.from_setup(SetupGeometry.from_preset(load_preset("na64-2016")), 0.027)


def test_effective_medium_hand_calculation(table):
    # Hand calculation (PDG 2022 mixture rules, Eqs. 34.28 and 34.36) for 1.5 mm Pb + 1.5 mm Sc:
    # X0 = 0.3 / (0.15/0.5612 + 0.15/41.31) = 1.107 cm; R_M = 21.2 MeV / Σ w E_c/X0 = 16.99 g/cm² / 6.205 g/cm³ = 2.74 cm
    e = table.ecal
    assert e.x0_cm == pytest.approx(1.107, rel=2e-3)
    assert e.rm_cm == pytest.approx(2.74, rel=1e-2)
    # G&P Sec. 3: ê = 1/(1 + 0.007 (82 − Z_Sc)), Z_Sc ≈ 5.6 → 0.652
    assert e.ehat == pytest.approx(0.652, abs=0.005)
    # mip sampling fraction from PDG minimum dE/dx: Pb 12.74 MeV/cm, polystyrene 2.05 MeV/cm → 0.139
    assert e.f_mip == pytest.approx(2.052 / (2.052 + 12.74), rel=0.03)


def test_mip_dedx_pdg():
    # PDG 2022 tables, minimum ionisation: Fe 1.451 MeV cm²/g, polystyrene 1.936 MeV cm²/g
    # (our density effect is the high-energy limit, zero at βγ = 3.5: Fe and Sc come out 3-4 % high)
    assert mip_dedx("Fe") / 7.874 == pytest.approx(1.451e-3, rel=0.05)
    assert mip_dedx("Sc") / 1.060 == pytest.approx(1.936e-3, rel=0.05)


@settings(max_examples=15)
@given(
    energy=st.floats(0.01, 150.0),
    x=st.floats(-15.0, 15.0),
    y=st.floats(-15.0, 15.0),
    pid=st.sampled_from([11, 22, -11]),
    seed=st.integers(0, 2**31),
)
def test_energy_bookkeeping(table, energy, x, y, pid, seed):
    # every spot is either deposited in a cell or counted as leak: Σ dep + leak = E exactly
    n = 3
    z = np.zeros(n)
    dep, leak = parametrised_deposits(
        np.arange(n),
        np.full(n, pid),
        np.full(n, energy),
        (z + x, z + y, z),
        (z, z, z + 1),
        n,
        table,
        np.random.default_rng(seed),
    )
    assert dep.shape == (n, N_CELLS)
    assert np.all(dep >= 0)
    np.testing.assert_allclose(dep.sum(axis=1) + leak, energy, rtol=1e-9)


def test_containment_100gev(table):
    # containment of 100 GeV e⁻ in the ECAL (target ≥ 99 %) (fast chain: cascade above the split +
    # parametrised showers); spec Fig. 12 left: the leak into the HCAL is small, and without pile-up
    # hardly any event passes the E_HCAL ≈ 1 GeV veto threshold (spec Sec. VI.B: ε_HCAL ≈ 0.98 with pile-up)
    from darkmiss.shower.response import _raw_response, default_settings, em_response

    setup = SetupGeometry.from_preset(load_preset("na64-2016"))
    n = 200
    rng = np.random.default_rng(7)
    raw = _raw_response(
        np.full(n, 100.0), np.full(n, 1.9), np.full(n, 1.9), 0.0, 11, setup, default_settings(), rng, "fast"
    )
    # measured 98.6 % (lateral Cauchy tails of the GFlash profile and albedo); the 99 % is not
    # reached — reported, not tuned (detailed mode leaks 1.7 GeV too)
    assert raw.deposited[:, :72].sum(axis=1).mean() / 100.0 > 0.98
    r = em_response(np.full(n, 100.0), 1.9, 1.9, setup, rng)
    hcal = r.hcal.sum(axis=(1, 2, 3))
    assert hcal.mean() < 0.5  # GeV
    assert (hcal > 1.0).mean() < 0.02
    # the PS (first 4 X0) takes a sizeable but minor share of a 100 GeV shower
    ps = r.ps.sum(axis=(1, 2)).mean()
    assert 2.0 < ps < 15.0


def test_spots_are_uniform_in_azimuth(table):
    # 10 GeV e⁻ aimed at the corner shared by the four central ECAL cells (x = y = 0): by symmetry each
    # quadrant holds 1/4 of the deposit, the PS and the ECAL alike. The azimuth comes from the uniform that
    # also picks core or tail (rescaled within its part); a non-uniform azimuth would break the symmetry.
    # 400 showers × 852 spots: a quadrant's share fluctuates by ≈ 0.002 (binomial); tolerance 0.01.
    n = 400
    z = np.zeros(n)
    dep, _ = parametrised_deposits(
        np.arange(n), np.full(n, 11), z + 10.0, (z, z, z), (z, z, z + 1), n, table, np.random.default_rng(3)
    )
    for base in (0, 36):  # PS, ECAL: cell iy*6 + ix
        q = np.array([dep[:, base + iy * 6 + ix].sum() for iy, ix in ((2, 2), (2, 3), (3, 2), (3, 3))])
        np.testing.assert_allclose(q / q.sum(), 0.25, atol=0.01)
