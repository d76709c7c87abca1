"""Parametrised hadronic showers and minimum-ionising tracks in ECAL + HCAL (spec Sec. III, IV
Fig. 7 region II, Sec. VIII): the setup as longitudinal segments, the Bock profile, the
non-compensating response and a factorised lateral profile.

Units: GeV (calibrated, electron scale), cm; depths in X0 or λ_int where named; V2 in MIP.
References (also in docs/backgrounds.md):

* Longitudinal hadron profile: Bock et al., NIM 186 (1981) 533.
* f_em: Groom, NIM A 572 (2007) 633; e/h, e/mip: Wigmans, *Calorimetry* (2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaincc

from darkmiss.config.schema import SetupGeometry
from darkmiss.detsim import hadron_kernels as hk
from darkmiss.detsim.background_config import HadronicConfig
from darkmiss.physics.materials import SamplingStructure, get_material

#: Shape of the Gamma law standing in for Landau fluctuations of a MIP (relative width 1/√11 ≈ 0.3).
LANDAU_GAMMA_SHAPE = 11.0


def em_fraction(energy: np.ndarray | float, cfg: HadronicConfig) -> np.ndarray:
    """Mean electromagnetic fraction f_em = 1 − (E/E0)^(m−1) of a hadronic shower (Groom 2007)."""
    e = np.maximum(np.asarray(energy, dtype=float), cfg.fem_e0)
    return np.asarray(1.0 - (e / cfg.fem_e0) ** (cfg.fem_m - 1.0))


@dataclass(frozen=True)
class Segment:
    """A longitudinal slab of the setup: start/end in cumulative X0 and λ_int, and its kind."""

    name: str  # "ecal", "gap", "hcal0".."hcal3", "hgap0".."hgap2"
    x0_start: float
    x0_end: float
    lam_start: float
    lam_end: float

    @property
    def hcal_module(self) -> int | None:
        """Index of the HCAL module this segment is, or None for the ECAL and the air gaps."""
        return int(self.name[4:]) if self.name.startswith("hcal") else None


def setup_segments(setup: SetupGeometry) -> list[Segment]:
    """The ECAL, the air gap (V2 neglected) and the HCAL modules in cumulative X0 and λ_int."""
    air = get_material("air")
    segs: list[Segment] = []
    x0 = lam = 0.0

    def add(name: str, dx0: float, dlam: float) -> None:
        nonlocal x0, lam
        segs.append(Segment(name, x0, x0 + dx0, lam, lam + dlam))
        x0 += dx0
        lam += dlam

    add("ecal", setup.ecal.total_x0, setup.ecal.total_lambda)
    add("gap", setup.ecal_hcal_gap_cm / air.x0_cm, setup.ecal_hcal_gap_cm / air.lambda_int_cm)
    for i in range(setup.n_hcal_modules):
        add(f"hcal{i}", setup.hcal.total_x0, setup.hcal.total_lambda)
        if i < setup.n_hcal_modules - 1:
            add(
                f"hgap{i}", setup.hcal_module_gap_cm / air.x0_cm, setup.hcal_module_gap_cm / air.lambda_int_cm
            )
    return segs


def start_depth_x0(start_lambda: np.ndarray, segs: list[Segment]) -> np.ndarray:
    """Depth [X0] of start depths ``start_lambda`` [λ_int from the ECAL face]: linear within each
    segment; starts beyond the last segment sit at its end."""
    start = np.asarray(start_lambda, dtype=float)
    out = np.zeros(start.shape[0])
    for s in segs:
        inside = (start >= s.lam_start) & (start < s.lam_end)
        frac = (start[inside] - s.lam_start) / (s.lam_end - s.lam_start)
        out[inside] = s.x0_start + frac * (s.x0_end - s.x0_start)
    out[start >= segs[-1].lam_end] = segs[-1].x0_end
    return out


def bock_cdf_beyond(energy: np.ndarray, dx0: np.ndarray, dlam: np.ndarray, cfg: HadronicConfig) -> np.ndarray:
    """Fraction of a hadronic shower's energy deposited beyond a depth (dx0 X0, dlam λ) from its start.

    Bock et al. (1981): dE/dx ∝ w (x/X0)^(a−1) e^(−b x/X0) + (1−w) (x/λ)^(a−1) e^(−d x/λ); each
    term is a Γ density, so the tail is the regularised upper incomplete Γ function, with the
    terms weighted by their integrals w Γ(a)/b^a and (1−w) Γ(a)/d^a (X0 = λ = 1 units of each).
    (The compiled :func:`darkmiss.detsim.hadron_kernels.bock_tail` is the same, per shower.)
    """
    e = np.maximum(np.asarray(energy, dtype=float), 1.0)
    a = cfg.bock_a0 + cfg.bock_a1 * np.log(e)
    d = cfg.bock_d0 + cfg.bock_d1 * np.log(e)
    b = cfg.bock_b
    w1 = cfg.bock_w / b**a
    w2 = (1.0 - cfg.bock_w) / d**a
    t1 = gammaincc(a, b * np.maximum(dx0, 0.0))
    t2 = gammaincc(a, d * np.maximum(dlam, 0.0))
    return np.asarray((w1 * t1 + w2 * t2) / (w1 + w2))


def _laplace_cdf(x: np.ndarray, b: float | np.ndarray) -> np.ndarray:
    """CDF of a Laplace density of scale ``b`` at ``x`` (each branch evaluated only on its side of 0)."""
    return np.where(x < 0, 0.5 * np.exp(np.minimum(x, 0.0) / b), 1.0 - 0.5 * np.exp(-np.maximum(x, 0.0) / b))


def cell_fractions(
    x_cm: np.ndarray, y_cm: np.ndarray, structure: SamplingStructure, scale_cm: float
) -> np.ndarray:
    """Fractions (n, nx, ny) of a factorised Laplace lateral profile of scale ``scale_cm`` [cm]
    centred at (x, y) [cm] in each cell of ``structure`` (PDG Review "Calorimetry": ~95 %
    containment within ~1 λ_int)."""
    nx, ny, c = structure.n_cells_x, structure.n_cells_y, structure.cell_size_cm
    ex = (np.arange(nx + 1) - nx / 2) * c
    ey = (np.arange(ny + 1) - ny / 2) * c
    fx = np.diff(_laplace_cdf(ex[None, :] - np.asarray(x_cm)[:, None], scale_cm), axis=1)
    fy = np.diff(_laplace_cdf(ey[None, :] - np.asarray(y_cm)[:, None], scale_cm), axis=1)
    return fx[:, :, None] * fy[:, None, :]


def mip_calibrated_gev(structure: SamplingStructure, cfg: HadronicConfig, e_over_mip: float) -> float:
    """Calibrated (electron-scale) energy a MIP leaves crossing ``structure`` [GeV].

    Visible MIP energy n_layers·t_Sc·ρ·dE/dx divided by the electron sampling fraction
    f_e = (e/mip)·f_mip (Wigmans 2017, Sec. 3.2).
    """
    dedx = {"Pb": cfg.dedx_mip_pb, "Fe": cfg.dedx_mip_fe}[structure.absorber]
    act = structure.active_cm * structure.active_material.density * cfg.dedx_mip_sc
    absb = structure.absorber_cm * structure.absorber_material.density * dedx
    f_mip = act / (act + absb)
    return float(structure.n_layers * act / (e_over_mip * f_mip))


def lambda_to_x0_in_ecal(lam: np.ndarray, setup: SetupGeometry) -> np.ndarray:
    """ECAL depth in X0 corresponding to ``lam`` λ_int (uniform sampling structure)."""
    return np.asarray(lam) * setup.ecal.x0_per_layer / setup.ecal.lambda_per_layer


@dataclass
class HadronDeposit:
    """Calibrated deposits of hadronic showers: ecal/ps (n,6,6), hcal (n,4,3,3) [GeV], escaped [GeV], v2 [MIP]."""

    ecal: np.ndarray
    ps: np.ndarray
    hcal: np.ndarray
    escaped: np.ndarray
    v2: np.ndarray

    @classmethod
    def zeros(cls, n: int, setup: SetupGeometry) -> HadronDeposit:
        """Empty deposits of ``n`` events in the cells of ``setup``."""
        ecal = np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y))
        hcal = np.zeros((n, setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y))
        return cls(ecal, np.zeros_like(ecal), hcal, np.zeros(n), np.zeros(n))


@dataclass
class HadronSums:
    """Per-event sums of parametrised hadronic showers, before the lateral split into cells.

    Calibrated energies [GeV]: ``e_ps``, ``e_ecal`` deposited in the preshower and main ECAL section
    (before the ECAL's lateral containment ``c_ecal``), ``spill`` the part of them leaving the narrow
    ECAL sideways (carried on to HCAL1), ``e_hcal`` (n, n_modules) per HCAL module (before the HCAL's
    lateral containment ``c_hcal``); ``escaped`` [GeV] undetected; ``leaving`` [GeV] the raw energy
    leaving the ECAL (backwards and sideways) that feeds the charged hadrons crossing V2; ``v2`` [MIP];
    the impact point (x, y) [cm]. :meth:`module_sums` and :func:`hadron_cells` turn them into readout.
    """

    e_ps: np.ndarray
    e_ecal: np.ndarray
    spill: np.ndarray
    e_hcal: np.ndarray
    escaped: np.ndarray
    leaving: np.ndarray
    v2: np.ndarray
    x_cm: np.ndarray
    y_cm: np.ndarray
    c_ecal: np.ndarray
    c_hcal: np.ndarray

    def combined(self, other: HadronSums) -> HadronSums:
        """Two showers of the same events at the same impact point, added (energies, V2)."""
        return HadronSums(
            self.e_ps + other.e_ps,
            self.e_ecal + other.e_ecal,
            self.spill + other.spill,
            self.e_hcal + other.e_hcal,
            self.escaped + other.escaped,
            self.leaving + other.leaving,
            self.v2 + other.v2,
            self.x_cm,
            self.y_cm,
            self.c_ecal,
            self.c_hcal,
        )

    def select(self, mask: np.ndarray) -> HadronSums:
        """The events ``mask``."""
        return HadronSums(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def module_sums(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Calibrated PS (n,), main ECAL (n,) and HCAL module (n, n_modules) energies [GeV] in the cells."""
        hcal = self.e_hcal * self.c_hcal[:, None]
        hcal[:, 0] += self.spill * self.c_hcal
        return self.e_ps * self.c_ecal, self.e_ecal * self.c_ecal, hcal


def _containment(
    x_cm: np.ndarray, y_cm: np.ndarray, structure: SamplingStructure, scale_cm: float
) -> np.ndarray:
    """Fraction of a factorised Laplace profile of scale ``scale_cm`` centred at (x, y) inside the
    whole face of ``structure`` (the sum of :func:`cell_fractions`)."""
    hx = 0.5 * structure.n_cells_x * structure.cell_size_cm
    hy = 0.5 * structure.n_cells_y * structure.cell_size_cm
    x = np.asarray(x_cm, dtype=float)
    y = np.asarray(y_cm, dtype=float)
    cx = _laplace_cdf(hx - x, scale_cm) - _laplace_cdf(-hx - x, scale_cm)
    cy = _laplace_cdf(hy - y, scale_cm) - _laplace_cdf(-hy - y, scale_cm)
    return np.asarray(cx * cy)


def lateral_scales(setup: SetupGeometry, cfg: HadronicConfig) -> tuple[float, float]:
    """Laplace scales [cm] of the hadronic lateral profile in the ECAL and the HCAL:
    ``lateral_lambda_fraction`` · λ_int of each structure."""
    lat_e = cfg.lateral_lambda_fraction * setup.ecal.period_cm / setup.ecal.lambda_per_layer
    lat_h = cfg.lateral_lambda_fraction * setup.hcal.period_cm / setup.hcal.lambda_per_layer
    return lat_e, lat_h


def boundaries(setup: SetupGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Depths (cumulative X0, λ_int) and kinds of the boundaries the kernels integrate the Bock profile
    to: the preshower's end, the ECAL's end, then each gap's and HCAL module's end
    (:mod:`darkmiss.detsim.hadron_kernels` kinds)."""
    segs = setup_segments(setup)
    ecal = segs[0]
    x0 = [setup.ps_x0, ecal.x0_end]
    lam = [setup.ps_layers * setup.ecal.lambda_per_layer, ecal.lam_end]
    kind = [hk.KIND_PS, hk.KIND_ECAL]
    for s in segs[1:]:
        x0.append(s.x0_end)
        lam.append(s.lam_end)
        m = s.hcal_module
        kind.append(hk.KIND_GAP if m is None else m)
    return np.array(x0), np.array(lam), np.array(kind, dtype=np.int64)


def kernel_params(setup: SetupGeometry, cfg: HadronicConfig) -> np.ndarray:
    """The parameter vector of :mod:`darkmiss.detsim.hadron_kernels` (its ``P_*`` layout)."""
    p = np.zeros(hk.N_PARAMS)
    p[hk.P_A0], p[hk.P_A1], p[hk.P_B] = cfg.bock_a0, cfg.bock_a1, cfg.bock_b
    p[hk.P_D0], p[hk.P_D1], p[hk.P_W] = cfg.bock_d0, cfg.bock_d1, cfg.bock_w
    p[hk.P_FEM_RMS], p[hk.P_FEM_E0], p[hk.P_FEM_M] = cfg.fem_rms, cfg.fem_e0, cfg.fem_m
    p[hk.P_EH_ECAL], p[hk.P_EH_HCAL] = cfg.e_over_h_ecal, cfg.e_over_h_hcal
    p[hk.P_SAMP_ECAL], p[hk.P_SAMP_HCAL] = cfg.sampling_ecal, cfg.sampling_hcal
    p[hk.P_HX_E] = 0.5 * setup.ecal.n_cells_x * setup.ecal.cell_size_cm
    p[hk.P_HY_E] = 0.5 * setup.ecal.n_cells_y * setup.ecal.cell_size_cm
    p[hk.P_HX_H] = 0.5 * setup.hcal.n_cells_x * setup.hcal.cell_size_cm
    p[hk.P_HY_H] = 0.5 * setup.hcal.n_cells_y * setup.hcal.cell_size_cm
    p[hk.P_LAT_E], p[hk.P_LAT_H] = lateral_scales(setup, cfg)
    return p


def sums_from_kernel(
    out: np.ndarray, x_cm: np.ndarray, y_cm: np.ndarray, v2: np.ndarray, n_modules: int
) -> HadronSums:
    """A :class:`HadronSums` from a kernel's output rows (:mod:`darkmiss.detsim.hadron_kernels` layout)."""
    return HadronSums(
        e_ps=out[:, hk.O_PS].copy(),
        e_ecal=out[:, hk.O_ECAL].copy(),
        spill=out[:, hk.O_SPILL].copy(),
        e_hcal=out[:, hk.N_OUT_FIXED : hk.N_OUT_FIXED + n_modules].copy(),
        escaped=out[:, hk.O_ESC].copy(),
        leaving=out[:, hk.O_LEAVE].copy(),
        v2=v2,
        x_cm=np.asarray(x_cm, dtype=float),
        y_cm=np.asarray(y_cm, dtype=float),
        c_ecal=out[:, hk.O_CE].copy(),
        c_hcal=out[:, hk.O_CH].copy(),
    )


def hadron_sums(
    energy: np.ndarray,
    start_lambda: np.ndarray,
    x_cm: np.ndarray,
    y_cm: np.ndarray,
    setup: SetupGeometry,
    cfg: HadronicConfig,
    rng: np.random.Generator,
) -> HadronSums:
    """Parametrised hadronic showers of ``energy`` [GeV] starting at depth ``start_lambda`` [λ_int from
    the ECAL face], as per-event sums (:class:`HadronSums`).

    Longitudinal: Bock profile integrated over the ECAL (PS = first ``ps_layers``), the gaps and the
    HCAL modules; the energy beyond the last module escapes. Response: each segment's energy is
    converted to the electron scale with f_em + (1 − f_em)·h/e (f_em ~ Groom mean ± ``fem_rms``,
    shared by the shower) and smeared with the sampling term a/√E. Lateral: factorised Laplace
    profile with scale ``lateral_lambda_fraction``·λ_int of each calorimeter; energy outside the
    narrow ECAL travels on to HCAL1, energy outside the HCAL and in the air gaps escapes.
    V2 (:func:`v2_charged_hadrons`): the charged hadrons of the raw energy leaving the ECAL of a shower
    that starts in it, through its back and through its sides (V2 covers ±35 cm in front of HCAL1,
    spec Sec. VIII, wider than the 23 cm ECAL). Compiled per shower in
    :func:`darkmiss.detsim.hadron_kernels.showers`.
    Random numbers: per shower f_em, PS, ECAL, each HCAL module; then the V2 multiplicities and signals.
    """
    energy = np.asarray(energy, dtype=float)
    start = np.asarray(start_lambda, dtype=float)
    x = np.asarray(x_cm, dtype=float)
    y = np.asarray(y_cm, dtype=float)
    bx0, blam, bkind = boundaries(setup)
    start_x0 = start_depth_x0(start, setup_segments(setup))
    out = hk.showers(
        energy, start_x0, start, x, y, kernel_params(setup, cfg), bx0, blam, bkind, setup.n_hcal_modules, rng
    )
    v2 = v2_charged_hadrons(out[:, hk.O_LEAVE], cfg, rng)
    return sums_from_kernel(out, x, y, v2, setup.n_hcal_modules)


def hadron_cells(sums: HadronSums, setup: SetupGeometry, cfg: HadronicConfig) -> HadronDeposit:
    """Cell deposits [GeV] of :func:`hadron_sums` (deterministic lateral split with :func:`cell_fractions`)."""
    lat_e, _ = lateral_scales(setup, cfg)
    fr_e = cell_fractions(sums.x_cm, sums.y_cm, setup.ecal, lat_e)
    dep = HadronDeposit.zeros(sums.e_ps.shape[0], setup)
    dep.ps += sums.e_ps[:, None, None] * fr_e
    dep.ecal += sums.e_ecal[:, None, None] * fr_e
    dep.hcal = hcal_cells(sums, setup, cfg)
    dep.escaped = sums.escaped.copy()
    dep.v2 = sums.v2.copy()
    return dep


def hcal_cells(sums: HadronSums, setup: SetupGeometry, cfg: HadronicConfig) -> np.ndarray:
    """The HCAL part of :func:`hadron_cells`, alone: (n, modules, nx, ny) [GeV], the ECAL's lateral spill in
    HCAL1 (for readouts that need no ECAL cell)."""
    _, lat_h = lateral_scales(setup, cfg)
    fr_h = cell_fractions(sums.x_cm, sums.y_cm, setup.hcal, lat_h)
    hcal = np.zeros((sums.e_ps.shape[0], setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y))
    e_h = sums.e_hcal.copy()
    e_h[:, 0] += sums.spill
    hcal += e_h[:, :, None, None] * fr_h[:, None]
    return hcal


def hadron_shower(
    energy: np.ndarray,
    start_lambda: np.ndarray,
    x_cm: np.ndarray,
    y_cm: np.ndarray,
    setup: SetupGeometry,
    cfg: HadronicConfig,
    rng: np.random.Generator,
) -> HadronDeposit:
    """Cell deposits of parametrised hadronic showers: :func:`hadron_sums` split into cells by
    :func:`hadron_cells` (same arguments, units and random numbers as :func:`hadron_sums`)."""
    return hadron_cells(hadron_sums(energy, start_lambda, x_cm, y_cm, setup, cfg, rng), setup, cfg)


def v2_charged_hadrons(leaving_gev: np.ndarray, cfg: HadronicConfig, rng: np.random.Generator) -> np.ndarray:
    """V2 signal [MIP] of the charged hadrons of ``leaving_gev`` [GeV] of shower leaving the ECAL.

    N ~ Poisson(``v2_charged_per_gev`` · E), ~1 MIP each with a Landau-like Gamma spread
    (shape 11 N, mean N); 0 where N = 0.
    """
    n_ch = rng.poisson(cfg.v2_charged_per_gev * leaving_gev)
    shape = np.maximum(n_ch, 1) * LANDAU_GAMMA_SHAPE
    return np.asarray(rng.gamma(shape, 1.0 / LANDAU_GAMMA_SHAPE) * (n_ch > 0))


def mip_track(
    n: int,
    setup: SetupGeometry,
    cfg: HadronicConfig,
    rng: np.random.Generator,
    upto_lambda: np.ndarray | None = None,
) -> HadronDeposit:
    """Calibrated deposits [GeV] of a minimum-ionising particle along the axis (muon, non-interacting
    hadron), in the central cells; V2 [MIP] if it leaves the ECAL.

    Landau-like fluctuations are approximated by a Gamma law of relative width 0.3 per module
    (``LANDAU_GAMMA_SHAPE``). If ``upto_lambda`` [λ_int] is given, the track stops there (the
    hadron interacted). MIP energies: :func:`mip_calibrated_gev` (Wigmans 2017, Sec. 3.2).
    """
    dep = HadronDeposit.zeros(n, setup)
    if n == 0:
        return dep
    stop = np.full(n, np.inf) if upto_lambda is None else np.asarray(upto_lambda, dtype=float)
    mip_e = mip_calibrated_gev(setup.ecal, cfg, cfg.e_over_mip_ecal)
    mip_h = mip_calibrated_gev(setup.hcal, cfg, cfg.e_over_mip_hcal)
    lam_e = setup.ecal.total_lambda
    ce, ch = setup.ecal.n_cells_x // 2, setup.hcal.n_cells_x // 2
    frac_e = np.clip(stop / lam_e, 0.0, 1.0)
    ps_frac = setup.ps_layers / setup.ecal.n_layers

    def landau(mean: np.ndarray) -> np.ndarray:
        return np.asarray(rng.gamma(LANDAU_GAMMA_SHAPE, 1.0, n) / LANDAU_GAMMA_SHAPE * mean)

    dep.ps[:, ce, ce] = landau(mip_e * np.minimum(frac_e, ps_frac) * np.ones(n))
    dep.ecal[:, ce, ce] = landau(mip_e * np.maximum(frac_e - ps_frac, 0.0))
    for s in setup_segments(setup):
        i = s.hcal_module
        if i is not None:
            f = np.clip((stop - s.lam_start) / (s.lam_end - s.lam_start), 0.0, 1.0)
            dep.hcal[:, i, ch, ch] = landau(mip_h * f)
    crossed = stop >= lam_e
    dep.v2 = np.where(crossed, rng.gamma(LANDAU_GAMMA_SHAPE, 1.0, n) / LANDAU_GAMMA_SHAPE, 0.0)
    return dep
