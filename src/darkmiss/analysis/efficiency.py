"""Signal efficiencies (spec Sec. VI, Eq. 23): ε_tot = ε_e · ε_A′ · ε_ECAL · ε_V · ε_HCAL.

From weighted signal MC, per simulated mass, as successive conditional fractions (so the product
is exactly the MC fraction passing everything), with the denominator the A′ population the yield
counts (E_A′ above the yield threshold), so that s = n_EOT · ε_tot · n_A′ (Eq. 26) counts nothing
twice. Data-driven corrections multiply the MC factors per run: the dimuon factor f into ε_e
(Sec. V.B), the RR reweighting into ε_ECAL (Eq. 24), and the calibration-trigger data/MC ratios
into ε_V and ε_HCAL (Eq. 25). Binomial intervals: Clopper–Pearson on effective counts
(``hist.intervals``). The calibration-trigger step of the analysis is :func:`calibration_efficiencies`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hist import intervals

from darkmiss.analysis.context import AnalysisContext
from darkmiss.analysis.histograms import bin_sums, weighted_sum
from darkmiss.events.schema import Process
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.reconstruct import RecoEvents
from darkmiss.reco.selection import CUT_GROUPS, Selection

#: Efficiency factors of Eq. 23 in order.
FACTORS: tuple[str, ...] = ("e", "aprime", "ecal", "v2", "hcal")


def clopper_pearson(k: float, n: float, cl: float = 0.6827) -> tuple[float, float]:
    """Clopper–Pearson interval (Clopper & Pearson, Biometrika 26 (1934) 404) of central coverage ``cl``
    for k successes in n trials, k ≤ n (non-integer effective counts allowed): the
    ``hist.intervals.clopper_pearson_interval`` of the beta quantiles; (0, 1) when n ≤ 0."""
    if n <= 0:
        return 0.0, 1.0
    lo, hi = intervals.clopper_pearson_interval(np.array([k], dtype=float), np.array([n], dtype=float), cl)
    return float(lo[0]), float(hi[0])


def weighted_fraction(
    w_pass: np.ndarray, w_all: np.ndarray, cl: float = 0.6827
) -> tuple[float, float, float]:
    """Weighted efficiency Σw_pass/Σw_all with a Clopper–Pearson interval on the effective counts
    n_eff = (Σw)²/Σw² (exact for unit weights). Returns (eff, lower, upper)."""
    sw, sw2 = weighted_sum(w_all)
    if sw <= 0:
        return 0.0, 0.0, 1.0
    eff = weighted_sum(w_pass)[0] / sw
    n_eff = sw**2 / sw2
    lo, hi = clopper_pearson(eff * n_eff, n_eff, cl)
    return eff, min(lo, eff), max(hi, eff)


@dataclass
class MassEfficiency:
    """MC efficiencies of one simulated mass [GeV]: factors of Eq. 23 with intervals, and the
    per-E_ECAL-bin efficiency with every cut but the E_ECAL cut (weights ``bin_weight`` per event
    allow the RR reweighting)."""

    mass: float
    n_events: int
    factors: dict[str, float]
    intervals: dict[str, tuple[float, float]]
    total: float
    total_interval: tuple[float, float]
    ecal_edges: list[float]
    ecal_eff: list[float]
    passing_e_ecal: np.ndarray = field(repr=False)
    passing_w: np.ndarray = field(repr=False)
    denominator: float = 0.0


def signal_masks(
    reco: RecoEvents,
    sel: Selection,
    cfg: AnalysisConfig,
    *,
    hcal_threshold: float | None = None,
    v2_threshold: float | None = None,
    chi2_max: float | None = None,
) -> dict[str, np.ndarray]:
    """Masks of the successive efficiency steps (Eq. 23) with optional varied thresholds
    (systematics, Sec. VII): e, aprime (E_ECAL < cut), ecal, v2, hcal (incl. E_HCAL < cut)."""
    e = sel.all(*CUT_GROUPS["e"])
    aprime = reco.e_ecal < cfg.ecal_cut
    chi = cfg.ecal.chi2_max if chi2_max is None else chi2_max
    ecal = sel.mask("ecal_timing") & (reco.chi2_shape < chi)
    v2 = reco.v2 < (cfg.v2_threshold_mip if v2_threshold is None else v2_threshold)
    hth = cfg.hcal_cut if hcal_threshold is None else hcal_threshold
    hcal = sel.all(*CUT_GROUPS["hcal"]) & (reco.e_hcal < hth)
    return {"e": e, "aprime": aprime, "ecal": ecal, "v2": v2, "hcal": hcal}


def signal_population(
    reco: RecoEvents, yield_threshold: float, process: Process = Process.SIGNAL
) -> np.ndarray:
    """Signal MC events of ``process`` (bremsstrahlung A′ or resonant annihilation) in the yield
    population: E_A′ (the missing energy of an annihilation) above the yield threshold [GeV]."""
    return (reco.process == int(process)) & (reco.true_mass > 0) & (reco.true_aprime_energy > yield_threshold)


def mass_efficiency(
    reco: RecoEvents,
    sel: Selection,
    cfg: AnalysisConfig,
    mass: float,
    yield_threshold: float,
    process: Process = Process.SIGNAL,
    **variations: Any,
) -> MassEfficiency:
    """MC efficiencies (Eq. 23) for the signal events of ``process`` and ``mass`` [GeV] in ``reco``."""
    pop = signal_population(reco, yield_threshold, process) & np.isclose(reco.true_mass, mass, rtol=1e-4)
    masks = signal_masks(reco, sel, cfg, **variations)
    w = reco.weight
    cur = pop.copy()
    factors: dict[str, float] = {}
    intervals: dict[str, tuple[float, float]] = {}
    for name in FACTORS:
        nxt = cur & masks[name]
        eff, lo, hi = weighted_fraction(w[nxt], w[cur], cfg.interval_cl)
        factors[name] = eff
        intervals[name] = (lo, hi)
        cur = nxt
    tot, tlo, thi = weighted_fraction(w[cur], w[pop], cfg.interval_cl)
    # per-bin efficiency with all cuts but the E_ECAL cut
    allbut = pop & masks["e"] & masks["ecal"] & masks["v2"] & masks["hcal"]
    edges = np.linspace(0.0, cfg.eff_ecal_max, cfg.eff_ecal_bins + 1)
    den = float(w[pop].sum())
    h, _ = bin_sums(reco.e_ecal[allbut], edges, w[allbut])
    per_bin = h / den if den > 0 else np.zeros_like(h)
    return MassEfficiency(
        mass=float(mass),
        n_events=int(pop.sum()),
        factors=factors,
        intervals=intervals,
        total=tot,
        total_interval=(tlo, thi),
        ecal_edges=edges.tolist(),
        ecal_eff=per_bin.tolist(),
        passing_e_ecal=reco.e_ecal[cur],
        passing_w=w[cur],
        denominator=den,
    )


def signal_masses(reco: RecoEvents, process: Process = Process.SIGNAL) -> list[float]:
    """The distinct simulated A′ masses [GeV] of ``process`` events in a sample (6 significant digits)."""
    m = reco.true_mass[(reco.true_mass > 0) & (reco.process == int(process))]
    # true_mass is float32: 6 significant digits give back the simulated value (0.1, not 0.100000001)
    return sorted({float(f"{x:.6g}") for x in np.unique(m)})


def interpolate_log_mass(masses: list[float], values: list[float], m: float | np.ndarray) -> np.ndarray:
    """Linear interpolation in log m between simulated masses (constant beyond the ends)."""
    x = np.log(np.asarray(masses, dtype=float))
    order = np.argsort(x)
    return np.interp(np.log(np.asarray(m, dtype=float)), x[order], np.asarray(values, dtype=float)[order])


def threshold_curve(
    values: np.ndarray, thresholds: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """ε(E_th) = n(E < E_th)/n_tot (spec Eq. 25) for each threshold."""
    v = np.asarray(values, dtype=float)
    w = np.ones_like(v) if weights is None else np.asarray(weights, dtype=float)
    tot = w.sum()
    if tot <= 0:
        return np.full(len(thresholds), np.nan)
    return np.array([w[v < t].sum() / tot for t in thresholds])


@dataclass
class CalibrationEfficiency:
    """V2 and HCAL zero-threshold efficiencies from calibration-trigger events (spec Eq. 25, Fig. 12).

    ``*_data``/``*_mc`` at the nominal thresholds; corrections = data/MC (1 when no MC calibration
    sample); curves over ``thresholds`` [GeV] (HCAL) and ``v2_thresholds`` [MIP].
    """

    run: str
    n_data: int
    n_mc: int
    hcal_data: float
    hcal_mc: float | None
    v2_data: float
    v2_mc: float | None
    hcal_correction: float
    v2_correction: float
    thresholds: list[float]
    hcal_curve_data: list[float]
    hcal_curve_mc: list[float] | None
    v2_thresholds: list[float]
    v2_curve_data: list[float]
    v2_curve_mc: list[float] | None


def calibration_efficiency(
    run: str, data: RecoEvents, mc: RecoEvents | None, cfg: AnalysisConfig
) -> CalibrationEfficiency:
    """Eq. 25 from the calibration-trigger events of ``data`` (and of ``mc`` if given)."""
    th = np.linspace(0.0, 3.0 * cfg.hcal_cut, 31)
    vth = np.linspace(0.0, 3.0 * cfg.v2_threshold_mip, 31)
    d_h = threshold_curve(data.e_hcal, th)
    d_v = threshold_curve(data.v2, vth)
    hd = float(threshold_curve(data.e_hcal, np.array([cfg.hcal_cut]))[0]) if data.n else float("nan")
    vd = float(threshold_curve(data.v2, np.array([cfg.v2_threshold_mip]))[0]) if data.n else float("nan")
    hm = vm = None
    m_h = m_v = None
    if mc is not None and mc.n:
        m_h = threshold_curve(mc.e_hcal, th, mc.weight).tolist()
        m_v = threshold_curve(mc.v2, vth, mc.weight).tolist()
        hm = float(threshold_curve(mc.e_hcal, np.array([cfg.hcal_cut]), mc.weight)[0])
        vm = float(threshold_curve(mc.v2, np.array([cfg.v2_threshold_mip]), mc.weight)[0])
    hc = hd / hm if (hm and np.isfinite(hd)) else 1.0
    vc = vd / vm if (vm and np.isfinite(vd)) else 1.0
    return CalibrationEfficiency(
        run=run,
        n_data=int(data.n),
        n_mc=int(mc.n) if mc is not None else 0,
        hcal_data=hd,
        hcal_mc=hm,
        v2_data=vd,
        v2_mc=vm,
        hcal_correction=float(hc),
        v2_correction=float(vc),
        thresholds=th.tolist(),
        hcal_curve_data=d_h.tolist(),
        hcal_curve_mc=m_h,
        v2_thresholds=vth.tolist(),
        v2_curve_data=d_v.tolist(),
        v2_curve_mc=m_v,
    )


@dataclass
class CorrectedFactors:
    """Per-run factors of Eq. 23 (``FACTORS`` → value) after the data-driven corrections, their
    product ε_tot and the RR reweighting correction alone."""

    factors: dict[str, float]
    rr_factor: float
    total: float


def corrected_factors(
    me: MassEfficiency,
    f: float,
    rr: Callable[[np.ndarray], np.ndarray] | None,
    cal: CalibrationEfficiency | None,
) -> CorrectedFactors:
    """Per-run factors of Eq. 23: MC factors × f (ε_e), × RR reweighting (ε_ECAL, the weighted mean of
    RR(E_ECAL) over the passing signal events, Eq. 24), × calibration data/MC ratios (ε_V, ε_HCAL)."""
    out = dict(me.factors)
    rr_factor = 1.0
    if rr is not None and len(me.passing_w) and me.passing_w.sum() > 0:
        rr_factor = float((me.passing_w * rr(me.passing_e_ecal)).sum() / me.passing_w.sum())
    out["e"] *= f
    out["ecal"] *= rr_factor
    if cal is not None:
        out["v2"] *= cal.v2_correction
        out["hcal"] *= cal.hcal_correction
    return CorrectedFactors(factors=out, rr_factor=rr_factor, total=float(np.prod([out[k] for k in FACTORS])))


@dataclass
class CalibrationEfficiencies:
    """The calibration-trigger step: Eq. 25 per run (in run order)."""

    runs: dict[str, CalibrationEfficiency]


def calibration_efficiencies(ctx: AnalysisContext) -> CalibrationEfficiencies:
    """V2 and HCAL zero-threshold efficiencies per run (Eq. 25) from the events of calibration-trigger
    runs only (spec Sec. VI.B: the ECAL threshold removed from the trigger; the physics-trigger samples
    would bring dimuons and hadrons in), data/MC corrections where MC calibration events exist."""
    data, mc = ctx.data, ctx.mc
    mc_cal = mc.subset(mc.trigger_calibration & mc.calibration_run) if mc is not None else None
    mc_use = mc_cal if (mc_cal is not None and mc_cal.n) else None
    runs: dict[str, CalibrationEfficiency] = {}
    for info in ctx.runs:
        dcal = data.subset(data.trigger_calibration & data.calibration_run & ctx.in_run(info.name))
        runs[info.name] = calibration_efficiency(info.name, dcal, mc_use, ctx.cfg)
    return CalibrationEfficiencies(runs=runs)
