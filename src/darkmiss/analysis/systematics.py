"""Systematic uncertainties (spec Sec. VII, Table III): each source is the relative change of the
signal yield under the variation the spec describes; the inputs without a variation (EOT, signal
cross section) come from the preset's ``[systematics]`` table. Combined in quadrature.
:func:`systematic_uncertainties` is the analysis step that makes Table III for every run and mass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from darkmiss.analysis.context import AnalysisContext
from darkmiss.analysis.dimuon import DimuonBenchmark, RRResult, rr_variations
from darkmiss.analysis.efficiency import (
    CalibrationEfficiencies,
    CalibrationEfficiency,
    MassEfficiency,
    corrected_factors,
)
from darkmiss.analysis.signal import SignalEfficiencies, SignalMC

#: Table III sources in order.
SOURCES: tuple[str, ...] = (
    "eot",
    "signal_cross_section",
    "primary_e_selection",
    "ecal_selection",
    "ecal_reweighting",
    "v2_threshold",
    "hcal_threshold",
)


def relative_shift(nominal: float, varied: list[float]) -> float:
    """Largest |varied − nominal| / nominal (spec Sec. VII: 'taking the largest change')."""
    if nominal <= 0 or not varied:
        return 0.0
    return max(abs(v - nominal) for v in varied) / nominal


def reweighting_uncertainty(shift: float, stat: float) -> float:
    """Reweighting systematic: quadratic sum of the observed shift and its statistical error
    (spec Sec. VII, 4% in the paper's run III)."""
    return math.hypot(shift, stat)


@dataclass
class SystematicsTable:
    """Table III for one run and mass [GeV]: relative uncertainties per source."""

    run: str
    mass: float
    sources: dict[str, float]

    @property
    def total(self) -> float:
        """Quadrature sum of the efficiency and normalisation sources (Table III's 'Total', which
        leaves out the signal cross section: sqrt(2²+4²+2²+7²+3²+2²) = 9%)."""
        return math.sqrt(sum(v * v for k, v in self.sources.items() if k != "signal_cross_section"))

    @property
    def total_with_cross_section(self) -> float:
        return math.sqrt(sum(v * v for v in self.sources.values()))

    def to_record(self) -> dict[str, float | str]:
        rec: dict[str, float | str] = {"run": self.run, "mass": self.mass}
        rec.update(self.sources)
        rec["total"] = self.total
        rec["total_with_cross_section"] = self.total_with_cross_section
        return rec


def reweighting_shifts(me: MassEfficiency, f: float, rr: RRResult, cal: CalibrationEfficiency) -> list[float]:
    """RR corrections of ``me`` under the ±1σ eigenvector variations of the RR fit and the alternative
    linear function (Sec. VII); empty without a valid RR fit."""
    if not rr.valid:
        return []
    shifts = [corrected_factors(me, f, rr.function(p), cal).rr_factor for p in rr_variations(rr)]
    shifts.append(corrected_factors(me, f, rr.alt_function(), cal).rr_factor)
    return shifts


@dataclass
class RunSystematics:
    """Table III of one run: one table per mass, the largest value of each source over masses, and
    the largest total (without the cross section)."""

    run: str
    tables: list[SystematicsTable]
    sources: dict[str, float]
    total: float


@dataclass
class Systematics:
    """The systematics step for every run (in run order)."""

    runs: dict[str, RunSystematics]

    def tables(self) -> list[SystematicsTable]:
        return [t for rs in self.runs.values() for t in rs.tables]


def systematic_uncertainties(
    ctx: AnalysisContext,
    signal: SignalMC,
    efficiencies: SignalEfficiencies,
    dimuons: DimuonBenchmark,
    calibration: CalibrationEfficiencies,
) -> Systematics:
    """Table III per run and mass (spec Sec. VII): EOT and cross section from the preset, primary e⁻
    selection = σ_f/f, ECAL selection, V2 and HCAL thresholds = largest change of ε_tot under the varied
    cuts, reweighting = largest change of the RR correction ⊕ its statistical error."""
    cfg = ctx.cfg
    runs: dict[str, RunSystematics] = {}
    for info in ctx.runs:
        r = info.name
        f, f_err = dimuons.runs[r].f_correction
        rr = dimuons.runs[r].rr
        tables = []
        for m, row in zip(signal.masses, efficiencies.runs[r].rows, strict=True):
            me, var = signal.efficiencies[m], signal.variations[m]
            shifts = reweighting_shifts(me, f, rr, calibration.runs[r])
            rw = (
                reweighting_uncertainty(relative_shift(row.rr_factor, shifts), cfg.sys_reweighting_stat)
                if rr.valid
                else 0.0
            )
            sources = {
                "eot": cfg.sys_eot,
                "signal_cross_section": cfg.sys_cross_section,
                "primary_e_selection": f_err / f if f > 0 else 0.0,
                "ecal_selection": relative_shift(me.total, var.ecal),
                "ecal_reweighting": rw,
                "v2_threshold": relative_shift(me.total, var.v2),
                "hcal_threshold": relative_shift(me.total, var.hcal),
            }
            tables.append(SystematicsTable(run=r, mass=m, sources=sources))
        if tables:
            summary = {k: max(t.sources[k] for t in tables) for k in tables[0].sources}
            total = max(t.total for t in tables)
        else:
            summary = {"eot": cfg.sys_eot, "signal_cross_section": cfg.sys_cross_section}
            total = cfg.sys_eot
        runs[r] = RunSystematics(run=r, tables=tables, sources=summary, total=total)
    return Systematics(runs=runs)
