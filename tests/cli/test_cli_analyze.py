"""`darkmiss analyze` / `darkmiss unblind` in-process."""

from __future__ import annotations

import json

import pytest

from darkmiss.analysis.pseudodata import write_mc, write_pseudodata
from darkmiss.cli.main import main
from darkmiss.config.load import load_preset
from darkmiss.reco.config import AnalysisConfig


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    base = tmp_path_factory.mktemp("cli")
    cfg = AnalysisConfig.from_preset(load_preset("na64-2016"))
    runs = {
        "I": {
            "n_em": 200,
            "n_upstream": 300,
            "slope": 0.3,
            "n_hadronic": 50,
            "n_dimuon": 100,
            "n_cal": 50,
            "eot": 1e9,
            "intensity": 1.8e6,
        }
    }
    write_pseudodata(base / "data", cfg, 1, runs=runs, n_signal_injected=20)
    write_mc(base / "mc", cfg, 2, masses=(0.01,), n_signal=300, n_dimuon=300, n_cal=50, dimuon_eot=3e9)
    return base


def test_analyze_json_then_unblind_refused(toy, capsys):
    out = toy / "out"
    rc = main(
        [
            "analyze",
            "--events",
            str(toy / "data"),
            "--mc",
            str(toy / "mc"),
            "--out",
            str(out),
            "--json",
            "--no-figures",
        ]
    )
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["blinded"] is True and summary["runs"][0]["observed"] is None
    assert summary["runs"][0]["run"] == "I" and len(summary["runs"][0]["efficiency"]) == 1
    assert (out / "analysis.json").is_file() and (out / "tables.txt").is_file()
    rc = main(["unblind", "--analysis", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "not frozen" in err and "Traceback" not in err


def test_bad_inputs_are_one_line_errors(toy, tmp_path, capsys):
    rc = main(["analyze", "--events", str(tmp_path), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    errors = [ln for ln in err.splitlines() if ln.startswith("darkmiss: error:")]
    assert rc == 2 and len(errors) == 1 and "events" in errors[0] and "Traceback" not in err
    rc = main(["analyze", "--events", str(toy / "data"), "--out", str(tmp_path / "o"), "--workers", "0"])
    assert rc == 2 and "workers" in capsys.readouterr().err
    rc = main(["unblind", "--analysis", str(tmp_path)])
    assert rc == 2 and "analysis" in capsys.readouterr().err
