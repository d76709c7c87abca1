"""numpy's PCG64 inside numba kernels (darkmiss.shower.pcg64): the same numbers as numpy's Generator."""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from darkmiss.shower import pcg64


@numba.njit(cache=True)
def _draw(state: np.ndarray, n: int, what: int, d: float, c: float) -> np.ndarray:
    out = np.empty(n)
    for i in range(n):
        if what == 0:
            out[i] = pcg64.uniform(state)
        elif what == 1:
            out[i] = pcg64.normal(state)
        elif what == 2:
            out[i] = pcg64.gamma_mt(state, d, c)
        elif what == 3:
            out[i] = pcg64.exponential(state)
        elif what == 4:
            out[i] = pcg64.gamma(state, d)
        else:
            out[i] = pcg64.poisson(state, d)
    return out


@numba.njit(cache=True)
def _raw(state: np.ndarray, n: int) -> np.ndarray:
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = pcg64.next_uint64(state)
    return out


def _draws(rng: np.random.Generator, n: int, what: int, alpha: float = 2.0) -> np.ndarray:
    d = alpha - 1.0 / 3.0
    with pcg64.drawing(rng) as state:
        return _draw(state, n, what, d, 1.0 / math.sqrt(9.0 * d))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**63 - 1), n=st.integers(0, 3000))
def test_uniforms_are_numpys_bit_for_bit(seed, n):
    # numpy's PCG64: random() = (next_uint64 >> 11) * 2^-53; after restore the Generator goes on as numpy would
    rng = np.random.default_rng(seed)
    ref = np.random.default_rng(seed)
    assert np.array_equal(_draws(rng, n, 0), ref.random(n))
    assert np.array_equal(rng.random(5), ref.random(5))
    assert rng.bit_generator.state == ref.bit_generator.state


def test_raw_outputs_are_numpys():
    rng = np.random.default_rng(2024)
    state = pcg64.state_of(rng)
    assert np.array_equal(_raw(state, 1000), np.random.default_rng(2024).bit_generator.random_raw(1000))


def test_normals_follow_numpys_ziggurat():
    # the same ziggurat on the same 64-bit draws: equal to numpy's standard_normal draw for draw, to the last
    # bits of the recomputed tables (a different accept/reject decision would put the streams out of step)
    rng = np.random.default_rng(99)
    ours = _draws(rng, 200_000, 1)
    ref = np.random.default_rng(99).standard_normal(200_000)
    np.testing.assert_allclose(ours, ref, rtol=1e-8, atol=1e-12)
    # and N(0, 1): Kolmogorov-Smirnov, fixed seed (p ≈ uniform under the hypothesis; 1e-3 flags a wrong table)
    assert stats.kstest(ours, "norm").pvalue > 1e-3
    assert abs(ours.mean()) < 5 / math.sqrt(ours.size)
    assert ours.var() == pytest.approx(1.0, abs=5 * math.sqrt(2 / ours.size))


@pytest.mark.parametrize("alpha", [1.1, 2.5, 7.0])
def test_gamma_distribution(alpha):
    g = _draws(np.random.default_rng(int(alpha * 10)), 50_000, 2, alpha)
    assert stats.kstest(g, "gamma", args=(alpha,)).pvalue > 1e-3
    # mean α, variance α (Γ(α, 1)); 5 standard errors
    assert g.mean() == pytest.approx(alpha, abs=5 * math.sqrt(alpha / g.size))
    assert g.var() == pytest.approx(alpha, rel=5 * math.sqrt((6 / alpha + 2) / g.size))


def test_exponential_distribution():
    x = _draws(np.random.default_rng(5), 50_000, 3)
    assert stats.kstest(x, "expon").pvalue > 1e-3


def test_other_bit_generators_hand_over_a_seeded_pcg64():
    # a Generator on Philox gives a PCG64 seeded from its own stream: reproducible, and its stream moves on
    a = np.random.Generator(np.random.Philox(3))
    b = np.random.Generator(np.random.Philox(3))
    sa, sb = pcg64.state_of(a), pcg64.state_of(b)
    assert np.array_equal(sa, sb)
    x = _draw(sa, 10, 0, 1.0, 1.0)
    pcg64.restore(a, sa)
    assert np.array_equal(x, _draw(sb, 10, 0, 1.0, 1.0))
    assert a.random() == b.random()
    assert not np.array_equal(pcg64.state_of(a), pcg64.state_of(np.random.Generator(np.random.Philox(3))))


@pytest.mark.parametrize("alpha", [0.3, 0.9, 1.0, 15.0])
def test_gamma_any_shape(alpha):
    # shape < 1 through Γ(α + 1) U^(1/α); Kolmogorov-Smirnov against scipy, fixed seed
    state = pcg64.state_of(np.random.default_rng(17))
    g = _draw(state, 50_000, 4, alpha, 0.0)
    assert stats.kstest(g, "gamma", args=(alpha,)).pvalue > 1e-3
    assert _draw(state, 3, 4, 0.0, 0.0).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("lam", [0.05, 3.0, 27.5])
def test_poisson(lam):
    # χ² of the counts against scipy's pmf (bins with an expectation ≥ 5, the tails pooled); 27.5 is summed
    # from parts of mean ≤ 10
    n = 100_000
    k = _draw(pcg64.state_of(np.random.default_rng(int(lam * 100))), n, 5, lam, 0.0).astype(int)
    kmax = int(stats.poisson.ppf(1 - 1e-4, lam))
    kmin = int(stats.poisson.ppf(1e-4, lam))
    obs = np.array([(k <= kmin).sum(), *[(k == j).sum() for j in range(kmin + 1, kmax)], (k >= kmax).sum()])
    p = np.array(
        [
            stats.poisson.cdf(kmin, lam),
            *stats.poisson.pmf(np.arange(kmin + 1, kmax), lam),
            stats.poisson.sf(kmax - 1, lam),
        ]
    )
    keep = p * n >= 5
    chi2 = (((obs - n * p) ** 2) / (n * p))[keep].sum()
    assert stats.chi2.sf(chi2, keep.sum() - 1) > 1e-3
    assert _draw(pcg64.state_of(np.random.default_rng(1)), 3, 5, 0.0, 0.0).tolist() == [0.0, 0.0, 0.0]
