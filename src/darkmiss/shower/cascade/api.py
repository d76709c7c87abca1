"""Python interface of the explicit cascade: primaries, outputs, seeds and :func:`run_cascade`.

Units GeV, cm. The numba engine is in :mod:`.kernels`; this module validates the arguments, builds
the forcing and tally tables and the array bundles of :mod:`.state`, and wraps the results.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkmiss.constants import M_E, M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.annihilation import Resonance, vector_resonance
from darkmiss.shower.cascade.cross_sections import restricted_dedx
from darkmiss.shower.cascade.kernels import run_showers
from darkmiss.shower.cascade.state import (
    FLOOR_ABSORB,
    FLOOR_DEPOSIT,
    FLOOR_HANDOFF,
    PID_EM,
    PID_EP,
    PID_G,
    Cuts,
    ForceTable,
    Outputs,
    PositronArrays,
    SlabArrays,
    Tally,
    YieldTable,
    new_stack,
    no_positron_arrays,
)
from darkmiss.shower.geometry import N_CELLS, REGION_ECAL, REGION_PS, WORLD_HALF_WIDTH_CM, Geometry
from darkmiss.shower.tally import PositronTally, TrackLengthTally
from darkmiss.shower.xsec_tables import (
    SigmaTable,
    annihilation_force_table,
    aprime_force_table,
    dimuon_force_table,
)

#: Default cuts per mode [GeV] (= the na64-2016 preset's [shower] ecut, fast_kc, yield_kc).
DEFAULT_ECUT = {"detailed": 0.001, "fast": 0.01, "yield": 0.01}


@dataclass
class Primaries:
    """Primary particles: pid (11 e⁻, −11 e⁺, 22 γ), total energy [GeV], position [cm], direction."""

    pid: np.ndarray
    energy: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    ux: np.ndarray
    uy: np.ndarray
    uz: np.ndarray

    @classmethod
    def beam(cls, n: int, energy: float, pid: int = PID_EM, *, x: float = 0.0, y: float = 0.0) -> Primaries:
        """``n`` identical particles of total ``energy`` [GeV] along +z at (x, y, 0)."""
        if pid not in (PID_EM, PID_EP, PID_G):
            raise UserInputError("particle", pid, "11 (e-), -11 (e+) or 22 (gamma)")
        if not energy > (M_E if pid != PID_G else 0.0):
            raise UserInputError("energy", energy, "a positive total energy above the particle mass [GeV]")
        return cls(
            pid=np.full(n, pid, np.int64),
            energy=np.full(n, float(energy)),
            x=np.full(n, x),
            y=np.full(n, y),
            z=np.zeros(n),
            ux=np.zeros(n),
            uy=np.zeros(n),
            uz=np.ones(n),
        )

    def __len__(self) -> int:
        return int(self.pid.size)

    def available_energy(self) -> np.ndarray:
        """Energy the shower can deposit [GeV]: γ E, e⁻ E − m_e, e⁺ E + m_e."""
        return np.where(
            self.pid == PID_G, self.energy, np.where(self.pid == PID_EP, self.energy + M_E, self.energy - M_E)
        )


@dataclass
class CascadeOutput:
    """Result of :func:`run_cascade` for n showers (GeV, cm).

    visible/absorbed (n, N_CELLS): energy in active / all material per readout cell by explicitly
    tracked particles; handoff: particles below the split energy (fast mode; ``energy`` is the
    available energy); escaped (n,); aprime_energy (n,); weight (n,); muons (forced γ → μμ; energy
    = total energy); tally; yields (n, n_ch) per-shower Σ n σ Δs for the ``SigmaTable`` channels;
    slab_deposit (n_slabs,): energy deposited in each slab summed over showers (longitudinal profile);
    positrons: the positron track length in the active target (``positron_edges`` given).
    """

    visible: np.ndarray
    absorbed: np.ndarray
    handoff: dict[str, np.ndarray]
    escaped: np.ndarray
    aprime_energy: np.ndarray
    weight: np.ndarray
    muons: dict[str, np.ndarray]
    tally: TrackLengthTally | None
    yields: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    slab_deposit: np.ndarray = field(default_factory=lambda: np.zeros(0))
    positrons: PositronTally | None = None

    def energy_sum(self) -> np.ndarray:
        """Σ absorbed + escaped + A′ + handoff + muons per shower [GeV] (= primary available energy)."""
        n = self.escaped.size
        tot = self.absorbed.sum(axis=1) + self.escaped + self.aprime_energy
        tot = tot + np.bincount(self.handoff["event"], weights=self.handoff["energy"], minlength=n)
        tot = tot + np.bincount(self.muons["event"], weights=self.muons["energy"], minlength=n)
        return tot


def shower_seeds(seed: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-shower (particle, auxiliary) uint64 seeds from ``seed`` (int or ``SeedSequence``).

    ``SeedSequence(seed).generate_state(2n, uint64)``: shower i gets words 2i and 2i+1, so shower i's
    stream depends only on (seed, i) within a chunk.
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    words = ss.generate_state(2 * n, dtype=np.uint64) if n > 0 else np.zeros(0, np.uint64)
    return words[0::2].copy(), words[1::2].copy()


def _inverse_stopping(g: Geometry, t: float) -> np.ndarray:
    """1 / unrestricted e⁻ collision stopping power at kinetic energy t, per material [cm/GeV]
    (CSDA estimate of the track length of energy deposited below the cut)."""
    out = np.zeros(len(g.materials))
    for i in range(1, len(g.materials)):
        sp = restricted_dedx(t, t, False, g.mat_table[i])
        out[i] = 1.0 / sp if sp > 0 else 0.0
    return out


def _forcing(
    force: tuple[Any, ...] | None,
    force_table: SigmaTable | None,
    primaries: Primaries,
    geometry: Geometry,
    mode: str,
    split_energy: float,
) -> tuple[int, SigmaTable | None]:
    """Forcing kind (0 none, 1 A′, 2 μμ, 3 annihilation) and its σ table for the ``force`` argument of
    :func:`run_cascade`."""
    if force is None:
        return 0, force_table
    e_max = float(primaries.energy.max())
    kind = force[0]
    ftab = force_table
    if kind == "annihilation":
        f_kind = 3
        if ftab is None:
            ftab = annihilation_force_table(_resonance(force), float(force[2]), e_max)
    elif kind == "aprime":
        f_kind = 1
        if ftab is None:
            # an optional fifth item names the mediator whose x distribution and σ are forced (default vector)
            mediator = str(force[4]) if len(force) > 4 else "vector"
            ftab = aprime_force_table(
                float(force[1]), float(force[2]), e_max, geometry.target, str(force[3]), mediator=mediator
            )
    elif kind == "dimuon":
        f_kind = 2
        if ftab is None:
            # a pair must carry ≳ E0 − ecal_max for E_ECAL < ecal_max; 10% margin for leakage
            emin = max(4.0 * M_MU, 0.9 * (e_max - float(force[1])))
            ftab = dimuon_force_table(emin, e_max, geometry.target)
    else:
        raise UserInputError(
            "force",
            force,
            "None, ('aprime', mass, threshold, kind[, mediator]), ('dimuon', ecal_max) or "
            "('annihilation', mass, threshold[, resonance])",
        )
    if mode == "fast" and ftab is not None and ftab.emin < split_energy:
        raise UserInputError(
            "force threshold", ftab.emin, f">= the split energy {split_energy} GeV in fast mode"
        )
    return f_kind, ftab


def _resonance(force: tuple[Any, ...]) -> Resonance:
    """The mediator of ``("annihilation", mass, threshold[, resonance])``: the given
    :class:`~darkmiss.physics.annihilation.Resonance` (its mass must be ``mass``) or, by default, the
    vector of spec Sec. X (α_D = 0.5, m_χ = m/3)."""
    if len(force) not in (3, 4):
        raise UserInputError("force", force, "('annihilation', mass, threshold[, resonance])")
    mass = float(force[1])
    res = force[3] if len(force) == 4 and force[3] is not None else vector_resonance(mass)
    if not isinstance(res, Resonance) or not math.isclose(res.mass, mass, rel_tol=1e-9):
        raise UserInputError("force resonance", force[3], f"a Resonance of mass {mass} GeV")
    return res


def annihilation_slabs(g: Geometry) -> np.ndarray:
    """Flag per slab of the active target where positrons annihilate resonantly and are tallied:
    the ECAL with its preshower, material slabs only (lead and scintillator)."""
    return ((g.region == REGION_PS) | (g.region == REGION_ECAL)) & (g.material_index > 0)


def _tally(tally_edges: np.ndarray | None, g: Geometry, inv_s: np.ndarray) -> Tally:
    """Zeroed track-length tally bundle on ``tally_edges`` [GeV] (disabled when None)."""
    nm = len(g.materials)
    if tally_edges is None:
        return Tally(0.0, 1.0, np.zeros((0, 0)), np.zeros((0, 0)), np.zeros((0, 0)), np.zeros(nm), inv_s)
    te = np.asarray(tally_edges, dtype=float)
    if te.ndim != 1 or te.size < 2 or np.any(np.diff(np.log(te)) <= 0) or te[0] <= 0:
        raise UserInputError("tally_edges", tally_edges, "increasing positive log-spaced energies")
    dl = float(np.log(te[-1] / te[0]) / (te.size - 1))
    nb = te.size - 1
    return Tally(
        float(np.log(te[0])),
        dl,
        np.zeros((nm, nb)),
        np.zeros((nm, nb)),
        np.zeros((g.n_slabs, nb)),
        np.zeros(nm),
        inv_s,
    )


def _positron_arrays(
    edges: np.ndarray | None, slabs: np.ndarray | None, g: Geometry
) -> tuple[PositronArrays, tuple[int, ...]]:
    """Zeroed positron tally bundle on ``edges`` [GeV] over the slabs flagged in ``slabs`` (default:
    the ECAL with its preshower, regions PS and ECAL), one column per material met there (disabled
    when ``edges`` is None); and the material indices of the columns."""
    if edges is None:
        return no_positron_arrays(), ()
    te = np.asarray(edges, dtype=float)
    if te.ndim != 1 or te.size < 2 or te[0] <= 0 or np.any(np.diff(np.log(te)) <= 0):
        raise UserInputError("positron_edges", edges, "increasing positive log-spaced energies")
    dl = np.diff(np.log(te))
    if not np.allclose(dl, dl[0], rtol=1e-9, atol=0.0):
        raise UserInputError("positron_edges", edges, "log-spaced energies (uniform in ln E)")
    sel = annihilation_slabs(g) if slabs is None else np.asarray(slabs, bool)
    if sel.shape != (g.n_slabs,):
        raise UserInputError("positron_slabs", slabs, f"a flag per slab ({g.n_slabs} slabs)")
    sel = sel & (g.material_index > 0)
    mats = tuple(int(m) for m in np.unique(g.material_index[sel]))
    col = np.full(g.n_slabs, -1, np.int64)
    for c, m in enumerate(mats):
        col[sel & (g.material_index == m)] = c
    nb = te.size - 1
    k = max(len(mats), 1) * nb
    if k > 2000:
        raise UserInputError(
            "positron_edges", f"{nb} bins", "at most 2000 bins × materials (the covariance is their square)"
        )
    arrays = PositronArrays(
        float(np.log(te[0])), float(dl[0]), nb, col, np.zeros(k), np.zeros((k, k)), np.zeros(k),
        np.zeros(k, np.int64), np.zeros(1, np.int64),
    )  # fmt: skip
    return arrays, mats


def _pass1_bundles(
    cuts: Cuts, ftab: ForceTable, n_slabs: int
) -> tuple[Cuts, Tally, PositronArrays, YieldTable, Outputs]:
    """Bundles of forcing pass 1: floor at the forcing threshold (absorb below it), no tallies, no
    yields, one throw-away output row."""
    cuts1 = cuts._replace(floor=ftab.emin, floor_action=FLOOR_ABSORB, local_cut=0.0)
    z2 = np.zeros((0, 0))
    tally1 = Tally(0.0, 1.0, z2, z2, np.zeros((0, 0)), np.zeros(1), np.zeros(1))
    ytab1 = YieldTable(np.zeros((0, 0)), 0.0, 1.0, 0.0)
    row = np.zeros((1, N_CELLS))
    z9 = np.zeros((0, 9))
    out1 = Outputs(
        row, row, np.zeros(1), np.zeros(1), np.zeros((1, 0)), z9, np.zeros(1, np.int64), z9,
        np.zeros(1, np.int64), np.zeros(n_slabs),
    )  # fmt: skip
    return cuts1, tally1, no_positron_arrays(), ytab1, out1


def _as_dict(arr: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {nm: arr[:, i].copy() for i, nm in enumerate(names)}
    out[names[0]] = out[names[0]].astype(np.int64)
    out[names[1]] = out[names[1]].astype(np.int64)
    return out


_FIELDS9 = ("event", "pid", "energy", "x", "y", "z", "ux", "uy", "uz")
_MU9 = ("event", "charge", "energy", "x", "y", "z", "ux", "uy", "uz")


def _track(
    primaries: Primaries,
    seed: Any,
    f_kind: int,
    geo: SlabArrays,
    cuts: Cuts,
    tally: Tally,
    ptally: PositronArrays,
    ytab: YieldTable,
    ftab: ForceTable,
    n_slabs: int,
    handoff_cap: int,
    unweight: tuple[float, np.ndarray] | None = None,
) -> tuple[Outputs, np.ndarray]:
    """Run the kernel over all primaries (output bundle, weights); the hand-off list is grown and the
    run repeated until it fits (the kernel counts entries beyond its capacity). ``unweight``: see
    :func:`run_cascade`."""
    n = len(primaries)
    seeds, aux = shower_seeds(seed, n)
    pos = np.ascontiguousarray(np.stack([primaries.x, primaries.y, primaries.z], axis=1), dtype=float)
    dirs = np.stack([primaries.ux, primaries.uy, primaries.uz], axis=1).astype(float)
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    pass1 = _pass1_bundles(cuts, ftab, n_slabs)
    stack = new_stack()
    cap = handoff_cap
    unit_w, unit_u = (0.0, np.zeros(0)) if unweight is None else (float(unweight[0]), unweight[1])
    unit_u = np.ascontiguousarray(unit_u, dtype=float)
    while True:
        out = Outputs(
            visible=np.zeros((n, N_CELLS)),
            absorbed=np.zeros((n, N_CELLS)),
            escaped=np.zeros(n),
            aprime=np.zeros(n),
            yields=np.zeros((n, ytab.sigma.shape[0])),
            handoff=np.zeros((cap, 9)),
            n_handoff=np.zeros(1, np.int64),
            muons=np.zeros((2 * n + 2 if f_kind == 2 else 2, 9)),
            n_muons=np.zeros(1, np.int64),
            slab_dep=np.zeros(n_slabs),
        )
        weight = np.ones(n)
        for a in (
            tally.charged,
            tally.photon,
            tally.depth,
            tally.resid,
            ptally.total,
            ptally.cov,
            ptally.row,
        ):
            a[...] = 0.0
        ptally.nhit[0] = 0
        nbad = run_showers(
            primaries.pid.astype(np.int64), primaries.energy.astype(float), pos, dirs, seeds, aux, f_kind, weight,
            geo, cuts, tally, ptally, ytab, ftab, out, pass1, stack, unit_w, unit_u,
        )  # fmt: skip
        if nbad:
            raise RuntimeError("cascade particle stack overflow")
        if out.n_handoff[0] <= cap:
            return out, weight
        cap = int(out.n_handoff[0]) + 16


def run_cascade(
    primaries: Primaries,
    geometry: Geometry,
    *,
    mode: str = "detailed",
    seed: Any = 0,
    ecut: float | None = None,
    split_energy: float = 1.0,
    kc: float | None = None,
    force: tuple[Any, ...] | None = None,
    tally_edges: np.ndarray | None = None,
    yield_table: SigmaTable | None = None,
    yield_emin: float | None = None,
    force_table: SigmaTable | None = None,
    positron_edges: np.ndarray | None = None,
    positron_slabs: np.ndarray | None = None,
    unweight: tuple[float, np.ndarray] | None = None,
) -> CascadeOutput:
    """Run the explicit cascade for ``primaries`` through ``geometry`` (GeV, cm).

    mode: ``detailed`` (track e±/γ down to ``ecut`` total energy, deposit the rest locally),
    ``fast`` (track above ``split_energy``; particles below it with available energy ≥ ``ecut`` are
    returned in ``handoff``, softer ones deposited locally), ``yield`` (track only particles above
    ``yield_emin`` — or the forcing/yield threshold — everything else counts as absorbed where made).
    ``kc``: bremsstrahlung photon and delta-ray production cut (default ``ecut``); it must be the
    same in any two runs that should replay the same histories. Defaults (the preset ``[shower]``
    values of na64-2016): ecut = 1 MeV in detailed mode, 10 MeV in fast and yield modes.
    force: ``("aprime", mass, threshold_gev, xsec_kind[, mediator])`` or ``("dimuon", ecal_max_hint)``: one
    emission per shower at a step chosen ∝ n σ Δs in the target (dimuon: photons above
    0.9 (E0 − ecal_max)); ``weight`` = Σ n σ Δs of the
    shower (the expected number of emissions at ε = 1). ``("annihilation", mass, threshold[, resonance])``:
    one resonant annihilation e⁺e⁻ → V → invisible per shower, at a positron step in the active
    target (:func:`annihilation_slabs`, lead and scintillator with their own n_e) chosen ∝ n_e σ(E) Δs
    with the positron's total energy E above ``threshold`` (σ of
    :mod:`darkmiss.physics.annihilation`, electrons at rest; default mediator the vector of α_D = 0.5,
    m_χ = m/3); the positron stops there, ``aprime_energy`` is its energy + m_e (the missing energy)
    and ``weight`` Σ n_e σ Δs (annihilations per EOT at ε = 1). ``force_table`` overrides the tables built
    from the physics modules. ``yield_table`` adds per-shower Σ n σ(E) Δs in ``yields``.
    ``positron_edges`` (log-spaced total energies [GeV]) adds the positron track-length tally with
    its per-shower covariance (``positrons``) over ``positron_slabs`` (a flag per slab; default
    the ECAL with its preshower), per material; to tally every positron down to the lowest edge,
    run ``yield`` mode with ``yield_emin`` at (or below) that edge.
    ``unweight`` = (u, uniforms) with ``force``: the caller turns the showers into unit-weight events of
    weight u with these uniforms (one per shower, :func:`darkmiss.util.unit_weight_copies`); a shower that
    gets none is not tracked beyond the pass that finds its weight (its rows of the output are 0, its
    hand-off and muons absent).
    """
    n = len(primaries)
    if unweight is not None and (force is None or not unweight[0] > 0 or np.shape(unweight[1]) != (n,)):
        raise UserInputError(
            "unweight", unweight, "(a positive unit weight, one uniform per primary) with force"
        )
    if mode not in ("detailed", "fast", "yield"):
        raise UserInputError("mode", mode, "detailed, fast or yield")
    if ecut is None:
        ecut = DEFAULT_ECUT[mode]
    if not ecut > 0:
        raise UserInputError("ecut", ecut, "a positive energy [GeV]")
    kc_ = float(kc if kc is not None else ecut)
    f_kind, ftab = _forcing(force, force_table, primaries, geometry, mode, split_energy)
    if mode == "detailed":
        floor, action = ecut, FLOOR_DEPOSIT
    elif mode == "fast":
        floor, action = float(split_energy), FLOOR_HANDOFF
    else:
        if yield_emin is None:
            cands = [t.emin for t in (yield_table, ftab) if t is not None]
            yield_emin = min(cands) if cands else ecut
        floor, action = float(yield_emin), FLOOR_ABSORB
    g = geometry
    inv_s = _inverse_stopping(g, max(floor - M_E, 1e-5)) if mode == "detailed" else np.zeros(len(g.materials))
    tally = _tally(tally_edges, g, inv_s)
    ptally, pmats = _positron_arrays(positron_edges, positron_slabs, g)
    if yield_table is not None:
        ytab = YieldTable(
            np.ascontiguousarray(yield_table.sigma, dtype=float),
            yield_table.logemin,
            yield_table.dloge,
            yield_table.emin,
        )
    else:
        ytab = YieldTable(np.zeros((0, 2)), 0.0, 1.0, 0.0)
    if ftab is not None:
        fb = ForceTable(
            np.ascontiguousarray(ftab.sigma[0], dtype=float), np.ascontiguousarray(ftab.xinv, dtype=float),
            ftab.logemin, ftab.dloge, ftab.emin, float(ftab.x_a), float(ftab.x_b),
            annihilation_slabs(geometry) if f_kind == 3 else np.zeros(geometry.n_slabs, np.bool_),
        )  # fmt: skip
    else:
        fb = ForceTable(
            np.zeros(2), np.zeros((1, 2)), 0.0, 1.0, 0.0, 0.0, 0.0, np.zeros(geometry.n_slabs, np.bool_)
        )
    geo = SlabArrays(
        g.z_edges,
        g.material_index,
        g.is_active,
        g.region,
        g.half_width,
        g.cell_cm,
        g.ncell,
        g.is_target,
        g.mat_table,
    )
    cuts = Cuts(float(floor), action, float(ecut), kc_, kc_, WORLD_HALF_WIDTH_CM)
    cap = max(64, 256 * n) if mode == "fast" else 16
    out, weight = _track(
        primaries, seed, f_kind, geo, cuts, tally, ptally, ytab, fb, g.n_slabs, cap, unweight
    )
    trk = None
    if tally_edges is not None:
        trk = TrackLengthTally(
            edges=np.asarray(tally_edges, dtype=float),
            materials=g.materials,
            charged=tally.charged,
            photon=tally.photon,
            depth_charged=tally.depth,
            residual=tally.resid,
            z_edges=g.z_edges.copy(),
            n_showers=n,
            energy=float(primaries.energy.mean()) if n else 0.0,
        )
    pos = None
    if positron_edges is not None:
        nb = ptally.nbin
        pos = PositronTally(
            edges=np.asarray(positron_edges, dtype=float),
            materials=tuple(g.materials[m] for m in pmats),
            electron_density=np.array([g.mat_table[m, 3] for m in pmats]),
            total=ptally.total[: len(pmats) * nb].reshape(len(pmats), nb).copy(),
            cov=ptally.cov[: len(pmats) * nb, : len(pmats) * nb].copy(),
            n_showers=n,
            energy=float(primaries.energy.mean()) if n else 0.0,
            particle=int(primaries.pid[0]) if n and np.all(primaries.pid == primaries.pid[0]) else 0,
        )
    return CascadeOutput(
        visible=out.visible,
        absorbed=out.absorbed,
        handoff=_as_dict(out.handoff[: out.n_handoff[0]], _FIELDS9),
        escaped=out.escaped,
        aprime_energy=out.aprime,
        weight=weight if f_kind else np.ones(n),
        muons=_as_dict(out.muons[: out.n_muons[0]], _MU9),
        tally=trk,
        yields=out.yields,
        slab_deposit=out.slab_dep,
        positrons=pos,
    )
