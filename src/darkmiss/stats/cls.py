"""Exact CLs for multi-channel counting experiments (spec Sec. IX; Read, J. Phys. G 28, 2693 (2002)).

Test statistic: the one-sided profile-likelihood ratio q̃_μ of Cowan, Cranmer, Gross, Vitells,
EPJC 71, 1554 (2011), Eq. 16, with μ̂ bounded to [0, μ] and evaluated at the nominal nuisance values.
The p-values are *exact* Poisson sums over every outcome (n_1, ..., n_k) of the channels:

    CL_{s+b}(μ) = P(q̃_μ ≥ q̃_μ,obs | μ),   CL_b(μ) = P(q̃_μ ≥ q̃_μ,obs | 0),   CLs = CL_{s+b}/CL_b,

and the upper limit at confidence ``cl`` solves CLs(μ) = 1 − cl. Nuisances are **integrated**
(Cousins & Highland, NIM A 320, 331 (1992)): the outcome probabilities are averaged over the
log-normal priors with scrambled-Sobol draws. For zero observed events only the outcome n = 0 has
q̃ ≥ q̃_obs, so CLs = e^{−μ s} for any background and N90 = ln 10 = 2.303 events without nuisances.
Signal strengths μ multiply the channel signals; counts are events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
from scipy import optimize, special, stats

from darkmiss.errors import UserInputError
from darkmiss.stats.model import CountingModel

_MAX_OUTCOMES = 2_000_000
_B_FLOOR = 1e-12
#: Largest (nuisance draws × outcomes) matrix of Poisson log-probabilities held at once (32 MB); larger
#: outcome sets are summed in blocks of outcomes, so memory stays bounded whatever the background.
_BLOCK_ELEMENTS = 4_000_000


def _outcome_blocks(n_outcomes: int, n_draws: int) -> list[slice]:
    """Slices of at most ``_BLOCK_ELEMENTS / n_draws`` outcomes covering ``n_outcomes`` (one slice when
    they fit, so that small sums are computed exactly as in one piece)."""
    step = max(1, _BLOCK_ELEMENTS // max(n_draws, 1))
    return [slice(i, min(i + step, n_outcomes)) for i in range(0, max(n_outcomes, 1), step)]


def nuisance_multipliers(
    model: CountingModel, n_samples: int, seed: int, *, integrate: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Log-normal rate multipliers of signal and background, shape (n_samples, n_channels).

    θ ~ N(0, 1) per nuisance from a scrambled Sobol sequence (``seed``); multiplier = exp(Σ θ ln κ).
    With ``integrate=False`` (or no nuisances) a single draw of ones.
    """
    names, ks, kb = model.log_kappas()
    n_ch = len(model.channels)
    if not integrate or not names:
        return np.ones((1, n_ch)), np.ones((1, n_ch))
    m = int(2 ** math.ceil(math.log2(max(n_samples, 2))))
    u = stats.qmc.Sobol(d=len(names), scramble=True, seed=seed).random(m)
    theta = special.ndtri(np.clip(u, 1e-12, 1 - 1e-12))
    return np.exp(theta @ ks), np.exp(theta @ kb)


@numba.njit(cache=True)
def _mu_hat_kernel(n: np.ndarray, s: np.ndarray, b: np.ndarray) -> np.ndarray:  # pragma: no cover - numba
    n_out, n_ch = n.shape
    stot = 0.0
    for j in range(n_ch):
        stot += s[j]
    out = np.zeros(n_out)
    if stot <= 0.0:
        return out
    for k in range(n_out):
        score0 = -stot
        ntot = 0.0
        for j in range(n_ch):
            score0 += n[k, j] * s[j] / b[j]
            ntot += n[k, j]
        if score0 <= 0.0:
            continue
        lo = 0.0
        hi = ntot / stot  # the score is negative above Σn/Σs
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            sc = -stot
            for j in range(n_ch):
                sc += n[k, j] * s[j] / (mid * s[j] + b[j])
            if sc > 0.0:
                lo = mid
            else:
                hi = mid
            if hi - lo <= 1e-13 * hi:
                break
        out[k] = 0.5 * (lo + hi)
    return out


def _mu_hat(n: np.ndarray, s: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Maximum-likelihood μ ≥ 0 for outcomes ``n`` (n_out × n_ch): bisection on the score (numba)."""
    return _mu_hat_kernel(
        np.ascontiguousarray(n, dtype=np.float64),
        np.asarray(s, dtype=np.float64),
        np.asarray(b, dtype=np.float64),
    )


def _loglik(n: np.ndarray, lam: np.ndarray) -> np.ndarray:
    return (n * np.log(lam) - lam).sum(axis=-1)


@dataclass
class ExactCLs:
    """Exact CLs of a counting model for one set of observed counts.

    ``observed`` defaults to the model's; the signal multipliers and background multipliers are the
    nuisance draws of :func:`nuisance_multipliers` (ones: no nuisances).
    """

    model: CountingModel
    observed: np.ndarray
    sig_mult: np.ndarray
    bkg_mult: np.ndarray
    tail_probability: float = 1e-10
    shared: dict[Any, Any] | None = None

    @classmethod
    def build(
        cls,
        model: CountingModel,
        observed: Sequence[int] | None = None,
        *,
        n_samples: int = 1024,
        seed: int = 20160,
        integrate: bool = True,
        tail_probability: float = 1e-10,
    ) -> ExactCLs:
        obs = model.observed if observed is None else np.asarray(observed, dtype=np.int64)
        if obs is None:
            raise UserInputError("observed", None, "observed counts (the analysis is still blinded)")
        if len(obs) != len(model.channels) or np.any(obs < 0):
            raise UserInputError("observed", list(obs), f"{len(model.channels)} counts >= 0")
        sm, bm = nuisance_multipliers(model, n_samples, seed, integrate=integrate)
        return cls(model, obs, sm, bm, tail_probability)

    def __post_init__(self) -> None:
        self._s = self.model.signal
        self._b = np.maximum(self.model.background, _B_FLOOR)
        self._grid_mu = -1.0
        self._grid: np.ndarray = np.zeros((0, len(self._s)), dtype=np.int64)
        self._mu_hat_grid = np.zeros(0)
        self._lgam = np.zeros(0)
        self._mu_hat_obs = float(_mu_hat(self.observed[None, :], self._s, self._b)[0])

    # -- outcome grid -------------------------------------------------------------------------
    def _ensure_grid(self, mu: float) -> None:
        if mu <= self._grid_mu:
            return
        mu = max(mu, 2 * self._grid_mu)
        lam_max = (mu * self._s[None, :] * self.sig_mult + self._b[None, :] * self.bkg_mult).max(axis=0)
        nmax = np.maximum(stats.poisson.isf(self.tail_probability, lam_max).astype(np.int64), self.observed)
        nmax = 4 * ((nmax + 3) // 4)  # round up: grids are shared between outcomes (expected limits)
        size = float(np.prod(nmax + 1.0))
        if size > _MAX_OUTCOMES:
            raise UserInputError(
                "observed/background",
                f"{self.observed.tolist()}/{self.model.background.tolist()}",
                "counts small enough for the exact sums (use method='asymptotic' or 'simplified')",
            )
        key = tuple(int(k) for k in nmax)
        cached = None if self.shared is None else self.shared.get(key)
        if cached is None:
            axes = [np.arange(k + 1) for k in nmax]
            grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
            mh = _mu_hat(grid, self._s, self._b)
            gf = grid.astype(float)
            llhat = _loglik(gf, mh[:, None] * self._s[None, :] + self._b[None, :])
            cached = (grid, mh, special.gammaln(grid + 1.0).sum(axis=1), gf, llhat)
            if self.shared is not None:
                self.shared[key] = cached
        self._grid, self._mu_hat_grid, self._lgam = cached[0], cached[1], cached[2]
        self._gridf: np.ndarray = cached[3]
        self._llhat: np.ndarray = cached[4]
        self._grid_mu = mu

    def _qtilde(self, n: np.ndarray, mu_hat: np.ndarray, mu: float) -> np.ndarray:
        muc = np.minimum(mu_hat, mu)
        lam_mu = mu * self._s + self._b
        lam_hat = muc[:, None] * self._s + self._b
        q = 2.0 * (_loglik(n, lam_hat) - _loglik(n, lam_mu[None, :]))
        return np.maximum(q, 0.0)

    def pvalues(self, mu: float) -> tuple[float, float]:
        """(CL_{s+b}, CL_b) at signal strength ``mu`` (exact sums, nuisances integrated)."""
        mu = float(mu)
        if mu <= 0:
            return 1.0, 1.0
        self._ensure_grid(mu)
        q_obs = float(self._qtilde(self.observed[None, :], np.array([self._mu_hat_obs]), mu)[0])
        lam_mu = mu * self._s + self._b
        q = 2.0 * (self._llhat - (self._gridf @ np.log(lam_mu) - lam_mu.sum()))
        q[self._mu_hat_grid >= mu] = 0.0  # q~ = 0 when μ̂ ≥ μ (one-sided)
        sel = q >= q_obs - 1e-9 * max(1.0, q_obs)
        n = self._grid[sel].astype(float)
        lg = self._lgam[sel]
        lam_sb = mu * self._s[None, :] * self.sig_mult + self._b[None, :] * self.bkg_mult  # (K, C)
        lam_b = self._b[None, :] * self.bkg_mult
        log_sb, tot_sb = np.log(lam_sb), lam_sb.sum(axis=1)[:, None]
        log_b, tot_b = np.log(lam_b), lam_b.sum(axis=1)[:, None]
        sum_sb = np.zeros(len(lam_sb))
        sum_b = np.zeros(len(lam_b))
        for blk in _outcome_blocks(len(n), len(lam_sb)):
            # log P(n | λ_k) = n·ln λ_k − Σλ_k − Σ ln n!   -> (K, outcomes of the block)
            lp_sb = log_sb @ n[blk].T - tot_sb - lg[None, blk]
            lp_b = log_b @ n[blk].T - tot_b - lg[None, blk]
            sum_sb += np.exp(lp_sb).sum(axis=1)
            sum_b += np.exp(lp_b).sum(axis=1)
        clsb = float(sum_sb.mean())
        clb = float(sum_b.mean())
        return min(clsb, 1.0), min(clb, 1.0)

    def cls(self, mu: float) -> float:
        """CLs = CL_{s+b}/CL_b at ``mu``."""
        clsb, clb = self.pvalues(mu)
        return clsb / clb if clb > 0 else 1.0

    def upper_limit(self, cl: float = 0.9) -> float:
        """The μ at which CLs = 1 − cl (bracketed root of ln CLs)."""
        alpha = 1.0 - cl
        stot = float(self._s.sum())
        if stot <= 0:
            raise UserInputError("signal", self.model.signal.tolist(), "a positive total signal")
        ntot = float(self.observed.sum())
        btot = float(self._b.sum())
        hi = (ntot + 3.0 + 3.0 * math.sqrt(ntot + btot + 1.0)) / stot
        self._ensure_grid(2.0 * hi)

        def f(mu: float) -> float:
            return math.log(max(self.cls(mu), 1e-300)) - math.log(alpha)

        for _ in range(40):
            if f(hi) < 0:
                break
            hi *= 2.0
        else:  # pragma: no cover - CLs never falls below alpha
            raise UserInputError("cl", cl, "a level reachable by the model")
        return float(optimize.brentq(f, 0.0, hi, xtol=1e-10, rtol=1e-7))


def exact_upper_limit(
    model: CountingModel,
    observed: Sequence[int] | None = None,
    *,
    cl: float = 0.9,
    n_samples: int = 1024,
    seed: int = 20160,
    integrate: bool = True,
    tail_probability: float = 1e-10,
) -> float:
    """Exact-CLs upper limit on the signal strength μ (events = μ · Σ s_i)."""
    return ExactCLs.build(
        model,
        observed,
        n_samples=n_samples,
        seed=seed,
        integrate=integrate,
        tail_probability=tail_probability,
    ).upper_limit(cl)


@dataclass(frozen=True)
class ExpectedLimits:
    """Expected upper limits on μ under the background-only hypothesis.

    ``bands`` are the limits at the -2σ, -1σ, median, +1σ, +2σ quantiles; ``mean`` is the average
    expected limit (the paper's "sensitivity", Sec. IX); ``coverage`` the probability of the
    outcomes summed (the rest is the neglected tail).
    """

    bands: tuple[float, float, float, float, float]
    mean: float
    coverage: float

    @property
    def median(self) -> float:
        return self.bands[2]


def expected_limits(
    model: CountingModel,
    *,
    cl: float = 0.9,
    quantiles: Sequence[float] = (0.02275, 0.15866, 0.5, 0.84134, 0.97725),
    n_samples: int = 1024,
    seed: int = 20160,
    integrate: bool = True,
    coverage: float = 0.9995,
    max_outcomes: int = 400,
) -> ExpectedLimits:
    """Expected exact-CLs limits: the limit for each background-only outcome, weighted by its probability.

    Outcomes are taken in order of decreasing probability (nuisances integrated) until ``coverage``
    is reached or ``max_outcomes`` were used; quantiles are of the discrete limit distribution.
    """
    sm, bm = nuisance_multipliers(model, n_samples, seed, integrate=integrate)
    b = np.maximum(model.background, _B_FLOOR)
    lam = b[None, :] * bm
    nmax = stats.poisson.isf(1e-6, lam.max(axis=0)).astype(np.int64)
    size = float(np.prod(nmax + 1.0))
    if size > _MAX_OUTCOMES:
        raise UserInputError(
            "background", model.background.tolist(), "backgrounds small enough for exact sums"
        )
    axes = [np.arange(k + 1) for k in nmax]
    grid = np.stack([g.ravel() for g in np.meshgrid(*axes, indexing="ij")], axis=1)
    lg = special.gammaln(grid + 1.0).sum(axis=1)
    log_lam, tot_lam = np.log(lam), lam.sum(axis=1)[:, None]
    prob = np.concatenate(
        [
            np.exp(log_lam @ grid[blk].T - tot_lam - lg[None, blk]).mean(axis=0)
            for blk in _outcome_blocks(len(grid), len(lam))
        ]
    )
    order = np.argsort(-prob, kind="stable")
    cum = np.cumsum(prob[order])
    k = min(int(np.searchsorted(cum, coverage)) + 1, max_outcomes, len(order))
    chosen = order[:k]
    w = prob[chosen]
    limits = np.empty(k)
    shared: dict[Any, Any] = {}
    for i, idx in enumerate(chosen):
        calc = ExactCLs(model, grid[idx], sm, bm, shared=shared)
        limits[i] = calc.upper_limit(cl)
    srt = np.argsort(limits, kind="stable")
    lim_s, w_s = limits[srt], w[srt]
    cw = np.cumsum(w_s) / w_s.sum()
    bands = tuple(float(lim_s[min(int(np.searchsorted(cw, q)), k - 1)]) for q in quantiles)
    mean = float((lim_s * w_s).sum() / w_s.sum())
    return ExpectedLimits(bands=bands, mean=mean, coverage=float(w.sum()))  # type: ignore[arg-type]
