"""The mediator, model and beam options of ``xsec aprime``, ``width``, ``yield aprime`` and ``project``."""

from __future__ import annotations

import json
import math

import pytest

from darkmiss.cli.main import main


def _json(capsys) -> object:
    return json.loads(capsys.readouterr().out)


def test_xsec_aprime_mediator_model_beam(capsys):
    assert main(["xsec", "aprime", "--mass", "0.05", "--method", "ww", "--mediator", "scalar", "--json"]) == 0
    (rec,) = _json(capsys)
    assert (rec["mediator"], rec["model"], rec["beam"]) == ("scalar", "universal", "e-")
    assert main(["xsec", "aprime", "--mass", "0.05", "--method", "ww", "--json"]) == 0
    (vec,) = _json(capsys)
    assert rec["sigma_pb"] == pytest.approx(vec["sigma_pb"] / 2, rel=1e-14)
    argv = [
        "xsec",
        "aprime",
        "--mass",
        "0.05",
        "--method",
        "iww",
        "--model",
        "B-L",
        "--beam",
        "mu+",
        "--json",
    ]
    assert main(argv) == 0
    (bl,) = _json(capsys)
    assert (bl["model"], bl["beam"]) == ("B-L", "mu+")
    assert main(["xsec", "aprime", "--mass", "0.05", "--method", "iww", "--lepton", "mu", "--json"]) == 0
    (old,) = _json(capsys)
    assert old["beam"] == "mu-" and old["sigma_pb"] == bl["sigma_pb"]


def test_width_models(capsys):
    assert main(["width", "--mass", "0.05", "--model", "B-L", "--epsilon", "1e-4", "--json"]) == 0
    (rec,) = _json(capsys)
    assert (
        rec["model"] == "B-L" and rec["br_invisible"] == pytest.approx(0.6, rel=1e-6) and rec["mchi"] is None
    )
    assert main(["width", "--mass", "0.3", "--mediator", "pseudoscalar", "--energy", "50", "--json"]) == 0
    (ps,) = _json(capsys)
    assert ps["gamma_gammagamma"] > 0 and ps["decay_length_cm"] > 0 and ps["model"] == "universal"


def test_yield_aprime_muon_beam(capsys):
    argv = ["yield", "aprime", "--mass", "0.1", "--beam", "mu-", "--mediator", "axial", "--json"]
    assert main(argv) == 0
    (rec,) = _json(capsys)
    assert (rec["beam"], rec["mediator"], rec["threshold"]) == ("mu-", "axial", 80.0)
    assert rec["yield_etl"] > 0 and rec["yield_etl"] == rec["yield_etl_direct"]


def test_project_model_and_beam(capsys):
    argv = ["project", "--eot", "1e11", "--mass", "0.05", "--model", "Lmu-Ltau", "--beam", "mu-", "--json"]
    assert main(argv) == 0
    (rec,) = _json(capsys)
    assert (rec["model"], rec["beam"], rec["energy"]) == ("Lmu-Ltau", "mu-", 160.0)
    assert {"coupling", "epsilon_equivalent", "invisible_fraction"} <= set(rec)


@pytest.mark.parametrize(
    ("argv", "parameter"),
    [
        (["xsec", "aprime", "--mass", "0.05", "--mediator", "scalar", "--model", "B-L"], "model"),
        (["xsec", "aprime", "--mass", "0.05", "--beam", "e+", "--lepton", "mu"], "lepton"),
        (["project", "--eot", "1e11", "--mass", "0.3", "--model", "B-L"], "mass"),
        (["width", "--mass", "0.3", "--model", "B-L"], "mass"),
    ],
)
def test_bad_combinations_are_one_line_exit_2(capsys, argv, parameter):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("darkmiss: error:") and "\n" not in err and parameter in err


def test_xsec_aprime_etl_per_mediator(capsys):
    # ETL through the CLI: the axial exceeds the vector at 1 MeV (longitudinal (m_e/m)² growth,
    # docs/physics-mediators.md: σ_A/σ_V = 1.41 at 1 MeV), the scalar is below it; ε² scaling of the record.
    out = {}
    for med in ("vector", "axial", "scalar"):
        argv = ["xsec", "aprime", "--mass", "0.001", "--method", "etl", "--epsilon", "1e-4"]
        assert main([*argv, "--mediator", med, "--json"]) == 0
        (rec,) = _json(capsys)
        assert rec["mediator"] == med and rec["method"] == "etl" and rec["epsilon"] == 1e-4
        assert 0 < rec["sigma_err_pb"] < 0.01 * rec["sigma_pb"]
        out[med] = rec["sigma_pb"]
    assert out["axial"] / out["vector"] == pytest.approx(1.41, rel=0.03)
    assert out["scalar"] < out["vector"] < out["axial"]


def test_yield_aprime_model_and_positron_beam(capsys):
    # B−L with an electron beam: |Q_e| = 1, so the yields equal the dark photon's (same seed, same showers);
    # a positron beam is accepted and recorded.
    base = ["yield", "aprime", "--mass", "0.02", "--showers", "300", "--no-direct", "--json"]
    base += ["--workers", "1"]
    assert main(base) == 0
    (dp,) = _json(capsys)
    assert main([*base, "--model", "B-L"]) == 0
    (bl,) = _json(capsys)
    assert bl["model"] == "B-L" and bl["yield_etl"] == pytest.approx(dp["yield_etl"], rel=1e-12)
    assert main([*base, "--beam", "e+", "--mediator", "scalar"]) == 0
    (pos,) = _json(capsys)
    assert (pos["beam"], pos["mediator"]) == ("e+", "scalar") and pos["yield_etl"] > 0


def test_project_mediator_with_dark_matter(capsys):
    # A scalar with a χχ̄ channel (B_inv ≈ 1 for α_D = 0.5 ≫ ε²α) is excluded like an invisible boson.
    argv = ["project", "--eot", "1e12", "--mass", "0.02", "--mediator", "scalar", "--mchi", "0.005"]
    assert main([*argv, "--alpha-d", "0.5", "--json"]) == 0
    (rec,) = _json(capsys)
    assert rec["mediator"] == "scalar" and rec["invisible_fraction"] == pytest.approx(1.0, abs=1e-3)
    assert math.isfinite(rec["epsilon_equivalent"]) and rec["coupling"] > 0
