"""Tests of darkmiss.interpret.projection (``darkmiss project``): statistics with stand-in yields,
the setup passed to the shower yields, input validation, and one end-to-end run with real showers."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.errors import UserInputError
from darkmiss.interpret import projection as proj
from darkmiss.shower import annihilation as annihilation_mod
from darkmiss.shower import yields as yields_mod

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from standins import fake_annihilation

NO_SYST = {"eot": 0.0, "cross_section": 0.0, "efficiency": 0.0}


@dataclass
class FakeYield:
    """A stand-in for AprimeYield: yields per EOT at ε = 1 (ETL falling as 1/m², WW 10% above)."""

    mass: float
    threshold: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float


class YieldSpy:
    """Replaces aprime_yields: records every call and returns FakeYield records."""

    def __init__(self, rel_err: float = 0.0) -> None:
        self.calls: list[dict[str, Any]] = []
        self.rel_err = rel_err

    def __call__(self, preset: Any, masses: Any, **kw: Any) -> list[FakeYield]:
        self.calls.append({"masses": list(masses), **kw})
        energy = kw.get("energy") or 100.0
        th = kw.get("threshold") or 0.5 * energy
        out = []
        for m in masses:
            etl = 1e-6 / m**2
            out.append(FakeYield(m, th, 1.1 * etl, etl, self.rel_err * etl))
        return out


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> YieldSpy:
    s = YieldSpy()
    monkeypatch.setattr(yields_mod, "aprime_yields", s)
    monkeypatch.setattr(annihilation_mod, "model_annihilation_yields", fake_annihilation)
    return s


@pytest.fixture(scope="module")
def bare_preset():
    """The NA64 preset without signal systematics (N90 = ln 10 at zero background, spec Sec. IX)."""
    return load_preset("na64-2016").with_overrides({"projection": {"signal_syst": NO_SYST}})


def test_zero_background_no_systematics_is_ln10(spy: YieldSpy, bare_preset) -> None:
    # Exact CLs at n = 0 with b = 0: CLs = exp(-s) = 0.1 -> N90 = ln 10 (Read, J. Phys. G 28, 2693).
    (pt,) = proj.project(bare_preset, 1e11, masses=[0.01], background=0.0, efficiency=0.6)
    assert pt.n90_expected == pytest.approx(math.log(10.0), rel=1e-6)
    # At b = 0 the only outcome is n = 0: no band.
    assert pt.n90_expected_bands[1] == pytest.approx(pt.n90_expected_bands[3], rel=1e-9)
    # Eq. 26 by hand: ε = sqrt(N90 / (n_EOT ε_tot n_A')), yield 1e-6/m² = 1e-2 per EOT.
    s = 1e11 * 0.6 * 1e-2
    assert pt.signal_per_eps2 == pytest.approx(s, rel=1e-12)
    assert pt.epsilon_etl == pytest.approx(math.sqrt(math.log(10.0) / s), rel=1e-6)
    assert pt.epsilon_ww == pytest.approx(pt.epsilon_etl / math.sqrt(1.1), rel=1e-9)


@settings(max_examples=15)
@given(
    eot=st.floats(min_value=1e9, max_value=1e14),
    factor=st.floats(min_value=1.5, max_value=1e3),
    mass=st.sampled_from([0.001, 0.01, 0.3]),
)
def test_epsilon_scales_as_inverse_sqrt_eot_at_zero_background(
    eot: float, factor: float, mass: float
) -> None:
    # Spec Eq. 26 with N90 independent of the exposure at b = 0 (signal systematics included).
    spy = YieldSpy(rel_err=0.05)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(yields_mod, "aprime_yields", spy)
        mp.setattr(annihilation_mod, "model_annihilation_yields", fake_annihilation)
        (a,) = proj.project("na64-2016", eot, masses=[mass], background=0.0)
        (b,) = proj.project("na64-2016", eot * factor, masses=[mass], background=0.0)
    assert b.epsilon_etl * math.sqrt(factor) == pytest.approx(a.epsilon_etl, rel=1e-9)
    assert b.epsilon_etl_band[1] * math.sqrt(factor) == pytest.approx(a.epsilon_etl_band[1], rel=1e-9)
    # With the Table III systematics integrated the limit is above ln 10 events.
    assert a.n90_expected > math.log(10.0)


def test_larger_background_weakens_the_limit(spy: YieldSpy) -> None:
    eps = {}
    for b in (0.0, 0.5, 3.0, 20.0):
        (pt,) = proj.project("na64-2016", 1e12, masses=[0.02], background=b)
        eps[b] = pt.epsilon_etl
    assert eps[0.0] < eps[3.0] < eps[20.0], eps
    # At b = 0.5 the median outcome is still n = 0, where the CLs limit does not depend on b
    # (CLs = e^{-μs} at n = 0; Read, J. Phys. G 28, 2693): equal up to the nuisance integration.
    assert eps[0.5] == pytest.approx(eps[0.0], rel=1e-3)
    # Background-dominated: N90 grows roughly like sqrt(b) (> 2 sqrt(20) events at b = 20).
    (pt,) = proj.project("na64-2016", 1e12, masses=[0.02], background=20.0)
    assert pt.n90_expected > 2.0 * math.sqrt(20.0)
    assert pt.n90_expected_bands[1] < pt.n90_expected < pt.n90_expected_bands[3]


def test_default_background_scales_with_eot(spy: YieldSpy) -> None:
    # Spec Table IV: 0.12 ± 0.04 events for 4.3e10 EOT.
    (pt,) = proj.project("na64-2016", 4.3e11, masses=[0.01])
    assert pt.setup.background == pytest.approx(1.2, rel=1e-12)
    assert pt.setup.background_err == pytest.approx(0.4, rel=1e-9)
    assert pt.setup.efficiency == 0.5  # spec Sec. VI, eps_tot ~ 0.5-0.7


def test_y_and_alpha_d_against_hand_calculation(spy: YieldSpy) -> None:
    m = 0.03
    (pt,) = proj.project("na64-2016", 1e12, masses=[m], background=1.0)
    eps = pt.epsilon_etl
    mchi = m / 3.0
    # Spec Eq. 6: y = ε² α_D (m_χ/m_A')⁴ with m_A' = 3 m_χ.
    assert pt.y == pytest.approx(eps**2 * 0.5 / 81.0, rel=1e-12)
    assert pt.y_by_alpha_d["0.005"] == pytest.approx(eps**2 * 0.005 / 81.0, rel=1e-12)
    # Spec Eq. 5: α_D = 0.02 f (1e-3/ε)² (m_A'/0.1 GeV)⁴ (0.01 GeV/m_χ)², pseudo-Dirac f = 0.25.
    ad = 0.02 * 0.25 * (1e-3 / eps) ** 2 * (m / 0.1) ** 4 * (0.01 / mchi) ** 2
    assert pt.alpha_d == pytest.approx(ad, rel=1e-12)
    lo, hi = pt.epsilon_etl_band
    assert lo < eps < hi
    assert pt.y_band == pytest.approx((lo**2 * 0.5 / 81.0, hi**2 * 0.5 / 81.0), rel=1e-12)
    assert pt.alpha_d_band[0] < pt.alpha_d < pt.alpha_d_band[1]
    rec = pt.record()
    assert rec["y_alpha_d_0p5"] == pt.y and rec["y_alpha_d_0p005"] == pt.y_by_alpha_d["0.005"]


def test_changed_target_and_energy_call_the_yields_with_them(spy: YieldSpy) -> None:
    pts = proj.project("na64-2016", 1e12, masses=[0.01, 0.1], target="W", energy=60.0, showers=7, seed=3)
    (call,) = spy.calls
    assert call["target"] == "W" and call["energy"] == 60.0
    assert call["threshold"] is None  # the yields take half the (new) beam energy
    assert call["showers"] == 7 and call["seed"] == 3
    assert call["masses"] == [0.01, 0.1]
    assert [p.threshold for p in pts] == [30.0, 30.0]
    assert pts[0].setup.target == "W" and pts[0].setup.energy == 60.0
    # Defaults: the preset's absorber and beam energy.
    proj.project("na64-2016", 1e12, masses=[0.01])
    assert spy.calls[-1]["target"] == "Pb" and spy.calls[-1]["energy"] == 100.0


def test_default_mass_grid_from_preset(spy: YieldSpy) -> None:
    pts = proj.project("na64-2016", 1e12)
    cfg = proj.ProjectionConfig.from_preset("na64-2016")
    assert [p.mass for p in pts] == list(cfg.masses)
    eps = np.array([p.epsilon_etl for p in pts])
    assert np.all(np.diff(eps) > 0)  # yield 1/m² -> ε ∝ m


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"eot": 0.0}, "eot"),
        ({"eot": -1e10}, "eot"),
        ({"eot": math.inf}, "eot"),
        ({"efficiency": 0.0}, "efficiency"),
        ({"efficiency": 1.2}, "efficiency"),
        ({"background": -0.1}, "background"),
        ({"target": "Unobtainium"}, "target"),
        ({"energy": 0.005, "masses": [0.01]}, "energy"),
        ({"threshold": 0.005, "masses": [0.01]}, "mass"),
        ({"masses": [-0.01]}, "mass"),
    ],
)
def test_bad_input_raises(spy: YieldSpy, kwargs: dict[str, Any], parameter: str) -> None:
    args = {"eot": 1e12, **kwargs}
    eot = args.pop("eot")
    with pytest.raises(UserInputError) as info:
        proj.project("na64-2016", eot, **args)
    assert info.value.parameter == parameter
    assert spy.calls == []  # validated before any shower is run


def test_end_to_end_with_real_yields() -> None:
    # One exposure, three masses, few showers: the real shower yields feed Eq. 26 consistently.
    pts = proj.project("na64-2016", 1e12, masses=[0.001, 0.01, 0.1], showers=100, seed=5)
    pt = pts[1]
    assert pt.threshold == pytest.approx(50.0)
    # Yield per EOT at ε = 1 for m_A' = 10 MeV, E_A' > 50 GeV in the NA64 ECAL: O(1e-2)
    # (spec Eq. 8 scale); loose bounds, statistics of 100 showers.
    assert 3e-3 < pt.yield_etl < 3e-2
    assert pt.epsilon_etl == pytest.approx(math.sqrt(pt.n90_expected / (1e12 * 0.5 * pt.yield_etl)), rel=1e-9)
    # b = 0.12 × 1e12 / 4.3e10 = 2.79 events: median outcome n = 3, N90 between 3 and 7 events.
    assert 3.0 < pt.n90_expected < 7.0
    # Lighter A' are produced more: the sensitivity improves towards low mass (spec Fig. 15).
    assert pts[0].epsilon_etl < pts[1].epsilon_etl < pts[2].epsilon_etl


def test_first_na64_exposure_matches_published_bound_within_factor_two() -> None:
    # NA64's first result (PRL 118, 011802 (2017), 2.75e9 EOT, zero events; digitised in
    # darkmiss/data/bounds/na64_2016prl_invisible_eps.txt): with zero observed events the observed
    # limit equals the expected one at b ≈ 0, so the projection must land near it. Tolerance: factor
    # 2 in ε (the PRL's efficiency and yield calculation differ from this preset's; measured ratios
    # 0.87, 1.29, 1.43 at 1, 10, 100 MeV).
    from darkmiss.interpret.bounds import interpolate_bound, load_bound

    curve = load_bound("na64_2016prl_eps")
    pts = proj.project("na64-2016", 2.75e9, masses=[0.001, 0.01, 0.1], showers=100, seed=6)
    refs = interpolate_bound(curve, np.array([p.mass for p in pts]))
    for p, ref in zip(pts, refs, strict=True):
        assert 0.5 < p.epsilon_etl / ref < 2.0, (p.mass, p.epsilon_etl, ref)


def test_preset_table_values_and_validation() -> None:
    cfg = proj.ProjectionConfig.from_preset("na64-2016")
    # spec Sec. VI (eps_tot 0.5-0.7), Table IV (0.12 ± 0.04 for 4.3e10 EOT), Table III (2%, 10%, 9%).
    assert (cfg.efficiency, cfg.background, cfg.background_eot) == (0.5, 0.12, 4.3e10)
    assert cfg.background_rel_err == pytest.approx(0.04 / 0.12, rel=1e-12)
    assert cfg.signal_syst == {"eot": 0.02, "cross_section": 0.10, "efficiency": 0.09}
    bad = load_preset("na64-2016").with_overrides({"projection": {"efficiency": 1.5}})
    with pytest.raises(UserInputError, match=r"projection\.efficiency"):
        proj.ProjectionConfig.from_preset(bad)


def test_mass_above_default_threshold_is_rejected_before_showers(spy: YieldSpy) -> None:
    # --energy 1.5 puts the default E_A' threshold at 0.75 GeV, below m_A' = 1 GeV.
    with pytest.raises(UserInputError) as info:
        proj.project("na64-2016", 1e12, masses=[0.01, 1.0], energy=1.5)
    assert info.value.parameter == "mass" and "0.75" in str(info.value)
    assert spy.calls == []
