"""The whole analysis of spec Sec. IV–VIII as a function of the reconstructed events
(:func:`run_analysis`, no file access). Reading and reconstructing the event files is
:func:`darkmiss.analysis.inputs.load_inputs`; the file front ends (``darkmiss analyze``/``unblind``,
which also write the tables and draw the figures) are :mod:`darkmiss.pipeline.analysis`.

Steps, each a function of typed inputs returning a dataclass: run bookkeeping (:mod:`.context`) →
cut-flows and regions (:mod:`.cutflow`) → dimuon benchmark, f and RR (:mod:`.dimuon`) →
calibration-trigger efficiencies (:mod:`.efficiency`) → signal efficiencies per mass and run
(:mod:`.signal`) → systematics (:mod:`.systematics`) → background from side bands C/A and simulated
components (:mod:`.background`, the only step drawing random numbers). Energies GeV.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from darkmiss import __version__
from darkmiss.analysis.background import BackgroundEstimate, background_estimate
from darkmiss.analysis.blinding import BlindingRecord, blinding_record
from darkmiss.analysis.context import AnalysisContext, RunInfo, build_context
from darkmiss.analysis.cutflow import CutflowsAndRegions, cutflows_and_regions
from darkmiss.analysis.dimuon import DimuonBenchmark, dimuon_benchmark
from darkmiss.analysis.efficiency import CalibrationEfficiencies, calibration_efficiencies
from darkmiss.analysis.inputs import AnalysisInputs
from darkmiss.analysis.result import AnalysisResult, RunAnalysis, SidebandFit
from darkmiss.analysis.signal import (
    AnnihilationEfficiency,
    SignalEfficiencies,
    SignalMC,
    annihilation_efficiencies,
    run_efficiencies,
    signal_mc_efficiencies,
)
from darkmiss.analysis.systematics import Systematics, systematic_uncertainties
from darkmiss.config.load import Preset
from darkmiss.reco.config import AnalysisConfig


@dataclass
class AnalysisOutput:
    """The analysis result and the typed output of every step, from which the tables
    (:meth:`tables`) and the figures are made."""

    result: AnalysisResult
    blinding: BlindingRecord
    warnings: list[str]
    cutflows: CutflowsAndRegions
    dimuons: DimuonBenchmark
    calibration: CalibrationEfficiencies
    signal: SignalMC
    efficiencies: SignalEfficiencies
    systematics: Systematics
    background: BackgroundEstimate
    has_mc: bool

    def tables(self) -> dict[str, Any]:
        """The ``tables.json`` content (lists of records): blinding, cut-flows, regions, Table I, RR,
        calibration curves, signal cut-flows (with MC), Table II, Table III, Table IV."""
        t: dict[str, Any] = {"blinding": self.blinding.to_dict()}
        if self.warnings:
            t["warnings"] = list(self.warnings)
        t["cutflow"] = self.cutflows.cutflow_records()
        t["regions"] = self.cutflows.region_records()
        t["dimuon"] = [d.ratio.to_record() for d in self.dimuons.runs.values()]
        t["rr"] = {r: asdict(d.rr) for r, d in self.dimuons.runs.items()}
        t["calibration"] = [asdict(c) for c in self.calibration.runs.values()]
        if self.has_mc:
            t["cutflow_signal"] = self.signal.cutflow_records()
        t["efficiency"] = [row.to_record() for row in self.efficiencies.rows()]
        t["systematics"] = [st.to_record() for st in self.systematics.tables()]
        t["background"] = [rb.to_record() for rb in self.background.runs.values()]
        t["background_summary"] = self.background.summary.to_record()
        return t


def weight_warnings(weights: np.ndarray) -> list[str]:
    """A warning when data-mode events carry weights (weighted pseudo-data productions)."""
    if not len(weights) or np.all(weights == 1.0):
        return []
    return [
        f"data-mode events carry weights (min {weights.min():.3g}, max {weights.max():.3g}): "
        "counts, fits and f use the weights; the observed count in the box is the raw number of events"
    ]


def run_result(
    info: RunInfo,
    cutflows: CutflowsAndRegions,
    dimuons: DimuonBenchmark,
    efficiencies: SignalEfficiencies,
    systematics: Systematics,
    background: BackgroundEstimate,
    annihilation: dict[str, AnnihilationEfficiency],
) -> RunAnalysis:
    """The ``analysis.json`` record of one run from the steps' outputs."""
    r = info.name
    eff, dm, bg, sy = efficiencies.runs[r], dimuons.runs[r], background.runs[r], systematics.runs[r]
    ann = annihilation[r]
    return RunAnalysis(
        run=r,
        eot=info.eot,
        intensity=info.intensity,
        observed=cutflows.runs[r].observed,
        background=bg.total.value,
        background_err=bg.total.err,
        background_components=dict(bg.components),
        sideband_fit=SidebandFit.from_estimate(bg.sideband_c),
        efficiency_masses=eff.masses,
        efficiency=eff.efficiency,
        efficiency_err=eff.efficiency_err,
        efficiency_mc_err=eff.efficiency_mc_err,
        efficiency_components=eff.components,
        signal_ecal_edges=eff.signal_ecal_edges,
        signal_ecal_eff=eff.signal_ecal_eff,
        systematics=sy.sources,
        dimuon_ratio=dm.ratio.f,
        dimuon_ratio_err=dm.ratio.f_err,
        systematics_total=sy.total,
        annihilation_masses=ann.masses,
        annihilation_efficiency=ann.efficiency,
        annihilation_efficiency_err=ann.efficiency_err,
    )


def table_iv_record(background: BackgroundEstimate) -> dict[str, Any]:
    """Table IV from the MC per run and for all runs (rows → value, err, upper [events]), and the EOT."""
    out: dict[str, Any] = {
        r: {k: v.to_record() for k, v in rb.table_iv.items()} for r, rb in background.runs.items()
    }
    out["all"] = {k: v.to_record() for k, v in background.summary.table_iv.items()}
    out["eot"] = background.summary.eot
    return out


def benchmark_record(
    ctx: AnalysisContext, dimuons: DimuonBenchmark, calibration: CalibrationEfficiencies
) -> dict[str, Any]:
    """Per run: the selected dimuons of the data (Table I n_data) and the SRD efficiency measured on the
    calibration-trigger data (spec Sec. VI.B: beam e⁻ of unbiased samples passing the SRD cut)."""
    out: dict[str, Any] = {}
    for info in ctx.runs:
        r = info.name
        cal = ctx.in_run(r) & ctx.data.calibration_run & ctx.data.trigger_calibration
        n_cal = int(cal.sum())
        srd = float(ctx.dsel.mask("srd")[cal].mean()) if n_cal else None
        out[r] = {
            "dimuons_data": dimuons.runs[r].ratio.n_data,
            "calibration_events": n_cal,
            "srd_efficiency": srd,
            "srd_efficiency_err": float(np.sqrt(srd * (1 - srd) / n_cal)) if srd is not None else None,
        }
    return out


def run_analysis(
    inputs: AnalysisInputs,
    cfg: AnalysisConfig,
    preset: Preset,
    *,
    blinded: bool = True,
    cut_frozen: bool = False,
    seed: int = 0,
) -> AnalysisOutput:
    """The analysis of spec Sec. IV–VIII on reconstructed events (no file access); ``seed`` seeds the
    side-band extrapolation toys."""
    rng = np.random.default_rng(seed)
    ctx = build_context(inputs, cfg, preset, blinded=blinded)
    cutflows = cutflows_and_regions(ctx)
    dimuons = dimuon_benchmark(ctx)
    calibration = calibration_efficiencies(ctx)
    signal = signal_mc_efficiencies(ctx)
    efficiencies = run_efficiencies(ctx, signal, dimuons, calibration)
    annihilation = annihilation_efficiencies(ctx, dimuons, calibration)
    systematics = systematic_uncertainties(ctx, signal, efficiencies, dimuons, calibration)
    background = background_estimate(ctx, rng)
    blinding = blinding_record(blinded, cfg)
    result = AnalysisResult(
        preset=preset.name,
        blinded=bool(blinded),
        ecal_cut=cfg.ecal_cut,
        hcal_cut=cfg.hcal_cut,
        cut_frozen=bool(cut_frozen),
        yield_threshold=ctx.yield_threshold,
        runs=[
            run_result(i, cutflows, dimuons, efficiencies, systematics, background, annihilation)
            for i in ctx.runs
        ],
        provenance={
            "darkmiss_version": __version__,
            "seed": int(seed),
            "data_files": [f.path for f in inputs.data_files],
            "mc_files": [f.path for f in inputs.mc_files],
        },
        extra={
            "blinding": blinding.to_dict(),
            "masses": signal.masses,
            "table_iv": table_iv_record(background),
            "benchmarks": benchmark_record(ctx, dimuons, calibration),
            # (mediator, model) of the signal MC behind the efficiencies
            "signal_models": [list(p) for p in inputs.signal_models],
        },
    )
    return AnalysisOutput(
        result=result,
        blinding=blinding,
        warnings=weight_warnings(ctx.data.weight),
        cutflows=cutflows,
        dimuons=dimuons,
        calibration=calibration,
        signal=signal,
        efficiencies=efficiencies,
        systematics=systematics,
        background=background,
        has_mc=ctx.mc is not None,
    )
