"""Weighted histograms and weighted counts with hist (scikit-hep): Σw and Σw² per bin
(``hist.storage.Weight``), for every weighted spectrum and count of the analysis and its figures.

Bins are half-open, [a, b), the last one too (np.histogram closes its last bin); entries outside
the edges go to hist's flow bins, which :func:`bin_sums` does not return.
"""

from __future__ import annotations

import hist
import numpy as np
from hist import accumulators


def weighted_histogram(x: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None) -> hist.Hist:
    """One-dimensional histogram of ``x`` on the bin ``edges`` (same unit as ``x``) with Σw, Σw² per bin
    (unit weights when ``weights`` is None)."""
    h = hist.Hist(hist.axis.Variable(np.asarray(edges, dtype=float)), storage=hist.storage.Weight())
    h.fill(np.asarray(x, dtype=float), weight=None if weights is None else np.asarray(weights, dtype=float))
    return h


def bin_sums(
    x: np.ndarray, edges: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(Σw, Σw²) per bin of :func:`weighted_histogram` (flow bins left out)."""
    h = weighted_histogram(x, edges, weights)
    return np.asarray(h.values(), dtype=float), np.asarray(h.variances(), dtype=float)


def weighted_sum(weights: np.ndarray) -> tuple[float, float]:
    """(Σw, Σw²) of a weighted count (a one-bin weighted histogram): the count and its variance."""
    acc = accumulators.WeightedSum()
    acc.fill(np.asarray(weights, dtype=float))
    return float(acc.value), float(acc.variance)
