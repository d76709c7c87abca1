"""Run bookkeeping of the analysis (spec Sec. IV–VIII): the runs present in the data with their EOT
and beam intensity, the selections of data and MC, and the masks every step shares
(:func:`build_context`). Energies GeV, intensities e⁻ per spill.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.analysis.blinding import assert_blind
from darkmiss.analysis.inputs import AnalysisInputs
from darkmiss.config.load import Preset
from darkmiss.config.schema import RUN_NAMES, runs_from_preset
from darkmiss.detsim.fastpath import SummaryCounts
from darkmiss.reco.config import AnalysisConfig, yield_threshold
from darkmiss.reco.reconstruct import FileInfo, RecoEvents, build_selection
from darkmiss.reco.regions import Region, regions
from darkmiss.reco.selection import CUT_NAMES, Selection


@dataclass(frozen=True)
class RunInfo:
    """One data-taking run: its name, the run code of its MC events (position in ``RUN_NAMES``, else its
    position among the data's runs), its EOT and mean intensity [e⁻/spill]."""

    name: str
    index: int
    eot: float
    intensity: float


@dataclass
class AnalysisContext:
    """What every step of the analysis reads: the configuration, the reconstructed data and MC with
    their selections, the runs (in the order of ``RUN_NAMES``, then other names sorted), the regions,
    the yield threshold [GeV] and the blinding state."""

    cfg: AnalysisConfig
    data: RecoEvents
    mc: RecoEvents | None
    dsel: Selection
    msel: Selection | None
    runs: list[RunInfo]
    regions: dict[str, Region]
    yield_threshold: float
    blinded: bool
    data_runs: np.ndarray  # run name per data event
    all_cuts: np.ndarray  # data events passing every cut of CUT_NAMES
    summaries: dict[str, SummaryCounts]  # per run: pseudo-data counted on the summary path
    mc_files: list[FileInfo]  # the MC files (their generated weights give the MC upper limits)

    def in_run(self, run: str) -> np.ndarray:
        """Data events of ``run``."""
        return np.asarray(self.data_runs == run)


def run_names_in_data(data_runs: np.ndarray) -> list[str]:
    """Runs present in the data: those of ``RUN_NAMES`` in order, then any other names sorted."""
    return [r for r in RUN_NAMES if np.any(data_runs == r)] + sorted(
        {str(r) for r in np.unique(data_runs)} - set(RUN_NAMES)
    )


def run_info(name: str, position: int, files: list[FileInfo], preset: Preset) -> RunInfo:
    """EOT and intensity of a run from its data files (the preset's values where the files carry none).

    Each production (process, trigger) of a run covers the run's EOT: the largest per-production sum
    of file EOT is the run's. The intensity is the mean over files that record one."""
    preset_runs = runs_from_preset(preset)
    prod: dict[tuple[str, str], float] = {}
    for fi in files:
        prod[(fi.process, fi.trigger)] = prod.get((fi.process, fi.trigger), 0.0) + fi.eot
    eot = max(prod.values(), default=0.0) or (preset_runs[name].eot if name in preset_runs else 0.0)
    ints = [fi.intensity for fi in files if fi.intensity > 0]
    intensity = (
        float(np.mean(ints))
        if ints
        else (preset_runs[name].intensity_per_spill if name in preset_runs else 0.0)
    )
    index = RUN_NAMES.index(name) if name in RUN_NAMES else position
    return RunInfo(name=name, index=index, eot=eot, intensity=intensity)


def build_context(
    inputs: AnalysisInputs, cfg: AnalysisConfig, preset: Preset, *, blinded: bool
) -> AnalysisContext:
    """The context of one analysis pass; refuses (:class:`~darkmiss.errors.BlindingError`) data-mode
    box events while ``blinded``."""
    data = inputs.data
    if blinded:
        assert_blind(data, cfg)
    data_runs = data.run_names()
    names = run_names_in_data(data_runs)
    runs = [run_info(r, i, [f for f in inputs.data_files if f.run == r], preset) for i, r in enumerate(names)]
    dsel = build_selection(data, cfg)
    return AnalysisContext(
        cfg=cfg,
        data=data,
        mc=inputs.mc,
        dsel=dsel,
        msel=build_selection(inputs.mc, cfg) if inputs.mc is not None else None,
        runs=runs,
        regions=regions(cfg),
        yield_threshold=yield_threshold(preset, cfg),
        blinded=bool(blinded),
        data_runs=data_runs,
        all_cuts=dsel.all(*CUT_NAMES),
        summaries=dict(inputs.summaries),
        mc_files=list(inputs.mc_files),
    )


def rate_mask(mc: RecoEvents, base: np.ndarray, run_index: int) -> tuple[np.ndarray, float]:
    """MC events of ``base`` of a run (if the MC has that run) or all of them, with the divisor that
    turns the pooled runs' per-EOT weights into one run's."""
    runs_present = np.unique(mc.run[base])
    if run_index in runs_present:
        return base & (mc.run == run_index), 1.0
    return base, float(max(len(runs_present), 1))
