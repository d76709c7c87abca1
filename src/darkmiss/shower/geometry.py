"""Flatten the calorimeter setup into numba-friendly arrays for the cascade engine.

Units: cm, GeV. z is measured from the ECAL front face. The geometry is a stack of slabs
(``z_edges``); each slab has one material (index into ``Geometry.materials``; 0 = vacuum), a
transverse half-width (outside it the slab is vacuum), a region code (0 PS, 1 ECAL main, 2 V2,
3..6 HCAL1-4, -1 gap) and a readout layout (cells of ``cell_cm`` in an ``ncell`` × ``ncell`` grid).

Per-material physics coefficients (``mat_*`` arrays) follow Tsai, Rev. Mod. Phys. 46, 815 (1974),
Eqs. 3.66-3.83 (complete screening, Coulomb correction f(Z)), and the PDG review "Passage of
particles through matter" (Bethe formula, Sternheimer-Peierls density effect).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import (
    ALPHA,
    MEAN_EXCITATION_GEV,
    N_AVOGADRO,
    PLASMA_ENERGY_GEV,
    R_E_CM,
)
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import Material, get_material

#: Region codes.
REGION_PS, REGION_ECAL, REGION_V2, REGION_HCAL0, REGION_GAP = 0, 1, 2, 3, -1
#: Readout cells: 0..35 PS, 36..71 ECAL main, 72 V2, 73..108 HCAL (module*9 + iy*3 + ix).
N_CELLS = 109
CELL_OFFSET_PS, CELL_OFFSET_ECAL, CELL_V2, CELL_OFFSET_HCAL = 0, 36, 72, 73
#: Half-size of the world box transverse to the beam [cm]; beyond it particles escape.
WORLD_HALF_WIDTH_CM = 200.0


def _lrad(Z: int) -> tuple[float, float]:
    """Tsai's radiation logarithms (L_rad, L'_rad) (Tsai 1974, Table B.2 and Eq. 3.67)."""
    table = {1: (5.31, 6.144), 2: (4.79, 5.621), 3: (4.74, 5.805), 4: (4.71, 5.924)}
    if Z in table:
        return table[Z]
    return math.log(184.15 * Z ** (-1.0 / 3.0)), math.log(1194.0 * Z ** (-2.0 / 3.0))


def coulomb_correction(Z: int) -> float:
    """Coulomb correction f(Z) of Davies, Bethe, Maximon (Tsai 1974, Eq. 3.3); dimensionless."""
    a2 = (ALPHA * Z) ** 2
    return a2 * (1.0 / (1.0 + a2) + 0.20206 - 0.0369 * a2 + 0.0083 * a2**2 - 0.002 * a2**3)


def _mean_excitation(m: Material) -> float:
    """Mean excitation energy I [GeV]: PDG table (constants) or I ≈ 16 Z_eff^0.9 eV (PDG Eq. 34.6 note)."""
    if m.name in MEAN_EXCITATION_GEV:
        return MEAN_EXCITATION_GEV[m.name]
    return 16.0e-9 * m.z_eff**0.9


def _plasma_energy(m: Material) -> float:
    """Plasma energy ħω_p = 28.816 eV √(ρ⟨Z/A⟩) [GeV] (PDG Eq. 34.6 footnote) unless tabulated."""
    if m.name in PLASMA_ENERGY_GEV:
        return PLASMA_ENERGY_GEV[m.name]
    za = sum(w * e.Z / e.A for e, w in m.elements)
    return 28.816e-9 * math.sqrt(m.density * za)


@dataclass(frozen=True)
class MaterialCoefficients:
    """Per-volume coefficients of one material for the cascade (all per cm, energies GeV).

    ``brems_b1`` = 4αr_e² Σ n_i [Z²(L_rad − f) + Z L'_rad], ``brems_b2`` = 4αr_e² Σ n_i (Z² + Z)/9
    (Tsai Eq. 3.83), ``bh_z2`` = αr_e² Σ n_i Z(Z+1) (unscreened Bethe–Heitler prefactor),
    ``n_el`` electrons/cm³, ``x0_cm`` PDG radiation length, ``e_lpm`` LPM energy E_LPM = m²αX0/(4πħc)
    (Klein 1999, Eq. 7: 7.7 TeV/cm × X0), ``plasma`` ħω_p, Sternheimer–Peierls density-effect
    parameters (C̄, x0, x1, a, k) and ``mean_exc`` I.
    """

    name: str
    brems_b1: float
    brems_b2: float
    bh_z2: float
    n_el: float
    x0_cm: float
    e_lpm: float
    plasma: float
    mean_exc: float
    dens_c: float
    dens_x0: float
    dens_x1: float
    dens_a: float
    dens_k: float
    atoms_per_cm3: float

    @classmethod
    def of(cls, m: Material) -> MaterialCoefficients:
        """Coefficients of material ``m``."""
        b1 = b2 = z2 = n_atoms = 0.0
        for e, w in m.elements:
            n = m.density * w * N_AVOGADRO / e.A
            lr, lrp = _lrad(e.Z)
            b1 += n * (e.Z**2 * (lr - coulomb_correction(e.Z)) + e.Z * lrp)
            b2 += n * (e.Z**2 + e.Z)
            z2 += n * e.Z * (e.Z + 1)
            n_atoms += n
        k4 = 4.0 * ALPHA * R_E_CM**2
        x0 = m.x0_cm
        # E_LPM = m_e² α X0 / (4π ħc) = 7.7 TeV/cm × X0 (Klein, RMP 71, 1501, Eq. 7).
        e_lpm = 7.7e3 * x0
        mean_exc = _mean_excitation(m)
        plasma = _plasma_energy(m)
        # Sternheimer-Peierls general parametrisation for solids/liquids (Sternheimer & Peierls,
        # PRB 3, 3681 (1971); PDG review Eq. 34.7 discussion).
        c_bar = 2.0 * math.log(mean_exc / plasma) + 1.0
        if mean_exc < 100e-9:
            x0d, x1d = (0.2 if c_bar < 3.681 else 0.326 * c_bar - 1.0), 2.0
        else:
            x0d, x1d = (0.2 if c_bar < 5.215 else 0.326 * c_bar - 1.5), 3.0
        kd = 3.0
        ad = (c_bar - 2.0 * math.log(10.0) * x0d) / (x1d - x0d) ** kd
        return cls(
            name=m.name,
            brems_b1=k4 * b1,
            brems_b2=k4 * b2 / 9.0,
            bh_z2=ALPHA * R_E_CM**2 * z2,
            n_el=m.electrons_per_cm3,
            x0_cm=x0,
            e_lpm=e_lpm,
            plasma=plasma,
            mean_exc=mean_exc,
            dens_c=c_bar,
            dens_x0=x0d,
            dens_x1=x1d,
            dens_a=ad,
            dens_k=kd,
            atoms_per_cm3=n_atoms,
        )


@dataclass(frozen=True)
class Geometry:
    """The slab geometry as flat arrays (numba-friendly). Lengths in cm.

    ``z_edges`` (n+1,), per slab: ``material_index`` (0 = vacuum), ``is_active`` (readout
    material), ``region`` (0 PS, 1 ECAL, 2 V2, 3..6 HCAL1-4, -1 gap), ``half_width`` (transverse
    half-size), ``cell_cm`` and ``ncell`` (readout grid), ``is_target`` (A′/μμ target material).
    ``materials`` lists material names (index 0 = "vacuum"); ``mat_table`` (n_mat, 16) holds the
    coefficients of :class:`MaterialCoefficients` in kernel order.
    """

    z_edges: np.ndarray
    material_index: np.ndarray
    is_active: np.ndarray
    region: np.ndarray
    half_width: np.ndarray
    cell_cm: np.ndarray
    ncell: np.ndarray
    is_target: np.ndarray
    materials: tuple[str, ...]
    mat_table: np.ndarray
    target: str
    description: str = ""
    coefficients: tuple[MaterialCoefficients, ...] = field(default=())

    @property
    def n_slabs(self) -> int:
        """Number of slabs."""
        return int(self.material_index.size)

    @property
    def length_cm(self) -> float:
        """Total length [cm]."""
        return float(self.z_edges[-1] - self.z_edges[0])

    @property
    def ecal_cell_cm(self) -> float:
        """ECAL/PS cell size [cm]."""
        sel = self.region <= REGION_ECAL
        sel &= self.region >= 0
        return float(self.cell_cm[sel][0]) if sel.any() else 0.0

    @property
    def hcal_cell_cm(self) -> float:
        """HCAL cell size [cm]."""
        sel = self.region >= REGION_HCAL0
        return float(self.cell_cm[sel][0]) if sel.any() else 0.0

    def target_atoms_per_cm3(self) -> float:
        """Atoms per cm³ of the target material (spec Eq. 8 prefactor ρN_A/A)."""
        return self.coefficients[self.materials.index(self.target)].atoms_per_cm3

    def key(self) -> list[object]:
        """A JSON-able description for cache keys."""
        return [
            self.z_edges.tolist(),
            self.material_index.tolist(),
            self.half_width.tolist(),
            list(self.materials),
            self.target,
        ]


_MAT_FIELDS = (
    "brems_b1",
    "brems_b2",
    "bh_z2",
    "n_el",
    "x0_cm",
    "e_lpm",
    "plasma",
    "mean_exc",
    "dens_c",
    "dens_x0",
    "dens_x1",
    "dens_a",
    "dens_k",
    "atoms_per_cm3",
)


def _mat_table(names: list[str]) -> tuple[np.ndarray, tuple[MaterialCoefficients, ...]]:
    table = np.zeros((len(names), 16))
    coefs: list[MaterialCoefficients] = []
    for i, name in enumerate(names):
        if name == "vacuum":
            vac = dict.fromkeys(_MAT_FIELDS, 1.0)
            vac.update(
                brems_b1=0.0, brems_b2=0.0, bh_z2=0.0, n_el=0.0, x0_cm=1e30, e_lpm=1e30, atoms_per_cm3=0.0
            )
            coefs.append(MaterialCoefficients(name=name, **vac))
            continue
        c = MaterialCoefficients.of(get_material(name))
        coefs.append(c)
        for j, f in enumerate(_MAT_FIELDS):
            table[i, j] = getattr(c, f)
    table[0, 4] = 1e30  # vacuum X0
    return table, tuple(coefs)


class _Builder:
    def __init__(self) -> None:
        self.z = [0.0]
        self.mat: list[int] = []
        self.active: list[bool] = []
        self.region: list[int] = []
        self.hw: list[float] = []
        self.cell: list[float] = []
        self.ncell: list[int] = []
        self.names = ["vacuum"]

    def mat_index(self, name: str) -> int:
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name)

    def add(
        self, thick: float, mat: str, active: bool, region: int, hw: float, cell: float, ncell: int
    ) -> None:
        self.z.append(self.z[-1] + thick)
        self.mat.append(self.mat_index(mat) if mat != "vacuum" else 0)
        self.active.append(active)
        self.region.append(region)
        self.hw.append(hw)
        self.cell.append(cell)
        self.ncell.append(ncell)

    def build(self, target: str, description: str) -> Geometry:
        table, coefs = _mat_table(self.names)
        mat = np.array(self.mat, dtype=np.int64)
        is_target = np.array([self.names[m] == target for m in self.mat], dtype=np.bool_)
        return Geometry(
            z_edges=np.array(self.z),
            material_index=mat,
            is_active=np.array(self.active, dtype=np.bool_),
            region=np.array(self.region, dtype=np.int64),
            half_width=np.array(self.hw),
            cell_cm=np.array(self.cell),
            ncell=np.array(self.ncell, dtype=np.int64),
            is_target=is_target,
            materials=tuple(self.names),
            mat_table=table,
            target=target,
            description=description,
            coefficients=coefs,
        )


def build_geometry(setup: SetupGeometry, *, target: str | None = None) -> Geometry:
    """Flatten ``setup`` (spec Sec. III): PS + ECAL (absorber/active plates), gap with V2, HCAL1-4.

    ``target`` replaces the ECAL absorber material (``darkmiss project``; default: the preset's
    absorber, Pb). Only the ECAL absorber is the A′ target of Eq. 8 (``is_target``). V2 is placed
    in the middle of the ECAL–HCAL gap (assumed; the spec gives no position).
    """
    ecal, hcal = setup.ecal, setup.hcal
    absorber = target or ecal.absorber
    get_material(absorber)
    b = _Builder()
    hw_e = 0.5 * ecal.width_x_cm
    for i in range(ecal.n_layers):
        reg = REGION_PS if i < setup.ps_layers else REGION_ECAL
        b.add(ecal.absorber_cm, absorber, False, reg, hw_e, ecal.cell_size_cm, ecal.n_cells_x)
        b.add(ecal.active_cm, ecal.active, True, reg, hw_e, ecal.cell_size_cm, ecal.n_cells_x)
    gap = setup.ecal_hcal_gap_cm
    v2 = min(setup.v2_thickness_cm, gap)
    pre = 0.5 * (gap - v2)
    if pre > 0:
        b.add(pre, "vacuum", False, REGION_GAP, 0.0, 1.0, 1)
    b.add(v2, "Sc", True, REGION_V2, setup.v2_half_width_cm, 2 * setup.v2_half_width_cm, 1)
    if gap - pre - v2 > 0:
        b.add(gap - pre - v2, "vacuum", False, REGION_GAP, 0.0, 1.0, 1)
    hw_h = 0.5 * hcal.width_x_cm
    for m in range(setup.n_hcal_modules):
        if m > 0 and setup.hcal_module_gap_cm > 0:
            b.add(setup.hcal_module_gap_cm, "vacuum", False, REGION_GAP, 0.0, 1.0, 1)
        for _ in range(hcal.n_layers):
            reg = REGION_HCAL0 + m
            b.add(hcal.absorber_cm, hcal.absorber, False, reg, hw_h, hcal.cell_size_cm, hcal.n_cells_x)
            b.add(hcal.active_cm, hcal.active, True, reg, hw_h, hcal.cell_size_cm, hcal.n_cells_x)
    return b.build(absorber, f"NA64 ECAL({absorber}/{ecal.active}) + V2 + {setup.n_hcal_modules} HCAL")


def build_slab_geometry(material: str, thickness_x0: float, *, n_slices: int = 50) -> Geometry:
    """A homogeneous block of ``material``, ``thickness_x0`` radiation lengths deep, in ``n_slices``
    slabs (for validation: t_max, track length, thin-target yields). All of it is ECAL region,
    active and target; transverse size 1 m; cells of 3.82 cm.
    """
    if not thickness_x0 > 0:
        raise UserInputError("thickness_x0", thickness_x0, "a positive number of radiation lengths")
    m = get_material(material)
    b = _Builder()
    dz = thickness_x0 * m.x0_cm / n_slices
    for _ in range(n_slices):
        b.add(dz, material, True, REGION_ECAL, 100.0, 3.82, 6)
    return b.build(material, f"{thickness_x0} X0 of {material}")
