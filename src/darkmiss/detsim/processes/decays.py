"""Decays in flight of beam μ, π, K with a fake SRD tag (spec Sec. VIII, Table IV "μ → eνν, π, K → eν, Ke3").

Rate chain per channel c of parent h: f_h (per beam e⁻) × P_decay = 1 − exp(−L m_h/(p cτ_h)) in the
decay volume L (magnet exit → ECAL) × BR_c × P_tag (knock-on δ from the vessel window faking the three
SRD counters, :func:`darkmiss.detsim.knockon.knockon_tag_probability`) × P(pre-filter: visible
ECAL energy ∈ [E_PS threshold, prefilter_ecal_max]). Kinematics: two-body (eν), Michel (μ, unpolarised)
and the V−A Dalitz density of Ke3 with constant form factor, π⁰ → γγ; each e/γ showers in the ECAL at
its own transverse position. A decay before the last downstream tracker station is seen by the
outgoing arm as a kink (the decay e⁻'s direction): it changes the measured momentum and the outgoing
angle, so the P = 100 ± 2 GeV and 5 mrad cuts remove it; a decay after it ("in the downstream part of
the setup", spec Sec. VIII) is measured as the 100 GeV parent, and only the shower energy (< 50 GeV)
and the shower shape (one shower, not overlapping e/γ showers) are left to reject it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.constants import (
    BR_K_ENU,
    BR_KE3,
    BR_PI_ENU,
    CTAU_K_CM,
    CTAU_MU_CM,
    CTAU_PI_CM,
    M_K,
    M_MU,
    M_PI,
    M_PI0,
)
from darkmiss.detsim.background_config import (
    BeamFractions,
    HadronicConfig,
    KnockOnConfig,
    background_table,
    fill_from_table,
)
from darkmiss.detsim.em_deposits import em_response
from darkmiss.detsim.knockon import knockon_tag_probability, sample_knockon_sr
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.events.schema import Process

#: channel name -> (parent PDG, parent mass [GeV], cτ [cm], branching ratio)
CHANNELS: dict[str, tuple[int, float, float, float]] = {
    "mu_enunu": (13, M_MU, CTAU_MU_CM, 1.0),  # μ⁻
    "pi_enu": (-211, M_PI, CTAU_PI_CM, BR_PI_ENU),
    "k_enu": (-321, M_K, CTAU_K_CM, BR_K_ENU),
    "ke3": (-321, M_K, CTAU_K_CM, BR_KE3),
}

RATE_MC_EVENTS = 4000
RATE_MC_SEED = 19790101


@dataclass(frozen=True)
class DecayConfig:
    """Decay volume (``[backgrounds.decays]``)."""

    decay_length_cm: float
    tracker_end_cm: float

    @classmethod
    def from_preset(cls, preset: Preset) -> DecayConfig:
        return fill_from_table(cls, background_table(preset, "decays"), "decays")


def decay_probability(mass: float, ctau_cm: float, momentum: float, length_cm: float) -> float:
    """P(decay within ``length_cm``) = 1 − exp(−L m/(p cτ)) for a particle of ``momentum`` [GeV]."""
    return float(-np.expm1(-length_cm * mass / (momentum * ctau_cm)))


@dataclass
class DecayKinematics:
    """Lab four-momenta of the visible products: energies (n, 3) [GeV] (e, γ1, γ2), angles θx, θy (n, 3) [rad]."""

    energy: np.ndarray
    tx: np.ndarray
    ty: np.ndarray
    missing: np.ndarray  # GeV (neutrinos)


def _isotropic(n: int, rng: np.random.Generator) -> np.ndarray:
    c = rng.uniform(-1, 1, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    s = np.sqrt(1 - c**2)
    return np.stack([s * np.cos(phi), s * np.sin(phi), c], axis=1)


def _boost_z(e: np.ndarray, p: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """Boost rest-frame (E, p⃗) along +z by ``gamma``; return lab (E, p⃗)."""
    beta = np.sqrt(1 - 1 / gamma**2)
    ez = gamma * (e + beta * p[:, 2])
    pz = gamma * (p[:, 2] + beta * e)
    return ez, np.stack([p[:, 0], p[:, 1], pz], axis=1)


def _two_body_massless(n: int, rng: np.random.Generator, mass: float) -> tuple[np.ndarray, np.ndarray]:
    e = np.full(n, mass / 2)
    return e, _isotropic(n, rng) * e[:, None]


def _michel(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """μ → eνν: x = 2E/m_μ with density x²(3 − 2x) (unpolarised Michel spectrum, m_e → 0)."""
    out = np.empty(0)
    while out.size < n:
        x = rng.random(2 * n)
        keep = rng.random(2 * n) * 1.0 < x**2 * (3 - 2 * x)
        out = np.concatenate([out, x[keep]])
    e = out[:n] * M_MU / 2
    return e, _isotropic(n, rng) * e[:, None]


def _ke3(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """K → π⁰ e ν at rest: Dalitz density ∝ 2E_eE_ν − m_K E'_π (V−A, f₊ const, m_e → 0; PDG Kl3 review).

    Returns E_e, p⃗_e, E_π, p⃗_π in the kaon frame.
    """
    mk, mp = M_K, M_PI0
    epi_max = (mk**2 + mp**2) / (2 * mk)
    ee_l: list[np.ndarray] = []
    ep_l: list[np.ndarray] = []
    dmax = mk * mk / 2
    got = 0
    while got < n:
        m = 4 * n
        epi = rng.uniform(mp, epi_max, m)
        ee = rng.uniform(0, mk / 2, m)
        enu = mk - epi - ee
        ppi = np.sqrt(np.maximum(epi**2 - mp**2, 0))
        phys = (enu > 0) & (ppi <= ee + enu) & (np.abs(ee - enu) <= ppi)
        dens = np.where(phys, 2 * ee * enu - mk * (epi_max - epi), 0.0)
        keep = rng.random(m) * dmax < np.maximum(dens, 0)
        ee_l.append(ee[keep])
        ep_l.append(epi[keep])
        got += int(keep.sum())
    ee = np.concatenate(ee_l)[:n]
    epi = np.concatenate(ep_l)[:n]
    enu = mk - epi - ee
    ppi = np.sqrt(np.maximum(epi**2 - mp**2, 1e-12))
    npi = _isotropic(n, rng)
    cos_epi = np.clip((enu**2 - ppi**2 - ee**2) / (2 * ppi * np.maximum(ee, 1e-12)), -1, 1)
    # a unit vector perpendicular to npi
    tmp = np.where(np.abs(npi[:, [2]]) < 0.9, np.array([[0, 0, 1.0]]), np.array([[1.0, 0, 0]]))
    u = np.cross(npi, tmp)
    u /= np.linalg.norm(u, axis=1)[:, None]
    v = np.cross(npi, u)
    phi = rng.uniform(0, 2 * np.pi, n)
    sin_epi = np.sqrt(1 - cos_epi**2)
    ne = cos_epi[:, None] * npi + sin_epi[:, None] * (np.cos(phi)[:, None] * u + np.sin(phi)[:, None] * v)
    return ee, ne * ee[:, None], epi, npi * ppi[:, None]


def decay_kinematics(channel: str, n: int, rng: np.random.Generator, momentum: float) -> DecayKinematics:
    """Lab-frame visible products of ``n`` decays of a parent with ``momentum`` [GeV] along z."""
    _, mass, _, _ = CHANNELS[channel]
    gamma = np.sqrt(momentum**2 + mass**2) / mass
    energy = np.zeros((n, 3))
    tx = np.zeros((n, 3))
    ty = np.zeros((n, 3))
    e_parent = np.sqrt(momentum**2 + mass**2)
    if channel == "ke3":
        ee, pe, epi, ppi = _ke3(n, rng)
        # π⁰ → γγ in its rest frame, boosted to the kaon frame, then to the lab
        g1 = _isotropic(n, rng) * (M_PI0 / 2)
        gpi = epi / M_PI0
        bpi = ppi / epi[:, None]
        photons = []
        for sign in (1.0, -1.0):
            pg = sign * g1
            eg = np.full(n, M_PI0 / 2)
            bp = np.einsum("ij,ij->i", bpi, pg)
            b2 = np.einsum("ij,ij->i", bpi, bpi)
            coef = np.where(b2 > 0, (gpi - 1) * bp / np.maximum(b2, 1e-30), 0.0)
            p_k = pg + (coef + gpi * eg)[:, None] * bpi
            e_k = gpi * (eg + bp)
            photons.append(_boost_z(e_k, p_k, gamma))
        le, lp = _boost_z(ee, pe, gamma)
        parts = [(le, lp), *photons]
    else:
        if channel == "mu_enunu":
            ee, pe = _michel(n, rng)
        else:
            ee, pe = _two_body_massless(n, rng, mass)
        parts = [_boost_z(ee, pe, gamma)]
    for j, (e, p) in enumerate(parts):
        energy[:, j] = e
        tx[:, j] = p[:, 0] / np.maximum(p[:, 2], 1e-9)
        ty[:, j] = p[:, 1] / np.maximum(p[:, 2], 1e-9)
    missing = e_parent - energy.sum(axis=1)
    return DecayKinematics(energy, tx, ty, missing)


def channel_probabilities(preset: Preset, momentum: float = 100.0) -> dict[str, float]:
    """Per-EOT probability of each channel's decay in the decay volume (before tag and pre-filter)."""
    beam = BeamFractions.from_preset(preset)
    dcfg = DecayConfig.from_preset(preset)
    out = {}
    for c, (pdg, m, ctau, br) in CHANNELS.items():
        out[c] = beam.fraction(pdg) * decay_probability(m, ctau, momentum, dcfg.decay_length_cm) * br
    return out


def prefilter_fractions(preset: Preset, momentum: float = 100.0) -> dict[str, float]:
    """Fraction of each channel's decays with visible energy in [E_PS threshold, prefilter_ecal_max]."""
    cfg = HadronicConfig.from_preset(preset)
    rng = np.random.default_rng(RATE_MC_SEED)
    out = {}
    for c in CHANNELS:
        k = decay_kinematics(c, RATE_MC_EVENTS, rng, momentum)
        vis = k.energy.sum(axis=1)
        out[c] = float(np.mean((vis > cfg.prefilter_ps_min) & (vis < cfg.prefilter_ecal_max)))
    return out


def generate_decays(
    n: int, rng: np.random.Generator, ctx: ProcessContext, process: Process, weights: dict[str, float]
) -> TruthBatch:
    """``n`` decay events, channels drawn with relative ``weights``, passing the pre-filter.

    The SRD entry is a knock-on δ shower (fake tag); callers may overwrite it.
    """
    cfg = HadronicConfig.from_preset(ctx.preset)
    beam = BeamFractions.from_preset(ctx.preset)
    dcfg = DecayConfig.from_preset(ctx.preset)
    kcfg = KnockOnConfig.from_preset(ctx.preset)
    names = list(weights)
    w = np.array([weights[c] for c in names])
    w = w / w.sum()
    counts = rng.multinomial(n, w)
    out: list[TruthBatch] = []
    for c, m in zip(names, counts, strict=True):
        have = 0
        while have < m:
            mm = max(2 * (m - have), 8)
            k = decay_kinematics(c, mm, rng, ctx.beam_energy)
            vis = k.energy.sum(axis=1)
            ok = np.flatnonzero((vis > cfg.prefilter_ps_min) & (vis < cfg.prefilter_ecal_max))[: m - have]
            if ok.size == 0:
                continue
            nn = ok.size
            z = rng.uniform(0, dcfg.decay_length_cm, nn)
            drift = dcfg.decay_length_cm - z
            x0 = beam.spot_sigma_cm * rng.standard_normal(nn)
            y0 = beam.spot_sigma_cm * rng.standard_normal(nn)
            b = TruthBatch.empty(nn)
            for j in range(3):
                e = k.energy[ok, j]
                if not np.any(e > 0):
                    continue
                r = em_response(
                    e,
                    x0 + k.tx[ok, j] * drift,
                    y0 + k.ty[ok, j] * drift,
                    ctx.geometry,
                    rng,
                    # the decay lepton has the charge of its parent: e⁺ from a positive beam
                    particle=ctx.beam_particle if j == 0 else "gamma",
                )
                b.ecal += r.ecal
                b.ps += r.ps
                b.hcal += r.hcal
                b.v2 += r.v2
            pdg = CHANNELS[c][0]
            b.process[:] = int(process)
            b.beam_pdg[:] = pdg
            b.beam_energy[:] = ctx.beam_energy
            b.angle_in_mrad[:] = np.abs(beam.angle_sigma_mrad * rng.standard_normal(nn))
            early = z < dcfg.tracker_end_cm
            b.kink_mrad[:, 0] = np.where(early, 1e3 * k.tx[ok, 0], 0.0)
            b.kink_mrad[:, 1] = np.where(early, 1e3 * k.ty[ok, 0], 0.0)
            b.sr_energy[:] = sample_knockon_sr(nn, rng, kcfg)
            b.missing_energy[:] = k.missing[ok]
            out.append(b)
            have += nn
    return TruthBatch.concatenate(out)


class DecaysProcess:
    """μ, π, K decays in flight with a knock-on fake SRD tag."""

    name = "decays"

    def channel_rates(self, ctx: ProcessContext) -> dict[str, float]:
        """Rate per EOT of each channel after tag and pre-filter."""
        p_tag = knockon_tag_probability(KnockOnConfig.from_preset(ctx.preset))
        pc = channel_probabilities(ctx.preset, ctx.beam_energy)
        pf = prefilter_fractions(ctx.preset, ctx.beam_energy)
        return {c: pc[c] * p_tag * pf[c] for c in CHANNELS}

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Sum of the channel rates per EOT."""
        r = sum(self.channel_rates(ctx).values())
        # beam fractions (K, mu assumed) and the knock-on tag probability: factor ~2 (docs)
        return RateEstimate(r, 1.0, "simulation: f_h x P_decay(L, c tau) x BR x P_knock-on tag")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` decay-in-flight events passing the pre-filter."""
        return generate_decays(n, rng, ctx, Process.DECAY_IN_FLIGHT, self.channel_rates(ctx))


PROCESS = DecaysProcess()
