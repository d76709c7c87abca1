"""The analysis inputs: every event file read and reconstructed (:func:`load_inputs`), data-mode
box events dropped file by file while blinded (spec Sec. IV), MC weights normalised to events per EOT.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from darkmiss import __version__
from darkmiss.analysis.blinding import hide_box
from darkmiss.cache import cached_packed, hash_key, store_packed
from darkmiss.config.schema import RUN_NAMES, SetupGeometry
from darkmiss.detsim.fastpath import SummaryCounts, read_summaries
from darkmiss.errors import UserInputError
from darkmiss.events.io import event_files, read_events
from darkmiss.parallel import map_chunks
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.reconstruct import FileInfo, RecoEvents, file_info, reconstruct_sample


@dataclass
class AnalysisInputs:
    """Reconstructed events: data (pseudo-data) and MC (signal, dimuon, background, calibration), and
    per run the pseudo-data counted on the summary path (darkmiss.detsim.fastpath; never in the box)."""

    data: RecoEvents
    data_files: list[FileInfo]
    mc: RecoEvents | None = None
    mc_files: list[FileInfo] = field(default_factory=list)
    summaries: dict[str, SummaryCounts] = field(default_factory=dict)
    #: The (mediator, model) of the signal MC files (their metadata ``options``; absent = vector dark photon).
    signal_models: list[tuple[str, str]] = field(default_factory=list)


def _run_name(value: Any) -> str:
    s = str(value)
    if s.isdigit() and int(s) < len(RUN_NAMES):
        return RUN_NAMES[int(s)]
    return s


def _group_norms(files: list[FileInfo], metas: list[dict[str, Any]]) -> list[float]:
    """Per-file factor turning weights into events per EOT, pooling the chunks of one production
    (run, process, trigger): the weights of a production sum to its expected events in its EOT,
    and the chunks' EOT add up to the production's (detsim/generate.py).

    Unweighted/prescaled files: 1/ΣEOT of the group; per-EOT weighted files: 1/number of files."""
    groups: dict[tuple[str, str, str, bool], list[int]] = {}
    for i, (f, m) in enumerate(zip(files, metas, strict=True)):
        groups.setdefault((f.run, f.process, f.trigger, bool(m.get("weights_per_eot"))), []).append(i)
    out = [0.0] * len(files)
    for (_run, _proc, _trig, per_eot), idx in groups.items():
        if per_eot:
            for i in idx:
                out[i] = 1.0 / len(idx)
        else:
            tot = sum(files[i].eot for i in idx)
            for i in idx:
                out[i] = 1.0 / tot if tot > 0 else 0.0
    return out


def signal_model(meta: dict[str, Any]) -> tuple[str, str]:
    """(mediator, model) of a signal event file from its metadata ``options`` (``darkmiss simulate``
    writes them only when not the vector dark photon; a non-vector mediator's model is "universal")."""
    opts = meta.get("options") or {}
    mediator = str(opts.get("mediator", "vector"))
    return mediator, str(opts.get("model", "dark-photon" if mediator == "vector" else "universal"))


def _reco_task(
    path: str, cfg: AnalysisConfig, geometry: SetupGeometry | None
) -> tuple[RecoEvents, FileInfo, dict]:
    """Read the event file ``path`` once and reconstruct it: (events, file information, metadata)."""
    sample = read_events(path)
    reco, info = reconstruct_sample(sample, path, cfg, geometry)
    return reco, info, sample.metadata[0] if sample.metadata else {}


#: Layout of the entries of a reconstruction cache (:func:`load_inputs`, ``reco_cache``): 2 = one
#: ``darkmiss.cache.store_packed`` file per event file, holding its metadata too.
RECO_CACHE_LAYOUT = 2


def reco_settings_digest(cfg: AnalysisConfig, geometry: SetupGeometry | None) -> str:
    """The part of :func:`reco_cache_key` common to every file: the analysis settings but the signal-box
    edges (reconstruction does not read them, so the blinded analysis and the unblinding at the frozen cut
    share one entry), the geometry, the fields of :class:`RecoEvents` and the darkmiss version."""
    return hash_key(
        "reco", RECO_CACHE_LAYOUT, replace(cfg, ecal_cut=0.0, hcal_cut=0.0), geometry,
        [f.name for f in fields(RecoEvents)], __version__,
    )  # fmt: skip


def _file_key(path: Path, settings: str) -> str:
    st = path.stat()
    return hash_key("reco-file", str(path.resolve()), st.st_size, st.st_mtime_ns, settings)


def reco_cache_key(path: Path, cfg: AnalysisConfig, geometry: SetupGeometry | None) -> str:
    """Key of the reconstruction of the event file ``path``: the file (absolute path, size, modification
    time) and :func:`reco_settings_digest`."""
    return _file_key(path, reco_settings_digest(cfg, geometry))


def _reconstruct_files(
    files: list[Path],
    cfg: AnalysisConfig,
    geometry: SetupGeometry | None,
    workers: int,
    reco_cache: Path | None,
    scheduler: str | None = None,
    store: bool = True,
) -> list[tuple[RecoEvents, FileInfo, dict]]:
    """Reconstruct ``files`` over ``workers`` processes (or the dask cluster at ``scheduler``), the largest
    first; returned in file order. With ``reco_cache``, a file reconstructed earlier with the same key
    (:func:`reco_cache_key`) is read from there instead, with the metadata stored beside it, and new
    reconstructions are stored there (by this process) unless ``store`` is false."""
    settings = reco_settings_digest(cfg, geometry)
    keys = [_file_key(p, settings) for p in files] if reco_cache is not None else []
    out: dict[int, tuple[RecoEvents, FileInfo, dict]] = {}
    for i, key in enumerate(keys):
        hit = cached_packed("reco", key, reco_cache)
        if hit is not None:
            arrays, meta = hit
            reco = RecoEvents(**arrays)
            out[i] = (reco, file_info(files[i], meta, reco.n), meta)
    # the largest files first, so that no worker is left with a large file while the others idle
    todo = sorted((i for i in range(len(files)) if i not in out), key=lambda i: -files[i].stat().st_size)
    tasks = [(str(files[i].absolute()), cfg, geometry) for i in todo]
    done = map_chunks(_reco_task, tasks, workers=workers, scheduler=scheduler)
    for i, res in zip(todo, done, strict=True):
        out[i] = res
        if reco_cache is not None and store:
            arrays = {f.name: getattr(res[0], f.name) for f in fields(RecoEvents)}
            store_packed("reco", keys[i], arrays, reco_cache, meta=res[2])
    return [out[i] for i in range(len(files))]


def load_inputs(
    events: str | Path,
    mc: str | Path | None,
    cfg: AnalysisConfig,
    geometry: SetupGeometry | None,
    *,
    workers: int = 1,
    blinded: bool = True,
    reco_cache: Path | None = None,
    scheduler: str | None = None,
    reco_cache_store: bool = True,
) -> AnalysisInputs:
    """Read and reconstruct every event file; data-mode box events are dropped here when ``blinded``.

    Files under ``events`` may be data or MC mode (the file metadata decides); ``mc`` holds the MC
    samples (any layout: the ``true_process``/``true_mass`` branches identify them). ``reco_cache``: a
    folder keeping each file's reconstruction (all its events, before blinding) for the next analysis of
    the same files and settings (the unblinding); with ``reco_cache_store`` false it is only read.
    ``scheduler``: reconstruct on that dask cluster (the event files on a filesystem its workers share).
    """

    def unpack(
        res: list[tuple[RecoEvents, FileInfo, dict]],
    ) -> tuple[list[RecoEvents], list[FileInfo], list[dict]]:
        recos, infos, metas = [], [], []
        for reco, info, meta in res:
            info.run = _run_name(info.run)
            # blinding happens per file, before anything is kept
            recos.append(hide_box(reco, cfg, blinded=blinded))
            infos.append(info)
            metas.append(meta)
        return recos, infos, metas

    # the files of both folders reconstructed as one set of tasks (one pool, no idle tail in between)
    ev_files = event_files(events)
    mc_files = event_files(mc) if mc is not None else []
    res = _reconstruct_files(
        ev_files + mc_files, cfg, geometry, workers, reco_cache, scheduler, reco_cache_store
    )
    d_recos, d_infos, d_metas = unpack(res[: len(ev_files)])
    m_recos, m_infos, m_metas = unpack(res[len(ev_files) :])
    # MC files inside the events folder count as MC too
    data_parts, data_infos, mc_parts, mc_infos, mc_metas = [], [], list(m_recos), list(m_infos), list(m_metas)
    for r, i, m in zip(d_recos, d_infos, d_metas, strict=True):
        if i.mode == "data":
            data_parts.append(r)
            data_infos.append(i)
        else:
            mc_parts.append(r)
            mc_infos.append(i)
            mc_metas.append(m)
    norms = _group_norms(mc_infos, mc_metas)
    for r, nrm in zip(mc_parts, norms, strict=True):
        r.norm[:] = nrm
    if not data_parts:
        raise UserInputError("events", str(events), "a folder with data-mode event files (pseudo-data)")
    return AnalysisInputs(
        data=RecoEvents.concat(data_parts),
        data_files=data_infos,
        mc=RecoEvents.concat(mc_parts) if mc_parts else None,
        mc_files=mc_infos,
        summaries=read_summaries(events),
        signal_models=sorted(
            {signal_model(m) for i, m in zip(mc_infos, mc_metas, strict=True) if i.process == "signal"}
        ),
    )
