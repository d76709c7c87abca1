"""k-factor k = σ_WW/σ_ETL (spec Eq. 12), its shipped table and the ``darkmiss kfactor`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from darkmiss.cache import cache_dir
from darkmiss.cli.main import main
from darkmiss.constants import M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.kfactor import (
    TABLE_PATH,
    build_table,
    compare_targets,
    compute_kfactor,
    kfactor,
    load_table,
    point_seed,
)


def test_k_at_100_mev_100_gev_lead():
    # Spec Sec. II: "for m_A′ = 100 MeV and E0 = 100 GeV, the ETL cross sections ... are smaller by a
    # factor 1.7 than the corresponding WW cross-sections" → k = 1.7 within 7%.
    k = kfactor(0.1, 100.0, "Pb", use_table=False)
    assert k.source[()] == "computed"
    assert float(k.k) == pytest.approx(1.7, rel=0.07)
    assert float(k.k_err / k.k) <= 0.005
    tab = kfactor(0.1, 100.0, "Pb")
    assert tab.source[()] == "table"
    assert abs(float(tab.k) - float(k.k)) < 0.02 * float(k.k)  # interpolation + statistics


def test_etl_exceeds_ww_below_4_mev():
    # Spec Sec. II: σ_EXACT exceeds σ_WW for masses below 5 MeV (here tested for 1 MeV ≤ m < 4 MeV at 100 GeV).
    k = kfactor([0.001, 0.0015, 0.002, 0.003, 0.0039], 100.0, "Pb", use_table=False)
    assert np.all(k.k + 3 * k.k_err < 1.0)


def test_w_and_pb_differ_by_per_mille_resolved_with_common_random_numbers():
    # Spec Sec. II: for W and Pb "the deviation is about 0.5%". One vegas run for both targets: the
    # correlated error of k_W/k_Pb − 1 must be far below the independent-run error, so the difference is resolved.
    c = compare_targets(0.1, 100.0, ("W", "Pb"))
    assert c.targets == ("W", "Pb")
    assert abs(c.rel_diff) < 0.01
    assert c.rel_diff_err < 0.1 * c.rel_diff_err_uncorrelated
    assert abs(c.rel_diff) > 5 * c.rel_diff_err
    # the same numbers from the individual k values (means agree; only the error differs)
    assert c.k[0] / c.k[1] - 1 == pytest.approx(c.rel_diff, rel=1e-9)


def test_shipped_table_layout():
    assert TABLE_PATH.exists()
    assert TABLE_PATH.stat().st_size < 1_000_000
    t = load_table()
    assert t is not None
    assert set(t.targets) >= {"Pb", "W"}
    assert len(t.masses) >= 40 and len(t.energies) >= 8
    assert t.masses[0] == pytest.approx(1e-3) and t.masses[-1] == pytest.approx(3.0)
    assert t.energies[0] == pytest.approx(10.0) and t.energies[-1] == pytest.approx(200.0)
    assert np.allclose(np.diff(np.log(t.masses)), np.log(t.masses[1] / t.masses[0]))  # log-spaced
    assert np.all(np.isfinite(t.k)) and np.all(t.k > 0)
    assert np.all(t.k_err / t.k <= t.rel_precision)


def test_shipped_table_points_are_reproduced():
    # A random sample of table points recomputed with an independent seed agrees within 4σ (combined),
    # and one point recomputed with its own table seed is reproduced exactly.
    t = load_table()
    assert t is not None
    rng = np.random.default_rng()
    n = len(t.masses) * len(t.energies)
    for flat in rng.choice(n, size=3, replace=False):
        i, j = divmod(int(flat), len(t.energies))
        it = int(rng.integers(len(t.targets)))
        m, e, tg = float(t.masses[i]), float(t.energies[j]), t.targets[it]
        p = compute_kfactor(m, e, tg, seed=12345 + int(flat), use_cache=False)
        sig = np.hypot(p.k_err, t.k_err[it, i, j])
        assert abs(p.k - t.k[it, i, j]) < 4 * sig, (m, e, tg, p.k, t.k[it, i, j])
    i, j = 5, 3
    own = compute_kfactor(
        float(t.masses[i]),
        float(t.energies[j]),
        t.targets[0],
        seed=point_seed(t.seed, i * len(t.energies) + j, n),
        use_cache=False,
    )
    assert own.k == pytest.approx(float(t.k[0, i, j]), rel=1e-12)


def test_interpolation_nodes_and_between():
    t = load_table()
    assert t is not None
    at_nodes = kfactor(t.masses[10:13], t.energies[4], "W")
    assert np.allclose(at_nodes.k, t.k[t.targets.index("W"), 10:13, 4], rtol=1e-9)
    m, e = float(np.sqrt(t.masses[20] * t.masses[21])), 70.0
    between = kfactor(m, e, "Pb")
    direct = kfactor(m, e, "Pb", use_table=False)
    assert float(between.k) == pytest.approx(float(direct.k), rel=0.01)


def test_outside_table_is_computed_and_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("DARKMISS_CACHE", str(tmp_path))
    k1 = kfactor([0.5, 5.0], 150.0, "Pb")
    assert list(k1.source) == ["table", "computed"]
    assert len(list((cache_dir() / "kfactor").glob("*.json"))) == 1
    k2 = kfactor(5.0, 150.0, "Pb")
    assert float(k2.k) == float(k1.k[1])
    cu = kfactor(0.1, 100.0, "Cu")  # other target: on demand
    assert cu.source[()] == "computed" and 1.0 < float(cu.k) < 3.0
    mu = kfactor(0.5, 100.0, "Pb", lepton_mass=M_MU)  # muon beam: the shipped muon table
    assert mu.source[()] == "table" and np.isfinite(mu.k)
    mu_out = kfactor(0.5, 300.0, "Pb", lepton_mass=M_MU)  # above the table's energies: on demand
    assert mu_out.source[()] == "computed" and np.isfinite(mu_out.k)


def test_kfactor_bad_input():
    with pytest.raises(UserInputError):
        kfactor(-0.1, 100.0)
    with pytest.raises(UserInputError):
        kfactor(0.1, 100.0, "Unobtainium")
    with pytest.raises(UserInputError):
        kfactor(0.05, 100.0, lepton_mass=M_MU)  # Eq. 9 needs m > m_ℓ


def test_build_table_independent_of_workers(tmp_path):
    kw = {"targets": ("Pb",), "masses": [0.01, 0.1], "energies": [20.0, 100.0], "seed": 4}
    a = build_table(workers=1, out=tmp_path / "a.npz", **kw)
    b = build_table(workers=2, out=tmp_path / "b.npz", **kw)
    ta, tb = load_table(a), load_table(b)
    assert ta is not None and tb is not None
    assert np.array_equal(ta.k, tb.k) and np.array_equal(ta.k_err, tb.k_err)


def test_cli_kfactor_json(capsys):
    rc = main(["kfactor", "--target", "Pb", "--energy", "100", "--mass", "0.001,0.01,0.1,1.0", "--json"])
    assert rc == 0
    recs = json.loads(capsys.readouterr().out)
    assert len(recs) == 4
    for r in recs:
        assert {"mass", "energy", "k", "k_err"} <= set(r)
        assert r["energy"] == 100.0 and r["k_err"] > 0
    assert recs[2]["k"] == pytest.approx(1.7, rel=0.07)


def test_cli_kfactor_build(tmp_path, capsys):
    out = tmp_path / "k.npz"
    rc = main(
        [
            "kfactor",
            "--build",
            "--target",
            "W",
            "--mass",
            "0.02,0.2",
            "--energy",
            "50,100",
            "--workers",
            "1",
            "--out",
            str(out),
            "--json",
        ]
    )
    assert rc == 0
    rec = json.loads(capsys.readouterr().out)
    assert rec["targets"] == ["W"] and rec["n_masses"] == 2 and out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["kfactor", "--mass", "-1", "--energy", "100"],
        ["kfactor", "--mass", "0.1", "--energy", "abc"],
        ["kfactor", "--mass", "0.1", "--energy", "100", "--target", "Xx"],
        ["kfactor", "--mass", "0.1", "--energy", "100", "--lepton", "tau"],
        ["kfactor", "--mass", "0.1", "--energy", "100", "--workers", "0"],
    ],
)
def test_cli_bad_input_one_line_exit_2(argv, capsys):
    rc = main(argv)
    assert rc == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("darkmiss: error:") and "\n" not in err


def test_cli_plot_kfactor_figure(tmp_path, capsys):
    out = tmp_path / "fig2.png"
    rc = main(["plot", "kfactor", "--mass", "0.01,0.1", "--out", str(out), "--json"])
    assert rc == 0
    recs = json.loads(capsys.readouterr().out)
    assert [r["mass"] for r in recs] == [0.01, 0.1]
    assert out.exists() and out.stat().st_size > 1000
    k100 = np.interp(100.0, recs[1]["energy"], recs[1]["k"])  # spec Fig. 2 / Sec. II: ≈ 1.7
    assert k100 == pytest.approx(1.7, rel=0.07)


@settings(max_examples=8)
@given(lm=st.floats(np.log(1e-3), np.log(3.0)), le=st.floats(np.log(10.0), np.log(200.0)))
def test_table_interpolation_matches_direct_computation(lm, le):
    # Anywhere inside the grid the interpolated k agrees with a direct computation within 1% (measured
    # interpolation error: rms 0.18%, max 0.44%) plus 3σ of statistics.
    m, e = float(np.exp(lm)), float(np.exp(le))
    tab = kfactor(m, e, "Pb")
    direct = compute_kfactor(m, e, "Pb", seed=99, use_cache=False)
    assert tab.source[()] == "table"
    assert abs(float(tab.k) - direct.k) < 0.01 * direct.k + 3 * np.hypot(float(tab.k_err), direct.k_err)
