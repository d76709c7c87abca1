"""`darkmiss reproduce`: configuration and input checks."""

from __future__ import annotations

from darkmiss.cli.main import main
from darkmiss.config import load_preset
from darkmiss.physics.annihilation import resonance_energy
from darkmiss.pipeline.reproduce import ReproduceConfig

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
