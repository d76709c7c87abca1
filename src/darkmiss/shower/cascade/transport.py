"""Geometry stepping of the cascade: slab look-up, readout cells, distances to boundaries.

Units cm. The geometry is a stack of slabs along z (``SlabArrays`` of :mod:`.state`); inside a
slab's transverse half-width the slab is its material, outside it vacuum.
"""

from __future__ import annotations

import numba
import numpy as np

from darkmiss.shower.geometry import CELL_OFFSET_ECAL, CELL_OFFSET_HCAL, CELL_V2


@numba.njit(cache=True)
def cell_index(x: float, y: float, reg: int, cellsz: float, ncell: int) -> int:
    """Readout cell index at (x, y) in a slab of region ``reg`` (-1 outside any readout)."""
    if reg < 0:
        return -1
    if reg == 2:
        return CELL_V2
    half = 0.5 * ncell * cellsz
    ix = min(max(int((x + half) / cellsz), 0), ncell - 1)
    iy = min(max(int((y + half) / cellsz), 0), ncell - 1)
    if reg == 0:
        return iy * 6 + ix if ncell == 6 else min(iy * ncell + ix, 35)
    if reg == 1:
        return CELL_OFFSET_ECAL + (iy * 6 + ix if ncell == 6 else min(iy * ncell + ix, 35))
    return CELL_OFFSET_HCAL + (reg - 3) * 9 + (iy * 3 + ix if ncell == 3 else min(iy * ncell + ix, 8))


@numba.njit(cache=True)
def find_slab(z: float, zed: np.ndarray) -> int:
    """Index of the slab containing z (-1 before, n after)."""
    if z < zed[0]:
        return -1
    n = zed.size - 1
    if z >= zed[n]:
        return n
    return int(np.searchsorted(zed, z, side="right")) - 1


@numba.njit(cache=True)
def start_slab(z: float, uz: float, zed: np.ndarray) -> int:
    """Slab of a particle starting at z with direction cosine uz (-1 before, n after): on an edge
    z = zed[i], a backward-moving particle is in slab i − 1."""
    slab = find_slab(z, zed)
    if slab >= 0 and slab < zed.size - 1 and uz < 0 and z == zed[slab] and slab > 0:
        slab -= 1
    return slab


@numba.njit(cache=True)
def distances(
    x: float,
    y: float,
    z: float,
    ux: float,
    uy: float,
    uz: float,
    slab: int,
    zed: np.ndarray,
    hw: float,
    mi: int,
) -> tuple[float, float]:
    """Distances [cm] along (ux, uy, uz) to the slab's z faces (1e30 for uz = 0) and, inside
    material (``mi`` > 0), to its sides at ±``hw`` (1e30 otherwise)."""
    if uz > 0:
        s_geo = (zed[slab + 1] - z) / uz
    elif uz < 0:
        s_geo = (zed[slab] - z) / uz
    else:
        s_geo = 1e30
    s_side = 1e30
    if mi > 0:
        if ux > 0:
            s_side = min(s_side, (hw - x) / ux)
        elif ux < 0:
            s_side = min(s_side, (-hw - x) / ux)
        if uy > 0:
            s_side = min(s_side, (hw - y) / uy)
        elif uy < 0:
            s_side = min(s_side, (-hw - y) / uy)
    return s_geo, s_side


@numba.njit(cache=True)
def cross_face(slab: int, uz: float, zed: np.ndarray) -> tuple[int, float]:
    """Next slab and the z [cm] of the face crossed by a particle leaving ``slab`` through a z face."""
    ns = zed.size - 1
    if uz > 0:
        slab += 1
        z = zed[slab] if slab < ns else zed[ns]
    else:
        z = zed[slab]
        slab -= 1
    return slab, z
