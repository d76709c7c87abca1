"""Foundation: constants, materials, presets, CLI conventions."""

from __future__ import annotations

import math

import pytest

from darkmiss import constants as c
from darkmiss.cli.main import main
from darkmiss.config import load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset, select_runs
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import get_element, get_material


def test_constants_pdg():
    # PDG 2022: m_e = 0.51099895 MeV, m_mu = 105.6583755 MeV, alpha^-1 = 137.035999084
    assert c.M_E == pytest.approx(0.51099895e-3, rel=1e-8)
    assert c.M_MU == pytest.approx(0.1056583755, rel=1e-8)
    assert 1 / c.ALPHA == pytest.approx(137.035999084, rel=1e-10)
    # (hbar c)^2 = 0.3893793721 GeV^2 mb (PDG)
    assert c.HBARC_GEV_CM**2 * 1e27 == pytest.approx(0.3893793721, rel=1e-8)
    assert c.GEV2_TO_PB == pytest.approx(c.HBARC_GEV_CM**2 / c.PB_TO_CM2, rel=1e-8)
    # classical electron radius 2.8179403262e-13 cm (CODATA 2018)
    assert c.R_E_CM == pytest.approx(2.8179403262e-13, rel=1e-8)


def test_lead_properties():
    pb = get_element("Pb")
    assert pb.x0_cm == pytest.approx(0.5612, rel=2e-3)  # PDG: 0.5612 cm
    assert pb.lambda_int_cm == pytest.approx(17.59, rel=2e-3)  # PDG: 17.59 cm
    assert pb.moliere_radius_cm == pytest.approx(1.602, rel=1e-2)  # PDG: 1.602 cm
    # n = rho N_A / A = 3.299e22 atoms/cm^3
    assert pb.atoms_per_cm3 == pytest.approx(3.299e22, rel=1e-3)


def test_materials_unknown():
    with pytest.raises(UserInputError, match="target"):
        get_element("Xx")
    with pytest.raises(UserInputError):
        get_material("unobtainium")
    assert get_material("Sc").z_eff < 6


def test_preset_geometry():
    p = load_preset("na64-2016")
    g = SetupGeometry.from_preset(p)
    # spec Sec. III: ECAL ~40 X0 with a ~4 X0 preshower; HCAL module ~7 lambda_int
    assert g.ecal.total_x0 == pytest.approx(40.0, abs=1.5)
    assert g.ps_x0 == pytest.approx(4.0, abs=0.5)
    assert g.hcal.total_lambda == pytest.approx(7.0, abs=0.6)
    assert (
        g.n_hcal_modules * g.hcal.total_lambda + 0 > 28
    )  # ~30 lambda_int for the whole HCAL (spec Sec. III)
    runs = runs_from_preset(p)
    assert sum(r.eot for r in runs.values()) == pytest.approx(4.3e10, rel=1e-9)  # spec Sec. IV
    assert [r.name for r in select_runs(p, "all")] == ["I", "II", "III"]
    with pytest.raises(UserInputError, match="run"):
        select_runs(p, "IV")
    assert math.isclose(runs["III"].rate_hz, 4.6e6 / 4.8)


def test_unknown_preset():
    with pytest.raises(UserInputError, match="preset"):
        load_preset("na99")


def test_cli_errors(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert main(["--version"]) == 0
