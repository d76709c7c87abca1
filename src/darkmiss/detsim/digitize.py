"""Digitisation: truth batches → schema events (spec Sec. III, IV, VI).

Per event: S1-S3 and V1 counters, tracker hits and track reconstruction (:mod:`.tracker`), the
SRD response (:mod:`.srd`), ECAL + preshower waveforms with noise (:mod:`.waveforms`), cell
energies (sum over the full readout window) and times, V2, HCAL cells with photo-statistics,
noise and times, and the triggers (:mod:`.trigger`, Eq. 14).

Modes (architecture.md "Two worlds"): ``mc`` is ideal (no pile-up, full efficiencies, every
event kept with its trigger bits); ``data`` overlays pile-up at the run's rate (:mod:`.pileup`),
applies the rate-dependent tracker/SRD inefficiencies, and keeps only events that fire the
chosen trigger, as the DAQ would.  Energies GeV, times ns, counters MIP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.config.schema import RUN_NAMES, RunConfig, SetupGeometry
from darkmiss.constants import M_E
from darkmiss.detsim.beam import PDG_E, BeamConfig, beam_rate_hz
from darkmiss.detsim.pileup import Deposits, PileupConfig, PileupOverlay, sample_pileup
from darkmiss.detsim.srd import SRDConfig, sr_counter_energies, srd_response
from darkmiss.detsim.tracker import TrackerConfig, reconstruct
from darkmiss.detsim.trigger import TriggerConfig, check_trigger, evaluate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.detsim.waveforms import WaveformConfig, add_noise, build_waveforms, pulse_matrix
from darkmiss.errors import UserInputError
from darkmiss.events.schema import empty_events

MODES = ("data", "mc")


@dataclass(frozen=True)
class DigitizerConfig:
    """Every readout constant of ``[detector]`` the digitisation needs."""

    beam: BeamConfig
    geometry: SetupGeometry
    tracker: TrackerConfig
    srd: SRDConfig
    waveform: WaveformConfig
    trigger: TriggerConfig
    pileup: PileupConfig
    s_mip_sigma: float
    v1_halo_probability: float
    hcal_time_resolution_ns: float
    hcal_noise_gev: float
    v2_noise_mip: float

    @classmethod
    def from_preset(cls, preset: Preset) -> DigitizerConfig:
        d = preset.section("detector")
        try:
            return cls(
                beam=BeamConfig.from_preset(preset),
                geometry=SetupGeometry.from_preset(preset),
                tracker=TrackerConfig.from_preset(preset),
                srd=SRDConfig.from_preset(preset),
                waveform=WaveformConfig.from_preset(preset),
                trigger=TriggerConfig.from_preset(preset),
                pileup=PileupConfig.from_preset(preset),
                s_mip_sigma=float(d["counters"]["s_mip_sigma"]),
                v1_halo_probability=float(d["counters"]["v1_halo_probability"]),
                hcal_time_resolution_ns=float(d["hcal"]["time_resolution_ns"]),
                hcal_noise_gev=float(d["hcal"]["noise_gev"]),
                v2_noise_mip=float(d["v2"]["noise_mip"]),
            )
        except KeyError as exc:
            raise UserInputError("preset [detector]", "(missing)", f"a value for {exc}") from None


def check_mode(mode: str) -> str:
    """Validate a simulation mode (``data`` or ``mc``)."""
    if mode not in MODES:
        raise UserInputError("mode", mode, "one of data, mc")
    return mode


def _empty_overlay(n: int) -> PileupOverlay:
    z = np.zeros(0)
    return PileupOverlay(
        event=np.zeros(0, np.int64),
        time_ns=z,
        pdg=np.zeros(0, np.int32),
        halo=np.zeros(0, bool),
        deposits=Deposits(np.zeros((0, 6, 6)), np.zeros((0, 6, 6)), np.zeros((0, 4, 3, 3)), z),
    )


def digitize(
    truth: TruthBatch,
    run: RunConfig,
    mode: str,
    cfg: DigitizerConfig,
    rng: np.random.Generator,
    *,
    trigger: str = "physics",
    waveform_max_ecal: float = np.inf,
    waveform_zs_gev: float = 0.0,
    keep_all: bool | None = None,
) -> dict[str, np.ndarray]:
    """Schema arrays for the events of ``truth`` (see module docstring).

    ``waveform_max_ecal`` [GeV]: waveforms are stored (``has_waveforms``) only for events whose
    full-window ``ecal_energy`` is below it; within them, cells whose ECAL+PS energy is below
    ``waveform_zs_gev`` [GeV] are zero-suppressed (their samples stored as 0, as a DAQ would).  ``keep_all`` overrides the mode's choice of keeping
    events that fail ``trigger`` (default: data drops them, mc keeps them).
    """
    check_mode(mode)
    check_trigger(trigger)
    n = truth.n
    data = mode == "data"
    rate = beam_rate_hz(run) if data else 0.0
    wcfg, tcfg = cfg.waveform, cfg.trigger
    ov = sample_pileup(n, run, cfg.beam, cfg.geometry, cfg.pileup, rng) if data else _empty_overlay(n)
    dep = ov.deposits
    intime = np.abs(ov.time_ns) < tcfg.gate_ns
    frac = pulse_matrix(ov.time_ns, wcfg).sum(axis=1) if ov.m else np.zeros(0)

    # --- beam counters: the triggering particle plus in-time pile-up in the beam core
    s = 1.0 + cfg.s_mip_sigma * rng.standard_normal((n, 3))
    core_it = intime & ~ov.halo
    s += np.bincount(ov.event[core_it], minlength=n)[:, None].astype(float)
    v1 = np.asarray(truth.v1, dtype=float).copy()
    halo_v1 = intime & ov.halo & (rng.random(ov.m) < cfg.v1_halo_probability)
    v1 += np.bincount(ov.event[halo_v1], minlength=n)

    # --- tracker (in-time = within the resolving time, in the acceptance = beam core)
    trk_it = (np.abs(ov.time_ns) < cfg.tracker.resolving_time_ns) & ~ov.halo
    trk = reconstruct(
        truth.beam_energy,
        truth.angle_in_mrad,
        truth.n_tracks_in,
        truth.extra_upstream_hits,
        cfg.tracker,
        rng,
        rate_hz=rate,
        intime_tracks=np.bincount(ov.event[trk_it], minlength=n),
    )

    # --- SRD: the event's SR (or knock-on) plus SR of in-time pile-up electrons
    sr_true = np.asarray(truth.sr_energy, dtype=float).copy()
    pu_e = intime & (ov.pdg == PDG_E)
    if pu_e.any():
        # pile-up electrons radiate at their own (beam) energy; reuse the beam-energy draw
        e_pu = cfg.beam.energy * (1.0 + cfg.beam.momentum_spread * rng.standard_normal(int(pu_e.sum())))
        np.add.at(sr_true, ov.event[pu_e], sr_counter_energies(e_pu, M_E, rng, cfg.srd))
    srd_eff = max(cfg.srd.efficiency - cfg.srd.efficiency_loss_per_mhz * rate * 1e-6, 0.0) if data else 1.0
    srd_e, srd_t = srd_response(sr_true, rng, cfg.srd, srd_eff)

    # --- ECAL + PS waveforms
    t0 = np.zeros(n)
    w_ecal = build_waveforms(truth.ecal, t0, wcfg, ov.event, dep.ecal, ov.time_ns)
    w_ps = build_waveforms(truth.ps, t0, wcfg, ov.event, dep.ps, ov.time_ns)
    w_ecal = add_noise(w_ecal, wcfg, rng)
    w_ps = add_noise(w_ps, wcfg, rng)
    ecal_cells = w_ecal.sum(axis=-1)
    ps_cells = w_ps.sum(axis=-1)
    # cell time of the largest pulse (truth-based), resolution a/sqrt(E) (+) floor
    main_cell = truth.ecal + truth.ps
    best_e = main_cell.copy()
    best_t = np.zeros_like(best_e)
    if ov.m:
        pu_cell = (dep.ecal + dep.ps) * frac[:, None, None]
        for j in np.argsort(-pu_cell.sum(axis=(1, 2)), kind="stable"):
            i = ov.event[j]
            better = pu_cell[j] > best_e[i]
            best_e[i] = np.where(better, pu_cell[j], best_e[i])
            best_t[i] = np.where(better, ov.time_ns[j], best_t[i])
    sig_t = np.hypot(
        wcfg.time_resolution_ns / np.sqrt(np.maximum(best_e, 1e-3)), wcfg.time_resolution_floor_ns
    )
    ecal_time = np.where(best_e > 0, best_t + sig_t * rng.standard_normal(best_e.shape), 0.0)

    # --- V2 and HCAL (pile-up weighted by the fraction of its pulse in the window)
    v2 = np.asarray(truth.v2, dtype=float) + cfg.v2_noise_mip * rng.standard_normal(n)
    hcal = np.asarray(truth.hcal, dtype=float).copy()
    hcal_t = cfg.hcal_time_resolution_ns * rng.standard_normal(hcal.shape) + np.abs(
        truth.hcal_time_spread_ns[:, None, None, None] * rng.standard_normal(hcal.shape)
    )
    if ov.m:
        np.add.at(v2, ov.event, dep.v2 * frac)
        pu_h = dep.hcal * frac[:, None, None, None]
        for j in np.flatnonzero(pu_h.sum(axis=(1, 2, 3)) > 0):
            i = ov.event[j]
            better = pu_h[j] > hcal[i]
            hcal_t[i] = np.where(better, ov.time_ns[j], hcal_t[i])
            hcal[i] += pu_h[j]
    hcal = np.maximum(hcal + cfg.hcal_noise_gev * rng.standard_normal(hcal.shape), 0.0)
    hcal_t = np.where(hcal > 0, hcal_t, 0.0)

    # --- trigger: in-gate sums
    ecal_it = (truth.ecal + truth.ps).sum(axis=(1, 2))
    ps_it = truth.ps.sum(axis=(1, 2)).astype(float)
    if ov.m:
        np.add.at(ecal_it, ov.event[intime], (dep.ecal + dep.ps)[intime].sum(axis=(1, 2)))
        np.add.at(ps_it, ov.event[intime], dep.ps[intime].sum(axis=(1, 2)))
    bits = evaluate(s, v1, ps_it, ecal_it, tcfg)

    ev = empty_events(n)
    ev["event_id"][:] = np.arange(n)
    ev["run"][:] = RUN_NAMES.index(run.name) if run.name in RUN_NAMES else -1
    ev["true_process"][:] = truth.process
    ev["weight"][:] = truth.weight
    ev["n_pileup"][:] = ov.per_event_count(n)
    ev["true_beam_energy"][:] = truth.beam_energy
    ev["true_beam_pdg"][:] = truth.beam_pdg
    ev["true_missing_energy"][:] = truth.missing_energy
    ev["true_aprime_energy"][:] = truth.aprime_energy
    ev["true_mass"][:] = truth.mass
    ev["trigger_physics"][:] = bits.physics
    ev["trigger_calibration"][:] = bits.calibration
    ev["s_counters"][:] = s
    ev["v1_energy"][:] = v1
    ev["tracker_hits"][:] = trk.hits
    ev["n_tracks_in"][:] = trk.n_tracks_in
    ev["track_momentum"][:] = trk.momentum
    ev["track_angle_in"][:] = trk.angle_in_mrad
    ev["track_angle_out"][:] = trk.angle_out_mrad
    ev["srd_energy"][:] = srd_e
    ev["srd_time"][:] = srd_t
    ev["ecal_cells"][:] = ecal_cells
    ev["ps_cells"][:] = ps_cells
    ev["ecal_time"][:] = ecal_time
    ev["ps_energy"][:] = ps_cells.sum(axis=(1, 2))
    ev["ecal_energy"][:] = ecal_cells.sum(axis=(1, 2)) + ev["ps_energy"]
    store_w = ev["ecal_energy"] < waveform_max_ecal
    ev["has_waveforms"][:] = store_w
    keep_cell = np.broadcast_to(store_w[:, None, None], ecal_cells.shape)
    if waveform_zs_gev > 0:
        keep_cell = keep_cell & ((ecal_cells + ps_cells) >= waveform_zs_gev)
    ev["ecal_waveforms"][:] = np.where(keep_cell[..., None], w_ecal + w_ps, 0.0)
    ev["v2_energy"][:] = v2
    ev["hcal_cells"][:] = hcal
    ev["hcal_time"][:] = hcal_t
    ev["hcal_module_energy"][:] = hcal.sum(axis=(2, 3))
    ev["hcal_energy"][:] = hcal.sum(axis=(1, 2, 3))
    keep = (not data) if keep_all is None else keep_all
    if not keep:
        sel = bits.physics if trigger == "physics" else bits.calibration
        ev = {k: v[sel] for k, v in ev.items()}
        ev["event_id"][:] = np.arange(int(sel.sum()))
    return ev
