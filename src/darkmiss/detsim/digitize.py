"""Digitisation: truth batches → schema events (spec Sec. III, IV, VI).

Per event: S1-S3 and V1 counters, tracker hits and track reconstruction (:mod:`.tracker`), the
SRD response (:mod:`.srd`), ECAL + preshower waveforms with noise (:mod:`.waveforms`), cell
energies (sum over the full readout window) and times, V2, HCAL cells with photo-statistics,
noise and times, and the triggers (:mod:`.trigger`, Eq. 14).

Modes (architecture.md "Two worlds"): ``mc`` is ideal (no pile-up, every event kept with its
trigger bits); ``data`` overlays pile-up at each event's instantaneous rate (:mod:`.pileup`,
:mod:`.spill`), applies the (optional) rate-dependent tracker/SRD losses at that rate, and keeps
only events that fire the chosen trigger, as the DAQ would.

ECAL readout: the cell energies are the sums of the full readout window (the event's pulse, the
pile-up pulses' in-window fractions, and the noise sum of the 32 samples drawn directly); the
samples themselves are built only for the cells that are stored (events whose in-gate E_ECAL, the
trigger's sum, is below ``waveform_max_ecal``; cells above the zero suppression), with per-sample
noise conditioned on the cell's noise sum, so a stored waveform always sums to its cell energy.
Out-of-gate pile-up never withholds an event's waveforms: removing it is what the pile-up fit of
spec Sec. VI.A is for. ``waveforms=False`` stores none (a fast path for
events that cannot reach the signal box: their cell times stand in for the pile-up fit).
Energies GeV, times ns, counters MIP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset, required
from darkmiss.config.schema import RUN_NAMES, RunConfig, SetupGeometry
from darkmiss.constants import M_E
from darkmiss.detsim.beam import PDG_E, BeamConfig
from darkmiss.detsim.pileup import Deposits, PileupConfig, PileupOverlay, sample_pileup
from darkmiss.detsim.srd import SRDConfig, sr_counter_energies, srd_response
from darkmiss.detsim.tracker import TrackerConfig, TrackerResult, reconstruct
from darkmiss.detsim.trigger import TriggerBits, TriggerConfig, check_trigger, evaluate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.detsim.waveforms import WaveformConfig, kept_waveforms, pulse_matrix
from darkmiss.errors import UserInputError
from darkmiss.events.schema import empty_events

#: Version of the readout's output, part of the data and MC stages' keys in ``reproduce`` (stage keys do
#: not include the code), so that events made by older code are made again. 2: waveforms are kept by the
#: in-gate E_ECAL, not the full-window one, so out-of-gate pile-up no longer withholds them.
READOUT_VERSION = 2

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
        """Read ``[detector]`` and its sub-tables (every key required)."""
        d = preset.section("detector")
        counters = required(d, "counters", "[detector]")
        hcal = required(d, "hcal", "[detector]")
        return cls(
            beam=BeamConfig.from_preset(preset),
            geometry=SetupGeometry.from_preset(preset),
            tracker=TrackerConfig.from_preset(preset),
            srd=SRDConfig.from_preset(preset),
            waveform=WaveformConfig.from_preset(preset),
            trigger=TriggerConfig.from_preset(preset),
            pileup=PileupConfig.from_preset(preset),
            s_mip_sigma=float(required(counters, "s_mip_sigma", "[detector.counters]")),
            v1_halo_probability=float(required(counters, "v1_halo_probability", "[detector.counters]")),
            hcal_time_resolution_ns=float(required(hcal, "time_resolution_ns", "[detector.hcal]")),
            hcal_noise_gev=float(required(hcal, "noise_gev", "[detector.hcal]")),
            v2_noise_mip=float(required(required(d, "v2", "[detector]"), "noise_mip", "[detector.v2]")),
        )


def check_mode(mode: str) -> str:
    """Validate a simulation mode (``data`` or ``mc``)."""
    if mode not in MODES:
        raise UserInputError("mode", mode, "one of data, mc")
    return mode


def empty_overlay(geometry: SetupGeometry) -> PileupOverlay:
    """An overlay without pile-up particles (MC mode), with deposit arrays shaped for ``geometry``."""
    z = np.zeros(0)
    cells_e = (0, geometry.ecal.n_cells_x, geometry.ecal.n_cells_y)
    cells_h = (0, geometry.n_hcal_modules, geometry.hcal.n_cells_x, geometry.hcal.n_cells_y)
    return PileupOverlay(
        event=np.zeros(0, np.int64),
        time_ns=z,
        pdg=np.zeros(0, np.int32),
        halo=np.zeros(0, bool),
        deposits=Deposits(np.zeros(cells_e), np.zeros(cells_e), np.zeros(cells_h), z),
        rate_hz=z,
    )


@dataclass
class Readout:
    """Digitised quantities of ``n`` events before the trigger selection (units of the schema:
    GeV, ns, MIP)."""

    s_counters: np.ndarray  # (n, 3) MIP
    v1: np.ndarray  # (n,) MIP
    tracker: TrackerResult
    srd_energy: np.ndarray  # (n, 3) GeV
    srd_time: np.ndarray  # (n, 3) ns
    ecal_cells: np.ndarray  # (n, 6, 6) GeV, main section, full-window sums with noise
    ps_cells: np.ndarray  # (n, 6, 6) GeV, preshower
    waveforms: np.ndarray  # (n, 6, 6, n_samples) GeV per sample (ECAL + PS), stored cells only
    has_waveforms: np.ndarray  # (n,) bool
    ecal_time: np.ndarray  # (n, 6, 6) ns
    v2: np.ndarray  # (n,) MIP
    hcal: np.ndarray  # (n, 4, 3, 3) GeV
    hcal_time: np.ndarray  # (n, 4, 3, 3) ns
    trigger: TriggerBits


def beam_counters(
    truth: TruthBatch, ov: PileupOverlay, intime: np.ndarray, cfg: DigitizerConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """S1-S3 amplitudes (n, 3) and V1 (n,) [MIP]: the triggering particle (1 MIP ± ``s_mip_sigma``
    in each S counter) plus in-time pile-up, core particles in the S counters and halo particles
    in V1 with probability ``v1_halo_probability`` (spec Sec. III)."""
    n = truth.n
    s = 1.0 + cfg.s_mip_sigma * rng.standard_normal((n, 3))
    core_it = intime & ~ov.halo
    s += np.bincount(ov.event[core_it], minlength=n)[:, None].astype(float)
    v1 = np.asarray(truth.v1, dtype=float).copy()
    halo_v1 = intime & ov.halo & (rng.random(ov.m) < cfg.v1_halo_probability)
    v1 += np.bincount(ov.event[halo_v1], minlength=n)
    return s, v1


def tracker_readout(
    truth: TruthBatch,
    ov: PileupOverlay,
    cfg: DigitizerConfig,
    rng: np.random.Generator,
    rate_hz: np.ndarray | float,
) -> TrackerResult:
    """Tracker hits and reconstruction (:func:`darkmiss.detsim.tracker.reconstruct`) with the
    pile-up tracks in time (within the resolving time) and in the acceptance (beam core)."""
    trk_it = (np.abs(ov.time_ns) < cfg.tracker.resolving_time_ns) & ~ov.halo
    return reconstruct(
        truth.beam_energy,
        truth.angle_in_mrad,
        truth.n_tracks_in,
        truth.extra_upstream_hits,
        cfg.tracker,
        rng,
        rate_hz=rate_hz,
        intime_tracks=np.bincount(ov.event[trk_it], minlength=truth.n),
        kink_mrad=truth.kink_mrad,
    )


def srd_readout(
    truth: TruthBatch,
    ov: PileupOverlay,
    intime: np.ndarray,
    cfg: DigitizerConfig,
    rng: np.random.Generator,
    rate_hz: np.ndarray | float,
    data: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """SRD energies [GeV] and times [ns] (n, 3): the event's SR (or knock-on) plus the SR of
    in-time pile-up electrons at the beam energy (spec Sec. III); in data mode the counter
    efficiency falls linearly with the event's beam rate [Hz] (``efficiency_loss_per_mhz``), in
    MC mode it is 1."""
    sr_true = np.asarray(truth.sr_energy, dtype=float).copy()
    pu_e = intime & (ov.pdg == PDG_E)
    if pu_e.any():
        # pile-up electrons radiate at their own (beam) energy; reuse the beam-energy draw
        e_pu = cfg.beam.energy * (1.0 + cfg.beam.momentum_spread * rng.standard_normal(int(pu_e.sum())))
        np.add.at(sr_true, ov.event[pu_e], sr_counter_energies(e_pu, M_E, rng, cfg.srd))
    srd_eff: np.ndarray | float = 1.0
    if data:
        loss = cfg.srd.efficiency_loss_per_mhz * np.asarray(rate_hz, dtype=float) * 1e-6
        srd_eff = np.clip(cfg.srd.efficiency - loss, 0.0, None) * np.ones(truth.n)
    return srd_response(sr_true, rng, cfg.srd, srd_eff)


def ecal_cell_times(
    truth: TruthBatch, ov: PileupOverlay, frac: np.ndarray, wcfg: WaveformConfig, rng: np.random.Generator
) -> np.ndarray:
    """ECAL cell times [ns] (n, 6, 6): the time of the largest pulse in the cell (the event at 0,
    pile-up at its own time, weighted by the fraction ``frac`` of its pulse in the window),
    smeared by a/√E ⊕ floor; 0 in empty cells."""
    best_e = (truth.ecal + truth.ps).copy()
    best_t = np.zeros_like(best_e)
    if ov.m:
        dep = ov.deposits
        pu_cell = (dep.ecal + dep.ps) * frac[:, None, None]
        for j in np.argsort(-pu_cell.sum(axis=(1, 2)), kind="stable"):
            i = ov.event[j]
            better = pu_cell[j] > best_e[i]
            best_e[i] = np.where(better, pu_cell[j], best_e[i])
            best_t[i] = np.where(better, ov.time_ns[j], best_t[i])
    sig_t = np.hypot(
        wcfg.time_resolution_ns / np.sqrt(np.maximum(best_e, 1e-3)), wcfg.time_resolution_floor_ns
    )
    return np.asarray(np.where(best_e > 0, best_t + sig_t * rng.standard_normal(best_e.shape), 0.0))


def ecal_cell_sums(
    truth: TruthBatch, ov: PileupOverlay, frac: np.ndarray, wcfg: WaveformConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Full-window sums [GeV] (n, 6, 6) of the main ECAL section and the preshower with their noise
    sums: the event's in-time pulse, the pile-up pulses weighted by their in-window fraction ``frac``,
    and Gaussian noise of rms σ·√n_samples per cell (σ = ``noise_per_sample_gev``), drawn for the main
    section then the preshower. Returns (ecal, ps, ecal noise sum, ps noise sum)."""
    ecal = np.asarray(truth.ecal, dtype=float).copy()
    ps = np.asarray(truth.ps, dtype=float).copy()
    if ov.m:
        dep = ov.deposits
        np.add.at(ecal, ov.event, dep.ecal * frac[:, None, None])
        np.add.at(ps, ov.event, dep.ps * frac[:, None, None])
    sig = wcfg.noise_per_sample_gev * np.sqrt(wcfg.n_samples)
    n_ecal = sig * rng.standard_normal(ecal.shape)
    n_ps = sig * rng.standard_normal(ps.shape)
    return ecal + n_ecal, ps + n_ps, n_ecal, n_ps


def ecal_readout(
    truth: TruthBatch,
    ov: PileupOverlay,
    frac: np.ndarray,
    wcfg: WaveformConfig,
    rng: np.random.Generator,
    *,
    ecal_gate: np.ndarray,
    waveform_max_ecal: float = np.inf,
    waveform_zs_gev: float = 0.0,
    waveforms: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """ECAL and preshower cell sums [GeV], the stored waveforms [GeV per sample] with their flag, and
    the cell times [ns] (:func:`ecal_cell_times`). Waveforms are built for events whose in-gate
    E_ECAL ``ecal_gate`` [GeV] (n,) (the trigger's sum, :func:`trigger_sums`) is below ``waveform_max_ecal`` and, in them, for cells whose ECAL+PS
    energy reaches ``waveform_zs_gev`` (zero suppression); none when ``waveforms`` is False.
    Random numbers, in order: cell noise sums (ECAL, PS), per-sample noise of the stored cells, times."""
    ecal, ps, n_ecal, n_ps = ecal_cell_sums(truth, ov, frac, wcfg, rng)
    tot = ecal + ps
    has = (np.asarray(ecal_gate, dtype=float) < waveform_max_ecal) & bool(waveforms)
    keep = has[:, None, None] & (
        (tot >= waveform_zs_gev) if waveform_zs_gev > 0 else np.ones(tot.shape, bool)
    )
    dep = ov.deposits
    wave = kept_waveforms(
        truth.ecal + truth.ps,
        keep,
        n_ecal + n_ps,
        wcfg,
        rng,
        ov.event,
        dep.ecal + dep.ps,
        ov.time_ns,
        wcfg.noise_per_sample_gev * np.sqrt(2.0),
    )
    return ecal, ps, wave, has, ecal_cell_times(truth, ov, frac, wcfg, rng)


def hcal_readout(
    truth: TruthBatch, ov: PileupOverlay, frac: np.ndarray, cfg: DigitizerConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """V2 [MIP] (n,), HCAL cell energies [GeV] and times [ns] (n, 4, 3, 3).

    Pile-up deposits count with the fraction ``frac`` of their pulse in the window; a cell takes
    the time of a pile-up deposit larger than what it holds.  Times: resolution ⊕ the event's
    ``hcal_time_spread_ns``; noise ``hcal_noise_gev`` per cell (energies ≥ 0, times 0 in empty cells).
    """
    v2 = np.asarray(truth.v2, dtype=float) + cfg.v2_noise_mip * rng.standard_normal(truth.n)
    hcal = np.asarray(truth.hcal, dtype=float).copy()
    hcal_t = cfg.hcal_time_resolution_ns * rng.standard_normal(hcal.shape) + np.abs(
        truth.hcal_time_spread_ns[:, None, None, None] * rng.standard_normal(hcal.shape)
    )
    if ov.m:
        dep = ov.deposits
        np.add.at(v2, ov.event, dep.v2 * frac)
        pu_h = dep.hcal * frac[:, None, None, None]
        for j in np.flatnonzero(pu_h.sum(axis=(1, 2, 3)) > 0):
            i = ov.event[j]
            better = pu_h[j] > hcal[i]
            hcal_t[i] = np.where(better, ov.time_ns[j], hcal_t[i])
            hcal[i] += pu_h[j]
    hcal = np.maximum(hcal + cfg.hcal_noise_gev * rng.standard_normal(hcal.shape), 0.0)
    hcal_t = np.where(hcal > 0, hcal_t, 0.0)
    return v2, hcal, hcal_t


def trigger_sums(truth: TruthBatch, ov: PileupOverlay, intime: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """In-gate sums of the trigger (spec Eq. 14) [GeV]: preshower (n,) and whole ECAL, PS + main (n,),
    of the event's deposits and the in-time pile-up."""
    ecal_it = (truth.ecal + truth.ps).sum(axis=(1, 2))
    ps_it = truth.ps.sum(axis=(1, 2)).astype(float)
    if ov.m:
        dep = ov.deposits
        np.add.at(ecal_it, ov.event[intime], (dep.ecal + dep.ps)[intime].sum(axis=(1, 2)))
        np.add.at(ps_it, ov.event[intime], dep.ps[intime].sum(axis=(1, 2)))
    return ps_it, ecal_it


def read_out(
    truth: TruthBatch,
    run: RunConfig,
    mode: str,
    cfg: DigitizerConfig,
    rng: np.random.Generator,
    *,
    waveform_max_ecal: float = np.inf,
    waveform_zs_gev: float = 0.0,
    waveforms: bool = True,
) -> tuple[Readout, PileupOverlay]:
    """Every detector response of the events of ``truth`` (pile-up overlaid in data mode), and the
    pile-up overlay; waveform storage as in :func:`ecal_readout`.
    Random numbers, in order: pile-up, counters, tracker, SRD, ECAL, V2/HCAL."""
    data = mode == "data"
    ov = (
        sample_pileup(truth.n, run, cfg.beam, cfg.geometry, cfg.pileup, rng)
        if data
        else empty_overlay(cfg.geometry)
    )
    rate = ov.rate_hz if data else 0.0
    intime = np.abs(ov.time_ns) < cfg.trigger.gate_ns
    frac = pulse_matrix(ov.time_ns, cfg.waveform).sum(axis=1) if ov.m else np.zeros(0)
    s, v1 = beam_counters(truth, ov, intime, cfg, rng)
    trk = tracker_readout(truth, ov, cfg, rng, rate)
    srd_e, srd_t = srd_readout(truth, ov, intime, cfg, rng, rate, data)
    ps_it, ecal_it = trigger_sums(truth, ov, intime)
    ecal, ps, wave, has, ecal_time = ecal_readout(
        truth,
        ov,
        frac,
        cfg.waveform,
        rng,
        ecal_gate=ecal_it,
        waveform_max_ecal=waveform_max_ecal,
        waveform_zs_gev=waveform_zs_gev,
        waveforms=waveforms,
    )
    v2, hcal, hcal_t = hcal_readout(truth, ov, frac, cfg, rng)
    bits = evaluate(s, v1, ps_it, ecal_it, cfg.trigger)
    readout = Readout(s, v1, trk, srd_e, srd_t, ecal, ps, wave, has, ecal_time, v2, hcal, hcal_t, bits)
    return readout, ov


def schema_events(truth: TruthBatch, run: RunConfig, r: Readout, ov: PileupOverlay) -> dict[str, np.ndarray]:
    """Schema arrays (:mod:`darkmiss.events.schema`) of the truth and the readout of ``n`` events.

    Cell energies are the sums of the full readout window; ``run`` is the index in ``RUN_NAMES``,
    −1 for a run a preset adds beyond them.  Waveforms: see :func:`digitize`.
    """
    n = truth.n
    ecal_cells = r.ecal_cells
    ps_cells = r.ps_cells
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
    ev["trigger_physics"][:] = r.trigger.physics
    ev["trigger_calibration"][:] = r.trigger.calibration
    ev["s_counters"][:] = r.s_counters
    ev["v1_energy"][:] = r.v1
    ev["tracker_hits"][:] = r.tracker.hits
    ev["n_tracks_in"][:] = r.tracker.n_tracks_in
    ev["track_momentum"][:] = r.tracker.momentum
    ev["track_angle_in"][:] = r.tracker.angle_in_mrad
    ev["track_angle_out"][:] = r.tracker.angle_out_mrad
    ev["srd_energy"][:] = r.srd_energy
    ev["srd_time"][:] = r.srd_time
    ev["ecal_cells"][:] = ecal_cells
    ev["ps_cells"][:] = ps_cells
    ev["ecal_time"][:] = r.ecal_time
    ev["ps_energy"][:] = ps_cells.sum(axis=(1, 2))
    ev["ecal_energy"][:] = ecal_cells.sum(axis=(1, 2)) + ev["ps_energy"]
    ev["has_waveforms"][:] = r.has_waveforms
    ev["ecal_waveforms"][:] = r.waveforms
    ev["v2_energy"][:] = r.v2
    ev["hcal_cells"][:] = r.hcal
    ev["hcal_time"][:] = r.hcal_time
    ev["hcal_module_energy"][:] = r.hcal.sum(axis=(2, 3))
    ev["hcal_energy"][:] = r.hcal.sum(axis=(1, 2, 3))
    return ev


def select_triggered(ev: dict[str, np.ndarray], bits: TriggerBits, trigger: str) -> dict[str, np.ndarray]:
    """The events of ``ev`` that fire ``trigger`` (``physics`` or ``calibration``), renumbered from 0."""
    sel = bits.physics if trigger == "physics" else bits.calibration
    out = {k: v[sel] for k, v in ev.items()}
    out["event_id"][:] = np.arange(int(sel.sum()))
    return out


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
    waveforms: bool = True,
    keep_all: bool | None = None,
) -> dict[str, np.ndarray]:
    """Schema arrays for the events of ``truth`` (see module docstring): :func:`read_out`, then
    :func:`schema_events`, then (data mode by default) :func:`select_triggered`.

    ``waveform_max_ecal`` [GeV]: waveforms are stored (``has_waveforms``) only for events whose
    in-gate ECAL+PS energy (the trigger's sum of Eq. 14) is below it; within them, cells whose ECAL+PS
    energy is below ``waveform_zs_gev`` [GeV] are zero-suppressed (their samples stored as 0, as a DAQ
    would); ``waveforms=False`` stores none. ``keep_all`` overrides the mode's choice of keeping events that
    fail ``trigger`` (default: data drops them, mc keeps them).
    """
    check_mode(mode)
    check_trigger(trigger)
    readout, ov = read_out(
        truth,
        run,
        mode,
        cfg,
        rng,
        waveform_max_ecal=waveform_max_ecal,
        waveform_zs_gev=waveform_zs_gev,
        waveforms=waveforms,
    )
    ev = schema_events(truth, run, readout, ov)
    # the processes label species by the negative beam; a positive beam's are their conjugates
    ev["true_beam_pdg"] *= cfg.beam.sign
    keep = (mode != "data") if keep_all is None else keep_all
    return ev if keep else select_triggered(ev, readout.trigger, trigger)
