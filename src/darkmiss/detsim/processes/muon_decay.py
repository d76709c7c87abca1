"""Dimuon events with a muon decaying in flight in the ECAL (spec Sec. VIII, Table IV "loss of muons
from e⁻Z → e⁻Zγ; γ → μ⁺μ⁻"), a forced-decay sample for the background estimate (MC mode).

A μ⁺μ⁻ pair escapes the V2 and HCAL vetoes only if neither muon leaves the ECAL: one muon is soft
and ranges out in the ECAL (kinetic energy below the minimum-ionising loss across the ECAL, ``T_stop``;
the shower engine's muon transport then stops it there), and the other decays in flight inside the
ECAL, μ → eνν̄ (spec Sec. VIII, case i). Both factors are forced, with weights:
- the split: every pair of the shower engine's forced γ → μμ sample (:mod:`.dimuon`) is given a soft
  muon, its energy drawn from Eq. 18 restricted to kinetic energies below ``T_stop``, and its weight
  multiplied by the probability of such a split, ≈ 10⁻³ (``soft_muon`` of
  :func:`darkmiss.shower.response.dimuon_sample`; an unforced sample keeps one pair in ~10³);
- the decay: the weight is multiplied by P(the harder muon decays within the ECAL) = 1 − exp(−L m_μ/(p cτ_μ)).
The decay point is uniform along the ECAL, the electron takes the fraction y of the muon energy from the
lab spectrum of an unpolarised relativistic muon, dN/dy = (5 − 9y² + 4y³)/3 (Michel spectrum boosted, e.g.
Gaisser, *Cosmic Rays and Particle Physics*, Eq. 6.8), and showers from the decay point (parametrised:
preshower share and leakage to HCAL1 from the Γ profile); the neutrinos carry the rest. The decayed muon
no longer reaches V2 or the HCAL. docs/backgrounds.md, "Loss of muons".
Units: GeV, cm.
"""

from __future__ import annotations

import numpy as np

from darkmiss.constants import CTAU_MU_CM, M_MU
from darkmiss.detsim.em_deposits import em_longitudinal_cdf
from darkmiss.detsim.pileup import PileupConfig, em_lateral
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.processes.dimuon import PROCESS as DIMUONS
from darkmiss.detsim.processes.em import prefilter_mask
from darkmiss.detsim.truth import TruthBatch
from darkmiss.events.schema import Process


def stopping_kinetic_gev(ctx: ProcessContext) -> float:
    """Kinetic energy [GeV] a minimum-ionising muon loses crossing the whole ECAL: Σ (dE/dx)_min ρ t
    over the plates (PDG Atomic and Nuclear Properties); softer muons stop in it."""
    ec = ctx.geometry.ecal
    mip = ctx.preset.section("backgrounds")["hadronic"]
    dedx = {"Pb": float(mip["dedx_mip_pb"]), "Fe": float(mip["dedx_mip_fe"])}[ec.absorber]
    per_layer = ec.absorber_cm * ec.absorber_material.density * dedx
    per_layer += ec.active_cm * ec.active_material.density * float(mip["dedx_mip_sc"])
    return float(ec.n_layers * per_layer)


def michel_lab_fraction(n: int, rng: np.random.Generator) -> np.ndarray:
    """Electron energy fractions y of relativistic unpolarised muon decays: dN/dy = (5 − 9y² + 4y³)/3
    (acceptance-rejection on the maximum 5/3 at y = 0)."""
    out = np.empty(0)
    while out.size < n:
        y = rng.random(2 * n + 8)
        keep = rng.random(y.size) * 5.0 < (5.0 - 9.0 * y**2 + 4.0 * y**3)
        out = np.concatenate([out, y[keep]])
    return out[:n]


class MuonDecay:
    """Dimuon events with forced μ decay in the ECAL (``Process.MUON_DECAY``; MC mode, weighted)."""

    name = "muon_decay"
    #: A reweighting of the dimuon events: a weighted MC sample only, never pseudo-data.
    weighted_only = True

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """The dimuon rate per EOT after the pre-filter; each event then carries its split and decay weights
        (:meth:`generate`), so that Σ weight is the loss-of-muons background."""
        r = DIMUONS.rate(ctx)
        return RateEstimate(
            r.per_eot,
            r.rel_err,
            "simulation: dimuon rate; events weighted by P(one mu stops) P(the other decays in ECAL)",
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` forced γ → μμ showers, each with a soft muon that stops in the ECAL: relative weight ×
        P(that split) × P(decay) (module docstring). Random numbers: the showers (with the split), then
        decay point, y, for all."""
        t_stop = stopping_kinetic_gev(ctx)
        t, mu = _prefiltered_with_muons(n, rng, ctx, t_stop)
        hard_e = mu.max(axis=1)
        soft = hard_e > 0  # every pair holds a muon that stops (forced split)
        ec = ctx.geometry.ecal
        length = ec.length_cm
        p_hard = np.sqrt(np.maximum(hard_e**2 - M_MU**2, 1e-12))
        p_decay = -np.expm1(-length * M_MU / (p_hard * CTAU_MU_CM))
        depth = rng.random(t.n)  # decay point, fraction of the ECAL depth
        y = michel_lab_fraction(t.n, rng)
        e_e = np.where(soft, y * hard_e, 0.0)
        d_x0 = depth * ec.total_x0
        ec_gev = ec.absorber_material.ec_gev
        ps_share = np.where(
            d_x0 < ctx.geometry.ps_x0,
            em_longitudinal_cdf(e_e, ctx.geometry.ps_x0 - d_x0, ec_gev, photon=False),
            0.0,
        )
        contained = em_longitudinal_cdf(e_e, ec.total_x0 - d_x0, ec_gev, photon=False)
        lat = em_lateral(np.zeros(t.n), np.zeros(t.n), ctx.geometry, PileupConfig.from_preset(ctx.preset))
        out = t.select(np.arange(t.n))
        out.process[:] = int(Process.MUON_DECAY)
        out.weight[:] = t.weight * np.where(soft, p_decay, 0.0)
        out.ps += lat * (e_e * ps_share)[:, None, None]
        out.ecal += lat * (e_e * (contained - ps_share))[:, None, None]
        # the decayed muon reaches neither V2 nor the HCAL; its electron's leak does (HCAL1 centre)
        out.v2[soft] = 0.0
        out.hcal[soft] = 0.0
        c = ctx.geometry.hcal.n_cells_x // 2
        out.hcal[:, 0, c, c] += np.where(soft, e_e * (1.0 - contained), 0.0)
        out.missing_energy[:] = np.where(soft, hard_e - e_e, out.missing_energy)
        return out


def _prefiltered_with_muons(
    n: int, rng: np.random.Generator, ctx: ProcessContext, soft_muon: float
) -> tuple[TruthBatch, np.ndarray]:
    """Exactly ``n`` dimuon events passing the pre-filter with their muon energies [GeV] (n, 2), each pair
    with a muon of kinetic energy below ``soft_muon`` [GeV] (weights × the probability of that split)."""
    parts: list[TruthBatch] = []
    mus: list[np.ndarray] = []
    have = 0
    batch = max(n, 16)
    while have < n:
        t, mu = DIMUONS.draw_with_muons(batch, rng, ctx, soft_muon=soft_muon)
        ok = np.flatnonzero(prefilter_mask(t, ctx))[: n - have]
        parts.append(t.select(ok))
        mus.append(mu[ok])
        have += ok.size
        batch = min(max(2 * (n - have), 16), 50000)
    return TruthBatch.concatenate(parts), np.concatenate(mus)


PROCESS = MuonDecay()
