"""Projections with resonant positron annihilation (``project --production``), the named exposures
(``[exposures.*]``, interpret.exposures) and positron beams: stand-in yields for the statistics, a few
real showers for the dip at m ≈ 0.25 GeV and the per-mediator factors."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.errors import UserInputError
from darkmiss.interpret import projection as proj
from darkmiss.interpret.exposures import EXPOSURE_KEYS, exposure_names, load_exposure
from darkmiss.shower import annihilation as annihilation_mod
from darkmiss.shower import yields as yields_mod
from darkmiss.shower.annihilation import PRODUCTIONS, model_annihilation_yields, parse_production

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from standins import FakeAnnihilation


@dataclass
class FakeYield:
    mass: float
    threshold: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float


class Fakes:
    """Stand-in brems (``brems``/m² per EOT) and annihilation (``ann`` at every mass) yields with
    relative errors ``rel_b`` and ``rel_a``; records the calls."""

    def __init__(
        self, brems: float = 1e-6, ann: float = 1e-4, rel_b: float = 0.0, rel_a: float = 0.0
    ) -> None:
        self.brems, self.ann, self.rel_b, self.rel_a = brems, ann, rel_b, rel_a
        self.calls: list[dict[str, Any]] = []
        self.ann_calls: list[dict[str, Any]] = []

    def aprime(self, preset: Any, masses: Any, **kw: Any) -> list[FakeYield]:
        self.calls.append({"masses": list(masses), **kw})
        th = kw.get("threshold") or 0.5 * kw["energy"]
        return [
            FakeYield(m, th, 1.1 * self.brems / m**2, self.brems / m**2, self.rel_b * self.brems / m**2)
            for m in masses
        ]

    def annihilation(self, preset: Any, masses: Any, **kw: Any) -> list[FakeAnnihilation]:
        self.ann_calls.append({"masses": list(masses), **kw})
        return [FakeAnnihilation(m, m * m / 2 / 0.000511, self.ann, self.rel_a * self.ann) for m in masses]

    def install(self, mp: pytest.MonkeyPatch) -> Fakes:
        mp.setattr(yields_mod, "aprime_yields", self.aprime)
        mp.setattr(annihilation_mod, "model_annihilation_yields", self.annihilation)
        return self


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Fakes:
    return Fakes().install(monkeypatch)


# --- exposures ------------------------------------------------------------------------------------


def test_exposure_presets_values() -> None:
    # EOT from the publications named in projection.toml (PRL 123, 121801; PRL 131, 161801) and the
    # positron run's 1.0e10 positrons on target; the 2016 background rate scaled (assumed).
    assert exposure_names() == ["2016-2018", "2016-2022", "positron-100gev"]
    a, b, c = (load_exposure("na64-2016", n) for n in exposure_names())
    assert (a.eot, a.beam, a.energy) == (2.84e11, "e-", 100.0)
    assert (b.eot, b.beam, b.energy) == (9.37e11, "e-", 100.0)
    assert (c.eot, c.beam, c.energy) == (1.0e10, "e+", 100.0)
    for ex in (a, b, c):
        assert ex.background == pytest.approx(0.12 * ex.eot / 4.3e10, rel=1e-12)
        assert ex.background_err == pytest.approx(ex.background / 3.0, rel=1e-12)
        assert ex.efficiency == 0.5 and ex.source
        assert {"efficiency", "background"} <= set(ex.assumed) <= set(EXPOSURE_KEYS)
    assert "PRL" not in a.source or "123, 121801" in a.source
    assert "131, 161801" in b.source and "123, 121801" in a.source


def test_exposure_fills_and_options_override(fakes: Fakes) -> None:
    setup, _ = proj.resolve_projection("na64-2016", None, masses=[0.1], exposure="2016-2022")
    assert (setup.eot, setup.beam, setup.efficiency) == (9.37e11, "e-", 0.5)
    assert setup.background == pytest.approx(0.12 * 9.37e11 / 4.3e10, rel=1e-12)
    assert setup.exposure is not None and setup.exposure.name == "2016-2022"
    # each option overrides its key; another EOT scales the exposure's background
    s2, _ = proj.resolve_projection(
        "na64-2016", 4.685e11, masses=[0.1], exposure="2016-2022", efficiency=0.8, beam="e+", energy=120.0
    )
    assert (s2.eot, s2.efficiency, s2.beam, s2.energy) == (4.685e11, 0.8, "e+", 120.0)
    assert s2.background == pytest.approx(0.5 * setup.background, rel=1e-12)
    s3, _ = proj.resolve_projection("na64-2016", None, masses=[0.1], exposure="2016-2018", background=0.2)
    assert s3.background == 0.2 and s3.background_err == pytest.approx(0.2 / 3.0, rel=1e-12)
    (pt,) = proj.project("na64-2016", masses=[0.1], exposure="positron-100gev")
    assert fakes.calls[0]["beam"] == "e+" and fakes.ann_calls[0]["beam"] == "e+"
    rec = pt.record()
    assert (rec["exposure"], rec["beam"], rec["eot"]) == ("positron-100gev", "e+", 1.0e10)
    assert "eot" in rec["exposure_assumed"]


def test_unknown_exposure_and_missing_eot() -> None:
    with pytest.raises(UserInputError, match="2016-2022"):
        load_exposure("na64-2016", "2030")
    with pytest.raises(UserInputError, match="eot"):
        proj.resolve_projection("na64-2016", None, masses=[0.1])


def test_malformed_exposure_table() -> None:
    p = load_preset("na64-2016").with_overrides({"exposures": {"bad": {"eot": 1e11}}})
    with pytest.raises(UserInputError, match="exactly the keys"):
        load_exposure(p, "bad")


# --- production ----------------------------------------------------------------------------------


def test_parse_production() -> None:
    assert PRODUCTIONS == ("brems", "annihilation", "brems,annihilation")
    assert parse_production(None) == ("brems", "annihilation")
    assert parse_production(None, "mu-") == ("brems",)
    assert parse_production("annihilation, brems") == ("brems", "annihilation")
    for bad, beam in (("compton", "e-"), ("", "e-"), ("annihilation", "mu+")):
        with pytest.raises(UserInputError, match="production"):
            parse_production(bad, beam)


def test_side_by_side_records(fakes: Fakes) -> None:
    # Eq. 26 for each: ε_etl from the brems signal alone, ε_total from S_b + S_ann (same N90 without MC errors).
    (pt,) = proj.project("na64-2016", 1e12, masses=[0.1], background=0.0, efficiency=0.5)
    r = pt.record()
    s_b, s_a = 1e12 * 0.5 * 1e-6 / 0.1**2, 1e12 * 0.5 * 1e-4
    assert r["signal_per_eps2"] == pytest.approx(s_b, rel=1e-12)
    assert r["signal_per_eps2_annihilation"] == pytest.approx(s_a, rel=1e-12)
    assert r["signal_per_eps2_total"] == pytest.approx(s_a + s_b, rel=1e-12)
    assert r["epsilon_etl"] == pytest.approx(math.sqrt(r["n90_expected"] / s_b), rel=1e-9)
    assert r["epsilon_total"] == pytest.approx(math.sqrt(r["n90_expected_total"] / (s_a + s_b)), rel=1e-9)
    assert r["epsilon_ratio"] == pytest.approx(math.sqrt(s_b / (s_a + s_b)), rel=1e-9)
    assert r["epsilon_total_lo"] <= r["epsilon_total"] <= r["epsilon_total_hi"]
    assert r["y_total"] < r["y"] and r["production"] == "brems,annihilation"
    # brems only: the total is the brems limit, no annihilation yield is computed
    fakes.ann_calls.clear()
    (pb,) = proj.project("na64-2016", 1e12, masses=[0.1], background=0.0, production="brems")
    rb = pb.record()
    assert not fakes.ann_calls and math.isnan(rb["yield_annihilation"])
    assert rb["epsilon_total"] == rb["epsilon_etl"] and rb["epsilon_ratio"] == 1.0
    # annihilation only
    (pa,) = proj.project("na64-2016", 1e12, masses=[0.1], background=0.0, production="annihilation")
    ra = pa.record()
    assert ra["signal_per_eps2_total"] == pytest.approx(s_a, rel=1e-12)
    assert ra["epsilon_etl"] == pytest.approx(r["epsilon_etl"], rel=1e-12)  # brems keys unchanged


@settings(max_examples=25)
@given(
    ann=st.floats(min_value=0.0, max_value=1e-2),
    rel_b=st.floats(min_value=0.0, max_value=0.3),
    rel_a=st.floats(min_value=0.0, max_value=3.0),
    background=st.sampled_from([0.0, 0.5, 5.0]),
)
def test_annihilation_never_raises_epsilon(ann: float, rel_b: float, rel_a: float, background: float) -> None:
    with pytest.MonkeyPatch.context() as mp:
        Fakes(ann=ann, rel_b=rel_b, rel_a=rel_a).install(mp)
        (pt,) = proj.project("na64-2016", 1e11, masses=[0.05], background=background)
    r = pt.record()
    assert r["epsilon_total"] <= r["epsilon_etl"]
    assert r["epsilon_total_lo"] <= r["epsilon_etl_lo"] and r["epsilon_total_hi"] <= r["epsilon_etl_hi"]
    assert r["y_total"] <= r["y"]


def test_muon_beam_defaults_to_brems(fakes: Fakes) -> None:
    (pt,) = proj.project("na64-2016", 1e11, masses=[0.05], beam="mu-")
    assert pt.setup.production == ("brems",) and not fakes.ann_calls
    with pytest.raises(UserInputError, match="production"):
        proj.project("na64-2016", 1e11, masses=[0.05], beam="mu-", production="brems,annihilation")


# --- real showers (few; the positron tally is cached per session) --------------------------------


def test_dip_at_the_2016_2022_exposure() -> None:
    # 9.37e11 EOT: at 0.25 GeV the annihilation yield is ≈ 10× the brems one (docs/annihilation.md), so
    # ε_total/ε_etl ≈ sqrt(1/11) ≈ 0.3; at 10 MeV the brems yield is ~10³× larger and the ratio is 1.
    kw: dict[str, Any] = {"showers": 3000, "positron_showers": 3000, "seed": 1, "workers": 1}
    pts = proj.project("na64-2016", masses=[0.01, 0.25], exposure="2016-2022", **kw)
    r10, r250 = (p.record() for p in pts)
    assert r250["epsilon_ratio"] < 0.5
    assert r10["epsilon_ratio"] == pytest.approx(1.0, abs=0.01)
    assert r250["yield_annihilation"] > 3 * r250["yield_etl"]


def test_mediator_and_beam_factors() -> None:
    # one tally serves all: scalar/pseudoscalar ½ of the vector (spin counting), B−L = dark photon (Q_e = −1),
    # Lμ−Lτ × |loop mixing|² ≪ 1; a positron primary annihilates near E_R = E0 (m ≈ 0.32 GeV).
    kw: dict[str, Any] = {"showers": 400, "seed": 2}
    ms = [0.22, 0.25, 0.3]
    vec = [y.yield_annihilation for y in model_annihilation_yields("na64-2016", ms, **kw)]
    sca = [y.yield_annihilation for y in model_annihilation_yields("na64-2016", ms, mediator="scalar", **kw)]
    bl = [y.yield_annihilation for y in model_annihilation_yields("na64-2016", ms, model="B-L", **kw)]
    lmt = model_annihilation_yields("na64-2016", ms, model="Lmu-Ltau", **kw)
    for v, s, b, lt in zip(vec, sca, bl, lmt, strict=True):
        assert v > 0 and s == pytest.approx(0.5 * v, rel=1e-12) and b == pytest.approx(v, rel=1e-12)
        assert 0 < lt.yield_annihilation < 1e-3 * v
    (e_m,) = model_annihilation_yields("na64-2016", [0.31], **kw)
    (e_p,) = model_annihilation_yields("na64-2016", [0.31], beam="e+", **kw)
    assert e_p.yield_annihilation > 10 * e_m.yield_annihilation
    with pytest.raises(UserInputError, match="production"):
        model_annihilation_yields("na64-2016", [0.1], beam="mu-")
