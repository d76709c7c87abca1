"""Calorimeter response: what a shower looks like in the ECAL cells, the preshower, V2 and the HCAL.

Chain (spec Sec. III): deposited energy per layer (explicit cascade and/or parametrised showers,
:mod:`darkmiss.shower.parametrized`) → visible energy in the scintillator (electron sampling fraction,
gamma-distributed sampling fluctuations of variance c²·E_dep with c derived from the plate thickness)
→ photo-electrons (Poisson) → calibrated energy (visible / sampling fraction from 100 GeV e⁻
calibration showers, as the experiment calibrates) + electronic noise. The ECAL resolution is a
*result* of this chain (tests fit it), never a smear added on top. V2 is in MIP.

Fast mode: the explicit cascade of :mod:`darkmiss.shower.cascade` above its split energy and a
parametrised shower for every handed-off particle. Detailed mode: the explicit cascade's visible energy
only.
Units: GeV, cm.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import M_E
from darkmiss.errors import DarkmissError, UserInputError
from darkmiss.physics import muonpair
from darkmiss.physics.annihilation import Resonance
from darkmiss.physics.models import get_mediator
from darkmiss.shower import cascade, pcg64
from darkmiss.shower.api import CaloResponse, DimuonSample, SignalSample
from darkmiss.shower.geometry import build_geometry
from darkmiss.shower.muons import MuonSettings, material_table, plate_table, transport_muons
from darkmiss.shower.parametrized import (
    ECAL0,
    HCAL0,
    KIND_ECAL,
    KIND_HCAL,
    KIND_V2,
    N_CELLS,
    PS0,
    V2CELL,
    SlabTable,
    deposit_showers,
    mip_dedx,
)
from darkmiss.util import unit_weight_copies

MODES = ("fast", "detailed")

#: Version of the engine's event samples, part of the keys of cached rates and of the data and MC stages
#: of ``reproduce`` (neither includes the code), so that samples made by older code are made again.
#: 2: the showers of a forced sample (A′, dimuon, annihilation) where the forced process did not happen
#: (weight 0) are not completed (:func:`_raw_from_cascade`), which changes the random stream.
#: 3: the parametrised showers and the muons draw from the inline PCG64 of :mod:`darkmiss.shower.pcg64`
#: (another stream).
#: 4: pseudo-data dimuons are unweighted before their showers are completed (``unit_weight`` of
#: :func:`dimuon_sample`), which changes the data stream (the MC stream is the same).
SAMPLE_VERSION = 4

PARTICLES = {"e-": 11, "e+": -11, "gamma": 22, "mu-": 13, "mu+": -13}


@dataclass(frozen=True)
class CalorimetrySettings:
    """Readout settings (preset table ``[calorimetry]``, sources in the TOML).

    hcal_pe_per_mip: p.e. per MIP crossing one HCAL module; ecal_pe_per_gev: p.e. per GeV deposited
    in ECAL/PS; v2_pe_per_mip; ecal_noise_gev, hcal_noise_gev [GeV] per cell; sampling_coefficient
    (a in a·√(d[mm]/f_mip)); calibration_energy [GeV], calibration_showers, calibration_seed,
    hcal_calibration ("electron"); fast_split_gev [GeV]: cascade/parametrisation split in fast mode.
    """

    hcal_pe_per_mip: float = 175.0
    ecal_pe_per_gev: float = 3000.0
    v2_pe_per_mip: float = 40.0
    ecal_noise_gev: float = 0.005
    hcal_noise_gev: float = 0.02
    sampling_coefficient: float = 0.027
    calibration_energy: float = 100.0
    calibration_showers: int = 400
    calibration_seed: int = 20160701
    hcal_calibration: str = "electron"
    fast_split_gev: float = 3.0
    muon: MuonSettings = field(default_factory=MuonSettings)

    @classmethod
    def from_preset(cls, preset: Preset) -> CalorimetrySettings:
        t = preset.section("calorimetry")
        kw: dict[str, Any] = {}
        for f in cls.__dataclass_fields__:
            if f in t and f != "muon":
                kw[f] = type(getattr(cls, f))(t[f])
        s = cls(**kw, muon=MuonSettings.from_preset(preset))
        if s.hcal_calibration != "electron":
            raise UserInputError("[calorimetry] hcal_calibration", s.hcal_calibration, "'electron'")
        if not s.fast_split_gev > 0:
            raise UserInputError("[calorimetry] fast_split_gev", s.fast_split_gev, "a positive energy in GeV")
        if s.hcal_pe_per_mip <= 0 or s.ecal_pe_per_gev <= 0 or s.v2_pe_per_mip <= 0:
            raise UserInputError("[calorimetry] photo-electron yields", t, "positive values")
        return s


@functools.lru_cache(maxsize=4)
def default_settings() -> CalorimetrySettings:
    """Settings of the ``na64-2016`` preset."""
    return CalorimetrySettings.from_preset(load_preset("na64-2016"))


@functools.lru_cache(maxsize=16)
def slab_table(setup: SetupGeometry, sampling_coefficient: float) -> SlabTable:
    """Cached :class:`SlabTable` of a setup."""
    return SlabTable.from_setup(setup, sampling_coefficient)


@dataclass(frozen=True)
class Calibration:
    """Sampling fractions turning visible energy into calibrated GeV: calibrated = visible / fraction.

    ps, ecal: from 100 GeV e⁻ at the ECAL face (mean ECAL+PS visible / beam energy); hcal: from
    100 GeV e⁻ at the HCAL1 face; v2_mip_gev: visible energy of one MIP crossing V2 [GeV];
    hcal_mip_gev: visible energy of one MIP crossing one HCAL module [GeV].
    """

    ps: float
    ecal: float
    hcal: float
    v2_mip_gev: float
    hcal_mip_gev: float
    mode: str


@dataclass
class _Raw:
    """Visible [GeV] and deposited [GeV] energy per cell, leak [GeV] per event (before readout)."""

    visible: np.ndarray
    deposited: np.ndarray
    leak: np.ndarray
    aprime_energy: np.ndarray | None = None
    weight: np.ndarray | None = None
    muon_energies: np.ndarray | None = None


def _visible_from_deposit(dep: np.ndarray, table: SlabTable, rng: np.random.Generator) -> np.ndarray:
    """Visible energy of parametrised deposits: f_e × Gamma(E/c², c²) (mean f_e·E, variance f_e²c²E)."""
    vis = np.zeros_like(dep)
    for sl, med in ((slice(PS0, V2CELL), table.ecal), (slice(HCAL0, N_CELLS), table.hcal)):
        d = dep[:, sl]
        c2 = med.sampling_term**2
        pos = d > 0
        v = np.zeros_like(d)
        v[pos] = med.f_e * rng.gamma(d[pos] / c2, c2)
        vis[:, sl] = v
    vis[:, V2CELL] = dep[:, V2CELL]
    return vis


def _muon_args(table: SlabTable) -> tuple:
    f_e = np.zeros(4)
    c2 = np.ones(4)
    f_e[KIND_ECAL], c2[KIND_ECAL] = table.ecal.f_e, table.ecal.sampling_term**2
    f_e[KIND_HCAL], c2[KIND_HCAL] = table.hcal.f_e, table.hcal.sampling_term**2
    f_e[KIND_V2] = 1.0
    return plate_table(table, table.absorbers), material_table(), f_e, c2


def muon_deposits(
    event: np.ndarray,
    energy: np.ndarray,
    pos: tuple[np.ndarray, np.ndarray, np.ndarray],
    direction: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_events: int,
    table: SlabTable,
    settings: CalorimetrySettings,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Visible, deposited [GeV] (n_events, N_CELLS) and leak (n_events,) of muons (total energies [GeV])."""
    plates, mats, f_e, c2 = _muon_args(table)
    ms = settings.muon
    kernel: Any = transport_muons
    with pcg64.drawing(rng) as state:
        return kernel(
            np.ascontiguousarray(event, dtype=np.int64),
            np.ascontiguousarray(energy, dtype=np.float64),
            *(np.ascontiguousarray(a, dtype=np.float64) for a in pos),
            *(np.ascontiguousarray(a, dtype=np.float64) for a in direction),
            int(n_events),
            state,
            table.z0,
            table.z1,
            table.kind,
            table.layer,
            table.kernel_args()[8],
            table.ps_layers,
            plates,
            mats,
            f_e,
            c2,
            np.array([ms.delta_cut_gev, ms.radiative_vcut, ms.stop_kinetic_gev]),
        )


def parametrised_deposits(
    event: np.ndarray,
    pid: np.ndarray,
    energy: np.ndarray,
    pos: tuple[np.ndarray, np.ndarray, np.ndarray],
    direction: tuple[np.ndarray, np.ndarray, np.ndarray],
    n_events: int,
    table: SlabTable,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Deposited energy [GeV] (n_events, N_CELLS) and leak (n_events,) of parametrised e±/γ showers."""
    c = np.ascontiguousarray
    kernel: Any = deposit_showers
    with pcg64.drawing(rng) as state:
        return kernel(
            c(event, dtype=np.int64),
            c(pid, dtype=np.int64),
            c(energy, dtype=np.float64),
            *(c(a, dtype=np.float64) for a in pos),
            *(c(a, dtype=np.float64) for a in direction),
            int(n_events),
            state,
            *table.kernel_args(),
        )


def _seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**62))


def _raw_response(
    energies: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    z: float,
    pid: int,
    setup: SetupGeometry,
    settings: CalorimetrySettings,
    rng: np.random.Generator,
    mode: str,
    force: tuple | None = None,
    unit_weight: float | None = None,
    soft_muon: float | None = None,
) -> _Raw:
    """Visible and deposited energy per cell of primaries starting at depth ``z`` [cm] along +z
    (``unit_weight``, ``soft_muon``: see :func:`_raw_from_cascade`)."""
    n = energies.size
    table = slab_table(setup, settings.sampling_coefficient)
    zeros = np.zeros(n)
    ones = np.ones(n)
    ev = np.arange(n)
    if abs(pid) == 13:
        vis, dep, leak = muon_deposits(
            ev, energies, (x, y, zeros + z), (zeros, zeros, ones), n, table, settings, rng
        )
        return _Raw(vis, dep, leak)
    if z > 0:
        # a primary that starts inside the calorimeter: parametrised shower from its starting depth
        if mode == "detailed" or force is not None:
            raise DarkmissError(
                "detailed mode and forced A′/dimuon events need primaries that start at the ECAL face (z = 0)"
            )
        dep, leak = parametrised_deposits(
            ev, np.full(n, pid), energies, (x, y, zeros + z), (zeros, zeros, ones), n, table, rng
        )
        return _Raw(_visible_from_deposit(dep, table, rng), dep, leak)
    return _raw_from_cascade(
        energies, x, y, pid, setup, settings, table, rng, mode, force, unit_weight, soft_muon
    )


def _of_events(particles: dict[str, np.ndarray], live: np.ndarray) -> dict[str, np.ndarray]:
    """The particles (a cascade output's columns, with ``event``) of the events where ``live`` is True."""
    keep = live[np.asarray(particles["event"], dtype=np.int64)]
    return {k: np.asarray(v)[keep] for k, v in particles.items()}


def _raw_from_cascade(
    energies: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    pid: int,
    setup: SetupGeometry,
    settings: CalorimetrySettings,
    table: SlabTable,
    rng: np.random.Generator,
    mode: str,
    force: tuple | None,
    unit_weight: float | None = None,
    soft_muon: float | None = None,
) -> _Raw:
    """Run the explicit cascade and complete it: parametrised showers for the handoff, muon transport.

    With a forced process (``force``), a shower where it did not happen (weight 0) is not an event of the
    sample: its handoff and muons are not transported, and its response is the cascade's part only.

    ``unit_weight`` (with ``force``): unit-weight events, as a detector records them, by accept-reject
    before the rest of the shower is transported. A shower of weight w becomes ⌊w/u⌋ events and one more
    with probability w/u − ⌊w/u⌋ (one uniform per shower, drawn right after the cascade's seed), so that the
    expected number of events of every shower is w/u; only showers with at least one event are completed
    (the cascade skips the main pass of the others), and their rows are repeated, each of weight u (the
    copies share the deposits, not the readout).

    ``soft_muon`` [GeV] (with the forced γ → μ⁺μ⁻, weighted): every pair is given a soft muon, of kinetic
    energy below ``soft_muon``, before the muons are transported. The split is redrawn from Eq. 18 restricted
    to that region (:func:`darkmiss.physics.muonpair.soft_split`, one uniform per pair, drawn after the
    parametrised showers). The first muon of the pair gets it and the second the rest of the photon energy
    (the transport does not use the charge). The event's weight is multiplied by the probability of such a
    split, so the sample estimates the pairs with a soft muon without the ~10⁻³ acceptance of an unforced
    sample."""
    n = energies.size
    if soft_muon is not None and (force is None or force[0] != "dimuon" or unit_weight is not None):
        raise UserInputError("soft_muon", soft_muon, "None, or a weighted sample with force=('dimuon', ...)")
    geometry = build_geometry(setup)
    primaries = cascade.Primaries(
        pid=np.full(n, pid, np.int64),
        energy=np.asarray(energies, dtype=float),
        x=np.asarray(x, dtype=float),
        y=np.asarray(y, dtype=float),
        z=np.zeros(n),
        ux=np.zeros(n),
        uy=np.zeros(n),
        uz=np.ones(n),
    )
    kw: dict[str, Any] = {"split_energy": settings.fast_split_gev} if mode == "fast" else {}
    seed = _seed(rng)
    uniforms = None
    if force is not None and unit_weight is not None:
        # drawn now, as they were after the cascade (nothing draws from rng in between): the cascade
        # skips the main pass of the showers that get no event
        uniforms = rng.random(n)
        kw["unweight"] = (unit_weight, uniforms)
    out = cascade.run_cascade(primaries, geometry, mode=mode, seed=seed, force=force, **kw)
    vis = np.array(out.visible, dtype=float)
    dep = np.array(out.absorbed, dtype=float)
    leak = np.array(out.escaped, dtype=float).reshape(n) if np.ndim(out.escaped) else np.zeros(n)
    ap = getattr(out, "aprime_energy", None)
    w = getattr(out, "weight", None)
    h, mu = out.handoff, out.muons
    copies = None
    if force is not None and w is not None:
        # only the showers of a forced sample with weight > 0 (or with events, unweighted) go further
        live = np.asarray(w) > 0
        if uniforms is not None:
            copies = unit_weight_copies(np.asarray(w, dtype=float) / unit_weight, uniforms)
            live = copies > 0
        h, mu = _of_events(h, live), _of_events(mu, live)
    if mode == "fast" and len(h["energy"]):
        d2, l2 = parametrised_deposits(
            h["event"],
            h["pid"],
            h["energy"],
            (h["x"], h["y"], h["z"]),
            (h["ux"], h["uy"], h["uz"]),
            n,
            table,
            rng,
        )
        vis += _visible_from_deposit(d2, table, rng)
        dep += d2
        leak += l2
    if soft_muon is not None and w is not None and len(mu["energy"]):
        mu, w = _force_soft_muon(mu, np.array(w, dtype=float), float(soft_muon), geometry.target, rng)
    muon_e = None
    if len(mu["energy"]):
        v3, d3, l3 = muon_deposits(
            mu["event"],
            mu["energy"],
            (mu["x"], mu["y"], mu["z"]),
            (mu["ux"], mu["uy"], mu["uz"]),
            n,
            table,
            settings,
            rng,
        )
        vis += v3
        dep += d3
        leak += l3
        muon_e = leading_two(
            np.asarray(mu["event"], dtype=np.int64), np.asarray(mu["energy"], dtype=float), n
        )
    raw = _Raw(
        vis, dep, leak, None if ap is None else np.asarray(ap), None if w is None else np.asarray(w), muon_e
    )
    if copies is None:
        return raw
    assert unit_weight is not None
    rows = np.repeat(np.arange(n), copies)
    return _Raw(
        raw.visible[rows],
        raw.deposited[rows],
        raw.leak[rows],
        None if raw.aprime_energy is None else raw.aprime_energy[rows],
        np.full(rows.size, float(unit_weight)),
        None if raw.muon_energies is None else raw.muon_energies[rows],
    )


def _force_soft_muon(
    mu: dict[str, np.ndarray], weight: np.ndarray, t_max: float, target: str, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The muons of forced conversions (two consecutive entries per event, total energies [GeV]) with a
    soft split (:func:`_raw_from_cascade`, ``soft_muon``), and the events' weights × P(such a split)."""
    ev = np.asarray(mu["event"], dtype=np.int64)
    if ev.size % 2 or np.any(ev[0::2] != ev[1::2]):
        raise DarkmissError("the forced conversions must list their two muons side by side")
    energy = np.array(mu["energy"], dtype=float)
    e_gamma = energy[0::2] + energy[1::2]
    e_soft, p = muonpair.soft_split(e_gamma, t_max, target, rng)
    out = dict(mu)
    out["energy"] = np.empty_like(energy)
    out["energy"][0::2] = e_soft
    out["energy"][1::2] = e_gamma - e_soft
    weight[ev[0::2]] *= p
    return out, weight


def leading_two(event: np.ndarray, energy: np.ndarray, n: int) -> np.ndarray:
    """The two largest ``energy`` values [GeV] of each of ``n`` events (``event``: the event of each
    entry), largest first, 0 where an event has fewer: (n, 2)."""
    out = np.zeros((n, 2))
    if event.size == 0:
        return out
    order = np.lexsort((-energy, event))  # by event, then by energy from the largest
    ev, en = event[order], energy[order]
    first = np.r_[True, ev[1:] != ev[:-1]]
    start = np.flatnonzero(first)
    out[ev[start], 0] = en[start]
    second = start + 1
    ok = second < ev.size
    second = second[ok]
    same = ev[second] == ev[start[ok]]
    out[ev[second[same]], 1] = en[second[same]]
    return out


# --------------------------------------------------------------------------------------------------
# readout


def _readout(
    raw: _Raw, cal: Calibration, settings: CalorimetrySettings, rng: np.random.Generator
) -> CaloResponse:
    """Photo-statistics, calibration and noise: visible energy → :class:`CaloResponse`."""
    vis = raw.visible
    n = vis.shape[0]
    out = np.zeros_like(vis)
    # ECAL / PS: p.e. per visible GeV = p.e. per deposited GeV / sampling fraction
    for sl, frac in ((slice(PS0, ECAL0), cal.ps), (slice(ECAL0, V2CELL), cal.ecal)):
        pe_per_vis = settings.ecal_pe_per_gev / frac
        npe = rng.poisson(np.clip(vis[:, sl], 0.0, None) * pe_per_vis)
        out[:, sl] = npe / pe_per_vis / frac + rng.normal(0.0, settings.ecal_noise_gev, npe.shape)
    pe_h = settings.hcal_pe_per_mip / cal.hcal_mip_gev
    npe = rng.poisson(np.clip(vis[:, HCAL0:], 0.0, None) * pe_h)
    out[:, HCAL0:] = npe / pe_h / cal.hcal + rng.normal(0.0, settings.hcal_noise_gev, npe.shape)
    v2_pe = rng.poisson(np.clip(vis[:, V2CELL], 0.0, None) / cal.v2_mip_gev * settings.v2_pe_per_mip)
    return CaloResponse(
        ecal=out[:, ECAL0:V2CELL].reshape(n, 6, 6),
        ps=out[:, PS0:ECAL0].reshape(n, 6, 6),
        hcal=out[:, HCAL0:].reshape(n, -1, 3, 3),
        v2=v2_pe / settings.v2_pe_per_mip,
        leak=raw.leak.copy(),
    )


@functools.lru_cache(maxsize=8)
def _calibration(setup: SetupGeometry, settings: CalorimetrySettings, mode: str) -> Calibration:
    rng = np.random.default_rng(settings.calibration_seed)
    n = settings.calibration_showers if mode == "fast" else max(20, settings.calibration_showers // 10)
    e = np.full(n, settings.calibration_energy)
    zero = np.zeros(n)
    raw = _raw_response(e, zero, zero, 0.0, 11, setup, settings, rng, mode)
    ecal_vis = raw.visible[:, PS0:V2CELL].sum(axis=1).mean()
    raw_h = _raw_response(e, zero, zero, setup.hcal_z0_cm, 11, setup, settings, rng, "fast")
    hcal_vis = raw_h.visible[:, HCAL0:].sum(axis=1).mean()
    f_ecal = float(ecal_vis / settings.calibration_energy)
    return Calibration(
        ps=f_ecal,
        ecal=f_ecal,
        hcal=float(hcal_vis / settings.calibration_energy),
        v2_mip_gev=mip_dedx("Sc") * setup.v2_thickness_cm,
        hcal_mip_gev=mip_dedx(setup.hcal.active) * setup.hcal.active_cm * setup.hcal.n_layers,
        mode=mode,
    )


def calibration(
    setup: SetupGeometry, settings: CalorimetrySettings | None = None, mode: str = "fast"
) -> Calibration:
    """Sampling fractions from simulated 100 GeV e⁻ calibration showers (cached per setup and mode)."""
    _check_mode(mode)
    return _calibration(setup, settings or default_settings(), mode)


def _lepton_pid(particle: str) -> int:
    """The PDG code of a beam lepton of the forced samples: e- (11) or e+ (−11)."""
    if particle not in ("e-", "e+"):
        raise UserInputError("particle", particle, "e- or e+")
    return PARTICLES[particle]


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise UserInputError("mode", mode, "fast or detailed")


def _as_array(v: Any, n: int, name: str) -> np.ndarray:
    a = np.asarray(v, dtype=float)
    if a.ndim == 0:
        a = np.full(n, float(a))
    if a.shape != (n,):
        raise UserInputError(name, a.shape, f"a scalar or {n} values")
    return a


# --------------------------------------------------------------------------------------------------
# public interface (darkmiss.shower.api)


def em_response(
    energies: Any,
    x_cm: Any,
    y_cm: Any,
    setup: SetupGeometry,
    rng: np.random.Generator,
    *,
    particle: str = "e-",
    mode: str = "fast",
    settings: CalorimetrySettings | None = None,
) -> CaloResponse:
    """Calorimeter response to particles entering the ECAL face at (x, y) [cm] along the beam axis.

    ``energies`` [GeV] (one per event); ``particle`` one of e-, e+, gamma, mu-, mu+. Returns calibrated
    cell energies [GeV] (sampling fluctuations, photo-statistics and noise included), V2 in MIP.
    """
    _check_mode(mode)
    if particle not in PARTICLES:
        raise UserInputError("particle", particle, ", ".join(PARTICLES))
    e = np.atleast_1d(np.asarray(energies, dtype=float))
    if np.any(~np.isfinite(e)) or np.any(e <= 0):
        raise UserInputError("energies", energies, "positive finite energies in GeV")
    n = e.size
    x = _as_array(x_cm, n, "x_cm")
    y = _as_array(y_cm, n, "y_cm")
    settings = settings or default_settings()
    cal = calibration(setup, settings, mode)
    raw = _raw_response(e, x, y, 0.0, PARTICLES[particle], setup, settings, rng, mode)
    return _readout(raw, cal, settings, rng)


def signal_sample(
    mass: float,
    n: int,
    setup: SetupGeometry,
    rng: np.random.Generator,
    *,
    energy: float = 100.0,
    threshold: float | None = None,
    mode: str = "fast",
    xsec: str = "etl",
    settings: CalorimetrySettings | None = None,
    particle: str = "e-",
    mediator: str = "vector",
) -> SignalSample:
    """``n`` signal events: 100 GeV e⁻ (``particle`` e+: e⁺) showers with one forced emission of a
    ``mediator`` (vector, scalar, pseudoscalar, axial; ``darkmiss.physics.models``) of mass [GeV], energy
    above ``threshold`` [GeV] (default half the beam energy); weights = emission probability per EOT at
    ε = 1 (g_e = εe)."""
    _check_mode(mode)
    pid = _lepton_pid(particle)
    if not (mass > 0 and math.isfinite(mass)):
        raise UserInputError("mass", mass, "a positive mass in GeV")
    thr = _forced_threshold(n, threshold, energy, zero_allowed=True)
    force = ("aprime", mass, thr, xsec, get_mediator(mediator).name)
    return _forced_sample(mass, n, energy, pid, force, setup, rng, mode, settings)


def _forced_threshold(n: int, threshold: float | None, energy: float, *, zero_allowed: bool) -> float:
    """The checked number of events ``n`` and energy threshold [GeV] of a forced sample: ``threshold``, default
    half the beam ``energy``, below ``energy`` and above 0 (or at 0, with ``zero_allowed``)."""
    if n <= 0:
        raise UserInputError("n", n, "a positive number of events")
    thr = 0.5 * energy if threshold is None else float(threshold)
    if not ((0 <= thr) if zero_allowed else (0 < thr)) or not thr < energy:
        raise UserInputError("threshold", threshold, f"between 0 and the beam energy {energy} GeV")
    return thr


def _forced_sample(
    mass: float,
    n: int,
    energy: float,
    pid: int,
    force: tuple[Any, ...],
    setup: SetupGeometry,
    rng: np.random.Generator,
    mode: str,
    settings: CalorimetrySettings | None,
) -> SignalSample:
    """``n`` showers of ``pid`` at ``energy`` [GeV] with one forced invisible process (``force`` of
    :func:`darkmiss.shower.cascade.run_cascade`), read out: the sample of :func:`signal_sample` and
    :func:`annihilation_sample` (mass [GeV] of the mediator)."""
    settings = settings or default_settings()
    cal = calibration(setup, settings, mode)
    e = np.full(n, float(energy))
    zero = np.zeros(n)
    raw = _raw_response(e, zero, zero, 0.0, pid, setup, settings, rng, mode, force=force)
    assert raw.aprime_energy is not None and raw.weight is not None
    return SignalSample(
        mass=mass,
        aprime_energy=raw.aprime_energy,
        weight=raw.weight,
        response=_readout(raw, cal, settings, rng),
    )


def annihilation_sample(
    mass: float,
    n: int,
    setup: SetupGeometry,
    rng: np.random.Generator,
    *,
    energy: float = 100.0,
    threshold: float | None = None,
    particle: str = "e-",
    mode: str = "fast",
    resonance: Resonance | None = None,
    settings: CalorimetrySettings | None = None,
) -> SignalSample:
    """``n`` annihilation signal events: showers of ``particle`` (e- or e+) of ``energy`` [GeV] with one
    forced resonant annihilation e⁺e⁻ → V → invisible of a positron above ``threshold`` [GeV] (default
    half the beam energy) in the active target (:func:`darkmiss.shower.cascade.run_cascade`,
    ``force=("annihilation", …)``; mediator ``resonance``, default the vector of mass [GeV] with
    α_D = 0.5, m_χ = m/3). ``aprime_energy`` is the missing energy (the positron's energy + m_e),
    ``weight`` the annihilation probability per EOT at ε = 1 (mean weight = yield per EOT), and the
    response is the shower deposited before and beside the annihilation (docs/annihilation.md)."""
    _check_mode(mode)
    if not (mass > 2 * M_E and math.isfinite(mass)):
        raise UserInputError("mass", mass, "a mediator mass above 2 m_e in GeV")
    thr = _forced_threshold(n, threshold, energy, zero_allowed=False)
    pid = _lepton_pid(particle)
    force = ("annihilation", float(mass), thr, resonance)
    return _forced_sample(mass, n, energy, pid, force, setup, rng, mode, settings)


def dimuon_sample(
    n: int,
    setup: SetupGeometry,
    rng: np.random.Generator,
    *,
    energy: float = 100.0,
    mode: str = "fast",
    settings: CalorimetrySettings | None = None,
    particle: str = "e-",
    unit_weight: float | None = None,
    soft_muon: float | None = None,
) -> DimuonSample:
    """γ → μ⁺μ⁻ events in the target, in ``n`` showers of ``particle`` (e- or e+) of ``energy`` [GeV]
    (forced conversion, weights = probability per EOT): one per shower, or with ``unit_weight`` [per EOT]
    unit-weight events by accept-reject before the showers are completed (each of weight
    ``unit_weight``; a shower gives on average weight/``unit_weight`` of them: :func:`_raw_from_cascade`).
    ``soft_muon`` [GeV]: every pair gets a muon of kinetic energy below it, its weight × the probability of
    that split (weighted samples only; :func:`_raw_from_cascade`)."""
    _check_mode(mode)
    pid = _lepton_pid(particle)
    if n <= 0:
        raise UserInputError("n", n, "a positive number of events")
    settings = settings or default_settings()
    cal = calibration(setup, settings, mode)
    e = np.full(n, float(energy))
    zero = np.zeros(n)
    if unit_weight is not None and not unit_weight > 0:
        raise UserInputError("unit_weight", unit_weight, "a positive weight per EOT")
    raw = _raw_response(
        e, zero, zero, 0.0, pid, setup, settings, rng, mode, force=("dimuon", 60.0), unit_weight=unit_weight,
        soft_muon=soft_muon,
    )  # fmt: skip
    assert raw.weight is not None
    mu = raw.muon_energies if raw.muon_energies is not None else np.zeros((raw.weight.size, 2))
    return DimuonSample(weight=raw.weight, muon_energies=mu, response=_readout(raw, cal, settings, rng))
