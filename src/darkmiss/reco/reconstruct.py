"""Event reconstruction: from the event branches (events/schema.py) to :class:`RecoEvents`, the
per-event quantities every selection and analysis step uses, and :func:`build_selection`.

Energies GeV, times ns, angles mrad, V2 in MIP.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.config.load import load_preset
from darkmiss.config.schema import RUN_NAMES, SetupGeometry
from darkmiss.events.io import EventSample, read_events
from darkmiss.events.schema import empty_events
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.ecal import reconstruct_ecal
from darkmiss.reco.hcal import reconstruct_hcal
from darkmiss.reco.pileup import remove_pileup
from darkmiss.reco.selection import Selection
from darkmiss.reco.srd import srd_tag
from darkmiss.reco.tracking import reconstruct_tracks


@dataclass
class RecoEvents:
    """Reconstructed events (one entry per event in every array).

    is_data: from a data-mode file; norm: factor turning ``weight`` into events per EOT for MC
    (1/EOT of the file, or 1 where weights already are per EOT); hcal_modules (n,4).
    """

    run: np.ndarray
    is_data: np.ndarray
    process: np.ndarray
    weight: np.ndarray
    norm: np.ndarray
    true_mass: np.ndarray
    true_aprime_energy: np.ndarray
    trigger_physics: np.ndarray
    trigger_calibration: np.ndarray
    calibration_run: np.ndarray  # event from a calibration-trigger run (file metadata), spec Sec. VI.B
    e_ecal: np.ndarray
    e_ecal_raw: np.ndarray
    e_ps: np.ndarray
    centroid_x: np.ndarray
    centroid_y: np.ndarray
    lateral_fraction: np.ndarray
    ps_fraction: np.ndarray
    chi2_lateral: np.ndarray
    chi2_longitudinal: np.ndarray
    timing_ok: np.ndarray
    n_tracks: np.ndarray
    momentum: np.ndarray
    angle_in: np.ndarray
    angle_out: np.ndarray
    upstream_hits: np.ndarray
    srd_ok: np.ndarray
    v2: np.ndarray
    hcal_modules: np.ndarray
    e_hcal: np.ndarray
    e_hcal_total: np.ndarray
    hcal_lateral: np.ndarray
    hcal_time_spread: np.ndarray

    @property
    def n(self) -> int:
        return len(self.run)

    @property
    def chi2_shape(self) -> np.ndarray:
        return self.chi2_lateral + self.chi2_longitudinal

    def subset(self, mask: np.ndarray) -> RecoEvents:
        """The events where ``mask`` is true."""
        return RecoEvents(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    @staticmethod
    def concat(parts: list[RecoEvents]) -> RecoEvents:
        """Concatenate reconstructed samples (an empty list gives zero events)."""
        if not parts:
            return reconstruct_arrays(_empty_arrays(), _default_config(), None, is_data=False)
        return RecoEvents(
            **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(parts[0])}
        )

    def run_names(self) -> np.ndarray:
        """Run names (``"I"``, ``"II"``, ``"III"``) per event."""
        names = np.array(RUN_NAMES + ("?",) * 10, dtype=object)
        return names[np.clip(self.run.astype(np.int64), 0, len(names) - 1)]


def _empty_arrays() -> dict[str, np.ndarray]:
    return empty_events(0)


def _default_config() -> AnalysisConfig:
    return AnalysisConfig.from_preset(load_preset("na64-2016"))


def reconstruct_arrays(
    arrays: dict[str, np.ndarray],
    cfg: AnalysisConfig,
    geometry: SetupGeometry | None,
    *,
    is_data: bool,
    norm: float = 1.0,
    calibration_run: bool = False,
) -> RecoEvents:
    """Reconstruct events from schema arrays (pile-up removal, ECAL, tracks, SRD, V2, HCAL)."""
    n = len(arrays["event_id"])
    cell = geometry.ecal.cell_size_cm if geometry is not None else 3.82
    ps_x0 = geometry.ps_x0 if geometry is not None else 4.06
    ecal_cells = np.asarray(arrays["ecal_cells"], dtype=np.float64)
    ps_cells = np.asarray(arrays["ps_cells"], dtype=np.float64)
    pu = remove_pileup(
        arrays["ecal_waveforms"],
        arrays["has_waveforms"],
        ecal_cells + ps_cells,
        arrays["ecal_time"],
        cfg.pileup,
    )
    ec = reconstruct_ecal(ecal_cells, ps_cells, pu.scale, cell, ps_x0, cfg.ecal)
    tr = reconstruct_tracks(arrays)
    hc = reconstruct_hcal(
        arrays["hcal_cells"], arrays["hcal_time"], cfg.hcal_modules_in_ehcal, cfg.hcal_cell_threshold
    )
    f8 = np.float64
    return RecoEvents(
        run=np.asarray(arrays["run"]).astype(np.int8),
        is_data=np.full(n, bool(is_data)),
        process=np.asarray(arrays["true_process"]).astype(np.int8),
        weight=np.asarray(arrays["weight"], dtype=f8),
        norm=np.full(n, float(norm)),
        true_mass=np.asarray(arrays["true_mass"], dtype=f8),
        true_aprime_energy=np.asarray(arrays["true_aprime_energy"], dtype=f8),
        trigger_physics=np.asarray(arrays["trigger_physics"], dtype=bool),
        trigger_calibration=np.asarray(arrays["trigger_calibration"], dtype=bool),
        calibration_run=np.full(n, bool(calibration_run)),
        e_ecal=ec.energy,
        e_ecal_raw=(ecal_cells + ps_cells).sum(axis=(1, 2)),
        e_ps=ec.ps_energy,
        centroid_x=ec.centroid_x,
        centroid_y=ec.centroid_y,
        lateral_fraction=ec.lateral_fraction,
        ps_fraction=ec.ps_fraction,
        chi2_lateral=ec.chi2_lateral,
        chi2_longitudinal=ec.chi2_longitudinal,
        timing_ok=pu.timing_ok,
        n_tracks=tr.n_tracks,
        momentum=tr.momentum,
        angle_in=tr.angle_in,
        angle_out=tr.angle_out,
        upstream_hits=tr.upstream_hits,
        srd_ok=srd_tag(arrays["srd_energy"], arrays["srd_time"], cfg.srd),
        v2=np.asarray(arrays["v2_energy"], dtype=f8),
        hcal_modules=hc.modules,
        e_hcal=hc.energy,
        e_hcal_total=hc.total,
        hcal_lateral=hc.lateral,
        hcal_time_spread=hc.time_spread,
    )


def mc_norm(metadata: dict[str, Any]) -> float:
    """Factor turning an MC file's weights into events per EOT.

    Files whose weights already are probabilities per EOT (``weights_per_eot`` true in the
    metadata: biased signal/dimuon samples, shower/api.py) get 1; otherwise 1/EOT of the file.
    """
    if metadata.get("weights_per_eot"):
        return 1.0
    eot = float(metadata.get("eot") or 0.0)
    return 1.0 / eot if eot > 0 else 0.0


@dataclass
class FileInfo:
    """What the analysis keeps of one event file's metadata."""

    path: str
    mode: str
    run: str
    eot: float
    intensity: float
    process: str
    n_events: int
    blinded: bool
    trigger: str = "physics"
    n_generated: int = 0
    rate_per_eot: float = 0.0
    sum_weights_generated: float = 0.0
    max_weight_generated: float = 0.0


def reconstruct_file(
    path: str | Path, cfg: AnalysisConfig, geometry: SetupGeometry | None
) -> tuple[RecoEvents, FileInfo]:
    """Read and reconstruct one event file (module-level, so it can run in a worker process)."""
    return reconstruct_sample(read_events(path), path, cfg, geometry)


def reconstruct_sample(
    sample: EventSample, path: str | Path, cfg: AnalysisConfig, geometry: SetupGeometry | None
) -> tuple[RecoEvents, FileInfo]:
    """Reconstruct the events ``sample`` read from the one event file ``path``."""
    meta = sample.metadata[0] if sample.metadata else {}
    mode = str(meta.get("mode", "mc"))
    reco = reconstruct_arrays(
        sample.arrays,
        cfg,
        geometry,
        is_data=mode == "data",
        norm=1.0 if mode == "data" else mc_norm(meta),
        calibration_run=str(meta.get("trigger", "physics")) == "calibration",
    )
    return reco, file_info(path, meta, reco.n)


def file_info(path: str | Path, meta: dict[str, Any], n_events: int) -> FileInfo:
    """The :class:`FileInfo` of the event file ``path`` from its metadata and its number of events."""
    mode = str(meta.get("mode", "mc"))
    return FileInfo(
        path=str(path),
        mode=mode,
        run=str(meta.get("run", "")),
        eot=float(meta.get("eot") or 0.0),
        intensity=float(meta.get("intensity") or 0.0),
        process=str(meta.get("process", "")),
        n_events=int(n_events),
        blinded=bool(meta.get("blinded", mode == "data")),
        trigger=str(meta.get("trigger", "physics")),
        n_generated=int(meta.get("n_generated") or 0),
        rate_per_eot=float(meta.get("rate_per_eot") or 0.0),
        sum_weights_generated=float(meta.get("sum_weights_generated") or 0.0),
        max_weight_generated=float(meta.get("max_weight_generated") or 0.0),
    )


def build_selection(reco: RecoEvents, cfg: AnalysisConfig) -> Selection:
    """The standard cuts (:data:`darkmiss.reco.selection.CUTS`) for ``reco`` (spec Sec. IV, VIII)."""
    tc = cfg.tracking
    sel = Selection(reco.n)
    sel.add("trigger", reco.trigger_physics)
    sel.add("one_track", reco.n_tracks == tc.n_tracks)
    sel.add("momentum", np.abs(reco.momentum - tc.momentum) <= tc.momentum_window)
    # the track's angle to the beam axis upstream and downstream of the magnets (a decay in flight
    # before the downstream stations shows as a kink there; spec Sec. VIII Ke3 cut)
    sel.add("ke3_angle", np.maximum(np.abs(reco.angle_in), np.abs(reco.angle_out)) < tc.max_angle_in_mrad)
    sel.add("upstream_hits", reco.upstream_hits <= tc.max_upstream_hits)
    sel.add("srd", reco.srd_ok)
    sel.add("ecal_timing", reco.timing_ok)
    sel.add("shower_shape", reco.chi2_shape < cfg.ecal.chi2_max)
    sel.add("v2", reco.v2 < cfg.v2_threshold_mip)
    # lateral HCAL activity beyond what an interaction in the ECAL target gives (spec Sec. VIII): the
    # energy outside the central cells above an absolute floor and above a fraction of E_HCAL
    lateral_limit = np.maximum(cfg.hcal_lateral_max, cfg.hcal_lateral_fraction_max * reco.e_hcal_total)
    sel.add("hcal_lateral", reco.hcal_lateral < lateral_limit)
    sel.add("hcal_time", reco.hcal_time_spread < cfg.hcal_time_spread_max_ns)
    return sel
