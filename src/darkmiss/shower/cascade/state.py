"""The array bundles the cascade kernels share, and the engine's codes and sizes.

Each bundle is a ``NamedTuple`` of numpy arrays and scalars (numba passes it as one typed tuple):
the slab geometry (:class:`SlabArrays`), the cuts (:class:`Cuts`), the track-length tally
(:class:`Tally`), the positron track-length tally with its per-shower covariance
(:class:`PositronArrays`), the yield and forcing σ tables (:class:`YieldTable`, :class:`ForceTable`), the
per-shower outputs (:class:`Outputs`) and the particle stack (:class:`Stack`). Units GeV, cm.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numba
import numpy as np

PID_EM, PID_EP, PID_G = 11, -11, 22
#: What happens to a particle below the tracking floor: deposit it locally, hand it off to the
#: parametrised shower (fast mode), or absorb it without readout (yield mode and forcing pass 1).
FLOOR_DEPOSIT, FLOOR_HANDOFF, FLOOR_ABSORB = 0, 1, 2
#: Particle-stack depth (a full stack makes run_cascade raise RuntimeError).
STACK_SIZE = 100_000
#: Outcome of one transport step of a particle.
ALIVE, STOPPED, OVERFLOW = 0, 1, 2

#: numba's (private, unstubbed) option that compiles a function without its reference-counting
#: runtime. The kernels below the entry point never allocate and only index arrays their caller owns;
#: with the runtime, every bundle handed to a helper costs an atomic increment and decrement per
#: array and call, which took more time than the physics (measured: 2-3x slower showers).
_NO_REFCOUNT: dict[str, Any] = {"_nrt": False}
#: Decorator of the per-step helpers (:mod:`.kernels`, :mod:`.tallies`, :mod:`.stack`,
#: :mod:`.forcing`): LLVM inlines them into the shower driver (``forceinline``), so the bundles below
#: are not marshalled (some 200 machine words) at every call, and they run without reference counting.
step_helper = numba.njit(cache=True, forceinline=True, **_NO_REFCOUNT)
#: Decorator of the per-shower driver (:func:`.kernels.track_shower`): no reference counting, not
#: inlined (it is called twice per shower when forcing).
shower_driver = numba.njit(cache=True, **_NO_REFCOUNT)


class SlabArrays(NamedTuple):
    """Slab geometry (see :class:`darkmiss.shower.geometry.Geometry`): z edges [cm] and per slab the
    material index, readout flag, region code, half-width [cm], cell size [cm], cells per side and
    A′/μμ-target flag; ``mat`` the per-material coefficient table."""

    zed: np.ndarray
    mat_index: np.ndarray
    active: np.ndarray
    region: np.ndarray
    half_width: np.ndarray
    cell_cm: np.ndarray
    ncell: np.ndarray
    target: np.ndarray
    mat: np.ndarray


class Cuts(NamedTuple):
    """Tracking floor [GeV total energy] and its action (``FLOOR_*``), the smallest available energy
    handed off [GeV], brems photon cut kc and delta-ray cut tcut [GeV], world half-width [cm]."""

    floor: float
    floor_action: int
    local_cut: float
    kc: float
    tcut: float
    world_hw: float


class Tally(NamedTuple):
    """Track-length tally on a uniform ln E grid (``logemin``, ``dloge``): charged and photon track
    length per (material, bin) [cm], charged per (slab, bin), the CSDA residual per material and
    1/stopping power per material [cm/GeV]; size-0 ``charged`` disables it."""

    logemin: float
    dloge: float
    charged: np.ndarray
    photon: np.ndarray
    depth: np.ndarray
    resid: np.ndarray
    inv_s: np.ndarray


class PositronArrays(NamedTuple):
    """Positron track length in the active target on a uniform ln E grid (``logemin``, ``dloge``,
    ``nbin`` bins of total energy [GeV]): ``col`` per slab is the tally column (a material of the
    active target) or −1; index ``col · nbin + bin``. ``total`` Σ over showers [cm], ``cov``
    Σ over showers of t tᵀ [cm²] (t the shower's track-length vector), ``row`` the shower being
    tracked, ``hit``/``nhit`` its touched indices. Size-0 ``col`` disables it."""

    logemin: float
    dloge: float
    nbin: int
    col: np.ndarray
    total: np.ndarray
    cov: np.ndarray
    row: np.ndarray
    hit: np.ndarray
    nhit: np.ndarray


def no_positron_arrays() -> PositronArrays:
    """A disabled positron tally (same array types as an enabled one)."""
    z1 = np.zeros(0)
    zi = np.zeros(0, np.int64)
    return PositronArrays(0.0, 1.0, 0, zi, z1, np.zeros((0, 0)), z1, zi, np.zeros(1, np.int64))


class YieldTable(NamedTuple):
    """σ per target atom [cm²] of each yield channel (rows) on a uniform ln E grid, scored above
    ``emin`` [GeV]; zero rows disable the yield tally."""

    sigma: np.ndarray
    logemin: float
    dloge: float
    emin: float


class ForceTable(NamedTuple):
    """Forced-emission table: σ(E) per target atom [cm²] (forced annihilation: per electron) on a
    uniform ln E grid above ``emin`` [GeV], the inverse CDF of the energy fraction and its range
    parameters (x_a, x_b) [GeV]; ``slabs`` flags per slab where a forced annihilation may happen
    (the A′ and μμ forcing use the geometry's target flag)."""

    sigma: np.ndarray
    xinv: np.ndarray
    logemin: float
    dloge: float
    emin: float
    x_a: float
    x_b: float
    slabs: np.ndarray


class Outputs(NamedTuple):
    """Per-shower results (rows = shower index): visible/absorbed energy per readout cell, escaped
    and A′ energy [GeV], yields Σ n σ Δs per channel (dimensionless); hand-off and muon lists
    (9 columns) with their counts; energy per slab summed over showers [GeV]."""

    visible: np.ndarray
    absorbed: np.ndarray
    escaped: np.ndarray
    aprime: np.ndarray
    yields: np.ndarray
    handoff: np.ndarray
    n_handoff: np.ndarray
    muons: np.ndarray
    n_muons: np.ndarray
    slab_dep: np.ndarray


class Stack(NamedTuple):
    """Particle stack: pid, energy (γ: E, e±: kinetic) [GeV], position and direction (6 columns),
    and the particle's stream seed (which also identifies it for forced emission); the one-word
    stream states of the particle being tracked (``rng``) and of the shower (``aux``)."""

    pid: np.ndarray
    energy: np.ndarray
    r: np.ndarray
    seed: np.ndarray
    rng: np.ndarray
    aux: np.ndarray


def new_stack() -> Stack:
    """An empty particle stack of ``STACK_SIZE`` entries."""
    return Stack(
        np.empty(STACK_SIZE, np.int64),
        np.empty(STACK_SIZE),
        np.empty((STACK_SIZE, 6)),
        np.empty(STACK_SIZE, np.uint64),
        np.empty(1, np.uint64),
        np.empty(1, np.uint64),
    )
