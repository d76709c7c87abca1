"""Forced emission of one A′ (from e±) or one μ⁺μ⁻ pair (from γ) per shower in the target.

Two passes over the same shower (identical histories, see :mod:`darkmiss.shower.cascade`): pass 1
walks the steps in the target and picks one by reservoir sampling with probability ∝ p = n σ(E) Δs,
recording (particle seed, step number) in ``chosen`` and Σ p in ``chosen[2]`` (the shower's weight,
the expected number of emissions at ε = 1); pass 2 emits at the chosen step. Draws come from the
shower's auxiliary stream ``aux``, never from a particle's, so forcing does not perturb histories.
Units GeV, cm.
"""

from __future__ import annotations

import numpy as np

from darkmiss.shower.cascade.cross_sections import interp_log, sample_x
from darkmiss.shower.cascade.rng import next64, uni
from darkmiss.shower.cascade.stack import push
from darkmiss.shower.cascade.state import ForceTable, Outputs, Stack, step_helper


@step_helper
def emission_probability(na: float, ftab: ForceTable, e: float, step: float) -> float:
    """p = n σ(E) Δs of the forced process for a step of ``step`` [cm] at energy ``e`` [GeV] in a
    target of ``na`` atoms/cm³."""
    return na * interp_log(ftab.sigma, ftab.logemin, ftab.dloge, e) * step


@step_helper
def select_step(
    p: float, f_pass: int, pid_id: np.uint64, nstep: int, cum_p: float, chosen: np.ndarray, aux: np.ndarray
) -> tuple[float, bool]:
    """Pass 1: add ``p`` to the running Σ p and keep this step with probability p / Σ p (reservoir
    sampling). Pass 2: whether this is the chosen step. Returns (Σ p, emit now)."""
    if f_pass == 1 and p > 0:
        cum_p += p
        if uni(aux) * cum_p < p:
            chosen[0] = float(pid_id)
            chosen[1] = nstep
    elif f_pass == 2 and p > 0 and chosen[0] == float(pid_id) and chosen[1] == nstep:
        return cum_p, True
    return cum_p, False


@step_helper
def emit_aprime(
    s: int,
    pid: int,
    en: float,
    etot: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    aux: np.ndarray,
    ftab: ForceTable,
    out: Outputs,
    stack: Stack,
    sp: int,
) -> int:
    """A′ emission at the end of a step by an e± of pre-step total energy ``etot`` and post-step
    kinetic energy ``en`` [GeV]: x = E_A′/E from the table's inverse CDF on [x_a/E, 1 − x_b/E]; the
    lepton continues (new particle, seed from ``aux``) with the rest. Returns the stack pointer
    (−1 when full)."""
    va = sample_x(ftab.xinv, ftab.logemin, ftab.dloge, etot, uni(aux))
    xa = ftab.x_a / etot + va * (1.0 - (ftab.x_a + ftab.x_b) / etot)
    ea = min(xa * etot, en)
    out.aprime[s] += ea
    en -= ea
    if en < 0.0:
        en = 0.0
    if sp >= stack.pid.size:
        return -1
    return push(stack, sp, pid, en, x, y, z, ux, uy, uz, next64(aux))


@step_helper
def emit_dimuon(
    s: int,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    aux: np.ndarray,
    ftab: ForceTable,
    out: Outputs,
) -> None:
    """γ → μ⁺μ⁻ at the end of a step by a photon of energy ``en`` [GeV]: x = E₊/E from the table's
    inverse CDF; both muons (charge, total energy, position, the photon's direction) are listed."""
    vm = sample_x(ftab.xinv, ftab.logemin, ftab.dloge, en, uni(aux))
    xm_ = ftab.x_a / en + vm * (1.0 - (ftab.x_a + ftab.x_b) / en)
    mu = out.muons
    km = out.n_muons[0]
    for q, ee in ((1.0, xm_ * en), (-1.0, (1.0 - xm_) * en)):
        if km < mu.shape[0]:
            mu[km, 0] = s
            mu[km, 1] = q
            mu[km, 2] = ee
            mu[km, 3], mu[km, 4], mu[km, 5] = x, y, z
            mu[km, 6], mu[km, 7], mu[km, 8] = ux, uy, uz
        km += 1
    out.n_muons[0] = km
