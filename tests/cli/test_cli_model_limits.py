"""`darkmiss reproduce --mediator/--model` and `darkmiss limits --mediator/--model`: the user errors (one
line, exit code 2, nothing computed) and the limits of a model from an analysis of its mediator."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from darkmiss.cache import write_json_atomic
from darkmiss.cli.main import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interpret"))
from test_interpret_limits import make_analysis


def _yields(path: Path) -> Path:
    edges = [50.0 + 5.0 * i for i in range(11)]
    ys = [
        {
            "mass": m,
            "yield_ww": 2e-5 * (0.01 / m) ** 2,
            "yield_etl": 1.8e-5 * (0.01 / m) ** 2,
            "yield_etl_direct": 1.7e-5 * (0.01 / m) ** 2,
            "spectrum_edges": edges,
            "spectrum_etl": [0.1] * 10,
        }
        for m in (0.01, 0.1)
    ]
    path.write_text(json.dumps(ys))
    return path


def test_reproduce_refuses_a_vector_model_without_the_vector_mediator(tmp_path, capsys):
    out = tmp_path / "out"
    rc = main(["reproduce", "--quick", "--model", "B-L", "--mediator", "scalar", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1
    assert "B-L" in err and "--mediator vector" in err
    assert not out.exists()


def test_limits_refuses_an_analysis_of_another_mediator(tmp_path, capsys):
    an = tmp_path / "an"
    write_json_atomic(an / "analysis.json", make_analysis().to_dict())  # no record: vector signal MC
    rc = main(
        ["limits", "--analysis", str(an), "--yields", str(_yields(tmp_path / "y.json")), "--mediator",
         "scalar", "--out", str(tmp_path / "o")]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "mediator" in err and "scalar" in err
    assert not (tmp_path / "o").exists()


def test_limits_of_a_scalar_analysis(tmp_path, capsys):
    a = make_analysis()
    a.extra["signal_models"] = [["scalar", "universal"]]
    an = tmp_path / "an"
    write_json_atomic(an / "analysis.json", a.to_dict())
    args = ["limits", "--analysis", str(an), "--yields", str(_yields(tmp_path / "y.json")), "--json",
            "--no-asymptotic", "--no-plots", "--out", str(tmp_path / "o")]  # fmt: skip
    assert main([*args, "--mediator", "vector"]) == 2
    capsys.readouterr()
    assert main([*args, "--mediator", "scalar"]) == 0
    recs = json.loads(capsys.readouterr().out)
    assert [(r["mediator"], r["model"]) for r in recs] == [("scalar", "universal")] * 2
    assert all(r["coupling"] is None or r["coupling"] > 0 for r in recs)
    saved = json.loads((tmp_path / "o" / "model_limits.json").read_text())
    assert saved["mediator"] == "scalar" and len(saved["records"]) == 2


def test_simulate_refuses_a_vector_model_with_another_mediator(tmp_path, capsys):
    out = tmp_path / "sim"
    rc = main(
        ["simulate", "--run", "I", "--mode", "mc", "--process", "signal", "--mass", "0.0167", "--epsilon",
         "1e-4", "--mediator", "axial", "--model", "Lmu-Ltau", "--out", str(out)]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert rc == 2 and err.count("\n") == 1 and "Lmu-Ltau" in err
    assert not out.exists()
