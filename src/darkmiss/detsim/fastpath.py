"""The summary path of the pseudo-data: events counted at full rate without being written.

Some processes (electronuclear events, :mod:`darkmiss.detsim.processes.hadronic`) are ~10⁷ events of
which almost all fire V2 whatever the pile-up and noise, and so can never enter the signal box, the
side bands or the validation region. They still make up Fig. 7 (left) and the cut-flow. For them the
production runs this readout event by event, at full rate and unit weight, from sums-level truth:

* pile-up at each event's instantaneous rate (:func:`darkmiss.detsim.pileup.sample_pileup`);
* counters S1-S3 and V1, and the physics trigger on the in-gate sums (spec Eq. 14);
* tracker hits and tracks (:func:`darkmiss.detsim.tracker.reconstruct`), SRD energies and times
  (:func:`darkmiss.detsim.srd.srd_response`) with the beam e⁻'s SR drawn from a table of the full
  synchrotron-radiation model (:func:`sr_table`, scaled ∝ E² for the momentum spread);
* full-window ECAL (noise sum of 72 cells × 32 samples) and HCAL cells (noise, ≥ 0) as the digitiser.

It keeps :class:`SummaryCounts`: the sequential counts of the cuts that do not need the ECAL cells
(trigger → SRD, with the cut values of ``[analysis.tracking]`` and ``[analysis.srd]``; the V2 cut then
removes every event) and the Fig. 7 histogram of triggered, loosely SRD-tagged events in (E_ECAL,
E_HCAL1+2). Units: GeV, ns, mrad, MIP.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.cache import atomic_write_path
from darkmiss.config.load import Preset, required
from darkmiss.config.schema import RunConfig
from darkmiss.constants import M_E
from darkmiss.detsim.beam import PDG_E
from darkmiss.detsim.digitize import DigitizerConfig
from darkmiss.detsim.pileup import sample_pileup
from darkmiss.detsim.srd import SRDConfig, sr_counter_energies, srd_response
from darkmiss.detsim.tracker import reconstruct
from darkmiss.detsim.trigger import evaluate
from darkmiss.detsim.waveforms import pulse_matrix

#: Cuts counted by the summary path, in the analysis' cut-flow order (darkmiss.reco.selection.CUTS).
CUTFLOW_CUTS: tuple[str, ...] = ("trigger", "one_track", "momentum", "ke3_angle", "upstream_hits", "srd")
#: Fig. 7 histogram edges [GeV]: E_ECAL (full window) and E_HCAL1+2, 0.5 GeV bins.
FIG7_ECAL_EDGES = np.linspace(0.0, 160.0, 321)
FIG7_HCAL_EDGES = np.linspace(0.0, 120.0, 241)
#: Loose SRD tag of Fig. 7 (every counter above this [GeV]), as darkmiss.plots.detsim_figures.srd_tagged.
LOOSE_SRD_GEV = 0.001
#: Beam e⁻ per SR table (the table is sampled with replacement).
SR_TABLE_SIZE = 20000


@dataclass
class SummaryTruth:
    """Sums-level truth of ``n`` events (calibrated GeV): E_ECAL incl. preshower, preshower, HCAL cells
    (n, 4, 3, 3), the beam particle's energy and incoming angle [mrad] (a beam e⁻, one track)."""

    ecal: np.ndarray
    ps: np.ndarray
    hcal: np.ndarray
    beam_energy: np.ndarray
    angle_in_mrad: np.ndarray

    @property
    def n(self) -> int:
        return int(self.ecal.shape[0])


@dataclass(frozen=True)
class SummaryCuts:
    """The analysis' cut values the summary path applies (``[analysis.tracking]``, ``[analysis.srd]``,
    ``[analysis] hcal_modules_in_ehcal``): momenta GeV, angles mrad, SRD GeV and ns."""

    n_tracks: int
    momentum: float
    momentum_window: float
    max_angle_in_mrad: float
    max_upstream_hits: int
    srd_energy_min: float
    srd_energy_max: float
    srd_time_window_ns: float
    hcal_modules: tuple[int, ...]

    @classmethod
    def from_preset(cls, preset: Preset) -> SummaryCuts:
        a = preset.section("analysis")
        t = required(a, "tracking", "[analysis]")
        s = required(a, "srd", "[analysis]")
        return cls(
            n_tracks=int(required(t, "n_tracks", "[analysis.tracking]")),
            momentum=float(required(t, "momentum", "[analysis.tracking]")),
            momentum_window=float(required(t, "momentum_window", "[analysis.tracking]")),
            max_angle_in_mrad=float(required(t, "max_angle_in_mrad", "[analysis.tracking]")),
            max_upstream_hits=int(required(t, "max_upstream_hits", "[analysis.tracking]")),
            srd_energy_min=float(required(s, "energy_min", "[analysis.srd]")),
            srd_energy_max=float(required(s, "energy_max", "[analysis.srd]")),
            srd_time_window_ns=float(required(s, "time_window_ns", "[analysis.srd]")),
            hcal_modules=tuple(int(m) for m in required(a, "hcal_modules_in_ehcal", "[analysis]")),
        )


@dataclass
class SummaryCounts:
    """What the summary path keeps of a run's events: the run, how many events, the sequential cut
    counts (:data:`CUTFLOW_CUTS`) and the Fig. 7 histogram (:data:`FIG7_ECAL_EDGES` ×
    :data:`FIG7_HCAL_EDGES`)."""

    run: str = ""
    n_events: int = 0
    cutflow: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CUTFLOW_CUTS, 0))
    fig7: np.ndarray = field(
        default_factory=lambda: np.zeros((FIG7_ECAL_EDGES.size - 1, FIG7_HCAL_EDGES.size - 1), np.int64)
    )

    def add(self, other: SummaryCounts) -> SummaryCounts:
        """The counts of both (a new object)."""
        return SummaryCounts(
            self.run or other.run,
            self.n_events + other.n_events,
            {k: self.cutflow.get(k, 0) + other.cutflow.get(k, 0) for k in CUTFLOW_CUTS},
            self.fig7 + other.fig7,
        )

    def write(self, path: str | Path) -> Path:
        """Write an ``.npz`` atomically."""
        with atomic_write_path(Path(path)) as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(
                fh,
                run=np.array(self.run),
                n_events=np.int64(self.n_events),
                cuts=np.array(CUTFLOW_CUTS),
                cutflow=np.array([self.cutflow[c] for c in CUTFLOW_CUTS], np.int64),
                fig7=self.fig7,
            )
        return Path(path)

    @classmethod
    def read(cls, path: str | Path) -> SummaryCounts:
        """Read :meth:`write`'s file."""
        with np.load(path) as z:
            cuts = [str(c) for c in z["cuts"]]
            counts = dict(zip(cuts, (int(v) for v in z["cutflow"]), strict=True))
            return cls(str(z["run"]), int(z["n_events"]), counts, z["fig7"])


@functools.lru_cache(maxsize=4)
def _sr_table(cfg: SRDConfig, energy: float) -> np.ndarray:
    rng = np.random.default_rng(20160607)
    return np.asarray(sr_counter_energies(np.full(SR_TABLE_SIZE, energy), M_E, rng, cfg))


def sr_table(cfg: SRDConfig, energy: float) -> np.ndarray:
    """True SR energy [GeV] (SR_TABLE_SIZE, 3) in the SRD counters of beam e⁻ of ``energy`` [GeV], from
    :func:`darkmiss.detsim.srd.sr_counter_energies` (fixed seed, cached)."""
    return _sr_table(cfg, float(energy))


def _draw_sr(energy: np.ndarray, table: np.ndarray, e0: float, rng: np.random.Generator) -> np.ndarray:
    """SR (n, 3) of e⁻ of ``energy`` [GeV]: table rows scaled by (E/E0)² (ΔE_SR ∝ E², spec Sec. III)."""
    rows = table[rng.integers(0, table.shape[0], energy.shape[0])]
    return np.asarray(rows * ((energy / e0) ** 2)[:, None])


def summary_readout(
    st: SummaryTruth,
    run: RunConfig,
    cfg: DigitizerConfig,
    cuts: SummaryCuts,
    rng: np.random.Generator,
) -> SummaryCounts:
    """Read out ``st`` in data mode and count it (module docstring). Random numbers, in order: pile-up,
    counters, tracker, SRD (table rows, response), ECAL noise sum, HCAL noise."""
    n = st.n
    out = SummaryCounts(run=run.name, n_events=n)
    if n == 0:
        return out
    ov = sample_pileup(n, run, cfg.beam, cfg.geometry, cfg.pileup, rng)
    dep = ov.deposits
    intime = np.abs(ov.time_ns) < cfg.trigger.gate_ns
    frac = pulse_matrix(ov.time_ns, cfg.waveform).sum(axis=1) if ov.m else np.zeros(0)
    # counters S1-S3, V1 (as darkmiss.detsim.digitize.beam_counters)
    s = 1.0 + cfg.s_mip_sigma * rng.standard_normal((n, 3))
    s += np.bincount(ov.event[intime & ~ov.halo], minlength=n)[:, None].astype(float)
    halo_v1 = intime & ov.halo & (rng.random(ov.m) < cfg.v1_halo_probability)
    v1 = np.bincount(ov.event[halo_v1], minlength=n).astype(float)
    # tracker
    trk_it = (np.abs(ov.time_ns) < cfg.tracker.resolving_time_ns) & ~ov.halo
    trk = reconstruct(
        st.beam_energy,
        st.angle_in_mrad,
        np.ones(n, np.int16),
        np.zeros((n, 6), np.int16),
        cfg.tracker,
        rng,
        rate_hz=ov.rate_hz,
        intime_tracks=np.bincount(ov.event[trk_it], minlength=n),
    )
    # SRD: the beam e⁻'s SR and that of in-time pile-up electrons
    table = sr_table(cfg.srd, cfg.beam.energy)
    sr = _draw_sr(st.beam_energy, table, cfg.beam.energy, rng)
    pu_e = intime & (ov.pdg == PDG_E)
    if pu_e.any():
        e_pu = cfg.beam.energy * (1.0 + cfg.beam.momentum_spread * rng.standard_normal(int(pu_e.sum())))
        np.add.at(sr, ov.event[pu_e], _draw_sr(e_pu, table, cfg.beam.energy, rng))
    loss = cfg.srd.efficiency_loss_per_mhz * ov.rate_hz * 1e-6
    srd_e, srd_t = srd_response(sr, rng, cfg.srd, np.clip(cfg.srd.efficiency - loss, 0.0, None))
    # calorimeters: in-gate sums for the trigger, full-window sums for Fig. 7
    pu_ecal = (dep.ecal + dep.ps).sum(axis=(1, 2))
    pu_ps = dep.ps.sum(axis=(1, 2))
    ecal_it = st.ecal + np.bincount(ov.event[intime], pu_ecal[intime], minlength=n)
    ps_it = st.ps + np.bincount(ov.event[intime], pu_ps[intime], minlength=n)
    wcfg = cfg.waveform
    n_cells = 2 * cfg.geometry.ecal.n_cells_x * cfg.geometry.ecal.n_cells_y
    noise = wcfg.noise_per_sample_gev * np.sqrt(wcfg.n_samples * n_cells)
    e_ecal = st.ecal + np.bincount(ov.event, pu_ecal * frac, minlength=n) + noise * rng.standard_normal(n)
    hcal = np.asarray(st.hcal, dtype=float).copy()
    if ov.m:
        np.add.at(hcal, ov.event, dep.hcal * frac[:, None, None, None])
    hcal = np.maximum(hcal + cfg.hcal_noise_gev * rng.standard_normal(hcal.shape), 0.0)
    e_hcal = hcal.sum(axis=(2, 3))[:, [m - 1 for m in cuts.hcal_modules]].sum(axis=1)
    # counts
    bits = evaluate(s, v1, ps_it, ecal_it, cfg.trigger)
    srd_ok = np.all(
        (srd_e >= cuts.srd_energy_min)
        & (srd_e <= cuts.srd_energy_max)
        & (np.abs(srd_t) <= cuts.srd_time_window_ns),
        axis=1,
    )
    steps: dict[str, Any] = {
        "trigger": bits.physics,
        "one_track": trk.n_tracks_in == cuts.n_tracks,
        "momentum": np.abs(trk.momentum - cuts.momentum) <= cuts.momentum_window,
        "ke3_angle": np.maximum(np.abs(trk.angle_in_mrad), np.abs(trk.angle_out_mrad))
        < cuts.max_angle_in_mrad,
        "upstream_hits": trk.hits[:, :2].max(axis=1) <= cuts.max_upstream_hits,
        "srd": srd_ok,
    }
    cur = np.ones(n, bool)
    for c in CUTFLOW_CUTS:
        cur &= steps[c]
        out.cutflow[c] = int(cur.sum())
    tagged = bits.physics & np.all(srd_e > LOOSE_SRD_GEV, axis=1)
    # overflows go to the last bins: region III (E_ECAL + E_HCAL > 112 GeV) keeps them
    x = np.clip(e_ecal[tagged], 0.0, FIG7_ECAL_EDGES[-1] - 1e-6)
    y = np.clip(e_hcal[tagged], 0.0, FIG7_HCAL_EDGES[-1] - 1e-6)
    h, _, _ = np.histogram2d(x, y, bins=[FIG7_ECAL_EDGES, FIG7_HCAL_EDGES])
    out.fig7 = h.astype(np.int64)
    return out


def summary_files(folder: str | Path) -> list[Path]:
    """The summary files under ``folder`` (recursively; none when it is a file), sorted."""
    p = Path(folder)
    return sorted(p.rglob("*.summary.npz")) if p.is_dir() else []


def read_summaries(folder: str | Path) -> dict[str, SummaryCounts]:
    """The summary counts under ``folder`` added per run."""
    out: dict[str, SummaryCounts] = {}
    for f in summary_files(folder):
        c = SummaryCounts.read(f)
        out[c.run] = out[c.run].add(c) if c.run in out else c
    return out
