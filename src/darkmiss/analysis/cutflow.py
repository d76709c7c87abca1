"""Cut-flows and region counts of the data per run (spec Sec. IV, VIII, Fig. 7): weighted sequential and
N−1 counts of the cuts, the events of every region after all cuts (the signal box withheld while
blinded), the observed signal-box count once unblinded, and the (E_ECAL, E_HCAL) points of Fig. 7.
Data: visible events only. Energies GeV.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.analysis.context import AnalysisContext
from darkmiss.reco.reconstruct import RecoEvents
from darkmiss.reco.selection import CUT_NAMES, Cutflow

#: Cuts against upstream interactions (spec Sec. VIII), left out for Fig. 7 (middle).
UPSTREAM_CUTS = ("upstream_hits", "hcal_lateral", "hcal_time")


@dataclass
class RegionCount:
    """Weighted data events of one region after all cuts in one run (None: the blinded signal box)."""

    run: str
    region: str
    events: float | None
    description: str

    def to_record(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "region": self.region,
            "events": self.events,
            "description": self.description,
        }


@dataclass
class PlanePoints:
    """(E_ECAL, E_HCAL) [GeV] of the data events of a run after some of the cuts (Fig. 7)."""

    e_ecal: np.ndarray
    e_hcal: np.ndarray

    @classmethod
    def of(cls, reco: RecoEvents, mask: np.ndarray) -> PlanePoints:
        """The points of the events ``mask`` of ``reco``."""
        return cls(reco.e_ecal[mask], reco.e_hcal[mask])


@dataclass
class RunCutflow:
    """One run: its cut-flow, region counts, Fig. 7 points and, unblinded, the raw signal-box count."""

    run: str
    cutflow: Cutflow
    regions: list[RegionCount]
    tag_only: PlanePoints  # SRD tag alone
    no_upstream: PlanePoints  # all cuts but the upstream ones (Fig. 7 middle)
    all_cuts: PlanePoints  # all cuts (Fig. 7 right)
    observed: int | None


@dataclass
class CutflowsAndRegions:
    """The cut-flow step for every run, in run order."""

    runs: dict[str, RunCutflow]

    def cutflow_records(self) -> dict[str, list[dict[str, Any]]]:
        return {r: rc.cutflow.to_records() for r, rc in self.runs.items()}

    def region_records(self) -> list[dict[str, Any]]:
        return [c.to_record() for rc in self.runs.values() for c in rc.regions]


def cutflows_and_regions(ctx: AnalysisContext) -> CutflowsAndRegions:
    """Cut-flows of the unit-weight pseudo-data (the stored events, plus per run the events counted on
    the summary path, which all fail V2: darkmiss.detsim.fastpath), region counts after all cuts, and
    the signal-box count when unblinded."""
    data, dsel = ctx.data, ctx.dsel
    no_upstream = dsel.all(*[c for c in CUT_NAMES if c not in UPSTREAM_CUTS])
    tag = dsel.mask("srd")
    out: dict[str, RunCutflow] = {}
    for info in ctx.runs:
        r = info.name
        inrun = ctx.in_run(r)
        counts = []
        for name, reg in ctx.regions.items():
            m = inrun & ctx.all_cuts & reg.contains(data.e_ecal, data.e_hcal)
            count: float | None = float(data.weight[m].sum())
            if name == "signal_box" and ctx.blinded:
                count = None
            counts.append(RegionCount(run=r, region=name, events=count, description=reg.description))
        observed = None
        if not ctx.blinded:
            box = inrun & ctx.all_cuts & ctx.regions["signal_box"].contains(data.e_ecal, data.e_hcal)
            observed = int(box.sum())
        cutflow = dsel.cutflow(CUT_NAMES, weights=data.weight, base=inrun)
        summ = ctx.summaries.get(r)
        if summ is not None:
            cutflow = cutflow.with_counted(summ.cutflow.get("trigger", 0), summ.cutflow)
        out[r] = RunCutflow(
            run=r,
            cutflow=cutflow,
            regions=counts,
            tag_only=PlanePoints.of(data, inrun & tag),
            no_upstream=PlanePoints.of(data, inrun & no_upstream),
            all_cuts=PlanePoints.of(data, inrun & ctx.all_cuts),
            observed=observed,
        )
    return CutflowsAndRegions(runs=out)
