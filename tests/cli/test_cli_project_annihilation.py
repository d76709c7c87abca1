"""``--production``, ``--exposure`` and ``--beam e+`` of ``darkmiss project``, ``plot project`` and
``yield aprime`` through the in-process CLI (stand-in yields: no showers)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from darkmiss.cli import choices
from darkmiss.cli.main import main
from darkmiss.shower import annihilation as annihilation_mod
from darkmiss.shower import yields as yields_mod
from darkmiss.shower.annihilation import PRODUCTIONS


@dataclass
class _Yield:
    mass: float
    threshold: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float

    def record(self) -> dict[str, Any]:
        return {"mass": self.mass, "threshold": self.threshold, "yield_etl": self.yield_etl}


@dataclass
class _Ann:
    mass: float
    resonance_energy: float
    yield_annihilation: float
    yield_annihilation_err: float

    def record(self) -> dict[str, Any]:
        return {
            "mass": self.mass,
            "threshold": 50.0,
            "resonance_energy": self.resonance_energy,
            "yield_annihilation": self.yield_annihilation,
            "yield_annihilation_err": self.yield_annihilation_err,
        }


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[dict[str, Any]]]:
    """Stand-in yields: brems 1e-6/m², annihilation 1e-4 per EOT; returns the recorded calls."""
    seen: dict[str, list[dict[str, Any]]] = {"brems": [], "ann": []}

    def brems(preset: Any, masses: Any, **kw: Any) -> list[_Yield]:
        seen["brems"].append({"masses": list(masses), **kw})
        th = kw.get("threshold") or 0.5 * (kw.get("energy") or 100.0)
        return [_Yield(m, th, 1.2e-6 / m**2, 1e-6 / m**2, 0.0) for m in masses]

    def ann(preset: Any, masses: Any, **kw: Any) -> list[_Ann]:
        seen["ann"].append({"masses": list(masses), **kw})
        return [_Ann(m, m * m / 2 / 0.000511, 1e-4, 1e-6) for m in masses]

    monkeypatch.setattr(yields_mod, "aprime_yields", brems)
    monkeypatch.setattr(annihilation_mod, "model_annihilation_yields", ann)
    return seen


def _json(capsys: pytest.CaptureFixture[str]) -> Any:
    return json.loads(capsys.readouterr().out)


def test_production_enum_is_the_library_tuple() -> None:
    assert [p.value for p in choices.Production] == list(PRODUCTIONS)


def test_project_side_by_side(calls: dict[str, list[Any]], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["project", "--eot", "1e12", "--mass", "0.25", "--background", "0", "--json"]) == 0
    (r,) = _json(capsys)
    assert r["production"] == "brems,annihilation" and r["yield_annihilation"] == 1e-4
    assert r["epsilon_total"] < r["epsilon_etl"]
    assert r["epsilon_etl"] == pytest.approx(math.sqrt(r["n90_expected"] / r["signal_per_eps2"]), rel=1e-9)
    assert main(["project", "--eot", "1e12", "--mass", "0.25", "--production", "brems", "--json"]) == 0
    (b,) = _json(capsys)
    assert b["epsilon_total"] == b["epsilon_etl"] and b["yield_annihilation"] is None  # NaN → null
    assert len(calls["ann"]) == 1
    assert main(["project", "--eot", "1e12", "--mass", "0.25"]) == 0
    assert "brems+annihilation" in capsys.readouterr().out


def test_project_exposure_and_overrides(
    calls: dict[str, list[Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["project", "--exposure", "2016-2022", "--mass", "0.1", "--json"]) == 0
    (r,) = _json(capsys)
    assert (r["exposure"], r["eot"], r["beam"], r["efficiency"]) == ("2016-2022", 9.37e11, "e-", 0.5)
    assert r["background"] == pytest.approx(0.12 * 9.37e11 / 4.3e10, rel=1e-12)
    assert set(r["exposure_assumed"]) >= {"efficiency", "background"}
    argv = ["project", "--exposure", "positron-100gev", "--mass", "0.1", "--efficiency", "0.7"]
    assert main([*argv, "--background", "0.1", "--json"]) == 0
    (p,) = _json(capsys)
    assert (p["beam"], p["eot"], p["efficiency"], p["background"]) == ("e+", 1e10, 0.7, 0.1)
    assert calls["brems"][-1]["beam"] == "e+" and calls["ann"][-1]["beam"] == "e+"
    assert (
        main(
            ["project", "--exposure", "2016-2018", "--beam", "e-", "--eot", "1e11", "--mass", "0.1", "--json"]
        )
        == 0
    )
    (o,) = _json(capsys)
    assert o["eot"] == 1e11 and o["background"] == pytest.approx(0.12 * 1e11 / 4.3e10, rel=1e-12)


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["project", "--exposure", "2030", "--mass", "0.1"], "exposure"),
        (["project", "--mass", "0.1"], "eot"),
        (
            ["project", "--eot", "1e11", "--mass", "0.1", "--beam", "mu-", "--production", "annihilation"],
            "production",
        ),
        (["yield", "aprime", "--mass", "0.1", "--beam", "mu-", "--production", "annihilation"], "production"),
    ],
)
def test_one_line_errors_exit_2(
    calls: dict[str, list[Any]], capsys: pytest.CaptureFixture[str], argv: list[str], word: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("darkmiss: error:") and "\n" not in err and word in err


def test_bad_production_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["project", "--eot", "1e11", "--production", "compton"]) == 2
    assert "production" in capsys.readouterr().err


def test_yield_aprime_production(calls: dict[str, list[Any]], capsys: pytest.CaptureFixture[str]) -> None:
    base = ["yield", "aprime", "--mass", "0.25,0.3", "--no-direct", "--json"]
    assert main(base) == 0
    assert all("yield_annihilation" not in r for r in _json(capsys)) and not calls["ann"]
    assert main([*base, "--production", "brems,annihilation", "--mediator", "scalar", "--beam", "e+"]) == 0
    recs = _json(capsys)
    assert [r["mass"] for r in recs] == [0.25, 0.3]
    assert all(r["yield_annihilation"] == 1e-4 and r["yield_annihilation_err"] == 1e-6 for r in recs)
    assert all("yield_etl" in r for r in recs)
    kw = calls["ann"][-1]
    assert (kw["mediator"], kw["beam"]) == ("scalar", "e+")
    assert main([*base, "--production", "annihilation"]) == 0
    recs = _json(capsys)
    assert all("yield_etl" not in r and r["yield_annihilation"] == 1e-4 for r in recs)
    assert len(calls["brems"]) == 2


def test_plot_project_draws_both(
    calls: dict[str, list[Any]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "p.png"
    argv = ["plot", "project", "--exposure", "2016-2022", "--mass", "0.01,0.25", "--out", str(out), "--json"]
    assert main(argv) == 0
    rec = _json(capsys)
    assert out.stat().st_size > 0 and rec["production"] == "brems,annihilation"
    assert rec["epsilon_total"][1] < rec["epsilon_etl"][1]
