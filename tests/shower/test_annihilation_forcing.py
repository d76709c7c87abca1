"""Tests of the forced resonant annihilation of shower positrons in the cascade
(``run_cascade(force=("annihilation", mass, threshold))``) against the positron track-length tally
folded with the same Breit–Wigner (darkmiss.shower.annihilation.annihilation_yield): both are
Σ n_e σ(E) Δs over the positron steps in the active target above the threshold, so the mean forced
weight per shower must equal the tally's yield — exactly up to the tally's binning for the same
histories, and within the Monte-Carlo errors for independent showers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkmiss.constants import M_E
from darkmiss.errors import UserInputError
from darkmiss.physics.annihilation import vector_resonance
from darkmiss.shower.annihilation import annihilation_yield
from darkmiss.shower.cascade import Primaries, run_cascade
from darkmiss.shower.tally import PositronTally, log_edges
from darkmiss.shower.yields import setup_geometry

THRESHOLD = 50.0
KC = 0.01  # the preset's yield_kc


def _tally(n: int, seed: int) -> PositronTally:
    out = run_cascade(
        Primaries.beam(n, 100.0), setup_geometry("na64-2016"), mode="yield", seed=seed, ecut=KC, kc=KC,
        yield_emin=THRESHOLD, positron_edges=log_edges(THRESHOLD, 100.01, 200),
    )  # fmt: skip
    assert out.positrons is not None
    return out.positrons


def _forced(n: int, seed: int, mass: float, mode: str = "yield") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    kw = {"ecut": KC, "kc": KC} if mode == "yield" else {}
    out = run_cascade(
        Primaries.beam(n, 100.0), setup_geometry("na64-2016"), mode=mode, seed=seed,
        force=("annihilation", mass, THRESHOLD), **kw,
    )  # fmt: skip
    return out.weight, out.aprime_energy, out.energy_sum()


@pytest.mark.parametrize("mass", [0.22, 0.25, 0.3])
def test_forced_weight_equals_tally_fold_same_histories(mass):
    # Same seed, same cut: the forced pass 1 sees the tally's positron steps one by one, so
    # Σw = Σ n_e σ(E) Δs differs from the binned fold only by the tally's dT₊/dE interpolation
    # (1.16% bins against a Breit–Wigner 30% wide): tolerance 0.5%.
    n = 4000
    w, _, _ = _forced(n, 11, mass)
    y, err, _ = annihilation_yield(_tally(n, 11), vector_resonance(mass), THRESHOLD)
    assert w.mean() == pytest.approx(y, rel=5e-3)
    assert err > 0


@pytest.mark.parametrize("mass", [0.22, 0.25, 0.3])
def test_forced_weight_equals_tally_yield_within_mc_errors(mass):
    # Independent showers (seeds 7 and 123), 2 × 10⁴ each: ≈ 3.5% statistical error each; the
    # difference must lie within 4 combined standard deviations.
    n = 20_000
    w, _, _ = _forced(n, 123, mass)
    y, err, _ = annihilation_yield(_tally(n, 7), vector_resonance(mass), THRESHOLD)
    mean, sem = w.mean(), w.std(ddof=1) / math.sqrt(n)
    assert abs(mean - y) < 4.0 * math.hypot(sem, err), (mean, sem, y, err)


def test_forced_event_energy_and_missing_energy():
    # One annihilation per shower with a positron above the threshold: its energy + m_e is missing
    # (above the threshold), the shower's energy is conserved, showers without one have weight 0.
    w, miss, tot = _forced(400, 5, 0.25, mode="fast")
    fired = w > 0
    assert 0.03 < fired.mean() < 0.3
    assert np.all(miss[fired] >= THRESHOLD + M_E - 0.1)  # continuous loss of the last step
    assert np.all(miss[fired] <= 100.0 + M_E)
    assert np.all(miss[~fired] == 0.0)
    np.testing.assert_allclose(tot, 100.0 - M_E, rtol=1e-9)


def test_forced_annihilation_threshold_below_split_energy_refused():
    with pytest.raises(UserInputError):
        run_cascade(
            Primaries.beam(2, 100.0), setup_geometry("na64-2016"), mode="fast", split_energy=3.0,
            force=("annihilation", 0.25, 2.0),
        )  # fmt: skip
    with pytest.raises(UserInputError):
        run_cascade(Primaries.beam(2, 100.0), setup_geometry("na64-2016"), force=("annihilation", 0.25))
