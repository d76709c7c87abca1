"""CLI: darkmiss xsec aprime|dimuon and darkmiss width (in-process through main)."""

from __future__ import annotations

import json

import pytest

from darkmiss.cli.main import main
from darkmiss.physics.aprime import sigma_iww, sigma_ww
from darkmiss.physics.muonpair import sigma_total
from darkmiss.physics.widths import decay_widths


def _json(capsys, argv):
    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 0, out.err
    return json.loads(out.out)


def test_xsec_aprime_ww_json(capsys):
    recs = _json(
        capsys, ["xsec", "aprime", "--target", "Pb", "--energy", "100", "--mass", "0.0167,0.1,1.0", "--json"]
    )
    assert [r["mass"] for r in recs] == [0.0167, 0.1, 1.0]
    assert set(recs[0]) == {
        "mass",
        "energy",
        "method",
        "epsilon",
        "sigma_pb",
        "sigma_err_pb",
        "mediator",
        "model",
        "beam",
    }
    assert recs[1]["method"] == "ww" and recs[1]["sigma_err_pb"] == 0.0
    assert recs[1]["sigma_pb"] == pytest.approx(sigma_ww(0.1, 100.0), rel=1e-12)


def test_xsec_aprime_iww_epsilon_and_repeated_options(capsys):
    recs = _json(
        capsys,
        [
            "xsec",
            "aprime",
            "--mass",
            "0.05",
            "--mass",
            "0.2",
            "--energy",
            "50,100",
            "--method",
            "iww",
            "--epsilon",
            "1e-4",
            "--json",
        ],
    )
    assert len(recs) == 4
    r = next(r for r in recs if r["mass"] == 0.2 and r["energy"] == 50.0)
    assert r["sigma_pb"] == pytest.approx(1e-8 * sigma_iww(0.2, 50.0), rel=1e-12)
    assert 0.0 < r["sigma_err_pb"] < 1e-6 * r["sigma_pb"]


def test_xsec_aprime_muon_beam(capsys):
    recs = _json(capsys, ["xsec", "aprime", "--mass", "0.3", "--energy", "150", "--lepton", "mu", "--json"])
    assert recs[0]["sigma_pb"] < sigma_ww(0.3, 150.0)


def test_xsec_dimuon_json_and_table(capsys):
    recs = _json(capsys, ["xsec", "dimuon", "--target", "Pb", "--energy", "1,10,100", "--json"])
    assert [r["energy"] for r in recs] == [1.0, 10.0, 100.0]
    assert recs[2]["sigma_ub"] == pytest.approx(float(sigma_total(100.0)), rel=1e-12)
    rc = main(["xsec", "dimuon", "--energy", "10"])
    out = capsys.readouterr().out
    assert rc == 0 and "334" in out


def test_width_json(capsys):
    recs = _json(
        capsys,
        [
            "width",
            "--mass",
            "0.1",
            "--mchi",
            "0.03",
            "--alpha-d",
            "0.5",
            "--epsilon",
            "1e-4",
            "--energy",
            "50",
            "--json",
        ],
    )
    w = decay_widths(0.1, 1e-4, 0.5, 0.03)
    assert recs[0]["gamma_chi"] == pytest.approx(w.gamma_chi, rel=1e-14)
    assert recs[0]["br_chi"] == pytest.approx(w.br_chi, rel=1e-14)
    assert recs[0]["decay_length_cm"] == pytest.approx(w.decay_length_cm(50.0), rel=1e-14)


def test_width_closed_invisible_channel_and_table(capsys):
    # m_χ ≥ m/2 is allowed: Γ_χ = 0 and the A′ decays visibly.
    recs = _json(capsys, ["width", "--mass", "0.1", "--mchi", "0.06", "--kind", "scalar", "--json"])
    assert recs[0]["gamma_chi"] == 0.0 and recs[0]["br_ee"] == pytest.approx(1.0)
    rc = main(["width", "--mass", "0.1,0.5", "--mchi", "0.03"])
    out = capsys.readouterr().out
    assert rc == 0 and "br_chi" in out and "m=0.5" in out


BAD_INPUTS = [
    (["xsec", "aprime", "--mass", "0"], "mass"),
    (["xsec", "aprime", "--mass", "-0.1"], "mass"),
    (["xsec", "aprime", "--mass", "100", "--energy", "100"], "mass"),
    (["xsec", "aprime", "--mass", "150", "--energy", "100"], "mass"),
    (["xsec", "aprime", "--mass", "0.1", "--target", "Xx"], "target"),
    (["xsec", "aprime", "--mass", "0.1", "--epsilon", "0"], "epsilon"),
    (["xsec", "aprime", "--mass", "0.1", "--epsilon", "-1e-4"], "epsilon"),
    (["xsec", "aprime", "--mass", "abc"], "mass"),
    (["xsec", "aprime", "--mass", "0.1", "--energy", "1e3x"], "energy"),
    (["xsec", "aprime", "--mass", "0.1", "--epsilon", "small"], "epsilon"),
    (["xsec", "aprime", "--mass", "0.1", "--method", "exact"], "method"),
    (["xsec", "aprime", "--mass", "0.1", "--lepton", "tau"], "lepton"),
    (["xsec", "aprime", "--mass", "0.05", "--lepton", "mu"], "mass"),  # Eq. 9 needs m > m_ℓ
    (["xsec", "dimuon", "--energy", "0.3"], "energy"),  # below the 4 m_μ threshold
    (["xsec", "dimuon", "--energy", "0"], "energy"),
    (["xsec", "dimuon", "--energy", "ten"], "energy"),
    (["xsec", "dimuon", "--energy", "10", "--target", "Kr"], "target"),
    (["width", "--mass", "0", "--mchi", "0.01"], "mass"),
    (["width", "--mass", "0.1", "--mchi", "0.01", "--epsilon", "0"], "epsilon"),
    (["width", "--mass", "0.1", "--mchi", "-0.01"], "mchi"),
    (["width", "--mass", "0.1", "--mchi", "0.01", "--alpha-d", "x"], "alpha-d"),
    (["width", "--mass", "0.1", "--mchi", "0.01", "--kind", "vector"], "kind"),
    (["width", "--mass", "0.1", "--mchi", "0.01", "--energy", "0.05"], "energy"),
]


@pytest.mark.parametrize(("argv", "parameter"), BAD_INPUTS)
def test_bad_input_is_one_line_exit_2(capsys, argv, parameter):
    rc = main(argv)
    out = capsys.readouterr()
    assert rc == 2
    lines = out.err.strip().splitlines()
    assert len(lines) == 1, out.err
    assert parameter in lines[0]
    assert "Traceback" not in out.err and out.out == ""
