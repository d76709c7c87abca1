"""Regression pins: the headline limits of the README's main command with ``--quick`` (seed 0, 2 workers)
at 0.002, 0.0167 and 0.1 GeV stay within 3σ of their Monte-Carlo error ``epsilon_etl_err`` (the yield
and signal-efficiency statistics propagated into ε, darkmiss.stats.limits.epsilon_mc_error).

A change that alters the physics on purpose resets these pins in the same commit, and says why in the
commit message. The run is the session's one quick reproduction (conftest.quick_reproduction).
"""

from __future__ import annotations

import json

import pytest

#: ε_ETL (exact CLs, k-factor yields) of `reproduce --preset na64-2016 --quick --workers 2`, seed 0.
#: Reset when the ECAL waveforms came to be kept by the in-gate E_ECAL (docs/parameter-changes.md #17): the
#: pile-up fit now removes out-of-time pile-up from every triggered event, f and ε_tot rose, and the limits
#: moved by −4.0 to −4.4% (before: 1.2588e-4, 5.7367e-4, 3.2992e-3).
PINS = {0.002: 1.2031e-4, 0.0167: 5.504e-4, 0.1: 3.1666e-3}


@pytest.mark.slow
def test_quick_headline_limits_stay_within_three_sigma(quick_reproduction):
    assert quick_reproduction.proc.returncode == 0, quick_reproduction.proc.stderr[-3000:]
    res = json.loads((quick_reproduction.root / "results.json").read_text(encoding="utf-8"))
    rows = {round(r["mass"], 6): r for r in res["limits"]}
    for mass, pin in PINS.items():
        row = rows[mass]
        eps, err = row["epsilon_etl"], row["epsilon_etl_err"]
        # the error is the Monte-Carlo statistics of --quick: percent level, never zero
        assert 1e-3 < err / eps < 0.2, (mass, eps, err)
        assert abs(eps - pin) < 3 * err, f"m = {mass} GeV: ε = {eps:.5g}, pinned {pin:.5g} ± 3 × {err:.2g}"


#: ``epsilon_total`` at 0.2512 GeV (brems + resonant annihilation of shower positrons, each signal at its
#: own efficiency from the setup simulation) and the headline ε there, of the same run; the total must stay
#: within 10% (the annihilation yield's and efficiency's Monte-Carlo statistics of --quick are a few %).
TOTAL_PIN = (0.2512, 2.947e-3, 9.634e-3)


@pytest.mark.slow
def test_quick_annihilation_column_stays(quick_reproduction):
    res = json.loads((quick_reproduction.root / "results.json").read_text(encoding="utf-8"))
    mass, total, headline = TOTAL_PIN
    row = {round(r["mass"], 6): r for r in res["limits"]}[mass]
    assert row["epsilon_total"] == pytest.approx(total, rel=0.10)
    # the resonance window: annihilation dominates there, the total is ~3× below the brems-only headline
    assert row["epsilon_etl"] / row["epsilon_total"] == pytest.approx(headline / total, rel=0.10)
