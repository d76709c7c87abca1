"""Signal efficiencies per mass and run (spec Sec. VI, Eq. 23, Table II): the MC efficiencies of every
simulated A′ mass with the varied cuts of the systematics (:func:`signal_mc_efficiencies`), then per
run the factors corrected by the dimuon f, the RR reweighting and the calibration-trigger ratios
(:func:`run_efficiencies`); the same ε_tot for the resonant-annihilation signal samples from their own
E_ECAL spectrum (:func:`annihilation_efficiencies`). Masses and energies GeV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkmiss.analysis.context import AnalysisContext
from darkmiss.analysis.dimuon import DimuonBenchmark
from darkmiss.analysis.efficiency import (
    FACTORS,
    CalibrationEfficiencies,
    MassEfficiency,
    corrected_factors,
    mass_efficiency,
    signal_masses,
)
from darkmiss.analysis.result import EfficiencyComponents
from darkmiss.events.schema import Process
from darkmiss.reco.selection import CUT_NAMES, Cutflow


@dataclass
class EfficiencyVariations:
    """ε_tot of one mass under the varied cuts of Sec. VII: shape-χ² cut (``ecal``), V2 threshold
    (``v2``) and HCAL zero threshold (``hcal``), one entry per varied value of the preset."""

    ecal: list[float] = field(default_factory=list)
    v2: list[float] = field(default_factory=list)
    hcal: list[float] = field(default_factory=list)


@dataclass
class SignalMC:
    """MC efficiencies of every simulated mass (sorted), with their variations and the cut-flow of
    the yield population (keyed by ``str(mass)``)."""

    masses: list[float]
    efficiencies: dict[float, MassEfficiency]
    variations: dict[float, EfficiencyVariations]
    cutflows: dict[str, Cutflow]

    def cutflow_records(self) -> dict[str, list[dict[str, Any]]]:
        return {m: cf.to_records() for m, cf in self.cutflows.items()}


def signal_mc_efficiencies(ctx: AnalysisContext) -> SignalMC:
    """Eq. 23 from the signal MC for every simulated mass, nominal and under each varied cut."""
    mc, msel, cfg = ctx.mc, ctx.msel, ctx.cfg
    if mc is None or msel is None:
        return SignalMC(
            masses=signal_masses(mc) if mc is not None else [], efficiencies={}, variations={}, cutflows={}
        )
    masses = signal_masses(mc)  # rounded to 6 significant digits
    ythr = ctx.yield_threshold
    effs: dict[float, MassEfficiency] = {}
    variations: dict[float, EfficiencyVariations] = {}
    for m in masses:
        effs[m] = mass_efficiency(mc, msel, cfg, m, ythr)
        variations[m] = EfficiencyVariations(
            ecal=[
                mass_efficiency(mc, msel, cfg, m, ythr, chi2_max=c).total for c in cfg.sys_ecal_chi2_variation
            ],
            v2=[
                mass_efficiency(mc, msel, cfg, m, ythr, v2_threshold=t).total
                for t in cfg.v2_threshold_variation
            ],
            hcal=[
                mass_efficiency(mc, msel, cfg, m, ythr, hcal_threshold=t).total
                for t in cfg.hcal_zero_threshold_variation
            ],
        )
    sig = mc.process == int(Process.SIGNAL)
    cutflows = {
        str(m): msel.cutflow(
            CUT_NAMES,
            weights=mc.weight,
            base=sig & np.isclose(mc.true_mass, m, rtol=1e-4) & (mc.true_aprime_energy > ythr),
        )
        for m in masses
    }
    return SignalMC(masses=masses, efficiencies=effs, variations=variations, cutflows=cutflows)


@dataclass
class EfficiencyRow:
    """Table II row: the corrected factors of one run and mass, the corrections, and the MC values
    with their Clopper–Pearson intervals."""

    run: str
    mass: float
    n_mc: int
    factors: dict[str, float]  # corrected, FACTORS -> value
    rr_factor: float
    f: float
    total: float
    total_mc: float
    total_mc_interval: tuple[float, float]
    mc_intervals: dict[str, tuple[float, float]]  # FACTORS -> MC interval

    def to_record(self) -> dict[str, Any]:
        """The ``tables.json`` row."""
        return {
            "run": self.run,
            "mass": self.mass,
            "n_mc": self.n_mc,
            **{f"eps_{k}": self.factors[k] for k in FACTORS},
            "rr_factor": self.rr_factor,
            "f": self.f,
            "total": self.total,
            "total_mc": self.total_mc,
            "total_mc_interval": list(self.total_mc_interval),
            **{f"eps_{k}_mc_interval": list(self.mc_intervals[k]) for k in FACTORS},
        }


@dataclass
class RunEfficiency:
    """ε_tot per mass of one run with its uncertainty (MC interval and f in quadrature) and the signal
    MC's binomial part of it alone (half the Clopper–Pearson interval, ``efficiency_mc_err``), the
    corrected factors, the Table II rows, and the per-E_ECAL-bin efficiency for the cut optimisation."""

    run: str
    masses: list[float] = field(default_factory=list)
    efficiency: list[float] = field(default_factory=list)
    efficiency_err: list[float] = field(default_factory=list)
    efficiency_mc_err: list[float] = field(default_factory=list)
    components: EfficiencyComponents = field(default_factory=EfficiencyComponents)
    rows: list[EfficiencyRow] = field(default_factory=list)
    signal_ecal_edges: list[float] = field(default_factory=list)
    signal_ecal_eff: dict[str, list[float]] = field(default_factory=dict)  # str(mass) -> per bin


@dataclass
class SignalEfficiencies:
    """The signal-efficiency step for every run (in run order)."""

    runs: dict[str, RunEfficiency]

    def rows(self) -> list[EfficiencyRow]:
        return [row for re in self.runs.values() for row in re.rows]


def run_efficiencies(
    ctx: AnalysisContext, signal: SignalMC, dimuons: DimuonBenchmark, calibration: CalibrationEfficiencies
) -> SignalEfficiencies:
    """Per run and mass: MC factors × f (ε_e), × RR reweighting (ε_ECAL), × calibration data/MC
    (ε_V, ε_HCAL) (spec Sec. V.B, VI, Eq. 23-25). The per-bin efficiency (all cuts but the E_ECAL cut)
    carries RR per bin and the other corrections globally."""
    runs: dict[str, RunEfficiency] = {}
    for info in ctx.runs:
        r = info.name
        dm = dimuons.runs[r]
        f, f_err = dm.f_correction
        rr_fn = dm.rr.function() if dm.rr.valid else None
        cal = calibration.runs[r]
        out = RunEfficiency(run=r)
        for m in signal.masses:
            me = signal.efficiencies[m]
            cf = corrected_factors(me, f, rr_fn, cal)
            for k in FACTORS:
                getattr(out.components, k).append(cf.factors[k])
            out.components.rr_factor.append(cf.rr_factor)
            out.masses.append(m)
            out.efficiency.append(cf.total)
            lo, hi = me.total_interval
            mc_rel = (hi - lo) / 2 / me.total if me.total > 0 else 0.0
            out.efficiency_err.append(cf.total * float(np.hypot(mc_rel, f_err / f if f > 0 else 0.0)))
            out.efficiency_mc_err.append(cf.total * mc_rel)
            centres = 0.5 * (np.array(me.ecal_edges[1:]) + np.array(me.ecal_edges[:-1]))
            rr_bins = rr_fn(centres) if rr_fn is not None else np.ones_like(centres)
            scale = f * cal.v2_correction * cal.hcal_correction
            out.signal_ecal_edges = me.ecal_edges
            out.signal_ecal_eff[str(m)] = (np.array(me.ecal_eff) * rr_bins * scale).tolist()
            out.rows.append(
                EfficiencyRow(
                    run=r,
                    mass=m,
                    n_mc=me.n_events,
                    factors={k: cf.factors[k] for k in FACTORS},
                    rr_factor=cf.rr_factor,
                    f=f,
                    total=cf.total,
                    total_mc=me.total,
                    total_mc_interval=me.total_interval,
                    mc_intervals={k: me.intervals[k] for k in FACTORS},
                )
            )
        runs[r] = out
    return SignalEfficiencies(runs=runs)


@dataclass
class AnnihilationEfficiency:
    """ε_tot (Eq. 23, corrected as the bremsstrahlung signal's) of the resonant-annihilation signal
    samples of one run, per simulated mass [GeV], with its uncertainty (MC interval and dimuon f in
    quadrature); the denominator is the population the annihilation yield counts (missing energy, the
    positron's energy at annihilation + m_e, above the yield threshold)."""

    run: str
    masses: list[float] = field(default_factory=list)
    efficiency: list[float] = field(default_factory=list)
    efficiency_err: list[float] = field(default_factory=list)
    n_mc: list[int] = field(default_factory=list)


def annihilation_efficiencies(
    ctx: AnalysisContext, dimuons: DimuonBenchmark, calibration: CalibrationEfficiencies
) -> dict[str, AnnihilationEfficiency]:
    """Per run: ε_tot of the annihilation signal MC (``Process.ANNIHILATION``) at every simulated mass,
    its MC factors at the frozen cuts corrected by the dimuon f, the RR reweighting and the
    calibration-trigger ratios exactly as :func:`run_efficiencies` corrects the A′ signal's. Empty lists
    where the MC holds no annihilation events."""
    mc, msel = ctx.mc, ctx.msel
    masses = signal_masses(mc, Process.ANNIHILATION) if mc is not None else []
    mc_eff = {
        m: mass_efficiency(mc, msel, ctx.cfg, m, ctx.yield_threshold, Process.ANNIHILATION)
        for m in masses
        if mc is not None and msel is not None
    }
    out: dict[str, AnnihilationEfficiency] = {}
    for info in ctx.runs:
        dm = dimuons.runs[info.name]
        f, f_err = dm.f_correction
        rr_fn = dm.rr.function() if dm.rr.valid else None
        res = AnnihilationEfficiency(run=info.name)
        for m, me in mc_eff.items():
            cf = corrected_factors(me, f, rr_fn, calibration.runs[info.name])
            lo, hi = me.total_interval
            mc_rel = (hi - lo) / 2 / me.total if me.total > 0 else 0.0
            res.masses.append(m)
            res.efficiency.append(cf.total)
            res.efficiency_err.append(cf.total * float(np.hypot(mc_rel, f_err / f if f > 0 else 0.0)))
            res.n_mc.append(me.n_events)
        out[info.name] = res
    return out
