"""Calorimeter response: resolution as a result, fast vs detailed, calibration, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from iminuit import Minuit
from iminuit.cost import LeastSquares

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import UserInputError
from darkmiss.shower.response import _raw_response, default_settings, em_response


@pytest.fixture(scope="module")
def setup() -> SetupGeometry:
    return SetupGeometry.from_preset(load_preset("na64-2016"))


def test_ecal_resolution_is_a_result(setup):
    # spec Sec. III: δE/E ≈ 0.1/√E. Fit a/√E ⊕ b to the simulated spread (iminuit).
    rng = np.random.default_rng(2016)
    energies = np.array([5.0, 20.0, 100.0])
    res, err = [], []
    for e in energies:
        n = 300
        r = em_response(np.full(n, e), 1.9, 1.9, setup, rng)
        tot = r.ecal.sum(axis=(1, 2)) + r.ps.sum(axis=(1, 2))
        s = tot.std() / tot.mean()
        res.append(s)
        err.append(s / np.sqrt(2 * (n - 1)))
        # calibration: the mean calibrated energy is the beam energy within 2 %
        assert tot.mean() == pytest.approx(e, rel=0.02)

    def model(x, a, b):
        return np.sqrt(a**2 / x + b**2)

    m = Minuit(LeastSquares(energies, np.array(res), np.array(err), model), a=0.1, b=0.01)
    m.limits["b"] = (0, 0.1)
    m.migrad()
    a = m.values["a"]
    assert 0.07 < a < 0.13  # ≈ 0.1/√E within 30 %


def test_fast_vs_detailed_shapes(setup):
    # fast vs detailed mean longitudinal split (PS / ECAL) and cell sharing
    settings = default_settings()
    n = 60
    out = {}
    for mode in ("fast", "detailed"):
        rng = np.random.default_rng(4)
        raw = _raw_response(
            np.full(n, 4.0), np.full(n, 1.9), np.full(n, 1.9), 0.0, 11, setup, settings, rng, mode
        )
        v = raw.visible.mean(axis=0)
        tot = v[:72].sum()
        out[mode] = (v[:36].sum() / tot, v[36 + 21] / tot, tot)
    f, d = out["fast"], out["detailed"]
    # PS share of the visible energy and central-cell share (shapes, normalised)
    assert f[0] == pytest.approx(d[0], rel=0.25)
    assert f[1] == pytest.approx(d[1], rel=0.10)


def test_bad_input(setup):
    rng = np.random.default_rng(0)
    with pytest.raises(UserInputError):
        em_response([-1.0], 0, 0, setup, rng)
    with pytest.raises(UserInputError):
        em_response([10.0], 0, 0, setup, rng, particle="pi-")
    with pytest.raises(UserInputError):
        em_response([10.0], 0, 0, setup, rng, mode="slow")


def test_fast_vs_detailed_calibrated_cells(setup):
    # fast vs detailed mean cell energies (calibrated, each mode with its own calibration)
    n = 80
    means = {}
    for mode in ("fast", "detailed"):
        rng = np.random.default_rng(8)
        r = em_response(np.full(n, 10.0), 1.9, 1.9, setup, rng, mode=mode)
        means[mode] = (r.ecal.mean(axis=0), r.ps.sum(axis=(1, 2)).mean())
    (ef, pf), (ed, pd) = means["fast"], means["detailed"]
    # central cell (row 3, column 3) and the 3×3 around it; measured differences: +6 % and +1 % (docs)
    assert ef[3, 3] == pytest.approx(ed[3, 3], rel=0.10)
    assert ef[2:5, 2:5].sum() == pytest.approx(ed[2:5, 2:5].sum(), rel=0.05)
    # preshower: fast is ≈ 10 % low (the parametrised showers start later), tolerance 20 %
    assert pf == pytest.approx(pd, rel=0.2)


def test_signal_weights_match_yield(setup):
    # the weight sum of the forced-emission sample is the A′ yield per EOT (yield_etl of darkmiss.shower.yields)
    from darkmiss.shower.response import signal_sample
    from darkmiss.shower.yields import aprime_yields

    ref = aprime_yields(load_preset("na64-2016"), [0.02], showers=2000, seed=1)[0]
    s = signal_sample(0.02, 400, setup, np.random.default_rng(9))
    w = s.weight
    err = np.hypot(w.std() / np.sqrt(w.size), ref.yield_etl_err)
    assert abs(w.mean() - ref.yield_etl) < 4 * err
    # A′ above threshold (default: half the beam energy) and E_A′ + E_ECAL ≈ E_beam
    assert np.all(s.aprime_energy >= 50.0)
    e_ecal = s.response.ecal.sum(axis=(1, 2)) + s.response.ps.sum(axis=(1, 2))
    assert np.average(e_ecal + s.aprime_energy, weights=w) == pytest.approx(100.0, rel=0.02)


def test_cli_signal_ecal(tmp_path, capsys):
    import json

    from darkmiss.cli.main import main

    out = tmp_path / "fig6.png"
    rc = main(["plot", "signal-ecal", "--mass", "0.002,0.2", "--showers", "60", "--out", str(out), "--json"])
    assert rc == 0
    rec = json.loads(capsys.readouterr().out)
    assert out.exists() and out.stat().st_size > 0
    # heavier A′ take more energy: less is left in the ECAL (spec Fig. 6)
    assert rec["mean_ecal"][0] > rec["mean_ecal"][1]
    rc = main(["plot", "signal-ecal", "--mass", "-1", "--out", str(out)])
    assert rc == 2


def test_energy_bookkeeping_full_chain(setup):
    # fast chain (cascade + GFlash) and detailed: Σ deposited + leak = available energy E − m_e of each e⁻
    from darkmiss.constants import M_E

    for mode in ("fast", "detailed"):
        rng = np.random.default_rng(12)
        e = np.array([1.0, 7.0, 30.0])
        raw = _raw_response(e, np.zeros(3), np.full(3, 2.0), 0.0, 11, setup, default_settings(), rng, mode)
        np.testing.assert_allclose(raw.deposited.sum(axis=1) + raw.leak, e - M_E, rtol=1e-6)
        assert np.all(raw.visible.sum(axis=1) < 0.2 * raw.deposited.sum(axis=1))  # sampling fraction ≈ 0.1


def test_forced_showers_without_the_forced_process_are_not_completed(setup):
    # a dimuon shower with no γ → μμ conversion (weight 0) is not an event of the sample: its handoff
    # showers are not deposited; a converted one keeps Σ deposited + leak = E − m_e
    from darkmiss.constants import M_E

    rng = np.random.default_rng(3)
    e = np.full(60, 100.0)
    zero = np.zeros(60)
    raw = _raw_response(
        e, zero, zero, 0.0, 11, setup, default_settings(), rng, "fast", force=("dimuon", 60.0)
    )
    live = raw.weight > 0
    assert 0 < live.sum() < live.size
    total = raw.deposited.sum(axis=1) + raw.leak
    np.testing.assert_allclose(total[live], 100.0 - M_E, rtol=1e-6)
    assert np.all(total[~live] < 0.9 * (100.0 - M_E))
