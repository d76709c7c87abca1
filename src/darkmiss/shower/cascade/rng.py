"""Per-particle random-number streams: splitmix64 (Steele, Lea, Flood 2014) in a one-word state.

Every particle of the cascade owns a stream (a ``uint64[1]`` array); a secondary's stream is seeded
with one 64-bit word drawn from its parent's (``next64``), so a particle's history does not depend
on which other particles are tracked (see :mod:`darkmiss.shower.cascade`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0


@numba.njit(cache=True)
def next64(st: np.ndarray) -> np.uint64:
    """splitmix64 (Steele, Lea, Flood 2014): advance the state in ``st[0]`` and return 64 bits."""
    st[0] = st[0] + _GOLD
    z = st[0]
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True)
def uni(st: np.ndarray) -> float:
    """A uniform number in (0, 1) from the top 53 bits of :func:`next64`."""
    return (float(next64(st) >> _S11) + 0.5) * _INV53


@numba.njit(cache=True)
def gauss(st: np.ndarray) -> float:
    """A standard normal number (Box–Muller; two uniforms per call, the sine branch unused)."""
    return math.sqrt(-2.0 * math.log(uni(st))) * math.cos(2.0 * math.pi * uni(st))
