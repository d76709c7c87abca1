"""CLI tests of ``darkmiss shower``, ``darkmiss yield aprime|dimuon`` and ``darkmiss plot spectra``."""

from __future__ import annotations

import json

import pytest

from darkmiss.cli.main import main


def test_yield_aprime_json(capsys):
    rc = main(["yield", "aprime", "--mass", "0.0167,0.1", "--showers", "2000", "--no-direct", "--json"])
    out = capsys.readouterr().out
    assert rc == 0
    recs = json.loads(out)
    assert [r["mass"] for r in recs] == [0.0167, 0.1]
    for r in recs:
        assert {"mass", "yield_ww", "yield_etl", "yield_etl_direct", "yield_etl_err"} <= set(r)
        assert r["yield_ww"] > 0 and r["yield_etl"] > 0 and r["yield_etl_direct"] is None
        assert r["threshold"] == 50.0


@pytest.mark.parametrize(
    "argv",
    [
        ["yield", "aprime", "--mass", "abc"],
        ["yield", "aprime", "--mass", "0.1", "--threshold", "200"],
        ["yield", "aprime", "--mass", "0.1", "--showers", "1"],
        ["shower", "--particle", "pion"],
        ["shower", "--mode", "turbo"],
        ["shower", "--energy", "-5"],
    ],
)
def test_bad_input_exits_2(argv, capsys):
    rc = main(argv)
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("darkmiss: error:") and err.count("\n") == 1


def test_shower_json(capsys):
    rc = main(["shower", "--energy", "5", "--showers", "5", "--json"])
    rec = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert rec["containment_ecal"] > 0.95
    assert 2.0 < rec["t_max_x0"] < 8.0
    assert rec["charged_track_cm"] > 0
    assert len(rec["profile_gev_per_x0"]) == len(rec["profile_x0_edges"]) - 1


def test_shower_fast_json(capsys):
    rc = main(["shower", "--energy", "20", "--showers", "4", "--mode", "fast", "--json"])
    rec = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert rec["handoff_per_shower"] > 0 and rec["t_max_x0"] is None
    assert 0.0 < rec["handoff_energy_fraction"] <= 1.0


def test_yield_dimuon_json(capsys):
    rc = main(["yield", "dimuon", "--showers", "200", "--json"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    rec = json.loads(captured.out)
    assert rec["per_eot"] >= 0 and rec["per_eot_err"] >= 0


def test_plot_spectra(tmp_path, capsys):
    rc = main(["plot", "spectra", "--mass", "0.1", "--showers", "500", "--out", str(tmp_path), "--json"])
    rec = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert len(rec["files"]) == 2
    for f in rec["files"]:
        assert (tmp_path / f.split("/")[-1]).stat().st_size > 1000
