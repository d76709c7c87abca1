"""Yields of every mediator, for positron and muon beams and the vector models (shower.yields,
shower.muon_beam, shower.xsec_tables with ``mediator=``)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.constants import M_MU, PB_TO_CM2
from darkmiss.errors import UserInputError
from darkmiss.physics.etl import sigma_etl
from darkmiss.physics.materials import get_material
from darkmiss.physics.models import get_model
from darkmiss.physics.ww_mediators import sigma_iww_mediator, sigma_ww_mediator
from darkmiss.shower.cascade import Primaries, run_cascade
from darkmiss.shower.geometry import build_slab_geometry
from darkmiss.shower.muon_beam import muon_path, radiative_b
from darkmiss.shower.parametrized import bethe_dedx
from darkmiss.shower.xsec_tables import aprime_tables, ww_sigma_above
from darkmiss.shower.yields import MuonBeamSettings, aprime_yields, setup_geometry


@pytest.mark.parametrize("mediator", ["scalar", "axial"])
def test_thin_target_matches_n_sigma_l(mediator):
    # 1e-3 X0 of Pb, 100 GeV e⁻: yield_ww = n_Pb σ_WW(100 GeV; x > 0.5) L with the mediator's IWW shape
    # normalised to its σ_WW (quad-based physics functions, independent of the tables' quadrature).
    m, th, e0 = 0.05, 50.0, 100.0
    geom = build_slab_geometry("Pb", 1e-3, n_slices=1)
    tab, _ = aprime_tables(m, th, e0, "Pb", ("ww",), mediator=mediator)
    out = run_cascade(Primaries.beam(100, e0), geom, mode="yield", seed=3, yield_table=tab)
    part, _ = sigma_iww_mediator(m, e0, mediator=mediator, x_min=th / e0)
    tot, _ = sigma_iww_mediator(m, e0, mediator=mediator)
    sig = float(sigma_ww_mediator(m, e0, mediator=mediator)) * part / tot * PB_TO_CM2
    assert out.yields[:, 0].mean() == pytest.approx(
        geom.target_atoms_per_cm3() * sig * geom.length_cm, rel=3e-3
    )


def test_mediator_yields_follow_their_cross_sections():
    # The same showers (seed) fold each mediator's σ(E): at 100 MeV the scalar/vector yield ratio is the
    # ratio of the ETL cross-sections above threshold (within 3%: the k-factor table vs σ_ETL(x > ½) at 100 GeV,
    # and the spectrum of energies in the shower), and records carry the mediator.
    ys = {
        med: aprime_yields("na64-2016", [0.1], showers=400, seed=5, kinds=("ww", "etl"), mediator=med)[0]
        for med in ("vector", "scalar")
    }
    assert ys["scalar"].mediator == "scalar" and ys["scalar"].record()["mediator"] == "scalar"
    ratio = ys["scalar"].yield_etl / ys["vector"].yield_etl
    ref = (
        sigma_etl(0.1, 100.0, x_min=0.5, mediator="scalar").sigma_pb
        / sigma_etl(0.1, 100.0, x_min=0.5).sigma_pb
    )
    assert ratio == pytest.approx(ref, rel=0.03)


def test_positron_beam_agrees_with_electrons():
    # Tree-level production is the same for e⁺ and e⁻; the showers differ only slightly (annihilation is not
    # a signal process here): the yields agree within 3σ.
    a = aprime_yields("na64-2016", [0.02], showers=1500, seed=8, kinds=("ww", "etl"), beam="e-")[0]
    b = aprime_yields("na64-2016", [0.02], showers=1500, seed=8, kinds=("ww", "etl"), beam="e+")[0]
    assert b.beam == "e+"
    assert abs(a.yield_etl - b.yield_etl) < 3 * math.hypot(a.yield_etl_err, b.yield_etl_err)


def test_model_factor_multiplies_the_yields():
    base = aprime_yields("na64-2016", [0.01], showers=300, seed=2, kinds=("ww", "etl"))[0]
    lmt = aprime_yields("na64-2016", [0.01], showers=300, seed=2, kinds=("ww", "etl"), model="Lmu-Ltau")[0]
    f = get_model("Lmu-Ltau").production_factor("e-", 0.01)
    assert lmt.model == "Lmu-Ltau" and 1e-6 < f < 1e-4
    assert lmt.yield_etl == pytest.approx(f * base.yield_etl, rel=1e-12)
    np.testing.assert_allclose(lmt.spectrum_etl, f * base.spectrum_etl, rtol=1e-12)


def test_muon_energy_loss_along_the_ecal():
    # Ē over the Pb plates from the mean loss: a 160 GeV muon loses ≈ (a + bE)·Σρ L ~ 0.5 GeV in the setup;
    # by hand from the Pb and Sc plates of the ECAL (first-order: the loss rate at the entry energy).
    geom = setup_geometry("na64-2016")
    e_mean, length = muon_path(geom, 160.0)
    assert length == pytest.approx(150 * 0.15, rel=1e-12)
    rho_pb, rho_sc = get_material("Pb").density, get_material("Sc").density
    rate_pb = bethe_dedx("Pb", 160.0, M_MU) + radiative_b("Pb") * rho_pb * 160.0
    rate_sc = bethe_dedx("Sc", 160.0, M_MU) + radiative_b("Sc") * rho_sc * 160.0
    ecal_loss = 22.5 * (rate_pb + rate_sc)
    assert 160.0 - e_mean == pytest.approx(0.5 * ecal_loss, rel=0.05)
    assert 0.001 < (160.0 - e_mean) / 160.0 < 0.005


def test_muon_yields_are_n_sigma_l():
    # Y = n L σ_ETL(Ē; E_V > Ē − E_cut), σ integrated independently here; threshold and defaults from [muon_beam].
    pre = load_preset("na64-2016")
    mcfg = MuonBeamSettings.from_preset(pre)
    assert (mcfg.energy, mcfg.max_outgoing_energy) == (160.0, 80.0)
    ys = aprime_yields(pre, [0.05, 0.3], beam="mu-", mediator="scalar", seed=4)
    geom = setup_geometry(pre)
    e_mean, length = muon_path(geom, 160.0)
    for y in ys:
        assert (y.beam, y.mediator, y.energy, y.threshold, y.showers) == ("mu-", "scalar", 160.0, 80.0, 0)
        ref = sigma_etl(y.mass, e_mean, lepton_mass=M_MU, x_min=(80.0 - (160.0 - e_mean)) / e_mean, seed=11,
                        mediator="scalar")  # fmt: skip
        expected = geom.target_atoms_per_cm3() * length * ref.sigma_pb * PB_TO_CM2
        assert y.yield_etl == pytest.approx(expected, rel=4 * max(ref.rel_err, y.yield_etl_err / y.yield_etl))
        assert y.yield_etl_direct == y.yield_etl
        width = np.diff(y.spectrum_edges)
        assert float(np.sum(y.spectrum_etl * width)) == pytest.approx(y.yield_etl, rel=1e-9)
    assert ys[0].yield_ww == 0.0  # σ_WW (Eq. 9) is undefined below m_μ
    assert ys[1].yield_ww > 0


def test_muon_yields_do_not_depend_on_workers():
    a = aprime_yields("na64-2016", [0.02, 0.2], beam="mu+", workers=1, seed=3)
    b = aprime_yields("na64-2016", [0.02, 0.2], beam="mu+", workers=2, seed=3)
    assert [y.yield_etl for y in a] == [y.yield_etl for y in b]


def test_bad_muon_inputs():
    with pytest.raises(UserInputError):
        aprime_yields("na64-2016", [90.0], beam="mu-")  # above the E_V threshold
    with pytest.raises(UserInputError):
        aprime_yields("na64-2016", [0.1], beam="mu-", target="W")  # no tabulated muon energy loss for W
    assert ww_sigma_above(0.05, np.array([160.0]), 80.0, "Pb", "vector", M_MU)[0] == 0.0
