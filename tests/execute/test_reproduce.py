"""End-to-end: `darkmiss reproduce --quick` (issue 8) — the whole chain, results.json, report.html
rendered by a real browser, and a rerun that reuses every stage."""

from __future__ import annotations

import json

import pytest

from darkmiss.cli.main import main
from darkmiss.config import load_preset
from darkmiss.execute.pipeline import ReproduceConfig

LIMIT_KEYS = {
    "mass",
    "epsilon_ww",
    "epsilon_etl",
    "epsilon_etl_direct",
    "epsilon_etl_expected",
    "epsilon_etl_asymptotic",
}


def test_config_default_masses_include_the_papers():
    cfg = ReproduceConfig.from_preset(load_preset("na64-2016"))
    for m in (0.0011, 0.002, 0.005, 0.0167, 0.02, 0.1, 0.2, 0.5, 0.95):  # issue 8's default masses
        assert any(abs(m - x) < 1e-12 for x in cfg.masses)
        assert any(abs(m - x) < 1e-12 for x in cfg.plot_masses)
    assert len(cfg.plot_masses) > len(cfg.masses)  # plus a fine grid for the plots


def test_bad_input_one_line(capsys):
    assert main(["reproduce", "--out", "x", "--mass", "-0.1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mass" in err and "Traceback" not in err
    assert main(["reproduce", "--out", "x", "--preset", "na99"]) == 2


@pytest.mark.slow
def test_reproduce_quick_end_to_end(tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(
        ["reproduce", "--preset", "na64-2016", "--out", str(out), "--quick", "--workers", "2", "--seed", "3"]
    )
    assert rc == 0
    res = json.loads((out / "results.json").read_text())
    # issue 8's keys
    assert {"limits", "background", "observed", "eot", "efficiency", "seed"} <= set(res)
    assert res["seed"] == 3
    assert {"total", "total_err", "per_run"} <= set(res["background"])
    assert len(res["observed"]) == 3 and all(isinstance(n, int) for n in res["observed"])
    assert res["blinded"] is False and res["cut_optimisation"]["chosen_cut"] is not None
    rows = res["limits"]
    assert rows and all(LIMIT_KEYS <= set(r) for r in rows)
    for r in rows:
        # a limit exists and the exclusion weakens with mass over 2 MeV -> 0.5 GeV (yield falls ~1/m^2)
        assert 0 < r["epsilon_etl"] < 1
    eps = {round(r["mass"], 6): r["epsilon_etl"] for r in rows}
    assert eps[0.002] < eps[0.0167] < eps[0.1] < eps[0.5]
    # ETL below WW production for heavy A' (k ~ 1.7 at 100 MeV, spec Sec. II): ETL limits are weaker there
    heavy = [r for r in rows if r["mass"] >= 0.1]
    assert all(r["epsilon_etl"] > r["epsilon_ww"] for r in heavy)
    html = (out / "report.html").read_text()
    assert "<img" in html and "data:image/png;base64," in html and "Provenance" in html
    assert "report:" in capsys.readouterr().err

    from darkmiss.report.browser import find_chromium, screenshot

    if find_chromium() is not None:
        png = screenshot(out / "report.html", tmp_path / "report.png")
        assert png.stat().st_size > 10_000

    # a rerun with nothing changed reuses every stage
    assert main(["reproduce", "--out", str(out), "--quick", "--workers", "2", "--seed", "3", "--json"]) == 0
    res2 = json.loads(capsys.readouterr().out)
    assert all(s["reused"] for s in res2["stages"])
    assert [r["epsilon_etl"] for r in res2["limits"]] == [r["epsilon_etl"] for r in rows]
