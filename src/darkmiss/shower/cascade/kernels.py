"""The numba drivers of the cascade: a transport step of an e± or a γ, a particle's history, a
shower (stack loop) and the loop over showers with the two forcing passes.

Units GeV, cm. The per-particle physics is shared: cross-sections from :mod:`.cross_sections`,
final states from :mod:`.interactions`, scoring from :mod:`.tallies`, secondaries via
:mod:`.stack`, forced emissions from :mod:`.forcing`. Draws from a particle's stream ``rng`` happen
in a fixed order (free path, multiple scattering, interaction type, final state); the order is
part of the reproducibility contract and must not change.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from darkmiss.constants import M_E
from darkmiss.shower.cascade.cross_sections import (
    annihilation_sigma,
    brems_sigma,
    brems_soft_loss,
    compton_sigma,
    moller_bhabha_sigma,
    pair_sigma,
    restricted_dedx,
)
from darkmiss.shower.cascade.forcing import emission_probability, emit_aprime, emit_dimuon, select_step
from darkmiss.shower.cascade.interactions import (
    multiple_scattering,
    sample_annihilation,
    sample_brems,
    sample_compton,
    sample_delta_ray,
    sample_pair,
    tsai_angle,
)
from darkmiss.shower.cascade.rng import next64, uni
from darkmiss.shower.cascade.stack import emit, emit_at_angle, push
from darkmiss.shower.cascade.state import (
    ALIVE,
    OVERFLOW,
    PID_EM,
    PID_EP,
    PID_G,
    STOPPED,
    Cuts,
    ForceTable,
    Outputs,
    PositronArrays,
    SlabArrays,
    Stack,
    Tally,
    YieldTable,
    shower_driver,
    step_helper,
)
from darkmiss.shower.cascade.tallies import (
    deposit_step,
    flush_positrons,
    score_charged_track,
    score_photon_track,
    score_positron,
    score_yields,
    stop_below_floor,
)
from darkmiss.shower.cascade.transport import cross_face, distances, start_slab

# Particle codes and zeros as typed int64 values: numba compiles a helper once more for every
# Literal[int] argument (a global int or a counter's initial 0), which would multiply compile time.
_EM, _EP, _G = np.int64(PID_EM), np.int64(PID_EP), np.int64(PID_G)
_ZERO, _ONE = np.int64(0), np.int64(1)

# A step returns (status, en, x, y, z, ux, uy, uz, stack pointer, Σp of forcing pass 1, whether a
# z face is crossed when the geometric limit was the shortest distance).
StepResult = tuple[int, float, float, float, float, float, float, float, int, float, bool]


@step_helper
def charged_interaction(
    s: int,
    slab: int,
    positron: bool,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    sig: float,
    sig_b: float,
    sig_d: float,
    mrow: np.ndarray,
    rng: np.ndarray,
    cuts: Cuts,
    geo: SlabArrays,
    out: Outputs,
    stack: Stack,
    sp: int,
) -> tuple[int, float, float, float, float, int]:
    """Discrete interaction of an e± (kinetic energy ``en`` [GeV]) chosen ∝ σ: bremsstrahlung,
    Møller/Bhabha delta ray or (e⁺) annihilation in flight. Returns (status, en, direction, sp)."""
    etot = en + M_E
    r = uni(rng) * sig
    if r < sig_b:
        ok, kk, cseed, th, phi = sample_brems(rng, etot, cuts.kc, mrow[0], mrow[1], mrow[5], mrow[6])
        if ok and kk < en:
            en -= kk
            sp = emit_at_angle(
                s, slab, _G, kk, kk, kk, x, y, z, ux, uy, uz, th, phi, cseed, cuts, geo, out, stack, sp
            )
    elif r < sig_b + sig_d:
        td, cseed, dx, dy, dz, ux, uy, uz = sample_delta_ray(rng, en, cuts.tcut, positron, ux, uy, uz)
        en -= td
        sp = emit(s, slab, _EM, td, td + M_E, td, x, y, z, dx, dy, dz, cseed, cuts, geo, out, stack, sp)
    else:
        k1, g1x, g1y, g1z, k2, g2x, g2y, g2z = sample_annihilation(rng, en, ux, uy, uz)
        sp = emit(s, slab, _G, k1, k1, k1, x, y, z, g1x, g1y, g1z, next64(rng), cuts, geo, out, stack, sp)
        if sp < 0:
            return OVERFLOW, en, ux, uy, uz, sp
        sp = emit(s, slab, _G, k2, k2, k2, x, y, z, g2x, g2y, g2z, next64(rng), cuts, geo, out, stack, sp)
        return (OVERFLOW if sp < 0 else STOPPED), en, ux, uy, uz, sp
    return (OVERFLOW if sp < 0 else ALIVE), en, ux, uy, uz, sp


@step_helper
def charged_step(
    s: int,
    pid: int,
    pid_id: np.uint64,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    slab: int,
    mi: int,
    nstep: int,
    s_lim: float,
    sp: int,
    cum_p: float,
    rng: np.ndarray,
    aux: np.ndarray,
    f_kind: int,
    f_pass: int,
    chosen: np.ndarray,
    geo: SlabArrays,
    cuts: Cuts,
    tally: Tally,
    ptally: PositronArrays,
    ytab: YieldTable,
    ftab: ForceTable,
    out: Outputs,
    stack: Stack,
) -> StepResult:
    """One step of an e± (kinetic energy ``en`` [GeV]) in material ``mi``: the shortest of the free
    path, the geometric limit ``s_lim`` [cm] and the energy-loss limit (20% of T); continuous loss
    (restricted dE/dx + soft brems) deposited at mid-step; tallies (e⁺ in the active target apart),
    yields, A′ forcing and forced e⁺ annihilation at the pre-step energy (an annihilating positron
    stops at the end of the step, its energy + m_e missing); multiple scattering; then the discrete
    interaction if it limited the step."""
    positron = pid == _EP
    mrow = geo.mat[mi]
    b1, b2 = mrow[0], mrow[1]
    kc, tcut = cuts.kc, cuts.tcut
    etot = en + M_E
    sig_b = brems_sigma(etot, kc, b1, b2)
    sig_d = moller_bhabha_sigma(en, tcut, positron, mrow[3]) if en > tcut else 0.0
    sig_a = annihilation_sigma(en, mrow[3]) if positron else 0.0
    sig = sig_b + sig_d + sig_a
    loss = restricted_dedx(en, tcut, positron, mrow) + brems_soft_loss(etot, kc, b1, b2)
    s_int = -math.log(uni(rng)) / sig if sig > 0 else 1e30
    s_el = max(0.2 * en, 0.5 * kc) / loss if loss > 0 else 1e30  # mode-independent (replay)
    step = min(s_int, s_lim, s_el)
    de = min(loss * step, en)
    deposit_step(s, slab, x + 0.5 * step * ux, y + 0.5 * step * uy, de, geo, out)
    score_charged_track(tally, mi, slab, etot, step)
    if positron:
        score_positron(ptally, slab, etot, step)
    fire = False
    if geo.target[slab]:
        score_yields(s, mrow[13], ytab, etot, step, out)
        if f_kind == 1 and etot >= ftab.emin:
            p = emission_probability(mrow[13], ftab, etot, step)
            cum_p, fire = select_step(p, f_pass, pid_id, nstep, cum_p, chosen, aux)
    if f_kind == 3 and positron and etot >= ftab.emin and ftab.slabs[slab]:
        # resonant e⁺e⁻ → V on the material's electrons (n_e = mrow[3]) at the pre-step energy
        p = emission_probability(mrow[3], ftab, etot, step)
        cum_p, fire = select_step(p, f_pass, pid_id, nstep, cum_p, chosen, aux)
    x += ux * step
    y += uy * step
    z += uz * step
    en -= de
    if fire and f_kind == 3:
        # the positron and its atomic electron (at rest) vanish into V: E + m_e is missing
        out.aprime[s] += en + 2.0 * M_E
        return STOPPED, en, x, y, z, ux, uy, uz, sp, cum_p, False
    if fire:
        sp = emit_aprime(s, pid, en, etot, x, y, z, ux, uy, uz, aux, ftab, out, stack, sp)
        return (OVERFLOW if sp < 0 else STOPPED), en, x, y, z, ux, uy, uz, sp, cum_p, False
    ux, uy, uz = multiple_scattering(rng, en, step, mrow[4], ux, uy, uz)
    status = ALIVE
    if step == s_int and en > 0.0:
        status, en, ux, uy, uz, sp = charged_interaction(
            s, slab, positron, en, x, y, z, ux, uy, uz, sig, sig_b, sig_d, mrow, rng, cuts, geo, out, stack, sp,
        )  # fmt: skip
    return status, en, x, y, z, ux, uy, uz, sp, cum_p, step == s_lim


@step_helper
def photon_interaction(
    s: int,
    slab: int,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    sig: float,
    sig_p: float,
    mrow: np.ndarray,
    rng: np.ndarray,
    cuts: Cuts,
    geo: SlabArrays,
    out: Outputs,
    stack: Stack,
    sp: int,
) -> tuple[int, float, float, float, float, int]:
    """Discrete interaction of a photon (energy ``en`` [GeV]) chosen ∝ σ: pair production (the
    photon ends; an LPM-suppressed pair leaves it unchanged) or Compton scattering (the photon
    continues with the scattered energy and direction). Returns (status, en, direction, sp)."""
    if uni(rng) * sig < sig_p:
        ok, e1, e2, phi = sample_pair(rng, en, mrow[0], mrow[1], mrow[5])
        if not ok:
            return ALIVE, en, ux, uy, uz, sp
        for q, ee, ph in ((_EM, e1, phi), (_EP, e2, phi + math.pi)):
            cseed = next64(rng)
            th = tsai_angle(rng, M_E, ee)
            tk = ee - M_E
            av = tk + 2.0 * M_E if q == _EP else tk
            sp = emit_at_angle(
                s, slab, q, tk, ee, av, x, y, z, ux, uy, uz, th, ph, cseed, cuts, geo, out, stack, sp
            )
            if sp < 0:
                return OVERFLOW, en, ux, uy, uz, sp
        return STOPPED, en, ux, uy, uz, sp
    k1, nx, ny, nz, te, cseed, ex, ey, ez = sample_compton(rng, en, ux, uy, uz)
    sp = emit(s, slab, _EM, te, te + M_E, te, x, y, z, ex, ey, ez, cseed, cuts, geo, out, stack, sp)
    return (OVERFLOW if sp < 0 else ALIVE), k1, nx, ny, nz, sp


@step_helper
def photon_step(
    s: int,
    pid_id: np.uint64,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    slab: int,
    mi: int,
    nstep: int,
    s_lim: float,
    sp: int,
    cum_p: float,
    rng: np.ndarray,
    aux: np.ndarray,
    f_kind: int,
    f_pass: int,
    chosen: np.ndarray,
    geo: SlabArrays,
    cuts: Cuts,
    tally: Tally,
    ftab: ForceTable,
    out: Outputs,
    stack: Stack,
) -> StepResult:
    """One step of a photon (energy ``en`` [GeV]) in material ``mi``: the shorter of the free path
    (pair + Compton) and the geometric limit ``s_lim`` [cm]; track-length tally and μμ forcing;
    then the interaction if it limited the step."""
    mrow = geo.mat[mi]
    sig_p = pair_sigma(en, mrow[0], mrow[1], mrow[2])
    sig_c = compton_sigma(en, mrow[3])
    sig = sig_p + sig_c
    s_int = -math.log(uni(rng)) / sig if sig > 0 else 1e30
    step = min(s_int, s_lim)
    score_photon_track(tally, mi, en, step)
    fire = False
    if f_kind == 2 and geo.target[slab] and en >= ftab.emin:
        p = emission_probability(mrow[13], ftab, en, step)
        cum_p, fire = select_step(p, f_pass, pid_id, nstep, cum_p, chosen, aux)
    x += ux * step
    y += uy * step
    z += uz * step
    if fire:
        emit_dimuon(s, en, x, y, z, ux, uy, uz, aux, ftab, out)
        return STOPPED, en, x, y, z, ux, uy, uz, sp, cum_p, False
    status = ALIVE
    if step == s_int:
        status, en, ux, uy, uz, sp = photon_interaction(
            s, slab, en, x, y, z, ux, uy, uz, sig, sig_p, mrow, rng, cuts, geo, out, stack, sp
        )
    return status, en, x, y, z, ux, uy, uz, sp, cum_p, step != s_int


@step_helper
def track_particle(
    s: int,
    pid: int,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    pid_id: np.uint64,
    rng: np.ndarray,
    aux: np.ndarray,
    sp: int,
    cum_p: float,
    f_kind: int,
    f_pass: int,
    chosen: np.ndarray,
    geo: SlabArrays,
    cuts: Cuts,
    tally: Tally,
    ptally: PositronArrays,
    ytab: YieldTable,
    ftab: ForceTable,
    out: Outputs,
    stack: Stack,
) -> tuple[int, int, float]:
    """History of one particle (γ: energy, e±: kinetic energy ``en`` [GeV]) until it leaves the
    world, falls below the floor, or ends in an interaction. Vacuum is crossed in one step.
    Returns (STOPPED or OVERFLOW, stack pointer, Σp of forcing pass 1)."""
    charged = pid != _G
    positron = pid == _EP
    zed = geo.zed
    ns = geo.mat_index.size
    slab = start_slab(z, uz, zed)
    nstep = _ZERO
    while True:
        avail = en + 2.0 * M_E if positron else en
        etot = en + M_E if charged else en
        if slab < 0 or slab >= ns or abs(x) > cuts.world_hw or abs(y) > cuts.world_hw:
            out.escaped[s] += avail
            return STOPPED, sp, cum_p
        if etot < cuts.floor or (charged and en <= 0.0):
            stop_below_floor(s, pid, avail, x, y, z, ux, uy, uz, slab, cuts, geo, tally, out)
            return STOPPED, sp, cum_p
        hw = geo.half_width[slab]
        mi = geo.mat_index[slab] if abs(x) < hw and abs(y) < hw else 0
        s_geo, s_side = distances(x, y, z, ux, uy, uz, slab, zed, hw, mi)
        if mi == 0:
            # vacuum: straight to the next z face
            if s_geo >= 1e29:
                out.escaped[s] += avail
                return STOPPED, sp, cum_p
            x += ux * s_geo
            y += uy * s_geo
            nstep += 1
            slab, z = cross_face(slab, uz, zed)
            continue
        s_lim = min(s_geo, s_side + 1e-7)
        if charged:
            status, en, x, y, z, ux, uy, uz, sp, cum_p, cross = charged_step(
                s, pid, pid_id, en, x, y, z, ux, uy, uz, slab, mi, nstep, s_lim, sp, cum_p, rng, aux,
                f_kind, f_pass, chosen, geo, cuts, tally, ptally, ytab, ftab, out, stack,
            )  # fmt: skip
        else:
            status, en, x, y, z, ux, uy, uz, sp, cum_p, cross = photon_step(
                s, pid_id, en, x, y, z, ux, uy, uz, slab, mi, nstep, s_lim, sp, cum_p, rng, aux,
                f_kind, f_pass, chosen, geo, cuts, tally, ftab, out, stack,
            )  # fmt: skip
        if status != ALIVE:
            return status, sp, cum_p
        nstep += 1
        if cross and s_geo <= s_side:
            slab, z = cross_face(slab, uz, zed)


@shower_driver
def track_shower(
    s: int,
    pid0: int,
    e0: float,
    pos0: np.ndarray,
    dir0: np.ndarray,
    seed0: np.uint64,
    aux_seed: np.uint64,
    f_kind: int,
    f_pass: int,
    chosen: np.ndarray,
    geo: SlabArrays,
    cuts: Cuts,
    tally: Tally,
    ptally: PositronArrays,
    ytab: YieldTable,
    ftab: ForceTable,
    out: Outputs,
    stack: Stack,
) -> int:
    """Track one shower from a primary (pid, γ energy or e± kinetic energy ``e0`` [GeV], position
    [cm], direction) into row ``s`` of ``out``. Forcing (``f_kind`` 0 none, 1 A′ from e±, 2 μμ
    from γ, 3 resonant annihilation of an e⁺): ``f_pass`` 1 records the candidate step in
    ``chosen`` (Σp in ``chosen[2]``), 2 emits at it. Returns 0, or 1 on stack overflow."""
    rng, aux = stack.rng, stack.aux
    aux[0] = aux_seed
    sp = push(stack, _ZERO, pid0, e0, pos0[0], pos0[1], pos0[2], dir0[0], dir0[1], dir0[2], seed0)
    cum_p = 0.0
    r = stack.r
    while sp > 0:
        sp -= 1
        pid_id = stack.seed[sp]
        rng[0] = pid_id
        status, sp, cum_p = track_particle(
            s, stack.pid[sp], stack.energy[sp], r[sp, 0], r[sp, 1], r[sp, 2], r[sp, 3], r[sp, 4], r[sp, 5],
            pid_id, rng, aux, sp, cum_p, f_kind, f_pass, chosen, geo, cuts, tally, ptally, ytab, ftab, out,
            stack,
        )  # fmt: skip
        if status == OVERFLOW:
            return 1
    if f_pass == 1:
        chosen[2] = cum_p
    return 0


@numba.njit(cache=True)
def run_showers(
    pid: np.ndarray,
    energy: np.ndarray,
    pos: np.ndarray,
    dirs: np.ndarray,
    seeds: np.ndarray,
    aux_seeds: np.ndarray,
    f_kind: int,
    weight: np.ndarray,
    geo: SlabArrays,
    cuts: Cuts,
    tally: Tally,
    ptally: PositronArrays,
    ytab: YieldTable,
    ftab: ForceTable,
    out: Outputs,
    pass1: tuple[Cuts, Tally, PositronArrays, YieldTable, Outputs],
    stack: Stack,
    unit_weight: float,
    unit_uniform: np.ndarray,
) -> int:
    """Track all showers (primaries: pid, total energy [GeV], position [cm], direction, seeds) into
    ``out``; returns the number of stack overflows (0 normally). With forcing, each shower is first
    replayed in pass 1 (floor at the forcing threshold, scoring into the throw-away ``pass1``
    bundles) to choose the emission step and the weight; showers with weight 0 are tracked unforced.
    Each shower's positron track-length row is flushed into ``ptally`` after its (main) pass.
    ``unit_weight`` > 0 (with forcing): a shower of weight w whose ⌊w/u⌋ is 0 and whose ``unit_uniform``
    is not below w/u gives no unit-weight event (:func:`darkmiss.util.unit_weight_copies`, the same
    arithmetic): its main pass is skipped, its rows of ``out`` stay 0."""
    chosen = np.zeros(3)
    cuts1, tally1, ptally1, ytab1, out1 = pass1
    nbad = 0
    for s in range(pid.size):
        pid0 = pid[s]
        ekin = energy[s] - M_E if pid0 != _G else energy[s]
        if f_kind > 0:
            chosen[0] = -1.0
            chosen[1] = -1.0
            chosen[2] = 0.0
            out1.visible[:] = 0.0
            out1.escaped[:] = 0.0
            track_shower(
                _ZERO, pid0, ekin, pos[s], dirs[s], seeds[s], aux_seeds[s], f_kind, _ONE, chosen,
                geo, cuts1, tally1, ptally1, ytab1, ftab, out1, stack,
            )  # fmt: skip
            weight[s] = chosen[2]
            fpass = 2 if chosen[2] > 0 else 0
            if unit_weight > 0.0:
                ratio = weight[s] / unit_weight
                base = math.floor(ratio)
                if base == 0.0 and not unit_uniform[s] < ratio - base:
                    flush_positrons(ptally)
                    continue
        else:
            weight[s] = 1.0
            fpass = 0
        fk2 = f_kind if fpass == 2 else 0
        nbad += track_shower(
            s, pid0, ekin, pos[s], dirs[s], seeds[s], aux_seeds[s], fk2, fpass, chosen,
            geo, cuts, tally, ptally, ytab, ftab, out, stack,
        )  # fmt: skip
        flush_positrons(ptally)
    return nbad
