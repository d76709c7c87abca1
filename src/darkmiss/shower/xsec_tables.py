"""Cross-section tables (uniform grid in ln E) that the cascade folds with the track length.

Units: energies GeV, cross-sections per target atom in cm² (tables) and pb (physics modules).

A′ channels, all for A′ energy above a threshold E_th (x > E_th/E):

- ``ww``: the IWW spectrum shape normalised to the simplified-WW total of spec Eq. 9,
  σ_ww(E; x > x_th) = σ_Eq9(E) · σ_iww(E; x > x_th)/σ_iww(E) — the paper's WW simulation;
- ``etl``: the same divided by the k-factor at each energy, Eq. 13 (k = σ_WW/σ_ETL, Eq. 12);
- ``etl_direct``: σ_ETL(E; x > x_th) integrated directly (Liu & Miller 2017; no k-factor).

Every table takes a ``mediator`` (vector, scalar, pseudoscalar, axial; :mod:`darkmiss.physics.models`):
the IWW shape and σ_WW of :mod:`darkmiss.physics.ww_mediators`, its k-factor table and its ETL amplitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from darkmiss.cache import cached_json, hash_key, store_json
from darkmiss.constants import M_E, M_MU, PB_TO_CM2, UB_TO_PB
from darkmiss.errors import UserInputError
from darkmiss.physics import muonpair
from darkmiss.physics.annihilation import Resonance, sigma_pb
from darkmiss.physics.aprime import sigma_iww, sigma_ww
from darkmiss.physics.etl import sigma_etl
from darkmiss.physics.kfactor import kfactor
from darkmiss.physics.models import get_mediator
from darkmiss.physics.ww_mediators import dsigma_dx_iww_mediator, iww_integral, sigma_ww_mediator

APRIME_KINDS = ("ww", "etl", "etl_direct")
#: Version of the table recipes (part of every cache key).
TABLE_VERSION = "1"


@dataclass(frozen=True)
class SigmaTable:
    """Cross-section tables on a uniform grid in ln E for the engine.

    ``sigma`` (n_ch, n_grid) per target atom [cm²] for production above threshold; ``emin`` the
    threshold energy [GeV] below which nothing is produced. Forcing only: ``xinv`` (n_grid, n_u) the
    inverse CDF of v ∈ [0, 1], where the energy fraction is x = x_a/E + v (1 − (x_a + x_b)/E) (the
    kinematic range [x_a/E, 1 − x_b/E] at the particle's exact energy E [GeV]).
    """

    logemin: float
    dloge: float
    sigma: np.ndarray
    emin: float
    xinv: np.ndarray = field(default_factory=lambda: np.zeros((1, 2)))
    channels: tuple[str, ...] = ()
    x_a: float = 0.0
    x_b: float = 0.0


def energy_grid(emin: float, emax: float, n: int) -> tuple[np.ndarray, float, float]:
    """``n`` energies uniform in ln E from ``emin`` to ``emax`` [GeV]; returns (grid, ln emin, Δ ln E)."""
    lo, hi = math.log(emin), math.log(emax)
    d = (hi - lo) / max(n - 1, 1)
    return np.exp(lo + d * np.arange(n)), lo, d


def _check_mass(mass: float, threshold: float, emax: float) -> None:
    if not mass > M_E:
        raise UserInputError("mass", mass, f"an A′ mass above m_e = {M_E:.6g} GeV (Eq. 9 needs m > m_e)")
    if not 0 < threshold < emax:
        raise UserInputError("threshold", threshold, f"an A′ energy threshold in (0, {emax}) GeV")


def ww_sigma_above(
    mass: float,
    energies: np.ndarray,
    threshold: float,
    target: str,
    mediator: str = "vector",
    lepton_mass: float = M_E,
) -> np.ndarray:
    """σ_WW(E; E_A′ > threshold) [pb]: IWW shape normalised to the Eq. 9 total (see module doc); 0 where
    σ_WW is undefined (m ≤ m_ℓ)."""
    med = get_mediator(mediator)
    out = np.zeros(energies.size)
    if med.name != "vector" or lepton_mass != M_E:
        ok = (energies > threshold) & (energies > mass + lepton_mass)
        if not mass > lepton_mass or not np.any(ok):
            return out
        e_ok = energies[ok]
        x_top = 1.0 - lepton_mass / e_ok
        tot_v = iww_integral(mass, lepton_mass, med, mass / e_ok, x_top)
        part_v = iww_integral(mass, lepton_mass, med, np.maximum(threshold / e_ok, mass / e_ok), x_top)
        ww = np.asarray(sigma_ww_mediator(mass, e_ok, target, 1.0, lepton_mass, med), dtype=float)
        out[ok] = np.where(tot_v > 0, ww * part_v / np.where(tot_v > 0, tot_v, 1.0), 0.0)
        return out
    for i, e in enumerate(energies):
        if e <= threshold or e <= mass:
            continue
        tot = float(sigma_iww(mass, e, target))
        if tot <= 0:
            continue
        part = float(sigma_iww(mass, e, target, x_min=threshold / e))
        out[i] = float(sigma_ww(mass, e, target)) * part / tot
    return out


def kfactor_values(mass: float, energies: np.ndarray, target: str, mediator: str = "vector") -> np.ndarray:
    """k(m, E) = σ_WW/σ_ETL (spec Eq. 12) from ``darkmiss.physics.kfactor``."""
    k = kfactor(mass, np.asarray(energies, dtype=float), target, mediator=mediator).k
    return np.asarray(k, dtype=float).reshape(-1)


def etl_sigma_above(
    mass: float,
    energies: np.ndarray,
    threshold: float,
    target: str,
    mediator: str = "vector",
    lepton_mass: float = M_E,
) -> tuple[np.ndarray, np.ndarray]:
    """σ_ETL(E; E_A′ > threshold) and its vegas error [pb] (``darkmiss.physics.etl.sigma_etl``)."""
    val = np.zeros(energies.size)
    err = np.zeros(energies.size)
    for i, e in enumerate(energies):
        if e <= threshold or e <= mass + lepton_mass:
            continue
        r = sigma_etl(
            mass,
            float(e),
            target,
            x_min=min(threshold / e, 1.0),
            seed=i,
            mediator=mediator,
            lepton_mass=lepton_mass,
        )
        val[i], err[i] = r.sigma_pb, r.sigma_err_pb
    return val, err


def iww_inverse_cdf(
    mass: float, energies: np.ndarray, threshold: float, target: str, n_u: int = 257, mediator: str = "vector"
) -> np.ndarray:
    """Inverse CDF of x = E_A′/E over [threshold/E, 1 − m_e/E] from the IWW dσ/dx (Bjorken et al. A14).

    Returns (n_energy, n_u): v = (x − x_lo)/(x_hi − x_lo) at CDF values linspace(0, 1, n_u)
    (the engine maps v back to x at each particle's exact energy; see ``SigmaTable``).
    """
    u = np.linspace(0.0, 1.0, n_u)
    out = np.ones((energies.size, n_u))
    for i, e in enumerate(energies):
        lo = threshold / e
        hi = 1.0 - M_E / e
        if hi <= lo:
            continue
        # dense near x → 1 where the spectrum peaks: uniform in w = -ln(1 - x)
        w = np.linspace(-math.log(1.0 - lo), -math.log(1.0 - hi), 4001)
        x = 1.0 - np.exp(-w)
        f = np.asarray(dsigma_dx_iww_mediator(x, mass, e, target, mediator=mediator)) * (1.0 - x)  # dσ/dw
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(w))])
        if cdf[-1] <= 0:
            continue
        cdf /= cdf[-1]
        xs = np.interp(u, cdf, x)
        out[i] = np.clip((xs - lo) / (hi - lo), 0.0, 1.0)
    return out


def aprime_tables(
    mass: float,
    threshold: float,
    emax: float,
    target: str = "Pb",
    kinds: Sequence[str] = APRIME_KINDS,
    *,
    n_grid: int = 48,
    n_etl: int = 10,
    mediator: str = "vector",
) -> tuple[SigmaTable, dict[str, np.ndarray]]:
    """Tables of σ(E; E_A′ > threshold) per atom [cm²] for ``kinds`` on a ln-E grid [threshold, emax],
    for the ``mediator`` (electron and positron beams).

    ``etl_direct`` is integrated with vegas on ``n_etl`` energies and interpolated in ln E (spline-free,
    linear in ln σ); its relative vegas errors are returned in the extras under ``etl_direct_relerr``.
    Cached (``darkmiss.cache``) by (mass, threshold, emax, target, kinds, grid, mediator, version).
    """
    _check_mass(mass, threshold, emax)
    med = get_mediator(mediator).name
    for k in kinds:
        if k not in APRIME_KINDS:
            raise UserInputError("xsec kind", k, f"one of {', '.join(APRIME_KINDS)}")
    extra_key = [] if med == "vector" else [med]
    key = hash_key(
        "aprime-table", TABLE_VERSION, mass, threshold, emax, target, list(kinds), n_grid, n_etl, *extra_key
    )
    hit = cached_json("xsec_tables", key)
    grid, lo, d = energy_grid(threshold, emax * 1.0001, n_grid)
    if hit is not None:
        sig = np.array(hit["sigma"])
        extras = {k: np.array(v) for k, v in hit["extras"].items()}
    else:
        rows: list[np.ndarray] = []
        extras = {}
        ww = None
        if "ww" in kinds or "etl" in kinds:
            ww = ww_sigma_above(mass, grid, threshold, target, med)
        for kind in kinds:
            if kind == "ww":
                assert ww is not None
                rows.append(ww * PB_TO_CM2)
            elif kind == "etl":
                assert ww is not None
                kf = kfactor_values(mass, grid, target, med)
                extras["kfactor"] = kf
                rows.append(np.where(kf > 0, ww / np.where(kf > 0, kf, 1.0), 0.0) * PB_TO_CM2)
            else:
                coarse, _, _ = energy_grid(threshold, emax * 1.0001, n_etl)
                val, err = etl_sigma_above(mass, coarse, threshold, target, med)
                good = val > 0
                row = np.zeros(grid.size)
                if good.sum() >= 2:
                    row = np.exp(
                        np.interp(np.log(grid), np.log(coarse[good]), np.log(val[good]), left=-np.inf)
                    )
                elif good.sum() == 1:
                    row = np.where(grid >= coarse[good][0], val[good][0], 0.0)
                rows.append(row * PB_TO_CM2)
                extras["etl_direct_relerr"] = np.where(good, err / np.where(good, val, 1.0), 0.0)
                extras["etl_direct_energies"] = coarse
        sig = np.array(rows)
        store_json(
            "xsec_tables", key, {"sigma": sig.tolist(), "extras": {k: v.tolist() for k, v in extras.items()}}
        )
    table = SigmaTable(logemin=lo, dloge=d, sigma=sig, emin=threshold, channels=tuple(kinds))
    return table, extras


def aprime_force_table(
    mass: float, threshold: float, emax: float, target: str, kind: str, mediator: str = "vector"
) -> SigmaTable:
    """One-channel table for forcing an A′ emission (``kind`` in ww|etl|etl_direct) with the IWW x
    distribution of the ``mediator`` as inverse CDF (the x shape of all three channels; Eq. 13 rescales
    only the rate)."""
    tab, _ = aprime_tables(mass, threshold, emax, target, (kind,), mediator=mediator)
    grid = np.exp(tab.logemin + tab.dloge * np.arange(tab.sigma.shape[1]))
    xinv = iww_inverse_cdf(mass, grid, threshold, target, mediator=mediator)
    if threshold <= mass:
        raise UserInputError("threshold", threshold, f"above the A′ mass {mass} GeV")
    return SigmaTable(tab.logemin, tab.dloge, tab.sigma, tab.emin, xinv, (kind,), x_a=threshold, x_b=M_E)


def dimuon_force_table(
    emin: float, emax: float, target: str, *, n_grid: int = 48, n_u: int = 129
) -> SigmaTable:
    """γ → μ⁺μ⁻ per atom [cm²] (``darkmiss.physics.muonpair``: Bethe–Heitler, spec Eqs. 18–22) on a
    ln-E grid above ``emin`` [GeV] and the inverse CDF of x = E_μ⁺/E_γ."""
    emin = max(emin, 2.0 * M_MU * 1.001)
    if not emin < emax:
        raise UserInputError("dimuon energy range", (emin, emax), "emin < emax")
    grid, lo, d = energy_grid(emin, emax * 1.0001, n_grid)
    sig = np.asarray(muonpair.sigma_total(grid, target), dtype=float).reshape(-1) * UB_TO_PB * PB_TO_CM2
    u = np.linspace(0.0, 1.0, n_u)
    xinv = np.full((grid.size, n_u), 0.5)
    for i, e in enumerate(grid):
        xlo = M_MU / e
        xs = np.linspace(xlo, 1.0 - xlo, 801)
        f = np.asarray(muonpair.dsigma_dx(xs, float(e), target), dtype=float)
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(xs))])
        if cdf[-1] > 0:
            xinv[i] = np.clip((np.interp(u, cdf / cdf[-1], xs) - xlo) / (1.0 - 2.0 * xlo), 0.0, 1.0)
    return SigmaTable(lo, d, sig[None, :], emin, xinv, ("dimuon",), x_a=M_MU, x_b=M_MU)


def annihilation_force_table(
    res: Resonance, emin: float, emax: float, *, per_decade: int = 2000
) -> SigmaTable:
    """σ(e⁺e⁻ → V → invisible) per target electron at rest [cm²] (``darkmiss.physics.annihilation``:
    the Breit–Wigner of ``res`` with its total width) on a ln-E grid of positron total energy from
    ``emin`` (the threshold) to ``emax`` [GeV], ``per_decade`` points per decade (0.12% apart, against
    a resonance Γ/m ≈ 15% wide at the defaults: linear interpolation is exact to < 1e-5)."""
    if not 0 < emin < emax:
        raise UserInputError("annihilation energy range", (emin, emax), "0 < threshold < beam energy")
    n = max(64, math.ceil(math.log10(emax * 1.0001 / emin) * per_decade) + 1)
    grid, lo, d = energy_grid(emin, emax * 1.0001, n)
    sig = np.asarray(sigma_pb(grid, res), dtype=float) * PB_TO_CM2
    return SigmaTable(lo, d, sig[None, :], emin, np.zeros((grid.size, 2)), ("annihilation",))
