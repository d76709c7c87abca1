"""Limits per model: the (mediator, model) pairs of ``reproduce --mediator/--model`` and the recast of the
dark-photon limit into a limit on the coupling g of another model (``darkmiss.pipeline.models``).

Recast: with the same analysis, N90 and electron production (B−L: Q_e = −1, so |g_e| = g exactly as the
dark photon's εe), the signal of B−L is (g/e)² f_inv(g) S₁ and the dark photon's ε² S₁ (spec Eq. 26), so
g_90 √f_inv(g_90) = ε_90(dark photon) · e. f_inv = B_inv + B_vis ⟨exp(−L/λ)⟩ is computed here by hand
from the textbook widths (Γ(V→νν̄) = g² m/(24π) per flavour, Γ(V→ℓℓ) = g² m/(12π) (1+2r)√(1−4r),
r = m_ℓ²/m²) and the lab decay length λ = p cτ/m.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize

from darkmiss.constants import ALPHA, M_E
from darkmiss.errors import UserInputError
from darkmiss.physics.models import get_model
from darkmiss.pipeline.models import model_pairs, model_rows
from darkmiss.stats.limits import SimpleYield, compute_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interpret"))
from test_interpret_limits import make_analysis

HBARC_CM = 1.973269804e-14  # ħc [GeV cm] (PDG)
E = math.sqrt(4.0 * math.pi * ALPHA)
LENGTH_CM = 500.0  # decay volume of the test (ECAL + HCAL order of magnitude)
MASSES = (0.002, 0.0167)


def _yield_record(mass: float) -> dict:
    """A yield per EOT at ε = 1 with a V spectrum rising from 50 to 100 GeV (a small fixture)."""
    edges = np.linspace(50.0, 100.0, 11)
    centres = 0.5 * (edges[1:] + edges[:-1])
    return {
        "mass": mass,
        "yield_ww": 2.0e-5 * (0.01 / mass) ** 2,
        "yield_etl": 1.8e-5 * (0.01 / mass) ** 2,
        "yield_etl_direct": 1.75e-5 * (0.01 / mass) ** 2,
        "yield_etl_err": 0.0,
        "threshold": 50.0,
        "spectrum_edges": edges.tolist(),
        "spectrum_etl": (centres / centres.sum()).tolist(),
    }


def _limits() -> dict:
    ys = [_yield_record(m) for m in MASSES]
    simple = [SimpleYield(y["mass"], y["yield_ww"], y["yield_etl"], y["yield_etl_direct"]) for y in ys]
    res = compute_limits(make_analysis(), simple, preset="na64-2016", asymptotic=False)
    return res.to_dict()


def _f_inv_by_hand(g: float, mass: float, y: dict) -> float:
    r = (M_E / mass) ** 2
    gamma_nu = 3.0 * g * g * mass / (24.0 * math.pi)
    gamma_ee = g * g * mass / (12.0 * math.pi) * (1.0 + 2.0 * r) * math.sqrt(1.0 - 4.0 * r)
    ctau = HBARC_CM / (gamma_nu + gamma_ee)
    edges = np.asarray(y["spectrum_edges"])
    w = np.asarray(y["spectrum_etl"]) * np.diff(edges)
    p = np.sqrt((0.5 * (edges[1:] + edges[:-1])) ** 2 - mass**2)
    escape = float(np.sum(w * np.exp(-LENGTH_CM * mass / (p * ctau))) / np.sum(w))
    return (gamma_nu + gamma_ee * escape) / (gamma_nu + gamma_ee)


def test_b_minus_l_limit_is_the_dark_photon_limit_rescaled_by_the_invisible_fraction():
    limits = _limits()
    ys = [_yield_record(m) for m in MASSES]
    dark = model_rows(get_model("dark-photon"), limits, ys, LENGTH_CM, MASSES)
    bl = model_rows(get_model("B-L"), limits, ys, LENGTH_CM, MASSES)
    assert [r.mass for r in bl] == list(MASSES)
    for d, b, y in zip(dark, bl, ys, strict=True):
        assert d.model == "dark-photon" and b.model == "B-L" and b.mediator == "vector"
        eps_dp = d.epsilon_etl
        assert d.coupling == pytest.approx(eps_dp * E, rel=1e-12)

        # g √f_inv(g) = ε_dp e, solved here by hand (tolerance: the root finders', 1e-10 in log ε)
        def excess(g: float, m: float = b.mass, y: dict = y, target: float = eps_dp * E) -> float:
            return g * math.sqrt(_f_inv_by_hand(g, m, y)) - target

        g = optimize.brentq(excess, eps_dp * E, 1.0)
        assert b.coupling == pytest.approx(g, rel=1e-6)
        assert b.epsilon_etl == pytest.approx(g / E, rel=1e-6)
        # the same number of signal events as the dark photon at its limit
        assert b.epsilon_equivalent == pytest.approx(eps_dp, rel=1e-6)
        assert b.n90 == d.n90
    # 16.7 MeV: prompt visible decays leave f_inv ≈ B_inv = 3/(3 + 2(1+2r)√(1−4r)) ≈ 0.6
    assert bl[1].coupling / dark[1].coupling == pytest.approx(1.0 / math.sqrt(0.6), rel=0.01)


def test_b_minus_l_stops_below_the_pi0_mass_and_lmu_ltau_is_loop_suppressed():
    limits = _limits()
    ys = [_yield_record(m) for m in MASSES]
    rec = limits["records"]
    limits_heavy = {"records": [dict(rec[1], mass=0.2)]}
    assert model_rows(get_model("B-L"), limits_heavy, [dict(ys[1], mass=0.2)], LENGTH_CM, MASSES) == []
    # a 10⁴ times larger exposure: the loop-suppressed production (PF ~ 1e-5) then excludes g < e
    big = {"records": [r | {k: 1e4 * r[k] for k in r if k.startswith("signal_per_eps2")} for r in rec]}
    lt = model_rows(get_model("Lmu-Ltau"), big, ys, LENGTH_CM, MASSES)
    dark = model_rows(get_model("dark-photon"), big, ys, LENGTH_CM, MASSES)
    for a, d in zip(lt, dark, strict=True):
        pf = get_model("Lmu-Ltau").production_factor("e-", a.mass)
        # below 2 m_μ V → νν̄ (two flavours) dominates: f_inv ≈ 1, g ≈ ε_dp e / √PF
        assert a.coupling == pytest.approx(d.coupling / math.sqrt(pf), rel=1e-3)


def test_model_pairs():
    pairs = model_pairs(["vector", "scalar", "pseudoscalar", "axial"], ["dark-photon", "B-L", "Lmu-Ltau"])
    assert [(p.mediator.name, p.name) for p in pairs] == [
        ("vector", "dark-photon"),
        ("vector", "B-L"),
        ("vector", "Lmu-Ltau"),
        ("scalar", "universal"),
        ("pseudoscalar", "universal"),
        ("axial", "universal"),
    ]
    assert [(p.mediator.name, p.name) for p in model_pairs()] == [("vector", "dark-photon")]
    first = model_pairs(["scalar", "vector"])[0]
    assert (first.mediator.name, first.name) == ("scalar", "universal")
    with pytest.raises(UserInputError, match="--mediator vector"):
        model_pairs(["scalar"], ["B-L"])
    with pytest.raises(UserInputError, match="model"):
        model_pairs(["vector"], ["Z-prime"])


def test_mediator_limits_run_on_the_users_scheduler(monkeypatch, tmp_path):
    """The mediator-limits stage hands ``--scheduler`` to compute_limits, as the headline limits do."""
    from types import SimpleNamespace

    import darkmiss.pipeline.models as pm

    seen: dict = {}

    def fake_limits(analysis, ys, **kw):
        seen.update(kw)
        return SimpleNamespace(records=[], to_dict=lambda: {})

    monkeypatch.setattr(pm, "read_yields", lambda folder: [])
    monkeypatch.setattr(pm.AnalysisResult, "read", staticmethod(lambda folder: None))
    monkeypatch.setattr(pm, "compute_limits", fake_limits)
    ctx = SimpleNamespace(preset=None, workers=3, scheduler="tcp://cluster:8786")
    pm.stage_mediator_limits(ctx, tmp_path, tmp_path, tmp_path)
    assert seen["scheduler"] == "tcp://cluster:8786" and seen["workers"] == 3
