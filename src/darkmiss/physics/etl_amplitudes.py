"""The φ_q-averaged squared matrix elements of ℓZ → ℓZV for every mediator (numba), used by
:mod:`darkmiss.physics.etl`.

For the vertex g V ℓ̄Γℓ (Γ = γ^μ, 1, iγ5, γ^μγ5) and one photon exchanged with a spin-0 nucleus, the
lepton line has two diagrams with propagator denominators s̃ = (p′ + k)² − m_ℓ² and ũ = (p − k)² − m_ℓ².
At fixed (x, θ, t) every invariant is linear in s̃ (p·q = (s̃ + t)/2, k·q = (s̃ + ũ)/2, 2P_i·q = −t), so
½ Σ|𝓜|²/(e⁴g²G₂/t²) = c₁ s̃ + c₀ + c₋₁/s̃ + c₋₂/s̃² exactly, and its average over the azimuth φ_q, with
s̃ = Y + Z cosφ_q and W = Y² − Z², is

    8M² Φ = c₀ + Y c₁ + c₋₁/√W + Y c₋₂/W^{3/2}

(Liu & Miller, PRD 96, 016004 (2017), appendix, for the vector: c_n = their A_n). The coefficients of the
other mediators were derived the same way (Dirac traces with the polarisation sum −g + kk/m² of a massive
spin-1 boson; docs/physics-mediators.md) and are checked against explicit 4×4 Dirac-matrix traces in
tests/physics/test_etl_mediators.py. With M the nuclear mass, E the beam energy, x = E_V/E, m the V mass,
m_ℓ the lepton mass, ũ < 0:

- spin 0, d = 4m_ℓ² − m² (scalar; Liu, McKeen & Miller, PRD 95, 036010 (2017)) or d = −m² (pseudoscalar):
  c₁ = 4M²/ũ, c₋₂ = 4Md(4E²M − t(2E + M)),
  c₀ = (4M/ũ²)[4E²Md(1 − x)² + 2Et(d(x − 1) + ũx) − Mtd + 2Mũ²],
  c₋₁ = (4/ũ)[−4E²M²(2d(x − 1) + tx²) + 2EMt(d(x − 2) + ũx) + M²(ũ² − 2td)];
- axial, a = m² − 4m_ℓ², ρ = m_ℓ²/m² (the kk/m² term does not vanish: the axial current is not conserved
  for massive leptons, hence the (m_ℓ/m)² growth of the production as m → 0):
  c₁ = 8M²(1 + 2ρ)/ũ, c₋₂ = −8Ma(4E²M − t(2E + M)),
  c₀ = (8/ũ²)[−4E²M²a(1 − x)² − 2EMt(a(x − 1) − ũ(1 + 2ρx)) + M²t(a + 2ũ) + 4M²ρũ²],
  c₋₁ = (4/ũ){−8E²M²[2a(1 − x) + t(x² − 2x + 2) + 2ρtx²] − 4EMt[(a + t)(x − 2) + ũ(1 − x) − 2ρũx]
          + 2M²[ũ²(1 + 2ρ) + 2t(t + ũ − a)] + 2t²(ũ − a)}.

Units: GeV and GeV²; Φ is dimensionless.
"""

from __future__ import annotations

import math

import numba

#: Kernel codes of the mediators (``darkmiss.physics.models.Mediator.code``).
CODE_VECTOR, CODE_SCALAR, CODE_PSEUDOSCALAR, CODE_AXIAL = 0, 1, 2, 3


@numba.njit(cache=True)
def phi_y_w(
    x: float, omc: float, t: float, u_t: float, k: float, p: float, v: float, energy: float, big_m: float
) -> tuple:
    """(Y, W) [GeV², GeV⁴]: s̃ = Y + Z cosφ_q, W = Y² − Z² = (Y − |Z|)(Y + |Z|), for A′ energy fraction x,
    1 − cosθ = omc, momentum transfer t [GeV²], ũ = ``u_t``, |k|, |p|, V = |p − k| [GeV] (Liu & Miller 2017)."""
    e = energy
    q0 = -t / (2.0 * big_m)
    q = math.sqrt(t + t * t / (4.0 * big_m * big_m))
    ep = (1.0 - x) * e
    # cosθ_q from the on-shell condition of the outgoing lepton
    cq = (u_t - t + 2.0 * ep * q0) / (2.0 * v * q)
    if cq > 1.0:
        cq = 1.0
    elif cq < -1.0:
        cq = -1.0
    sq2 = 1.0 - cq * cq
    sin2 = omc * (2.0 - omc)
    y = -t + 2.0 * q0 * e - 2.0 * q * p * ((p - k) + k * omc) * cq / v
    zabs = 2.0 * q * p * k * math.sqrt(sin2 * sq2) / v
    w = (y - zabs) * (y + zabs)
    return y, w


@numba.njit(cache=True)
def phi_spin0(
    x: float,
    t: float,
    u_t: float,
    y: float,
    w: float,
    mass: float,
    energy: float,
    ml: float,
    big_m: float,
    pseudo: bool,
) -> float:
    """Φ [dimensionless] of the scalar (``pseudo`` False) or pseudoscalar mediator (module docstring)."""
    e, bm, u = energy, big_m, u_t
    m2 = mass * mass
    d = -m2 if pseudo else 4.0 * ml * ml - m2
    c1 = 4.0 * bm * bm / u
    cm2 = 4.0 * bm * d * (4.0 * e * e * bm - t * (2.0 * e + bm))
    c0 = (4.0 * bm / (u * u)) * (
        4.0 * e * e * bm * d * (1.0 - x) ** 2
        + 2.0 * e * t * (d * (x - 1.0) + u * x)
        - bm * t * d
        + 2.0 * bm * u * u
    )
    cm1 = (4.0 / u) * (
        -4.0 * e * e * bm * bm * (2.0 * d * (x - 1.0) + t * x * x)
        + 2.0 * e * bm * t * (d * (x - 2.0) + u * x)
        + bm * bm * (u * u - 2.0 * t * d)
    )
    sw = math.sqrt(w)
    return (c0 + y * c1 + cm1 / sw + y * cm2 / (w * sw)) / (8.0 * bm * bm)


@numba.njit(cache=True)
def phi_axial(
    x: float, t: float, u_t: float, y: float, w: float, mass: float, energy: float, ml: float, big_m: float
) -> float:
    """Φ [dimensionless] of the axial-vector mediator (module docstring)."""
    e, bm, u = energy, big_m, u_t
    m2 = mass * mass
    a = m2 - 4.0 * ml * ml
    rho = ml * ml / m2
    bm2 = bm * bm
    c1 = 8.0 * bm2 * (1.0 + 2.0 * rho) / u
    cm2 = -8.0 * bm * a * (4.0 * e * e * bm - t * (2.0 * e + bm))
    c0 = (8.0 / (u * u)) * (
        -4.0 * e * e * bm2 * a * (1.0 - x) ** 2
        - 2.0 * e * bm * t * (a * (x - 1.0) - u * (1.0 + 2.0 * rho * x))
        + bm2 * t * (a + 2.0 * u)
        + 4.0 * bm2 * rho * u * u
    )
    cm1 = (4.0 / u) * (
        -8.0 * e * e * bm2 * (2.0 * a * (1.0 - x) + t * (x * x - 2.0 * x + 2.0) + 2.0 * rho * t * x * x)
        - 4.0 * e * bm * t * ((a + t) * (x - 2.0) + u * (1.0 - x) - 2.0 * rho * u * x)
        + 2.0 * bm2 * (u * u * (1.0 + 2.0 * rho) + 2.0 * t * (t + u - a))
        + 2.0 * t * t * (u - a)
    )
    sw = math.sqrt(w)
    return (c0 + y * c1 + cm1 / sw + y * cm2 / (w * sw)) / (8.0 * bm2)
