"""Scoring of the cascade: energy deposits in readout cells, hand-off, track-length (e±, γ, and e⁺
in the active target with its per-shower covariance) and yield tallies.

Units GeV, cm. ``out`` is an :class:`~.state.Outputs`, ``geo`` a :class:`~.state.SlabArrays`,
``tally`` a :class:`~.state.Tally`; ``s`` is the row (shower) being scored. Energy deposited
outside any readout cell counts as escaped, so that per shower Σ absorbed + escaped + A′ + handoff
+ muons is the primary's available energy.
"""

from __future__ import annotations

import math

from darkmiss.shower.cascade.cross_sections import interp_log
from darkmiss.shower.cascade.state import (
    FLOOR_ABSORB,
    FLOOR_HANDOFF,
    Cuts,
    Outputs,
    PositronArrays,
    SlabArrays,
    Tally,
    YieldTable,
    step_helper,
)
from darkmiss.shower.cascade.transport import cell_index


@step_helper
def deposit_step(s: int, slab: int, xm: float, ym: float, de: float, geo: SlabArrays, out: Outputs) -> None:
    """Continuous loss ``de`` [GeV] of a charged step, scored at its mid-point (xm, ym) [cm]."""
    c = cell_index(xm, ym, geo.region[slab], geo.cell_cm[slab], geo.ncell[slab])
    if c >= 0:
        out.absorbed[s, c] += de
        out.slab_dep[slab] += de
        if geo.active[slab]:
            out.visible[s, c] += de
    else:
        out.escaped[s] += de


@step_helper
def deposit_point(s: int, slab: int, x: float, y: float, e: float, geo: SlabArrays, out: Outputs) -> None:
    """An untracked secondary's available energy ``e`` [GeV] absorbed at (x, y) [cm] (no readout:
    this happens only when the floor action is ``FLOOR_ABSORB``)."""
    c = cell_index(x, y, geo.region[slab], geo.cell_cm[slab], geo.ncell[slab])
    if c >= 0:
        out.absorbed[s, c] += e
        out.slab_dep[slab] += e
    else:
        out.escaped[s] += e


@step_helper
def stop_below_floor(
    s: int,
    pid: int,
    avail: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    slab: int,
    cuts: Cuts,
    geo: SlabArrays,
    tally: Tally,
    out: Outputs,
) -> None:
    """End of a particle's tracking below the floor: hand it off (fast mode, available energy
    ≥ ``local_cut``; the list grows past its capacity only in the count) or deposit ``avail`` [GeV]
    in the cell at (x, y), with its CSDA track length in the residual tally."""
    if cuts.floor_action == FLOOR_HANDOFF and avail >= cuts.local_cut:
        ho = out.handoff
        k = out.n_handoff[0]
        if k < ho.shape[0]:
            ho[k, 0] = s
            ho[k, 1] = pid
            ho[k, 2] = avail
            ho[k, 3], ho[k, 4], ho[k, 5] = x, y, z
            ho[k, 6], ho[k, 7], ho[k, 8] = ux, uy, uz
        out.n_handoff[0] = k + 1
        return
    hw = geo.half_width[slab]
    inside = abs(x) < hw and abs(y) < hw
    c = cell_index(x, y, geo.region[slab], geo.cell_cm[slab], geo.ncell[slab]) if inside else -1
    if c >= 0:
        out.absorbed[s, c] += avail
        out.slab_dep[slab] += avail
        if geo.active[slab] and cuts.floor_action != FLOOR_ABSORB:
            out.visible[s, c] += avail
        if tally.charged.size > 0:
            mi = geo.mat_index[slab]
            tally.resid[mi] += avail * tally.inv_s[mi]
    else:
        # stopped in vacuum (cannot happen for charged) or yield mode bookkeeping
        out.escaped[s] += avail


@step_helper
def score_charged_track(tally: Tally, mi: int, slab: int, etot: float, step: float) -> None:
    """Charged track length ``step`` [cm] at pre-step total energy ``etot`` [GeV] per material and slab."""
    if tally.charged.size > 0:
        ib = int((math.log(etot) - tally.logemin) / tally.dloge)
        if ib >= 0 and ib < tally.charged.shape[1]:
            tally.charged[mi, ib] += step
            tally.depth[slab, ib] += step


@step_helper
def score_photon_track(tally: Tally, mi: int, en: float, step: float) -> None:
    """Photon track length ``step`` [cm] at energy ``en`` [GeV] per material."""
    if tally.charged.size > 0:
        ib = int((math.log(en) - tally.logemin) / tally.dloge)
        if ib >= 0 and ib < tally.charged.shape[1]:
            tally.photon[mi, ib] += step


@step_helper
def score_positron(pt: PositronArrays, slab: int, etot: float, step: float) -> None:
    """Positron track length ``step`` [cm] at pre-step total energy ``etot`` [GeV] in slab ``slab``
    (scored only in the active target's slabs) into the current shower's row."""
    if pt.col.size > 0:
        c = pt.col[slab]
        if c >= 0 and step > 0.0:
            ib = int((math.log(etot) - pt.logemin) / pt.dloge)
            if ib >= 0 and ib < pt.nbin:
                k = c * pt.nbin + ib
                if pt.row[k] == 0.0:
                    pt.hit[pt.nhit[0]] = k
                    pt.nhit[0] += 1
                pt.row[k] += step


@step_helper
def flush_positrons(pt: PositronArrays) -> None:
    """End of a shower: add its positron track-length row to ``total`` and its outer product to
    ``cov`` (over the touched indices only), then clear the row."""
    nh = pt.nhit[0]
    for a in range(nh):
        i = pt.hit[a]
        ri = pt.row[i]
        pt.total[i] += ri
        for b in range(nh):
            j = pt.hit[b]
            pt.cov[i, j] += ri * pt.row[j]
    for a in range(nh):
        pt.row[pt.hit[a]] = 0.0
    pt.nhit[0] = 0


@step_helper
def score_yields(s: int, na: float, ytab: YieldTable, etot: float, step: float, out: Outputs) -> None:
    """Per-shower expected emissions Σ n σ(E) Δs of each yield channel for a charged step of
    ``step`` [cm] at total energy ``etot`` [GeV] in a target of ``na`` atoms/cm³ (above ``ytab.emin``)."""
    nch = ytab.sigma.shape[0]
    if nch > 0 and etot >= ytab.emin:
        for ch in range(nch):
            out.yields[s, ch] += na * interp_log(ytab.sigma[ch], ytab.logemin, ytab.dloge, etot) * step
