"""Production of event files: rare and abundant processes, chunking, resume, determinism.

Per run and process (architecture.md "Rare backgrounds"; docs/simulation.md):

* the process' rate per EOT after its pre-filter, r (``SimProcess.rate``);
* data mode (pseudo-data): N ~ Poisson(EOT · r / k) events of unit weight, as a detector records
  them, k the process' prescale (``[production.prescale]``: only ordinary showers under the
  calibration trigger, a hardware prescale written in the file metadata). Generators that weight
  their events are unweighted by accept-reject (:meth:`TruthBatch.unweighted`); processes with a
  fast path (``generate_split``) write their full and fast paths as events and count their summary
  path into ``chunk_NNNNN.summary.npz`` (:mod:`.fastpath`);
* MC mode: N ~ Poisson(EOT · r / k) with weight k, or, for processes listed in
  ``[production.weighted_events]``, a fixed N with weight EOT · r / N;
* N is split into chunks of ``chunk_events`` (``summary_chunk_events`` for the data mode of a process
  with a summary path, which stores a few per cent of its events); chunk i of (run, process) draws from
  ``chunk_seeds(s, n_chunks + 1)[i + 1]`` with s derived from (seed, run, process), so a chunk's
  content depends only on its seed and configuration, whatever the number of workers;
* each chunk is digitised (:mod:`.digitize`) and written atomically; a rerun skips chunks whose
  file exists with the same configuration hash (resume).

Units: EOT counts, rates per EOT, energies GeV.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss import __version__
from darkmiss.cache import hash_key, write_json_atomic
from darkmiss.config.load import Preset, load_preset, required
from darkmiss.config.schema import RUN_NAMES, RunConfig, SetupGeometry, runs_from_preset, select_runs
from darkmiss.detsim.beam import BeamConfig, with_beam
from darkmiss.detsim.digitize import DigitizerConfig, check_mode, digitize
from darkmiss.detsim.fastpath import SummaryCounts, SummaryCuts, summary_readout
from darkmiss.detsim.pileup import PileupConfig, mean_pileup
from darkmiss.detsim.processes import available_processes, get_process
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.processes.signal import signal_model_options
from darkmiss.detsim.spill import DeadTime, calibrate_dead_time
from darkmiss.detsim.trigger import check_trigger
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.io import read_metadata, unreadable_errors, write_events
from darkmiss.parallel import Task, chunk_seeds, run_tasks
from darkmiss.shower.response import calibration

SUMMARY_FILE = "simulation.json"
#: Layout version of ``simulation.json``.
SUMMARY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ProductionConfig:
    """``[production]``: chunk size, prescales, fixed-size weighted samples, waveform storage.

    Required: ``chunk_events``, ``[production.calibration] em_prescale``, ``[production.waveforms]
    max_ecal_energy`` and ``[production.protected]`` (the signal box).  Optional, with their meaning
    when absent: ``[production.prescale]`` (every process unprescaled, k = 1),
    ``[production.weighted_events]`` (no fixed-size weighted samples) and
    ``[production.waveforms] zero_suppression_gev`` (no zero suppression, 0 GeV) and
    ``summary_chunk_events`` (``chunk_events``).
    """

    chunk_events: int
    prescale: dict[str, float]
    calibration_em_prescale: float
    weighted_events: dict[str, int]
    waveform_max_ecal: float
    waveform_zs_gev: float
    signal_box: tuple[float, float]  # (E_ECAL max, E_HCAL max) [GeV]
    #: Events per chunk of the pseudo-data of a process with a summary path (``generate_split``).
    summary_chunk_events: int

    @classmethod
    def from_preset(cls, preset: Preset) -> ProductionConfig:
        """Read ``[production]`` (see the class docstring for the required and optional keys)."""
        t = preset.section("production")
        calib = required(t, "calibration", "[production]")
        waves = required(t, "waveforms", "[production]")
        box = required(t, "protected", "[production]")
        cfg = cls(
            chunk_events=int(required(t, "chunk_events", "[production]")),
            summary_chunk_events=int(
                t.get("summary_chunk_events", required(t, "chunk_events", "[production]"))
            ),
            prescale={k: float(v) for k, v in t.get("prescale", {}).items()},
            calibration_em_prescale=float(required(calib, "em_prescale", "[production.calibration]")),
            weighted_events={k: int(v) for k, v in t.get("weighted_events", {}).items()},
            waveform_max_ecal=float(required(waves, "max_ecal_energy", "[production.waveforms]")),
            waveform_zs_gev=float(waves.get("zero_suppression_gev", 0.0)),
            signal_box=(
                float(required(box, "signal_box_ecal_max", "[production.protected]")),
                float(required(box, "signal_box_hcal_max", "[production.protected]")),
            ),
        )
        for name in ("chunk_events", "summary_chunk_events"):
            if getattr(cfg, name) <= 0:
                raise UserInputError(f"preset [production] {name}", getattr(cfg, name), "a positive integer")
        bad = {k: v for k, v in cfg.prescale.items() if not v >= 1}
        if bad:
            raise UserInputError("preset [production.prescale]", bad, "prescales >= 1")
        return cfg

    def chunk_events_for(self, process: str, mode: str) -> int:
        """Events per chunk of ``process`` in ``mode``: ``summary_chunk_events`` for the pseudo-data of a
        process with a summary path (it stores a few per cent of its events; the rest are only counted),
        else ``chunk_events``."""
        if mode == "data" and hasattr(get_process(process), "generate_split"):
            return self.summary_chunk_events
        return self.chunk_events

    def prescale_for(self, process: str, trigger: str) -> float:
        """The prescale k of ``process`` under ``trigger``."""
        if trigger == "calibration" and process == "em":
            return self.calibration_em_prescale
        return self.prescale.get(process, 1.0)


@dataclass(frozen=True)
class ChunkTask:
    """Everything one chunk needs (picklable; its content depends only on this)."""

    preset: Preset
    run: RunConfig
    mode: str
    process: str
    trigger: str
    options: dict[str, Any]
    n_events: int
    seed_entropy: int
    chunk_index: int
    n_chunks: int
    path: str
    weight_scale: float
    eot: float
    prescale: float
    master_seed: int
    config_hash: str
    rate_per_eot: float
    dead_time: float


@dataclass
class ProcessPlan:
    """The production plan of one (run, process)."""

    run: str
    process: str
    rate_per_eot: float
    rate_rel_err: float
    rate_source: str
    eot: float
    expected_events: float
    prescale: float
    weighted: bool
    n_events: int
    n_chunks: int


@dataclass
class SimulationSummary:
    """Result of :func:`simulate`: files written or found, per-run per-process plans and counts."""

    out_dir: Path
    files: list[Path]
    plans: list[ProcessPlan]
    stored_events: dict[str, dict[str, int]]  # run -> process -> events stored (after the trigger)
    weighted_events: dict[str, dict[str, float]]  # run -> process -> sum of weights stored
    summary_events: dict[str, dict[str, int]]  # run -> process -> events counted on the summary path
    digitised_events: dict[str, dict[str, int]]  # run -> process -> events read out (stored: triggered)
    dead_time: dict[str, float]
    mean_pileup: dict[str, float]
    chunks_written: int
    chunks_skipped: int
    seed: int
    mode: str
    trigger: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {"schema_version": SUMMARY_SCHEMA_VERSION, **asdict(self)}
        d["out_dir"] = str(self.out_dir)
        d["files"] = [str(f) for f in self.files]
        return d


def _process_key(name: str) -> int:
    return zlib.crc32(name.encode())


def _sub_seed(seed: int, run: str, process: str) -> int:
    """Entropy of (run, process) derived from the master seed (stable across runs and versions)."""
    run_idx = RUN_NAMES.index(run) if run in RUN_NAMES else zlib.crc32(run.encode())
    ss = np.random.SeedSequence([int(seed), run_idx, _process_key(process)])
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def _context(preset: Preset, run: RunConfig, mode: str, options: dict[str, Any]) -> ProcessContext:
    beam = BeamConfig.from_preset(preset)
    return ProcessContext(
        preset=preset,
        geometry=SetupGeometry.from_preset(preset),
        run=run,
        mode=mode,
        beam_energy=beam.energy,
        options=dict(options),
        beam_particle=beam.particle,
    )


def plan_process(
    preset: Preset,
    run: RunConfig,
    mode: str,
    process: str,
    trigger: str,
    options: dict[str, Any],
    eot: float,
    seed: int,
    prod: ProductionConfig,
) -> tuple[ProcessPlan, float]:
    """Decide N and the weight of (run, process); returns the plan and the per-event weight scale."""
    proc = get_process(process)
    ctx = _context(preset, run, mode, options)
    rate: RateEstimate = proc.rate(ctx)
    expected = eot * rate.per_eot
    k = prod.prescale_for(process, trigger)
    sub = _sub_seed(seed, run.name, process)
    fixed = prod.weighted_events.get(process) if mode == "mc" else None
    if fixed is not None and rate.per_eot > 0:
        n = int(fixed)
        scale = expected / n
        k = 1.0
    else:
        count_rng = np.random.default_rng(chunk_seeds(sub, 1)[0])
        lam = expected / k
        n = int(count_rng.poisson(lam)) if lam > 0 else 0
        # pseudo-data is unweighted (a prescaled trigger records 1 in k events, k in the metadata)
        scale = 1.0 if mode == "data" else k
    n_chunks = math.ceil(n / prod.chunk_events_for(process, mode)) if n else 0
    plan = ProcessPlan(
        run=run.name,
        process=process,
        rate_per_eot=float(rate.per_eot),
        rate_rel_err=float(rate.rel_err),
        rate_source=rate.source,
        eot=eot,
        expected_events=expected,
        prescale=k,
        weighted=fixed is not None,
        n_events=n,
        n_chunks=n_chunks,
    )
    return plan, scale


def _chunk_sizes(n: int, n_chunks: int) -> list[int]:
    base, rem = divmod(n, n_chunks)
    return [base + (1 if i < rem else 0) for i in range(n_chunks)]


def _digitise(
    truth: TruthBatch,
    task: ChunkTask,
    dcfg: DigitizerConfig,
    prod: ProductionConfig,
    rng: np.random.Generator,
    *,
    waveforms: bool = True,
) -> dict[str, np.ndarray]:
    return digitize(
        truth,
        task.run,
        task.mode,
        dcfg,
        rng,
        trigger=task.trigger,
        waveform_max_ecal=prod.waveform_max_ecal,
        waveform_zs_gev=prod.waveform_zs_gev,
        waveforms=waveforms,
    )


def _concat_events(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    out["event_id"][:] = np.arange(len(out["event_id"]))
    return out


def run_chunk(task: ChunkTask) -> dict[str, Any]:
    """Generate, digitise and write one chunk; returns its path and counts (module docstring)."""
    rng = np.random.default_rng(chunk_seeds(task.seed_entropy, task.chunk_index + 2)[task.chunk_index + 1])
    ctx = _context(task.preset, task.run, task.mode, task.options)
    proc = get_process(task.process)
    dcfg = DigitizerConfig.from_preset(task.preset)
    prod = ProductionConfig.from_preset(task.preset)
    summary: SummaryCounts | None = None
    gen_w = np.zeros(0)
    if task.mode == "data" and hasattr(proc, "generate_split"):
        split = proc.generate_split(task.n_events, rng, ctx)
        full, fast = split.full.unweighted(rng), split.fast.unweighted(rng)
        n_digitised = full.n + fast.n
        ev = _concat_events(
            [
                _digitise(full, task, dcfg, prod, rng),
                _digitise(fast, task, dcfg, prod, rng, waveforms=False),
            ]
        )
        summary = summary_readout(split.summary, task.run, dcfg, SummaryCuts.from_preset(task.preset), rng)
    else:
        truth = proc.generate(task.n_events, rng, ctx)
        gen_w = truth.weight * task.weight_scale
        if task.mode == "data":
            truth = truth.unweighted(rng)
        elif task.options.get("box_only"):
            truth = truth.select(box_possible(truth, task.preset))
        truth = replace(truth, weight=truth.weight * task.weight_scale)
        n_digitised = truth.n
        ev = _digitise(truth, task, dcfg, prod, rng)
    sum_w = float(ev["weight"].sum())
    box = prod.signal_box
    in_box = (ev["ecal_energy"] < box[0]) & (ev["hcal_energy"] < box[1])
    prescaled_in_box = int(in_box.sum()) if task.prescale > 1 else 0
    meta = {
        "preset": task.preset.name,
        "preset_digest": task.preset.digest(),
        "run": task.run.name,
        "mode": task.mode,
        "process": task.process,
        "trigger": task.trigger,
        "eot": task.eot,
        "intensity": task.run.intensity_per_spill,
        "prescales": {task.process: task.prescale},
        "seed": task.master_seed,
        "chunk": task.chunk_index,
        "n_chunks": task.n_chunks,
        "n_generated": task.n_events,
        "n_digitised": n_digitised,  # events read out (after unweighting): n_events of them fired the trigger
        "n_events": len(ev["event_id"]),
        "n_summary": summary.n_events if summary is not None else 0,
        "rate_per_eot": task.rate_per_eot,
        "dead_time": task.dead_time,
        "options": task.options,
        "darkmiss_version": __version__,
        "blinded": task.mode == "data",
        "config_hash": task.config_hash,
        "sum_weights": sum_w,
        # weights of every generated event (before a box-only selection): the one-event weight of
        # the sample, for upper limits when no event passes
        "sum_weights_generated": float(gen_w.sum()),
        "max_weight_generated": float(gen_w.max()) if gen_w.size else 0.0,
        "prescaled_in_signal_box": prescaled_in_box,
    }
    if summary is not None:
        summary.write(summary_path(task.path))
    write_events(task.path, ev, meta)
    return {
        "path": task.path,
        "n_events": meta["n_events"],
        "sum_weights": sum_w,
        "n_summary": meta["n_summary"],
        "n_digitised": n_digitised,
    }


def box_possible(truth: TruthBatch, preset: Preset) -> np.ndarray:
    """Events whose truth may still end in the signal box after readout in MC mode (no pile-up): truth
    E_ECAL below the box edge plus a margin, truth HCAL1+2 and V2 below the limits of the fast path
    (``[production.fast_path]``: noise and resolution margins), a loose SRD tag and one track. The
    others are certain to miss it (biased Table IV samples keep only these; the weights already count
    every generated event)."""
    t = required(preset.section("production"), "fast_path", "[production]")
    prod = ProductionConfig.from_preset(preset)
    e_ecal = (truth.ecal + truth.ps).sum(axis=(1, 2))
    hcal12 = truth.hcal[:, :2].sum(axis=(1, 2, 3))
    return np.asarray(
        (e_ecal < prod.signal_box[0] + float(required(t, "box_ecal_margin", "[production.fast_path]")))
        & (hcal12 < float(required(t, "box_hcal12_max", "[production.fast_path]")))
        & (truth.v2 < float(required(t, "v2_certain_mip", "[production.fast_path]")))
        & (truth.n_tracks_in == 1)
    )


def summary_path(chunk_path: str | Path) -> Path:
    """The summary file beside a chunk file (``chunk_NNNNN.summary.npz``)."""
    p = Path(chunk_path)
    return p.with_name(p.stem + ".summary.npz")


def _finished(path: Path, config_hash: str) -> dict[str, Any] | None:
    """Metadata of a complete chunk file made with ``config_hash``, else None (the chunk is made anew).

    A file that cannot be read (:func:`darkmiss.events.io.unreadable_errors`: truncated, corrupted, not a
    ROOT file, no metadata) or whose metadata lacks the counts a finished chunk records is not finished;
    any other error propagates.
    """
    if not path.is_file():
        return None
    try:
        meta = read_metadata(path)
    except unreadable_errors():
        return None
    if not isinstance(meta, dict) or meta.get("config_hash") != config_hash:
        return None
    if meta.get("n_summary") and not summary_path(path).is_file():
        return None
    return meta if all(k in meta for k in ("n_events", "sum_weights")) else None


def check_arguments(mode: str, trigger: str, eot: float | None, workers: int, seed: int) -> None:
    """Validate the scalar arguments of :func:`simulate` (each bad value is a user error naming it)."""
    check_mode(mode)
    check_trigger(trigger)
    if eot is not None and not (eot > 0 and math.isfinite(eot)):
        raise UserInputError("eot", eot, "a positive number of electrons on target")
    if workers < 1:
        raise UserInputError("workers", workers, "a positive number of worker processes")
    if seed < 0:
        raise UserInputError("seed", seed, "a non-negative integer")


def select_processes(
    processes: list[str] | None, mass: float | None, epsilon: float | None, mode: str = "data"
) -> list[str]:
    """The processes to produce: ``processes`` (checked against the registry) or, by default, every
    registered process but ``annihilation`` (only when named), ``signal`` only when ``mass`` [GeV] and
    ``epsilon`` are given (both or neither),
    and the processes that exist only as weighted MC samples (``weighted_only``, e.g. a forced decay)
    only in MC mode."""
    avail = available_processes()
    if processes is None:
        procs = [p for p in avail if p != "signal" or (mass is not None and epsilon is not None)]
        procs = [p for p in procs if p != "annihilation"]  # only on request (--process annihilation)
        if mode == "data":
            procs = [p for p in procs if not getattr(get_process(p), "weighted_only", False)]
    else:
        procs = list(processes)
        for p in procs:
            if p not in avail:
                raise UserInputError("process", p, f"one of {', '.join(avail)}")
    if not procs:
        raise UserInputError("process", processes, "at least one process")
    if (mass is None) != (epsilon is None):
        raise UserInputError("mass/epsilon", (mass, epsilon), "both --mass and --epsilon, or neither")
    return procs


def plan_chunks(
    pr: Preset,
    run: RunConfig,
    mode: str,
    process: str,
    trigger: str,
    options: dict[str, Any],
    eot: float,
    seed: int,
    prod: ProductionConfig,
    out: Path,
    dead: DeadTime,
) -> tuple[ProcessPlan, list[ChunkTask], list[dict[str, Any]]]:
    """The plan of (run, process) with ``eot`` EOT, its chunks still to make under ``out``, and the
    finished chunks found there (path, run, process, n_events, sum_weights); ``dead``: the preset's
    dead-time calibration (:func:`calibrate_dead_time`, computed once per call)."""
    plan, scale = plan_process(pr, run, mode, process, trigger, options, eot, seed, prod)
    sub = _sub_seed(seed, run.name, process)
    chash = hash_key(
        pr.digest(), run, mode, process, trigger, options, plan.n_events, scale, seed,
        prod.chunk_events_for(process, mode),
    )  # fmt: skip
    dead_time = dead.per_run.get(run.name, 0.0)
    tasks: list[ChunkTask] = []
    existing: list[dict[str, Any]] = []
    for i, n_i in enumerate(_chunk_sizes(plan.n_events, plan.n_chunks) if plan.n_chunks else []):
        path = out / run.name / process / f"chunk_{i:05d}.root"
        meta = _finished(path, chash)
        if meta is not None:
            existing.append(
                {
                    "path": str(path),
                    "run": run.name,
                    "process": process,
                    "n_events": int(meta["n_events"]),
                    "sum_weights": float(meta["sum_weights"]),
                    "n_summary": int(meta.get("n_summary", 0)),
                    "n_digitised": int(meta.get("n_digitised", meta["n_events"])),
                }
            )
            continue
        tasks.append(
            ChunkTask(
                preset=pr,
                run=run,
                mode=mode,
                process=process,
                trigger=trigger,
                options=options,
                n_events=n_i,
                seed_entropy=sub,
                chunk_index=i,
                n_chunks=plan.n_chunks,
                path=str(path),
                weight_scale=scale,
                eot=eot * n_i / plan.n_events,
                prescale=plan.prescale,
                master_seed=seed,
                config_hash=chash,
                rate_per_eot=plan.rate_per_eot,
                dead_time=dead_time,
            )
        )
    return plan, tasks, existing


def tally_chunks(
    tasks: list[ChunkTask],
    results: list[dict[str, Any]],
    existing: list[dict[str, Any]],
    runs: list[RunConfig],
    procs: list[str],
) -> tuple[
    dict[str, dict[str, int]],
    dict[str, dict[str, float]],
    dict[str, dict[str, int]],
    dict[str, dict[str, int]],
    list[Path],
]:
    """Events stored, sum of weights and events counted on the summary path per run and process, and
    the sorted chunk files, of the chunks just made (``tasks`` with their ``results``) and the ones
    found finished."""
    stored: dict[str, dict[str, int]] = {r.name: {p: 0 for p in procs} for r in runs}
    wsum: dict[str, dict[str, float]] = {r.name: {p: 0.0 for p in procs} for r in runs}
    summ: dict[str, dict[str, int]] = {r.name: {p: 0 for p in procs} for r in runs}
    digi: dict[str, dict[str, int]] = {r.name: {p: 0 for p in procs} for r in runs}
    done = [(t.run.name, t.process, r) for t, r in zip(tasks, results, strict=True)]
    done += [(e["run"], e["process"], e) for e in existing]
    for run, proc, r in done:
        stored[run][proc] += int(r["n_events"])
        wsum[run][proc] += float(r["sum_weights"])
        summ[run][proc] += int(r.get("n_summary", 0))
        digi[run][proc] += int(r.get("n_digitised", r["n_events"]))
    files = sorted({Path(t.path) for t in tasks} | {Path(e["path"]) for e in existing})
    return stored, wsum, summ, digi, files


def write_summaries(summary: SimulationSummary, runs: list[RunConfig]) -> None:
    """Write ``simulation.json`` in the output folder and a per-run copy in each run's folder (the
    copies survive later calls for other runs into the same folder)."""
    out = summary.out_dir
    write_json_atomic(out / SUMMARY_FILE, summary.to_dict())
    for rc in runs:
        d = summary.to_dict()
        d["plans"] = [asdict(p) for p in summary.plans if p.run == rc.name]
        d["files"] = [str(f) for f in summary.files if f.parent.parent.name == rc.name]
        for key in (
            "stored_events",
            "weighted_events",
            "summary_events",
            "digitised_events",
            "dead_time",
            "mean_pileup",
        ):
            d[key] = {rc.name: d[key][rc.name]}
        write_json_atomic(out / rc.name / SUMMARY_FILE, d)


@dataclass(frozen=True)
class _Setup:
    """One :func:`simulate` call with its arguments checked (cheap; done where the call is made)."""

    preset: Preset
    run_list: list[RunConfig]
    procs: list[str]
    opts: dict[str, Any]
    eot: float | None
    out: Path
    seed: int
    mode: str
    trigger: str


@dataclass
class _Prepared:
    """A :func:`simulate` call planned: its chunks still to make and those found finished."""

    setup: _Setup
    plans: list[ProcessPlan]
    tasks: list[ChunkTask]
    existing: list[dict[str, Any]]
    dead_time: DeadTime


def _setup(
    preset: str | Preset,
    runs: str | list[str],
    mode: str,
    out_dir: str | Path,
    *,
    processes: list[str] | None = None,
    eot: float | None = None,
    mass: float | None = None,
    epsilon: float | None = None,
    trigger: str = "physics",
    workers: int = 1,
    seed: int = 0,
    options: dict[str, Any] | None = None,
    beam: str | None = None,
    mediator: str = "vector",
    model: str | None = None,
) -> _Setup:
    """Check the arguments of one :func:`simulate` call (each bad value a user error naming it)."""
    pr = with_beam(preset if isinstance(preset, Preset) else load_preset(preset), beam)
    check_arguments(mode, trigger, eot, workers, seed)
    run_list = select_runs(pr, runs if isinstance(runs, str) else ",".join(runs))
    procs = select_processes(processes, mass, epsilon, mode)
    opts: dict[str, Any] = {**(options or {}), "trigger": trigger}
    if mass is not None and epsilon is not None:
        opts.update(mass=float(mass), epsilon=float(epsilon))
    opts.update(signal_model_options(mediator, model))
    ProductionConfig.from_preset(pr)  # validate the production table before any work
    DigitizerConfig.from_preset(pr)  # validate the detector tables before any work
    BeamConfig.from_preset(pr)  # validate the beam table before any work
    PileupConfig.from_preset(pr)  # validate the pile-up table before any work
    out = Path(out_dir).absolute()  # workers on a cluster never resolve a relative path themselves
    return _Setup(pr, run_list, procs, opts, eot, out, seed, mode, trigger)


def _plan(su: _Setup) -> _Prepared:
    """Plan the chunks of a checked call (:func:`plan_chunks` per run and process; may simulate a
    process' rate, cached on disk afterwards)."""
    pr = su.preset
    prod = ProductionConfig.from_preset(pr)
    dead = calibrate_dead_time(pr, list(runs_from_preset(pr).values()))
    plans: list[ProcessPlan] = []
    tasks: list[ChunkTask] = []
    existing: list[dict[str, Any]] = []
    for run in su.run_list:
        eot = run.eot if su.eot is None else float(su.eot)
        for p in su.procs:
            plan, todo, done = plan_chunks(
                pr, run, su.mode, p, su.trigger, su.opts, eot, su.seed, prod, su.out, dead
            )
            plans.append(plan)
            tasks += todo
            existing += done
    return _Prepared(su, plans, tasks, existing, dead)


def _finish(prep: _Prepared, results: list[dict[str, Any]]) -> SimulationSummary:
    """Tally a planned call's chunks (``results`` of its tasks, in order) and write its summaries."""
    su = prep.setup
    stored, wsum, summ, digi, files = tally_chunks(prep.tasks, results, prep.existing, su.run_list, su.procs)
    pcfg = PileupConfig.from_preset(su.preset)
    summary = SimulationSummary(
        out_dir=su.out,
        files=files,
        plans=prep.plans,
        stored_events=stored,
        weighted_events=wsum,
        summary_events=summ,
        digitised_events=digi,
        dead_time={r.name: prep.dead_time.per_run.get(r.name, 0.0) for r in su.run_list},
        mean_pileup={r.name: (mean_pileup(r, pcfg) if su.mode == "data" else 0.0) for r in su.run_list},
        chunks_written=len(prep.tasks),
        chunks_skipped=len(prep.existing),
        seed=su.seed,
        mode=su.mode,
        trigger=su.trigger,
        extra={
            "preset": su.preset.name,
            "beam": BeamConfig.from_preset(su.preset).particle,
            "options": su.opts,
            "dead_time_tau_ns": prep.dead_time.tau_ns,
        },
    )
    write_summaries(summary, su.run_list)
    return summary


def chunk_cost(task: ChunkTask) -> float:
    """Rough CPU cost of a chunk [s], for scheduling only (the largest chunks start first; the results
    never depend on it): ``n_events`` × the process' ``cost_per_event`` for the chunk's mode (default
    2 ms, a full shower and its readout)."""
    per_event = getattr(get_process(task.process), "cost_per_event", {}).get(task.mode, 2e-3)
    return task.n_events * float(per_event)


def simulate(
    preset: str | Preset,
    runs: str | list[str],
    mode: str,
    out_dir: str | Path,
    *,
    processes: list[str] | None = None,
    eot: float | None = None,
    mass: float | None = None,
    epsilon: float | None = None,
    trigger: str = "physics",
    workers: int = 1,
    seed: int = 0,
    scheduler: str | None = None,
    progress: Any = None,
    options: dict[str, Any] | None = None,
    beam: str | None = None,
    mediator: str = "vector",
    model: str | None = None,
) -> SimulationSummary:
    """Produce event files under ``out_dir/<run>/<process>/chunk_NNNNN.root`` (see module docstring).

    ``runs``: a run name, comma list or ``all``; ``processes``: names (default: every available
    process, ``signal`` only when ``mass`` and ``epsilon`` are given); ``eot``: EOT per run
    (default: the run's full EOT); ``mass`` [GeV], ``epsilon``, ``mediator`` and ``model``
    (``darkmiss.physics.models``; recorded in the options only when not the vector dark photon) for the
    signal; ``options``: extra
    settings handed to the processes (e.g. ``bias``, ``upstream_e_range``) and to the production
    (``box_only``: MC mode keeps only the events whose truth may reach the signal box,
    :func:`box_possible`; the others are certain to miss it and are counted in the weights only);
    ``beam``: e- or e+, the preset's beam set to that lepton (:func:`darkmiss.detsim.beam.with_beam`;
    muon beams are refused); None: the preset's own (``[beam] particle``).
    Steps: :func:`check_arguments`, :func:`select_processes`, :func:`plan_chunks` per (run,
    process), :func:`run_chunk` per chunk to make, :func:`tally_chunks`, :func:`write_summaries`
    (:func:`simulate_many` with this one call).
    """
    kwargs = {
        "processes": processes, "eot": eot, "mass": mass, "epsilon": epsilon, "trigger": trigger,
        "seed": seed, "options": options, "beam": beam, "mediator": mediator, "model": model,
    }  # fmt: skip
    call = SimulateCall(preset, runs, mode, out_dir, kwargs)
    return simulate_many([call], workers=workers, scheduler=scheduler, progress=progress)[0]


@dataclass(frozen=True)
class SimulateCall:
    """One :func:`simulate` call of a :func:`simulate_many` batch: its positional arguments and its
    keyword arguments ``kwargs`` (all but ``workers``, ``scheduler`` and ``progress``)."""

    preset: str | Preset
    runs: str | list[str]
    mode: str
    out_dir: str | Path
    kwargs: dict[str, Any] = field(default_factory=dict)


def simulate_many(
    calls: list[SimulateCall],
    *,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Any = None,
) -> list[SimulationSummary]:
    """Run several :func:`simulate` calls as one production and return their summaries in order.

    Every call's arguments are checked here first. Then, over ``workers`` or ``scheduler``
    (:func:`darkmiss.parallel.run_tasks`): each call is planned (:func:`plan_chunks`, which may
    simulate a process' rate), and its chunks start as soon as its plan is made, the most costly
    first (:func:`chunk_cost`). The calls into one folder are planned after its first call, whose
    rates (run-independent ones, cached on disk) they then reuse. Last, each call is tallied and its
    summaries written in the order of ``calls``, so a folder's ``simulation.json`` is its last
    call's. A chunk depends only on its own task: the files are the same as from the calls one after
    another, whatever the worker count.
    """
    for key in ("workers", "scheduler", "progress"):
        for c in calls:
            if key in c.kwargs:
                raise ValueError(f"simulate_many takes {key} for all calls, not per call")
    setups = [_setup(c.preset, c.runs, c.mode, c.out_dir, workers=workers, **c.kwargs) for c in calls]
    if workers > 1 and not scheduler:
        # Forked local workers inherit the calibration and the loaded shower kernels of this
        # process, instead of each simulating the calibration showers and loading the kernels anew.
        for geometry in {SetupGeometry.from_preset(su.preset) for su in setups}:
            calibration(geometry)
    folders: dict[Path, list[int]] = {}
    for i, su in enumerate(setups):
        folders.setdefault(su.out, []).append(i)
    preps: list[_Prepared | None] = [None] * len(calls)
    results: list[list[Any]] = [[] for _ in calls]

    def plan_task(i: int) -> Task:
        return Task(_plan, (setups[i],), math.inf, ("plan", i))

    def on_done(task: Task, out: Any) -> list[Task]:
        if task.key[0] == "chunk":
            results[task.key[1]][task.key[2]] = out
            return []
        i = task.key[1]
        preps[i] = out
        results[i] = [None] * len(out.tasks)
        new = [Task(run_chunk, (t,), chunk_cost(t), ("chunk", i, j)) for j, t in enumerate(out.tasks)]
        group = folders[setups[i].out]
        if group[0] == i:
            new += [plan_task(k) for k in group[1:]]
        return new

    run_tasks(
        [plan_task(g[0]) for g in folders.values()],
        on_done,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    summaries = []
    for prep, res in zip(preps, results, strict=True):
        assert prep is not None
        summaries.append(_finish(prep, res))
    return summaries
