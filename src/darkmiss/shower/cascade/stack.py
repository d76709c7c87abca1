"""Secondaries of the cascade: push them on the particle stack, or absorb those below the floor.

Units GeV, cm. A secondary is tracked when its total energy reaches the tracking floor, or always
unless the floor action is ``FLOOR_ABSORB`` (below the floor it is then handled by
:func:`~.tallies.stop_below_floor` when popped). Untracked secondaries (yield mode) are absorbed
where they are made. Functions return the new stack pointer, or −1 when the stack is full.
"""

from __future__ import annotations

import math

import numpy as np

from darkmiss.shower.cascade.interactions import rotate
from darkmiss.shower.cascade.state import FLOOR_ABSORB, Cuts, Outputs, SlabArrays, Stack, step_helper
from darkmiss.shower.cascade.tallies import deposit_point


@step_helper
def push(
    stack: Stack,
    sp: int,
    pid: int,
    en: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    seed: np.uint64,
) -> int:
    """Put a particle (pid, energy [GeV] — γ: E, e±: kinetic —, position [cm], direction, stream
    seed) at ``sp``; returns sp + 1, or −1 when the stack is full."""
    if sp >= stack.pid.size:
        return -1
    stack.pid[sp] = pid
    stack.energy[sp] = en
    r = stack.r
    r[sp, 0], r[sp, 1], r[sp, 2] = x, y, z
    r[sp, 3], r[sp, 4], r[sp, 5] = ux, uy, uz
    stack.seed[sp] = seed
    return sp + 1


@step_helper
def is_tracked(etot: float, cuts: Cuts) -> bool:
    """Whether a secondary of total energy ``etot`` [GeV] goes on the stack."""
    return etot >= cuts.floor or cuts.floor_action != FLOOR_ABSORB


@step_helper
def emit(
    s: int,
    slab: int,
    pid: int,
    en: float,
    etot: float,
    avail: float,
    x: float,
    y: float,
    z: float,
    dx: float,
    dy: float,
    dz: float,
    seed: np.uint64,
    cuts: Cuts,
    geo: SlabArrays,
    out: Outputs,
    stack: Stack,
    sp: int,
) -> int:
    """A secondary (stack energy ``en``, total ``etot``, available ``avail`` [GeV]) in direction
    (dx, dy, dz): pushed if tracked, else ``avail`` absorbed at (x, y). Returns the stack pointer."""
    if is_tracked(etot, cuts):
        return push(stack, sp, pid, en, x, y, z, dx, dy, dz, seed)
    deposit_point(s, slab, x, y, avail, geo, out)
    return sp


@step_helper
def emit_at_angle(
    s: int,
    slab: int,
    pid: int,
    en: float,
    etot: float,
    avail: float,
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    theta: float,
    phi: float,
    seed: np.uint64,
    cuts: Cuts,
    geo: SlabArrays,
    out: Outputs,
    stack: Stack,
    sp: int,
) -> int:
    """As :func:`emit`, the direction at polar angle ``theta``, azimuth ``phi`` [rad] about
    (ux, uy, uz), computed only for a tracked secondary."""
    if is_tracked(etot, cuts):
        gx, gy, gz = rotate(ux, uy, uz, math.cos(theta), phi)
        return push(stack, sp, pid, en, x, y, z, gx, gy, gz, seed)
    deposit_point(s, slab, x, y, avail, geo, out)
    return sp
