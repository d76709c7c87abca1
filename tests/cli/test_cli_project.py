"""``darkmiss project`` through the in-process CLI: JSON records, the human table, one-line errors."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from darkmiss.cli.main import main
from darkmiss.shower import annihilation as annihilation_mod
from darkmiss.shower import yields as yields_mod

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from standins import fake_annihilation


@dataclass
class _Yield:
    mass: float
    threshold: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Stand-in yields (1e-6/m² per EOT); returns the list of recorded calls."""
    seen: list[dict[str, Any]] = []

    def fake(preset: Any, masses: Any, **kw: Any) -> list[_Yield]:
        seen.append({"masses": list(masses), **kw})
        th = 0.5 * kw["energy"]
        return [_Yield(m, th, 1.2e-6 / m**2, 1e-6 / m**2, 0.0) for m in masses]

    monkeypatch.setattr(yields_mod, "aprime_yields", fake)
    monkeypatch.setattr(annihilation_mod, "model_annihilation_yields", fake_annihilation)
    return seen


def test_json_records(calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["project", "--preset", "na64-2016", "--eot", "1e12", "--mass", "0.01,0.1", "--json"])
    assert rc == 0
    out = capsys.readouterr().out
    recs = json.loads(out)
    assert [r["mass"] for r in recs] == [0.01, 0.1]
    required = {
        "mass", "epsilon_etl", "epsilon_etl_lo", "epsilon_etl_hi", "epsilon_ww", "y", "y_lo", "y_hi",
        "alpha_d", "alpha_d_lo", "alpha_d_hi", "n90_expected", "yield_etl", "signal_per_eps2",
        "y_alpha_d_0p5", "y_alpha_d_0p005", "eot", "energy", "target", "efficiency", "background",
    }  # fmt: skip
    for r in recs:
        assert required <= set(r), required - set(r)
        # Eq. 26: ε = sqrt(N90 / (n_EOT ε_tot n_A'))
        assert r["epsilon_etl"] == pytest.approx(
            math.sqrt(r["n90_expected"] / r["signal_per_eps2"]), rel=1e-9
        )
        assert r["epsilon_etl_lo"] < r["epsilon_etl"] < r["epsilon_etl_hi"]
        assert r["background"] == pytest.approx(0.12 * 1e12 / 4.3e10, rel=1e-12)


def test_options_reach_the_yields(calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["project", "--eot", "5e11", "--energy", "150", "--target", "W", "--mass", "0.02"]
    argv += ["--efficiency", "0.8", "--background", "0.3", "--showers", "9", "--seed", "4", "--json"]
    assert main(argv) == 0
    (rec,) = json.loads(capsys.readouterr().out)
    (call,) = calls
    assert (call["energy"], call["target"], call["showers"], call["seed"]) == (150.0, "W", 9, 4)
    assert rec["threshold"] == 75.0 and rec["efficiency"] == 0.8 and rec["background"] == 0.3
    assert rec["signal_per_eps2"] == pytest.approx(5e11 * 0.8 * 1e-6 / 0.02**2, rel=1e-12)


def test_table_output(calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["project", "--eot", "1e12", "--mass", "0.01"]) == 0
    out = capsys.readouterr().out
    assert "Expected 90% CL sensitivity" in out and "mass" in out


@pytest.mark.parametrize(
    ("extra", "word"),
    [
        (["--eot", "0"], "eot"),
        (["--eot", "-3e11"], "eot"),
        (["--eot", "lots"], "eot"),
        (["--eot", "1e12", "--efficiency", "0"], "efficiency"),
        (["--eot", "1e12", "--efficiency", "1.01"], "efficiency"),
        (["--eot", "1e12", "--background", "-1"], "background"),
        (["--eot", "1e12", "--target", "Kryptonite"], "target"),
        (["--eot", "1e12", "--energy", "0.5", "--mass", "0.9"], "energy"),
        (["--eot", "1e12", "--mass", "0.01,-2"], "mass"),
        (["--eot", "1e12", "--energy", "100,150"], "energy"),
        (["--eot", "1e12", "--efficiency", "half"], "efficiency"),
    ],
)
def test_bad_input_exit_2(
    calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], extra: list[str], word: str
) -> None:
    rc = main(["project", *extra, "--json"])
    assert rc == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("darkmiss: error:") and word in lines[0]
    assert calls == []


def test_plot_project_writes_a_figure(
    calls: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    out = tmp_path / "proj.png"
    rc = main(["plot", "project", "--eot", "1e12", "--mass", "0.001,0.01,0.1", "--out", str(out), "--json"])
    assert rc == 0
    rec = json.loads(capsys.readouterr().out)
    assert out.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert rec["mass"] == [0.001, 0.01, 0.1]
    assert rec["m_chi"] == pytest.approx([0.001 / 3, 0.01 / 3, 0.1 / 3], rel=1e-12)  # m_A' = 3 m_chi (Sec. X)
    assert all(
        lo < e < hi
        for lo, e, hi in zip(rec["epsilon_etl_lo"], rec["epsilon_etl"], rec["epsilon_etl_hi"], strict=True)
    )
