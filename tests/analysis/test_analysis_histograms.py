"""Weighted histograms with hist (analysis/histograms.py) against np.histogram and direct sums."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.analysis.histograms import bin_sums, weighted_histogram, weighted_sum


def test_bin_sums_match_np_histogram_inside_the_range():
    rng = np.random.default_rng(3)
    x = rng.uniform(-5.0, 65.0, 5000)
    w = rng.exponential(1.0, 5000)
    edges = np.linspace(1.0, 60.0, 13)
    sumw, sumw2 = bin_sums(x, edges, w)
    ref_w, _ = np.histogram(x, edges, weights=w)
    ref_w2, _ = np.histogram(x, edges, weights=w**2)
    # same bins, different summation order: equal to rounding
    assert sumw == pytest.approx(ref_w, rel=1e-12)
    assert sumw2 == pytest.approx(ref_w2, rel=1e-12)
    counts, var = bin_sums(x, edges)
    assert counts.tolist() == np.histogram(x, edges)[0].astype(float).tolist() == var.tolist()


def test_last_bin_is_half_open():
    # np.histogram closes its last bin; hist does not: an entry on the upper edge is overflow
    edges = np.array([0.0, 1.0, 2.0])
    x = np.array([0.0, 1.0, 2.0])
    assert bin_sums(x, edges)[0].tolist() == [1.0, 1.0]
    assert np.histogram(x, edges)[0].tolist() == [1, 2]
    h = weighted_histogram(x, edges)
    assert h.values(flow=True).tolist() == [0.0, 1.0, 1.0, 1.0]


def test_weighted_sum_is_sumw_and_sumw2():
    w = np.array([0.5, 2.0, 3.0])
    assert weighted_sum(w) == (5.5, pytest.approx(0.25 + 4.0 + 9.0))
    assert weighted_sum(np.zeros(0)) == (0.0, 0.0)
