"""Side-band exponential fit and extrapolation (spec Sec. VIII), Table IV components."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from darkmiss.analysis.background import (
    exp_integral,
    extrapolate,
    fit_exponential,
    mc_components,
    mc_sensitivities,
    sideband_c,
    validation_check,
)
from darkmiss.analysis.pseudodata import upstream_energies
from darkmiss.events.schema import Process


@pytest.mark.parametrize(
    ("p1", "p2", "a", "b"), [(-3.0, 0.3, 0.0, 50.0), (1.0, -0.1, 5.0, 9.0), (0.5, 1e-12, 0, 2)]
)
def test_exp_integral_matches_quadrature(p1, p2, a, b):
    ref, _ = integrate.quad(lambda e: np.exp(p1 + p2 * e), a, b)
    assert float(exp_integral(p1, p2, a, b)) == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fit_recovers_injected_exponential(seed):
    # closure: 3000 events from exp(0.4 E) on [40, 95]; the fit on [50, 90] recovers the slope
    # and the density normalisation within 3 sigma (Hesse errors)
    rng = np.random.default_rng(seed)
    slope, n = 0.4, 3000
    x = upstream_energies(n, slope, 40.0, 95.0, rng)
    fit = fit_exponential(x, 50.0, 90.0)
    p1_true = np.log(n * slope / (np.exp(slope * 95) - np.exp(slope * 40)))
    cov = np.array(fit.cov)
    assert fit.valid and fit.n_events == int(((x >= 50) & (x < 90)).sum())
    assert abs(fit.p2 - slope) < 3 * np.sqrt(cov[1, 1])
    assert abs(fit.p1 - p1_true) < 3 * np.sqrt(cov[0, 0])
    # the fitted integral over the fit range equals the observed count (extended ML property)
    assert float(exp_integral(fit.p1, fit.p2, 50, 90)) == pytest.approx(fit.n_events, rel=1e-3)


def test_extrapolation_uncertainty_covers_truth():
    # coverage over pseudo-experiments: truth inside value ± 2 sigma in >= 85% of 40 trials
    slope, n = 0.3, 400
    true_box = None
    hits = 0
    for seed in range(40):
        rng = np.random.default_rng(100 + seed)
        x = upstream_energies(n, slope, 1.0, 95.0, rng)
        dens = n * slope / (np.exp(slope * 95) - np.exp(slope * 1))
        true_box = dens * (np.exp(slope * 50) - 1) / slope
        est = sideband_c(x, 50.0, (50.0, 90.0), ((55.0, 90.0),), 500, rng)
        hits += abs(est.value - true_box) < 2 * est.error
    assert true_box is not None and hits >= 34


def test_too_few_events_gives_invalid_fit():
    fit = fit_exponential(np.array([60.0, 70.0]), 50.0, 90.0)
    assert not fit.valid
    assert extrapolate(fit, 0, 50, 10, np.random.default_rng(0)) == (0.0, 0.0)


def test_mc_components_scale_with_eot():
    proc = np.array([Process.DIMUON, Process.DIMUON, Process.DECAY_IN_FLIGHT], dtype=np.int8)
    w = np.array([1e-11, 2e-11, 5e-12])
    box = np.array([True, False, False])
    c = mc_components(proc, w, box, 1e10)
    assert c["loss of muons (dimuons)"] == pytest.approx((0.1, 0.1))
    # nothing passed for the decays: zero, with the one-event sensitivity reported separately
    assert c["mu, pi, K decays (Ke3)"] == (0.0, 0.0)
    # two passing events: Σw ± sqrt(Σw²) (weighted count)
    c2 = mc_components(proc, w, np.array([True, True, False]), 1e10)
    assert c2["loss of muons (dimuons)"] == pytest.approx((0.3, np.sqrt(0.1**2 + 0.2**2)))
    assert mc_sensitivities(proc, w, 1e10)["mu, pi, K decays (Ke3)"] == pytest.approx(0.05)


def test_validation_check_chi2_uses_the_fit_range_bins():
    # 4000 events from exp(-0.05 E) on [1, 80): the fit describes them, χ²/ndf about 1 (here < 2);
    # 20 bins on [1, 80), half-open like the fit range, so an event at 80 GeV is in neither
    rng = np.random.default_rng(4)
    x = upstream_energies(4000, -0.05, 1.0, 80.0, rng)
    val = validation_check(np.append(x, 80.0), (1.0, 80.0))
    assert val.fit.valid and val.fit.n_events == 4000
    assert val.ndf == 18 and val.chi2 is not None and val.chi2 / val.ndf < 2.0
    assert val.to_dict()["fit"] == val.fit.to_dict()
    assert validation_check(np.array([10.0]), (1.0, 80.0)).chi2 is None
