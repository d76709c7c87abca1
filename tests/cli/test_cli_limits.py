"""`darkmiss limits`, `darkmiss optimise` and `darkmiss plot limits`, in process."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

from darkmiss.analysis.result import AnalysisResult
from darkmiss.cache import write_json_atomic
from darkmiss.cli.main import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interpret"))
from test_interpret_limits import make_analysis


@pytest.fixture
def folders(tmp_path):
    an = tmp_path / "an"
    write_json_atomic(an / "analysis.json", make_analysis().to_dict())
    blind = tmp_path / "blind"
    write_json_atomic(blind / "analysis.json", make_analysis(blinded=True).to_dict())
    ys = [
        {
            "mass": m,
            "yield_ww": 2e-5 * (0.01 / m) ** 2,
            "yield_etl": 1.8e-5 * (0.01 / m) ** 2,
            "yield_etl_direct": 1.7e-5 * (0.01 / m) ** 2,
        }
        for m in (0.01, 0.1)
    ]
    (tmp_path / "yields.json").write_text(json.dumps(ys))
    return an, blind, tmp_path / "yields.json"


def test_limits_json_and_outputs(folders, tmp_path, capsys):
    an, _, ys = folders
    out = tmp_path / "out"
    rc = main(
        [
            "limits",
            "--analysis",
            str(an),
            "--yields",
            str(ys),
            "--out",
            str(out),
            "--json",
            "--no-asymptotic",
            "--no-plots",
        ]
    )
    assert rc == 0
    recs = json.loads(capsys.readouterr().out)
    assert [r["mass"] for r in recs] == [0.01, 0.1]
    assert math.log(10) < recs[0]["n90"] < 1.05 * math.log(10)
    assert (out / "limits.json").is_file()
    ws = json.loads((out / "workspaces" / "workspace_mA0.01.json").read_text())
    import pyhf

    pyhf.Workspace(ws)  # valid pyhf workspace
    settings = json.loads((out / "workspaces" / "workspace_mA0.01.settings.json").read_text())
    assert settings["modifier_settings"]["normsys"]["interpcode"] == "code1"
    assert (out / "hepdata" / "submission.yaml").is_file()


def test_plot_limits_from_json(folders, tmp_path, capsys):
    an, _, ys = folders
    out = tmp_path / "o2"
    assert (
        main(
            [
                "limits",
                "--analysis",
                str(an),
                "--yields",
                str(ys),
                "--mass",
                "0.01",
                "--out",
                str(out),
                "--json",
                "--no-asymptotic",
                "--no-plots",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert (
        main(["plot", "limits", "--limits", str(out / "limits.json"), "--out", str(tmp_path / "figs")]) == 0
    )
    assert (tmp_path / "figs" / "epsilon.png").stat().st_size > 1000


def test_limits_bad_input_one_line(folders, tmp_path, capsys):
    an, _, ys = folders
    rc = main(
        ["limits", "--analysis", str(tmp_path / "nope"), "--yields", str(ys), "--out", str(tmp_path / "x")]
    )
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "analysis" in err
    rc = main(
        ["limits", "--analysis", str(an), "--yields", str(ys), "--mass", "abc", "--out", str(tmp_path / "x")]
    )
    assert rc == 2


def test_optimise_freezes_then_refuses_after_unblinding(folders, capsys):
    an, blind, _ = folders
    rc = main(["optimise", "--analysis", str(blind), "--mass", "0.002", "--json"])
    assert rc == 0
    payload = json.loads(capsys.readouterr().out)
    frozen = AnalysisResult.read(blind)
    assert frozen.cut_frozen and frozen.ecal_cut == payload["chosen_cut"]
    assert "cut_optimisation" in frozen.extra
    assert (blind / "figures" / "ecal_cut_optimisation.png").is_file()
    assert (blind / "optimisation.json").is_file()
    rc = main(["optimise", "--analysis", str(an)])
    err = capsys.readouterr().err
    assert rc == 2 and "unblinding" in err


def test_limits_with_relative_paths_keeps_the_working_folder(folders, tmp_path, monkeypatch, capsys):
    """Regression: writing HEPData changed the working folder, so a relative --out broke afterwards."""
    an, _, ys = folders
    monkeypatch.chdir(tmp_path)
    rc = main(["limits", "--analysis", an.name, "--yields", ys.name, "--out", "rel/out", "--no-asymptotic"])
    assert rc == 0
    assert Path.cwd() == tmp_path
    out = tmp_path / "rel" / "out"
    assert (out / "limits.json").is_file()
    assert (out / "hepdata" / "submission.yaml").is_file() and (
        out / "hepdata" / "submission.tar.gz"
    ).is_file()
    assert not (tmp_path / "submission.tar.gz").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["an", "blind", "yields.json", "rel"])


def test_write_hepdata_never_changes_the_working_folder(folders, tmp_path, monkeypatch):
    from darkmiss.interpret.limits import interpret_limits
    from darkmiss.report.hepdata import write_hepdata
    from darkmiss.stats.limits import SimpleYield, compute_limits

    an, _, _ = folders
    yields = [SimpleYield(0.01, 2e-5, 1.8e-5, 1.7e-5)]
    res = interpret_limits(compute_limits(AnalysisResult.read(an), yields, asymptotic=False))
    monkeypatch.chdir(tmp_path)
    target = write_hepdata(res, Path("rel") / "hepdata")
    assert Path.cwd() == tmp_path
    assert (tmp_path / "rel" / "hepdata" / "submission.yaml").is_file()
    assert not (tmp_path / "submission.tar.gz").exists()
    assert target == Path("rel") / "hepdata"
