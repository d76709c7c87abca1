"""Toy events in the darkmiss schema for closure tests and benchmarks of the analysis.

These are *not* the detector simulation (detsim): each event class is drawn from a simple
parametrised model with known truth, so that the analysis can be checked to recover what was
injected (side-band slope and normalisation, signal counts, dimuon ratio). Energies GeV, times ns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.events.io import write_events
from darkmiss.events.schema import Process, empty_events
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.ecal import expected_ps_fraction
from darkmiss.reco.pileup import pulse_samples

#: Lateral sharing of an electron shower hitting the centre of cell (2, 2): centre, 8 neighbours, rest.
_LATERAL = (0.85, 0.14, 0.01)


def _shower_cells(energy: np.ndarray, ps_frac: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    len(energy)
    pattern = np.full((6, 6), _LATERAL[2] / 27.0)
    pattern[1:4, 1:4] = _LATERAL[1] / 8.0
    pattern[2, 2] = _LATERAL[0]
    pattern /= pattern.sum()
    tot = energy[:, None, None] * pattern[None]
    ps = tot * ps_frac[:, None, None]
    return (tot - ps).astype(np.float32), ps.astype(np.float32)


def make_events(
    n: int,
    kind: Process,
    rng: np.random.Generator,
    cfg: AnalysisConfig,
    *,
    run: int = 0,
    ecal_energy: np.ndarray | None = None,
    hcal_energy: np.ndarray | None = None,
    mass: float = 0.0,
    weight: float | np.ndarray = 1.0,
    pileup_prob: float = 0.0,
    track_loss: float = 0.0,
    calibration: bool = False,
    waveforms: bool = True,
) -> dict[str, np.ndarray]:
    """``n`` toy events of one class.

    ``ecal_energy``/``hcal_energy`` [GeV] override the class defaults (full-energy e⁻: N(100, 1.5);
    HCAL noise: |N(0, 0.1)|). ``pileup_prob``: chance of one out-of-time 100 GeV pile-up pulse in the
    waveforms; ``track_loss``: chance that a second track is reconstructed (data-mode inefficiency).
    """
    a = empty_events(n)
    a["event_id"][:] = np.arange(n)
    a["run"][:] = run
    a["true_process"][:] = int(kind)
    a["weight"][:] = weight
    a["true_beam_energy"][:] = cfg.beam_energy
    a["true_beam_pdg"][:] = 11
    e = (
        np.clip(rng.normal(cfg.beam_energy, 1.5, n), 0, None)
        if ecal_energy is None
        else np.asarray(ecal_energy)
    )
    h = np.abs(rng.normal(0.0, 0.1, n)) if hcal_energy is None else np.asarray(hcal_energy)
    if kind in (Process.SIGNAL, Process.ANNIHILATION):
        a["true_aprime_energy"][:] = cfg.beam_energy - e
        a["true_mass"][:] = mass
        a["true_missing_energy"][:] = cfg.beam_energy - e
    a["trigger_physics"][:] = not calibration
    a["trigger_calibration"][:] = calibration
    a["s_counters"][:] = 1.0
    a["tracker_hits"][:] = 1
    a["n_tracks_in"][:] = np.where(rng.random(n) < track_loss, 2, 1)
    a["track_momentum"][:] = rng.normal(cfg.tracking.momentum, 0.5, n)
    a["track_angle_in"][:] = np.abs(rng.normal(0, 0.3, n))
    a["track_angle_out"][:] = np.abs(rng.normal(0, 0.3, n))
    a["srd_energy"][:] = rng.uniform(0.01, 0.05, (n, 3))
    a["srd_time"][:] = rng.normal(0, 1.0, (n, 3))
    psf = expected_ps_fraction(np.maximum(e, 1.0), 4.06, cfg.ecal)
    ec, ps = _shower_cells(e, psf)
    a["ecal_cells"][:] = ec
    a["ps_cells"][:] = ps
    a["ecal_energy"][:] = e
    a["ps_energy"][:] = ps.sum(axis=(1, 2))
    a["ecal_time"][:] = rng.normal(0, 0.3, (n, 1, 1))
    if waveforms:
        a["has_waveforms"][:] = True
        unit = pulse_samples(1.0, 0.0, cfg.pileup)
        wf = (ec + ps)[..., None] * unit[None, None, None, :]
        pu = rng.random(n) < pileup_prob
        for i in np.flatnonzero(pu):
            t = rng.choice([-1, 1]) * rng.uniform(40.0, 150.0)
            pe, pp = _shower_cells(np.array([cfg.beam_energy]), np.array([0.05]))
            wf[i] += (pe[0] + pp[0])[..., None] * pulse_samples(1.0, t, cfg.pileup)[None, None, :]
        a["ecal_waveforms"][:] = wf.astype(np.float32)
        # the cells integrate the whole readout window (schema): pile-up included
        tot = wf.sum(axis=-1)
        sig = (ec + ps).astype(np.float64)
        frac_ps = np.where(sig > 0, ps / np.where(sig > 0, sig, 1.0), 0.0)
        a["ps_cells"][:] = (tot * frac_ps).astype(np.float32)
        a["ecal_cells"][:] = (tot * (1.0 - frac_ps)).astype(np.float32)
        a["ecal_energy"][:] = tot.sum(axis=(1, 2))
        a["ps_energy"][:] = a["ps_cells"].sum(axis=(1, 2))
    a["v2_energy"][:] = np.abs(rng.normal(0, 0.05, n))
    hc = np.zeros((n, 4, 3, 3), dtype=np.float32)
    if kind == Process.DIMUON:
        mip = rng.uniform(2.0, 4.0, (n, 4))
        hc[:, :, 1, 1] = mip
        a["v2_energy"][:] = 2.0
    else:
        hc[:, 0, 1, 1] = 0.7 * h
        hc[:, 1, 1, 1] = 0.3 * h
    a["hcal_cells"][:] = hc
    a["hcal_module_energy"][:] = hc.sum(axis=(2, 3))
    a["hcal_energy"][:] = hc.sum(axis=(1, 2, 3))
    return a


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out["event_id"][:] = np.arange(len(out["event_id"]))
    return out


def upstream_energies(n: int, slope: float, lo: float, hi: float, rng: np.random.Generator) -> np.ndarray:
    """E_ECAL [GeV] drawn from exp(slope·E) on [lo, hi] (the Sec. VIII upstream shape)."""
    u = rng.random(n)
    return np.log(np.exp(slope * lo) + u * (np.exp(slope * hi) - np.exp(slope * lo))) / slope


def write_pseudodata(
    folder: str | Path,
    cfg: AnalysisConfig,
    seed: int,
    *,
    runs: dict[str, dict[str, Any]] | None = None,
    n_signal_injected: int = 0,
    signal_mass: float = 0.01,
    mode: str = "data",
) -> dict[str, Any]:
    """Write toy data-mode files per run into ``folder``; return the injected truth.

    Per run: ``n_em`` full-energy electrons, ``n_upstream`` events with E_ECAL ~ exp(slope·E) on
    [1, 95] GeV and E_HCAL < 1, ``n_hadronic`` events with E_ECAL + E_HCAL ≈ 100, ``n_dimuon``
    dimuons, ``n_cal`` calibration-trigger events, with data-mode effects ``track_loss`` and
    ``pileup_prob``. ``n_signal_injected`` A′ events of ``signal_mass`` go into the first run.
    """
    rng = np.random.default_rng(seed)
    runs = runs or {
        "I": {
            "n_em": 2000,
            "n_upstream": 800,
            "slope": 0.3,
            "n_hadronic": 500,
            "n_dimuon": 300,
            "n_cal": 500,
            "track_loss": 0.08,
            "pileup_prob": 0.05,
            "eot": 2.3e10,
            "intensity": 1.8e6,
        },
    }
    folder = Path(folder)
    truth: dict[str, Any] = {"runs": {}}
    names = ["I", "II", "III"]
    for name, r in runs.items():
        idx = names.index(name)
        tl = r.get("track_loss", 0.0)
        pp = r.get("pileup_prob", 0.0)
        parts = [
            make_events(r["n_em"], Process.EM_SHOWER, rng, cfg, run=idx, track_loss=tl, pileup_prob=pp),
            make_events(
                r["n_upstream"],
                Process.UPSTREAM,
                rng,
                cfg,
                run=idx,
                track_loss=tl,
                pileup_prob=pp,
                ecal_energy=upstream_energies(r["n_upstream"], r["slope"], 1.0, 95.0, rng),
            ),
        ]
        e_had = rng.uniform(1.0, 80.0, r["n_hadronic"])
        parts.append(
            make_events(
                r["n_hadronic"],
                Process.HADRONIC,
                rng,
                cfg,
                run=idx,
                track_loss=tl,
                ecal_energy=e_had,
                hcal_energy=cfg.beam_energy - e_had,
            )
        )
        parts.append(
            make_events(
                r["n_dimuon"],
                Process.DIMUON,
                rng,
                cfg,
                run=idx,
                track_loss=tl,
                ecal_energy=rng.uniform(5.0, 60.0, r["n_dimuon"]),
            )
        )
        # calibration-trigger events come from separate calibration runs (spec Sec. VI.B): own file
        cal_arrays = make_events(r["n_cal"], Process.CALIBRATION, rng, cfg, run=idx, calibration=True)
        if n_signal_injected and name == next(iter(runs)):
            # own stream: the rest of the pseudo-data is identical with and without the injection
            srng = np.random.default_rng([seed, 1])
            parts.append(
                make_events(
                    n_signal_injected,
                    Process.SIGNAL,
                    srng,
                    cfg,
                    run=idx,
                    mass=signal_mass,
                    ecal_energy=srng.uniform(2.0, 50.0, n_signal_injected),
                    track_loss=tl,
                    pileup_prob=pp,
                )
            )
        arrays = concat(parts)
        meta = {
            "preset": cfg.preset_name,
            "run": name,
            "mode": mode,
            "process": "pseudodata",
            "eot": r["eot"],
            "intensity": r["intensity"],
            "prescales": {},
            "seed": seed,
            "chunk": 0,
            "darkmiss_version": "toy",
            "blinded": mode == "data",
        }
        write_events(folder / f"run{name}.root", arrays, meta)
        write_events(
            folder / f"run{name}_calibration.root",
            cal_arrays,
            {**meta, "process": "calibration", "trigger": "calibration"},
        )
        n_up = r["n_upstream"]
        norm_density = n_up * r["slope"] / (np.exp(r["slope"] * 95.0) - np.exp(r["slope"] * 1.0))
        truth["runs"][name] = {"slope": r["slope"], "p1": float(np.log(norm_density)), "n_upstream": n_up}
    return truth


def write_mc(
    folder: str | Path,
    cfg: AnalysisConfig,
    seed: int,
    *,
    masses: tuple[float, ...] = (0.01, 0.1),
    n_signal: int = 2000,
    n_dimuon: int = 3000,
    n_cal: int = 1000,
    dimuon_eot: float = 1e7,
) -> None:
    """Toy MC: signal per mass (E_ECAL uniform in [0, 50) plus a tail above, per-EOT weights),
    dimuons (``n_dimuon`` events representing ``dimuon_eot`` EOT) and calibration events."""
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    for m in masses:
        e = np.concatenate(
            [
                rng.uniform(2.0, 50.0, int(0.9 * n_signal)),
                rng.uniform(50.0, 60.0, n_signal - int(0.9 * n_signal)),
            ]
        )
        a = make_events(n_signal, Process.SIGNAL, rng, cfg, mass=m, ecal_energy=e, weight=1e-12)
        write_events(
            folder / f"signal_m{m:g}.root",
            a,
            {"run": "I", "mode": "mc", "process": "signal", "eot": 0, "weights_per_eot": True, "mass": m},
        )
    a = make_events(n_dimuon, Process.DIMUON, rng, cfg, ecal_energy=rng.uniform(5.0, 60.0, n_dimuon))
    write_events(
        folder / "dimuon.root", a, {"run": "I", "mode": "mc", "process": "dimuon", "eot": dimuon_eot}
    )
    a = make_events(n_cal, Process.CALIBRATION, rng, cfg, calibration=True)
    write_events(
        folder / "calibration.root",
        a,
        {"run": "I", "mode": "mc", "process": "calibration", "eot": 1e6, "trigger": "calibration"},
    )
