"""The dimuon benchmark (spec Sec. V): selection of e⁻Z → e⁻Zμ⁺μ⁻ events (E_ECAL < 60 GeV, HCAL1
and HCAL4 each in 1–6 GeV), the observed/predicted ratio f per run (Table I), and the RR double
ratio of the E_ECAL spectra (Eq. 24, Fig. 11) with its empirical fit, and the analysis step that
makes them for every run (:func:`dimuon_benchmark`). Energies GeV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from iminuit import Minuit
from iminuit.cost import LeastSquares

from darkmiss.analysis.context import AnalysisContext, rate_mask
from darkmiss.analysis.histograms import bin_sums, weighted_sum
from darkmiss.events.schema import Process
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.reconstruct import RecoEvents
from darkmiss.reco.selection import CUT_GROUPS, Selection


def dimuon_mask(reco: RecoEvents, sel: Selection, cfg: AnalysisConfig) -> np.ndarray:
    """Dimuon selection (spec Sec. V.B): primary-e⁻ cuts, ECAL timing, E_ECAL < 60 GeV and
    HCAL1, HCAL4 in 1–6 GeV (muons punch through HCAL1-3)."""
    h1 = reco.hcal_modules[:, 0]
    h4 = reco.hcal_modules[:, 3]
    lo1, hi1 = cfg.dimuon_hcal1_range
    lo4, hi4 = cfg.dimuon_hcal4_range
    return (
        sel.all(*CUT_GROUPS["e"])
        & sel.mask("ecal_timing")
        & (reco.e_ecal < cfg.dimuon_ecal_max)
        & (h1 >= lo1)
        & (h1 <= hi1)
        & (h4 >= lo4)
        & (h4 <= hi4)
    )


@dataclass
class DimuonRatio:
    """Table I row: observed and MC-predicted dimuons in a run and f = n_data / n_MC."""

    run: str
    intensity: float
    eot: float
    n_data: float
    n_mc: float
    n_mc_err: float
    f: float | None
    f_err: float | None

    def to_record(self) -> dict[str, Any]:
        return dict(self.__dict__)


def dimuon_ratio(
    run: str,
    intensity: float,
    eot: float,
    n_data: float,
    mc_w_per_eot: np.ndarray,
    n_data_var: float | None = None,
) -> DimuonRatio:
    """f = n_data / n_MC with n_MC = EOT · Σ w (per-EOT weights of selected MC dimuons); error from
    the data statistics (Poisson, or Σw² for weighted pseudo-data: ``n_data_var``) and the MC
    weights in quadrature (spec Sec. V.B, Table I)."""
    n_mc, n_mc_var = weighted_sum(np.asarray(mc_w_per_eot, dtype=float) * eot)
    n_mc_err = float(np.sqrt(n_mc_var))
    var = float(n_data if n_data_var is None else n_data_var)
    if n_mc <= 0:
        return DimuonRatio(run, intensity, eot, float(n_data), n_mc, n_mc_err, None, None)
    f = n_data / n_mc
    rel = np.sqrt((var / n_data**2 if n_data > 0 else 1.0) + (n_mc_err / n_mc) ** 2)
    return DimuonRatio(run, intensity, eot, float(n_data), n_mc, n_mc_err, float(f), float(f * rel))


def rr_model(e: np.ndarray, c: float, a: float, tau: float) -> np.ndarray:
    """Empirical RR(E) = c·(1 − a·exp(−E/τ)) (spec Fig. 11: low-energy loss, → c at high E)."""
    return c * (1.0 - a * np.exp(-np.asarray(e) / tau))


def rr_linear(e: np.ndarray, c: float, d: float) -> np.ndarray:
    """Alternative empirical RR(E) = c + d·E (for the reweighting systematic, Sec. VII)."""
    return c + d * np.asarray(e)


@dataclass
class RRResult:
    """Double ratio RR = R_data / R_MC per E_ECAL bin (Eq. 24) and its empirical fits."""

    edges: list[float]
    rr: list[float]
    rr_err: list[float]
    params: dict[str, float] = field(default_factory=dict)
    cov: list[list[float]] = field(default_factory=list)
    alt_params: dict[str, float] = field(default_factory=dict)
    valid: bool = False
    mc_shape: list[float] = field(default_factory=list)

    def _normalised(self, fn: Any) -> Any:
        # RR is a ratio of unit-normalised spectra: its MC-weighted mean is 1 by construction
        # (Eq. 24); the fitted function is normalised the same way so that it only reshapes.
        lo, hi = self.edges[0], self.edges[-1]
        edges = np.array(self.edges)
        c = 0.5 * (edges[1:] + edges[:-1])
        shape = np.array(self.mc_shape) if self.mc_shape else np.full(len(c), 1.0 / len(c))
        norm = float((shape * fn(c)).sum())
        norm = norm if norm > 0 else 1.0
        return lambda e: fn(np.clip(np.asarray(e, dtype=float), lo, hi)) / norm

    def function(self, params: dict[str, float] | None = None) -> Any:
        """RR(E) as a callable (1 where no valid fit), clamped to the fitted range, normalised
        to a unit mean over the MC dimuon spectrum."""
        p = self.params if params is None else params
        if not self.valid:
            return lambda e: np.ones_like(np.asarray(e, dtype=float))
        return self._normalised(lambda e: rr_model(e, p["c"], p["a"], p["tau"]))

    def alt_function(self) -> Any:
        """The alternative (linear) empirical function, normalised like :meth:`function`."""
        if not self.valid or not self.alt_params:
            return self.function()
        p = self.alt_params
        return self._normalised(lambda e: rr_linear(e, p["c"], p["d"]))


#: Parameter limits of the RR fit: tau covers the low-energy pile-up effect, E_ECAL <~ 10 GeV (spec Sec. VI.A).
RR_LIMITS: dict[str, tuple[float, float]] = {"a": (-1.0, 1.0), "tau": (0.5, 30.0)}


def rr_double_ratio(
    e_data: np.ndarray,
    e_mc: np.ndarray,
    w_mc: np.ndarray,
    edges: np.ndarray,
    w_data: np.ndarray | None = None,
) -> RRResult:
    """RR_i = (n_i/n_tot)_data / (n_i/n_tot)_MC (spec Eq. 24) with Poisson errors (Σw² for weighted
    samples), fitted with :func:`rr_model` (and :func:`rr_linear`) by least squares (iminuit)."""
    wd = np.ones(len(e_data)) if w_data is None else np.asarray(w_data, dtype=float)
    hd, hd2 = bin_sums(e_data, edges, wd)
    hm, hm2 = bin_sums(e_mc, edges, w_mc)
    nd, nm = hd.sum(), hm.sum()
    out = RRResult(edges=list(map(float, edges)), rr=[], rr_err=[])
    if len(e_data) < 5 or nd <= 0 or nm <= 0:
        out.rr = [float("nan")] * (len(edges) - 1)
        out.rr_err = [float("nan")] * (len(edges) - 1)
        return out
    rd = hd / nd
    rm = hm / nm
    out.mc_shape = rm.tolist()
    ok = (hd > 0) & (hm > 0)
    rr = np.where(ok, rd / np.where(rm > 0, rm, 1.0), np.nan)
    # relative variances Σw²/(Σw)² of the filled bins (0 for empty bins)
    rel = np.sqrt(
        np.divide(hd2, np.square(hd), out=np.zeros_like(hd2), where=hd > 0)
        + np.divide(hm2, np.square(hm), out=np.zeros_like(hm2), where=hm > 0)
    )
    err = rr * rel
    out.rr = rr.tolist()
    out.rr_err = err.tolist()
    centres = 0.5 * (edges[1:] + edges[:-1])
    x, y, ye = centres[ok], rr[ok], err[ok]
    if len(x) < 4:
        return out
    ls = LeastSquares(x, y, ye, rr_model)
    m = Minuit(ls, c=1.0, a=0.1, tau=5.0)
    m.limits["tau"] = RR_LIMITS["tau"]
    m.limits["a"] = RR_LIMITS["a"]
    m.migrad()
    m.hesse()
    ls2 = LeastSquares(x, y, ye, rr_linear)
    m2 = Minuit(ls2, c=1.0, d=0.0)
    m2.migrad()
    out.params = {k: float(m.values[k]) for k in ("c", "a", "tau")}
    out.cov = np.array(m.covariance).tolist() if m.covariance is not None else []
    out.alt_params = {k: float(m2.values[k]) for k in ("c", "d")}
    out.valid = bool(m.valid) and bool(out.cov)
    return out


def rr_variations(rr: RRResult) -> list[dict[str, float]]:
    """Parameter sets moved by ±1σ along each eigenvector of the fit covariance (Sec. VII)."""
    if not rr.valid:
        return []
    names = ["c", "a", "tau"]
    p0 = np.array([rr.params[n] for n in names])
    vals, vecs = np.linalg.eigh(np.array(rr.cov))
    # the varied parameters stay inside the fit's own limits (rr_double_ratio): a poorly constrained
    # tau must not step to values the model was never allowed to take (e.g. tau <= 0)
    lo = np.array([-np.inf, RR_LIMITS["a"][0], RR_LIMITS["tau"][0]])
    hi = np.array([np.inf, RR_LIMITS["a"][1], RR_LIMITS["tau"][1]])
    out = []
    for k in range(len(vals)):
        step = np.sqrt(max(vals[k], 0.0)) * vecs[:, k]
        for s in (+1, -1):
            out.append(dict(zip(names, np.clip(p0 + s * step, lo, hi).tolist(), strict=True)))
    return out


@dataclass
class RunDimuons:
    """The dimuon benchmark of one run: Table I row, RR (Eq. 24) and the selected data events for
    Figs. 8-10 (E_ECAL, the four HCAL modules and their sum [GeV])."""

    ratio: DimuonRatio
    rr: RRResult
    data_e_ecal: np.ndarray
    data_hcal: np.ndarray
    data_hcal_total: np.ndarray

    @property
    def f_correction(self) -> tuple[float, float]:
        """(f, σ_f) applied to ε_e (Sec. V.B): (1, 0) where the run has no MC prediction."""
        f, err = self.ratio.f, self.ratio.f_err
        return (f if f is not None else 1.0, err if err is not None else 0.0)


@dataclass
class MCDimuons:
    """Selected MC dimuons of all runs for Figs. 9-10: E_ECAL, HCAL modules [GeV], weights per EOT."""

    e_ecal: np.ndarray
    hcal: np.ndarray
    w: np.ndarray


@dataclass
class DimuonBenchmark:
    """The dimuon step for every run (in run order), and the MC dimuons if there is MC."""

    runs: dict[str, RunDimuons]
    mc: MCDimuons | None


def dimuon_benchmark(ctx: AnalysisContext) -> DimuonBenchmark:
    """f per run (Table I) and RR(E_ECAL) (Eq. 24) from the selected data and MC dimuons.

    Weighted pseudo-data count Σw with variance Σw²; MC weights are per EOT of the run (pooled
    runs divided by their number when the MC lacks the run)."""
    data, mc, cfg = ctx.data, ctx.mc, ctx.cfg
    d_mu = dimuon_mask(data, ctx.dsel, cfg)
    m_mu = None
    if mc is not None and ctx.msel is not None:
        m_mu = dimuon_mask(mc, ctx.msel, cfg) & (mc.process == int(Process.DIMUON))
    edges = np.linspace(cfg.rr_edges_min, cfg.rr_edges_max, cfg.rr_n_bins + 1)
    runs: dict[str, RunDimuons] = {}
    for info in ctx.runs:
        r = info.name
        sel = d_mu & ctx.in_run(r)
        nd, nd_var = weighted_sum(data.weight[sel])
        if mc is not None and m_mu is not None:
            mask, div = rate_mask(mc, m_mu, info.index)
            w = mc.weight[mask] * mc.norm[mask] / div
            dr = dimuon_ratio(r, info.intensity, info.eot, nd, w, nd_var)
            rr = rr_double_ratio(data.e_ecal[sel], mc.e_ecal[mask], w, edges, data.weight[sel])
        else:
            dr = dimuon_ratio(r, info.intensity, info.eot, nd, np.zeros(0), nd_var)
            rr = rr_double_ratio(np.zeros(0), np.zeros(0), np.zeros(0), edges)
        runs[r] = RunDimuons(
            ratio=dr,
            rr=rr,
            data_e_ecal=data.e_ecal[sel],
            data_hcal=data.hcal_modules[sel],
            data_hcal_total=data.e_hcal_total[sel],
        )
    mc_mu = None
    if mc is not None and m_mu is not None:
        mc_mu = MCDimuons(
            e_ecal=mc.e_ecal[m_mu], hcal=mc.hcal_modules[m_mu], w=mc.weight[m_mu] * mc.norm[m_mu]
        )
    return DimuonBenchmark(runs=runs, mc=mc_mu)
