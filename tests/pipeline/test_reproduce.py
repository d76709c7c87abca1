"""`darkmiss reproduce`: configuration and input checks."""

from __future__ import annotations

import pytest

from darkmiss.cli.main import main
from darkmiss.config import load_preset
from darkmiss.errors import UserInputError
from darkmiss.physics.annihilation import resonance_energy
from darkmiss.pipeline.production import (
    BREMS_ONLY,
    headline_yield,
    production_notes,
    production_params,
    reproduce_production,
)
from darkmiss.pipeline.reproduce import ReproduceConfig
from darkmiss.stats.limits import SimpleYield

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
    for m in (0.0011, 0.002, 0.005, 0.0167, 0.02, 0.1, 0.2, 0.5, 0.95):  # the spec's Table V masses
        assert any(abs(m - x) < 1e-12 for x in cfg.masses)
        assert any(abs(m - x) < 1e-12 for x in cfg.plot_masses)
    assert len(cfg.plot_masses) > len(cfg.masses)  # plus a fine grid for the plots


def test_annihilation_masses_lie_in_the_resonance_window():
    # E_R = m²/(2 m_e) − m_e between the 50 GeV threshold and E0 = 100 GeV: m ≈ 0.226–0.320 GeV
    for quick in (False, True):
        cfg = ReproduceConfig.from_preset(load_preset("na64-2016"), quick=quick)
        assert cfg.annihilation_masses == (0.25,)
        assert all(50.0 < resonance_energy(m) < 100.0 for m in cfg.annihilation_masses)


def test_bad_input_one_line(capsys):
    assert main(["reproduce", "--out", "x", "--mass", "-0.1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "mass" in err and "Traceback" not in err
    assert main(["reproduce", "--out", "x", "--preset", "na99"]) == 2


# The end-to-end run of `reproduce --quick` is tests/test_readme.py: the README's own command line,
# through the console script, from a fresh working folder with a relative --out.


@pytest.mark.parametrize(
    "args",
    [
        ["--production", "bremsstrahlung"],
        ["--production", "brems,,annihilation"],
        ["--beam", "mu-"],
        ["--beam", "mu+", "--production", "brems"],
        ["--beam", "tau"],
    ],
)
def test_bad_beam_or_production_one_line(tmp_path, capsys, args):
    """A bad ``--production`` or a muon beam stops `reproduce` before any computing: exit 2, one line."""
    out = tmp_path / "out"
    assert main(["reproduce", "--out", str(out), "--quick", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_production_defaults_and_parsing():
    assert reproduce_production(None, "e-") == BREMS_ONLY  # the spec's analysis stays brems only
    assert reproduce_production(None, "e+") == ("brems", "annihilation")
    assert reproduce_production("annihilation", "e-") == ("annihilation",)
    assert reproduce_production("brems", "e+") == BREMS_ONLY
    with pytest.raises(UserInputError):
        reproduce_production("nonsense", "e+")
    assert production_params(BREMS_ONLY) == {} and production_notes("e-", BREMS_ONLY) == []
    assert any("efficiency" in n for n in production_notes("e+", ("brems", "annihilation")))


def test_headline_yield_adds_annihilation():
    rec = {
        "mass": 0.3, "yield_ww": 4.0, "yield_etl": 2.0, "yield_etl_direct": 2.1, "yield_etl_err": 0.3,
        "yield_annihilation": 6.0, "yield_annihilation_err": 0.4,
    }  # fmt: skip
    assert headline_yield(rec, BREMS_ONLY) == SimpleYield(0.3, 4.0, 2.0, 2.1, 0.3)
    both = headline_yield(rec, ("brems", "annihilation"))
    assert (both.yield_ww, both.yield_etl, both.yield_etl_direct) == (10.0, 8.0, 8.1)
    assert both.yield_etl_err == pytest.approx(0.5)  # 0.3 ⊕ 0.4
    assert headline_yield(rec, ("annihilation",)) == SimpleYield(0.3, 6.0, 6.0, 6.0, 0.4)
