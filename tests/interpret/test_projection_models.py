"""Projections for other mediators, models and beams (interpret.projection with mediator=, model=, beam=):
the invisible fraction with decays in flight, the coupling records and the muon-beam defaults."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from darkmiss.errors import UserInputError
from darkmiss.interpret import projection as proj
from darkmiss.physics.mediator_widths import model_widths
from darkmiss.physics.models import coupling_from_epsilon, get_model
from darkmiss.shower import annihilation as annihilation_mod
from darkmiss.shower import yields as yields_mod

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from standins import fake_annihilation


@dataclass
class SpecYield:
    """A stand-in for AprimeYield with a flat V spectrum between the threshold and the beam energy."""

    mass: float
    threshold: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float
    spectrum_edges: np.ndarray = field(default_factory=lambda: np.linspace(50.0, 100.0, 6))
    spectrum_etl: np.ndarray = field(default_factory=lambda: np.ones(5))


class Spy:
    """Replaces aprime_yields; the yields are 1e-6/m² per particle on target (times the model's factor)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, preset: Any, masses: Any, **kw: Any) -> list[SpecYield]:
        self.calls.append({"masses": list(masses), **kw})
        energy = kw["energy"]
        muon = kw.get("beam", "e-").startswith("mu")
        th = kw.get("threshold") or (energy - 80.0 if muon else 0.5 * energy)
        mod = get_model(kw.get("model"), kw.get("mediator", "vector"))
        out = []
        for m in masses:
            y = 1e-6 / m**2 * mod.production_factor(kw.get("beam", "e-"), m)
            out.append(SpecYield(m, th, 1.1 * y, y, 0.0, np.linspace(th, energy, 6), np.ones(5)))
        return out


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    s = Spy()
    monkeypatch.setattr(yields_mod, "aprime_yields", s)
    monkeypatch.setattr(annihilation_mod, "model_annihilation_yields", fake_annihilation)
    return s


def test_epsilon_with_decays_solver():
    # f ≡ 1 gives Eq. 26; f = exp(−c ε²) (prompt decays) gives the root of ε² e^{−cε²} S = N by hand;
    # a signal that never reaches N90 below ε = 1 gives NaN.
    n, s = 2.3, 1e8
    assert proj.epsilon_with_decays(n, s, lambda e: 1.0) == pytest.approx(math.sqrt(n / s), rel=1e-12)
    c = 1e7
    got = proj.epsilon_with_decays(n, s, lambda e: math.exp(-c * e * e))
    assert got**2 * math.exp(-c * got**2) * s == pytest.approx(n, rel=1e-8)
    assert got < 1.0 / math.sqrt(c)  # the lower edge of the excluded band
    assert math.isnan(proj.epsilon_with_decays(n, s, lambda e: 1e-12))


def test_dark_photon_default_keeps_the_spec(spy: Spy):
    pts = proj.project("na64-2016", 1e11, masses=[0.01])
    rec = pts[0].record()
    assert rec["invisible_fraction"] == 1.0 and rec["model"] == "dark-photon" and rec["mediator"] == "vector"
    assert rec["epsilon_equivalent"] == rec["epsilon_etl"]
    assert rec["coupling"] == pytest.approx(coupling_from_epsilon(rec["epsilon_etl"]), rel=1e-15)
    assert spy.calls[0]["mediator"] == "vector" and spy.calls[0]["beam"] == "e-"


def test_b_minus_l_is_the_dark_photon_rescaled_by_the_invisible_fraction(spy: Spy):
    # The same production as the dark photon (|Q_e| = 1), so ε_B−L² f_inv(ε_B−L) S₁ = N90 = ε_DP² S₁, with f_inv
    # recomputed here from the widths over the yield's spectrum (flat over 50–100 GeV in this stand-in).
    dp = proj.project("na64-2016", 1e11, masses=[0.05])[0]
    bl = proj.project("na64-2016", 1e11, masses=[0.05], model="B-L")[0]
    e = bl.epsilon_etl
    w = model_widths("B-L", 0.05, e)
    f = bl.invisible_fraction
    assert f == pytest.approx(
        w.invisible_fraction(np.linspace(55.0, 95.0, 5), bl.setup.decay_length_cm), rel=1e-9
    )
    assert w.b_invisible <= f <= 1.0
    assert e == pytest.approx(dp.epsilon_etl / math.sqrt(f), rel=1e-6)


def test_b_minus_l_mass_range(spy: Spy):
    pts = proj.project("na64-2016", 1e11, model="B-L")  # the default grid is cut at m_π⁰
    assert max(p.mass for p in pts) < 0.135
    with pytest.raises(UserInputError):
        proj.project("na64-2016", 1e11, masses=[0.2], model="B-L")


def test_lmu_ltau_electron_beam_epsilon_equivalent(spy: Spy):
    # The loop-suppressed electron coupling weakens the ε (= g/e) limit by 1/|g_e/(εe)|, while the
    # ε-equivalent (the electron's coupling in units of e) stays at the dark photon's (f_inv ≈ 1: νν̄).
    dp = proj.project("na64-2016", 1e11, masses=[0.02])[0]
    lmt = proj.project("na64-2016", 1e11, masses=[0.02], model="Lmu-Ltau")[0]
    c = abs(get_model("Lmu-Ltau").lepton_coupling("e", 0.02))
    assert lmt.record()["epsilon_equivalent"] == pytest.approx(
        dp.epsilon_etl / math.sqrt(lmt.invisible_fraction), rel=1e-6
    )
    assert lmt.epsilon_etl == pytest.approx(dp.epsilon_etl / c / math.sqrt(lmt.invisible_fraction), rel=1e-6)
    assert lmt.invisible_fraction > 0.999


def test_muon_beam_defaults(spy: Spy):
    pts = proj.project("na64-2016", 1e11, masses=[0.02], beam="mu-", model="Lmu-Ltau")
    call = spy.calls[-1]
    assert call["beam"] == "mu-" and call["energy"] == 160.0 and call["threshold"] is None  # yields' default
    rec = pts[0].record()
    assert (rec["beam"], rec["energy"], rec["threshold"]) == ("mu-", 160.0, 80.0)
    assert rec["epsilon_equivalent"] == pytest.approx(rec["epsilon_etl"], rel=1e-12)  # Q_μ = 1


def test_scalar_without_dark_matter_is_limited_by_decays(spy: Spy):
    # No invisible channel: only the decays beyond the HCAL count. At 3 MeV the scalar is long-lived at the
    # limit (f_inv just below 1, ε just above Eq. 26's); at 10 MeV it decays to e⁺e⁻ before the end of the
    # HCAL too often: ε² f_inv(ε) S₁ peaks below N90 (λ ∝ 1/ε², f_inv = exp(−L/λ)), so nothing is excluded.
    dp = proj.project("na64-2016", 1e11, masses=[0.003])[0]
    sc = proj.project("na64-2016", 1e11, masses=[0.003, 0.01], mediator="scalar")
    assert sc[0].record()["model"] == "universal" and 0.99 < sc[0].invisible_fraction < 1.0
    assert sc[0].epsilon_etl == pytest.approx(dp.epsilon_etl / math.sqrt(sc[0].invisible_fraction), rel=1e-6)
    assert math.isnan(sc[1].epsilon_etl)
    with_dm = proj.project("na64-2016", 1e11, masses=[0.01], mediator="scalar", mchi=0.002, alpha_d=0.5)[0]
    assert with_dm.invisible_fraction == pytest.approx(1.0, abs=1e-6)
