"""`darkmiss reproduce`: the whole NA64 2016 search, stage by stage, with cached stages.

yields → pseudo-data (runs I–III, data mode) and MC (signal per mass, dimuons, backgrounds,
calibration trigger) → reconstruction/selection/background/efficiency/systematics (blinded) →
ECAL-cut optimisation (frozen) → unblinding → limits and interpretation → report.

Every stage lives in ``OUT/stages/<name>`` and is keyed by a hash of its inputs
(:class:`~darkmiss.pipeline.stages.StageRunner`): a rerun with nothing changed reuses every stage,
a change re-runs only what depends on it, and a run that was killed resumes: its finished stages are
reused (and logged), its unfinished one is redone, the temporary files it left are removed. Each stage
is a module-level function of a :class:`Context` and its output folder. Every input (the preset, the
masses, the output folder) is checked before any computing; ``OUT`` is locked while a reproduction
writes it. Masses in GeV.
"""

from __future__ import annotations

import functools
import json
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss import __version__
from darkmiss.analysis.background import BACKGROUND_VERSION
from darkmiss.analysis.result import SCHEMA_VERSION as ANALYSIS_SCHEMA_VERSION
from darkmiss.analysis.result import AnalysisResult
from darkmiss.cache import remove_partial_files, write_json_atomic, write_text_atomic
from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import RunConfig, SetupGeometry, runs_from_preset
from darkmiss.detsim.background_config import BeamFractions, HadronicConfig, KnockOnConfig, PhotonuclearConfig
from darkmiss.detsim.beam import beam_lepton, with_beam
from darkmiss.detsim.digitize import READOUT_VERSION, DigitizerConfig
from darkmiss.detsim.generate import ProductionConfig
from darkmiss.detsim.spill import calibrate_dead_time
from darkmiss.errors import require
from darkmiss.interpret.darkmatter import InterpretConfig
from darkmiss.interpret.limits import interpret_limits
from darkmiss.parallel import peak_rss_mb, start_clean_context
from darkmiss.physics.models import Model, get_model
from darkmiss.pipeline.analysis import RECO_CACHE, analyze, optimise, unblind
from darkmiss.pipeline.comparison import (
    PANELS_LAYOUT,
    build_comparison,
    calibrated_table,
    data_panels,
    published_limits,
    read_panels,
)
from darkmiss.pipeline.limits import write_outputs
from darkmiss.pipeline.mc import TABLE_IV_LAYOUT, SampleCall, simulate_samples, stage_mc
from darkmiss.pipeline.models import is_dark_photon, model_pairs, run_model_stages
from darkmiss.pipeline.production import (
    BREMS_ONLY,
    headline_yield,
    production_notes,
    production_params,
    reproduce_production,
)
from darkmiss.pipeline.results import SCHEMA_VERSION as RESULTS_SCHEMA_VERSION
from darkmiss.pipeline.results import Results, annihilation_efficiency_ratio, build_results
from darkmiss.pipeline.stages import StageRecord, StageRunner, check_output_root, output_lock, write_marker
from darkmiss.pipeline.warmup import compile_kernels
from darkmiss.pipeline.yield_files import (
    SPECTRA_PNG,
    YIELDS_SCHEMA_VERSION,
    draw_spectra,
    read_yields,
    yield_records,
)
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.pileup import FIT_VERSION
from darkmiss.report.reproduce import build_report
from darkmiss.shower.annihilation import model_annihilation_yields
from darkmiss.shower.response import SAMPLE_VERSION, CalorimetrySettings
from darkmiss.shower.yields import ShowerSettings, aprime_yields
from darkmiss.stats.limits import compute_limits
from darkmiss.stats.model import StatsConfig
from darkmiss.util import progress, stderr_console

STAGES = ("yields", "data", "mc", "analysis", "optimise", "unblind", "limits", "report")

#: Preset tables read by the stages that simulate (a stage's key holds only the tables it reads, so
#: that e.g. a changed [stats] table re-runs the limits but not the simulation).
PHYSICS_TABLES = ("setup", "beam", "shower", "calorimetry")
SIMULATION_TABLES = (*PHYSICS_TABLES, "runs", "detector", "production", "backgrounds", "from_spec")
#: Layout versions of the files that stages write (part of every stage key).
OUTPUT_FORMATS = {
    "analysis.json": ANALYSIS_SCHEMA_VERSION,
    "results.json": RESULTS_SCHEMA_VERSION,
    "yields.json": YIELDS_SCHEMA_VERSION,
}
#: The stages' configuration readers: :func:`check_preset` runs them all before any stage computes.
PRESET_READERS: tuple[Callable[[Preset], Any], ...] = (
    runs_from_preset,
    SetupGeometry.from_preset,
    ShowerSettings.from_preset,
    CalorimetrySettings.from_preset,
    DigitizerConfig.from_preset,
    ProductionConfig.from_preset,
    PhotonuclearConfig.from_preset,
    HadronicConfig.from_preset,
    BeamFractions.from_preset,
    KnockOnConfig.from_preset,
    AnalysisConfig.from_preset,
    StatsConfig.from_preset,
    InterpretConfig.from_preset,
)


@dataclass(frozen=True)
class ReproduceConfig:
    """Statistics and masses of a reproduction (preset table ``[reproduce]``; ``quick`` overrides)."""

    masses: tuple[float, ...]
    plot_masses: tuple[float, ...]
    efficiency_masses: tuple[float, ...]
    optimise_masses: tuple[float, ...]
    signal_epsilon: float
    yield_showers: int
    data_eot_scale: float
    mc_eot_scale: float
    calibration_eot: float
    signal_events: int
    dimuon_events: int
    table_iv_events: dict[str, int]
    quick: bool
    annihilation_masses: tuple[float, ...] = ()

    @classmethod
    def from_preset(
        cls, preset: Preset, *, quick: bool = False, masses: list[float] | None = None
    ) -> ReproduceConfig:
        t = dict(preset.section("reproduce"))
        mode = dict(t.get("quick" if quick else "full", {}))
        for k in ("masses", "fine_grid", "efficiency_masses"):
            if k in mode:
                t[k] = mode[k]
        grid = t.get("fine_grid", {"lo": 0.001, "hi": 1.0, "n": 16})
        fine = np.geomspace(float(grid["lo"]), float(grid["hi"]), int(grid["n"])).tolist()
        main = [float(m) for m in (masses if masses else t["masses"])]
        plot = sorted(set(main) | ({float(f"{m:.4g}") for m in fine} if not masses else set()))
        return cls(
            masses=tuple(main),
            plot_masses=tuple(plot),
            efficiency_masses=tuple(float(m) for m in t["efficiency_masses"]),
            optimise_masses=tuple(float(m) for m in t.get("optimise_masses", (0.002, 0.02))),
            signal_epsilon=float(t.get("signal_epsilon", 1e-4)),
            yield_showers=int(mode["yield_showers"]),
            data_eot_scale=float(mode["data_eot_scale"]),
            mc_eot_scale=float(mode["mc_eot_scale"]),
            calibration_eot=float(mode["calibration_eot"]),
            signal_events=int(mode["signal_events"]),
            dimuon_events=int(mode["dimuon_events"]),
            table_iv_events={str(k): int(v) for k, v in mode["table_iv_events"].items()},
            quick=quick,
            annihilation_masses=tuple(float(m) for m in t.get("annihilation_masses", ())),
        )


@dataclass
class ReproduceResult:
    """What `reproduce` produced: the results (results.json), the report path and stage records."""

    out: Path
    results: dict[str, Any]
    report: Path
    stages: list[StageRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    """What every stage reads: the preset, the statistics, the runs and how to compute."""

    preset: Preset
    cfg: ReproduceConfig
    runs: dict[str, RunConfig]
    seed: int
    workers: int
    scheduler: str | None
    quiet: bool
    production: tuple[str, ...] = BREMS_ONLY  # what the headline limits count (pipeline.production)

    def tables(self, *names: str) -> dict[str, Any]:
        """The preset tables ``names`` (part of a stage's key)."""
        return {n: self.preset.data.get(n) for n in names}

    def progress(self, description: str) -> Callable[..., Any]:
        """A progress callback for :func:`darkmiss.parallel.map_chunks` (silent with ``quiet``)."""

        def wrap(it: Any, total: int | None = None) -> Any:
            return progress(it, total=total, description=description, disable=self.quiet)

        return wrap


def stage_yields(ctx: Context, folder: Path) -> dict[str, Any]:
    """A′ yields per EOT on the plot mass grid → ``yields.json``: bremsstrahlung (the headline) and, as an
    extra column, resonant annihilation of shower positrons above the same threshold (vector, α_D = 0.5,
    m_A′ = 3 m_χ; ``darkmiss.shower.annihilation``), both from showers of the preset's beam lepton (an
    e⁺ beam's annihilation yield includes its primary positron's)."""
    masses = list(ctx.cfg.plot_masses)
    beam = beam_lepton(ctx.preset)
    ys = aprime_yields(
        ctx.preset, masses, showers=ctx.cfg.yield_showers, seed=ctx.seed, workers=ctx.workers,
        scheduler=ctx.scheduler, beam=beam,
    )  # fmt: skip
    ann = model_annihilation_yields(
        ctx.preset, masses, threshold=float(ys[0].threshold), seed=ctx.seed, workers=ctx.workers,
        scheduler=ctx.scheduler, beam=beam,
    )  # fmt: skip
    records = [
        r | {"yield_annihilation": a.yield_annihilation, "yield_annihilation_err": a.yield_annihilation_err}
        for r, a in zip(yield_records(list(ys)), ann, strict=True)
    ]
    write_json_atomic(folder / "yields.json", {"schema_version": YIELDS_SCHEMA_VERSION, "records": records})
    return {"n_masses": len(ys)}


def stage_data(ctx: Context, folder: Path) -> dict[str, Any]:
    """Pseudo-data of every run (data mode, physics and calibration triggers), as one production
    (:func:`darkmiss.pipeline.mc.simulate_samples`: the same files as one call after another)."""
    calls = []
    for name, run in ctx.runs.items():
        physics = {"eot": run.eot * ctx.cfg.data_eot_scale}
        calibration = {"eot": ctx.cfg.calibration_eot, "processes": ["em"], "trigger": "calibration"}
        calls.append(SampleCall(name, folder / "physics", 0, physics, mode="data"))
        calls.append(SampleCall(name, folder / "calibration", 1, calibration, mode="data"))
    summaries = simulate_samples(ctx, calls, ctx.progress("data"))
    return {
        c.run: {"stored": s.stored_events.get(c.run, {}), "pileup": s.mean_pileup.get(c.run)}
        for c, s in zip(calls, summaries, strict=True)
        if c.seed_offset == 0
    }


def stage_analysis(ctx: Context, data_dir: Path, mc_dir: Path, folder: Path) -> dict[str, Any]:
    """The blinded analysis of the pseudo-data with the MC; the files' reconstructions are kept in
    ``folder/reco`` for the unblinding."""
    res = analyze(
        data_dir, mc_dir, folder, ctx.preset, workers=ctx.workers, seed=ctx.seed, blinded=True,
        reco_cache=folder / RECO_CACHE, scheduler=ctx.scheduler,
    )  # fmt: skip
    return {"blinded": res.blinded}


def stage_optimise(ctx: Context, analysis_dir: Path, folder: Path) -> dict[str, Any]:
    """The ECAL cut chosen blind (Fig. 14) and frozen into a copy of the analysis."""
    if ctx.scheduler is None and ctx.workers > 1:
        # the clean workers of the limits stage fork from a server that first imports darkmiss (~1 s):
        # started now, on the core this stage's single process leaves idle
        start_clean_context([compute_limits.__module__])
    shutil.copytree(
        analysis_dir, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("DONE.json", RECO_CACHE)
    )
    opt = optimise(
        folder,
        list(ctx.cfg.optimise_masses),
        preset=ctx.preset,
        figure=folder / "figures" / "fig14_optimisation.png",
    )
    return {"chosen_cut": float(opt.chosen_cut)}


def stage_unblind(ctx: Context, opt_dir: Path, analysis_dir: Path, folder: Path) -> dict[str, Any]:
    """The box opened at the frozen cut, in a copy of the optimised analysis; the event files are not
    reconstructed again (the analysis stage's ``reco`` folder)."""
    shutil.copytree(opt_dir, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("DONE.json"))
    res = unblind(
        folder, workers=ctx.workers, preset=ctx.preset, reco_cache=analysis_dir / RECO_CACHE,
        scheduler=ctx.scheduler,
    )  # fmt: skip
    return {"observed": [r.observed for r in res.runs]}


def stage_limits(ctx: Context, yields_dir: Path, unblind_dir: Path, folder: Path) -> dict[str, Any]:
    """Limits and their interpretation → ``limits.json``, workspaces, HEPData, figures; the signal counts
    the production mechanisms ``ctx.production`` (:func:`darkmiss.pipeline.production.headline_yield`), the
    annihilation signal at its own efficiency (:func:`darkmiss.pipeline.results.annihilation_efficiency_ratio`)."""
    analysis = AnalysisResult.read(unblind_dir)
    ys = [
        headline_yield(r, ctx.production, annihilation_efficiency_ratio(analysis, float(r["mass"])))
        for r in read_yields(yields_dir)
    ]
    lim = interpret_limits(
        compute_limits(
            analysis, ys, preset=ctx.preset, workers=ctx.workers, scheduler=ctx.scheduler, clean_workers=True
        ),
        ctx.preset,
    )
    write_outputs(lim, analysis, folder, workers=ctx.workers, scheduler=ctx.scheduler)
    return {"n_masses": len(lim.records)}


def _log(line: str, quiet: bool = False) -> None:
    """One line of the reproduction's log on stderr (none with ``quiet``)."""
    if not quiet:
        stderr_console.print(f"[bold]darkmiss reproduce[/bold] · {line}", highlight=False, soft_wrap=True)


def _announce(name: str, quiet: bool) -> None:
    if not quiet:
        stderr_console.print(
            f"[bold]darkmiss reproduce[/bold] · stage {STAGES.index(name) + 1}/{len(STAGES)}: {name}"
        )


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def check_preset(pr: Preset) -> None:
    """Read every stage's configuration of ``pr`` (:data:`PRESET_READERS`; each refuses a bad value with a
    user error naming its table and key), so that a bad preset stops a reproduction before it computes."""
    for read in PRESET_READERS:
        read(pr)


def reproduce(
    preset: str | Preset,
    out: str | Path,
    *,
    masses: list[float] | None = None,
    quick: bool = False,
    workers: int = 1,
    scheduler: str | None = None,
    seed: int = 0,
    force: bool = False,
    quiet: bool = False,
    beam: str | None = None,
    production: str | None = None,
    mediators: list[str] | None = None,
    models: list[str] | None = None,
) -> ReproduceResult:
    """Run the whole chain into ``out`` and return the results (see module docstring); ``mediators`` and
    ``models`` add the limits of those (mediator, model) pairs (:mod:`darkmiss.pipeline.models`).

    ``beam``: e- or e+ (the preset's beam set to it, :func:`darkmiss.detsim.beam.with_beam`; None: the
    preset's own);
    ``production``: what the headline limits count, brems, annihilation or both (default: brems for e-,
    both for e+; :func:`darkmiss.pipeline.production.reproduce_production`).

    Before any computing: the masses, workers and seed, the preset (every stage's configuration) and
    ``out`` (writable, not another program's folder) are checked; then ``out`` is locked (a second
    reproduction there is refused), marked, and cleared of the temporary files of a killed run."""
    check_masses(masses or [])
    require(workers >= 1, "workers", workers, "a positive number of worker processes")
    require(seed >= 0, "seed", seed, "a non-negative integer")
    pr = with_beam(preset if isinstance(preset, Preset) else load_preset(preset), beam)
    prod = reproduce_production(production, beam_lepton(pr))
    cfg = ReproduceConfig.from_preset(pr, quick=quick, masses=masses)
    pairs = model_pairs(mediators, models)
    require(
        beam_lepton(pr) == "e-" or all(is_dark_photon(p) and p.mediator.name == "vector" for p in pairs),
        "mediator",
        ",".join(f"{p.mediator.name} {p.name}" for p in pairs),
        "the vector dark photon with a positron beam (the limits per model are made for electron beams)",
    )
    check_preset(pr)
    out = check_output_root(Path(out))
    with output_lock(out):
        write_marker(out)
        removed = remove_partial_files(out)
        if removed and not quiet:
            stderr_console.print(
                f"removed {len(removed)} half-written file(s) of an interrupted run in {out}"
            )
        return _reproduce(pr, cfg, out, workers, scheduler, seed, force, quiet, prod, pairs)


def _reproduce(
    pr: Preset,
    cfg: ReproduceConfig,
    out: Path,
    workers: int,
    scheduler: str | None,
    seed: int,
    force: bool,
    quiet: bool,
    production: tuple[str, ...] = BREMS_ONLY,
    pairs: list[Model] | None = None,
) -> ReproduceResult:
    """Run the stages into the checked and locked folder ``out`` with the checked preset ``pr``, its
    statistics ``cfg``, the headline's ``production``, and the extra stages of the (mediator, model)
    ``pairs`` (see :func:`reproduce`)."""
    # The MC sample sizes of the weighted processes are statistics settings of the reproduction.
    pr = pr.with_overrides(
        {"production": {"weighted_events": {"signal": cfg.signal_events, "dimuon": cfg.dimuon_events}}}
    )
    ctx = Context(pr, cfg, runs_from_preset(pr), seed, workers, scheduler, quiet, production)
    runner = StageRunner(
        out, force=force, formats=OUTPUT_FORMATS, log=None if quiet else _log,
        # a cold numba cache: the heaviest kernels compiled side by side, not twice at once, the yields'
        # own work beside the second group (warmup.py)
        prepare=None if scheduler else functools.partial(compile_kernels, pr, workers),
        prepare_stages=("yields", "data", "mc", "analysis"),
    )  # fmt: skip
    common = {"seed": seed}
    t_start = time.perf_counter()
    c_start = time.process_time()

    def stage(name: str, params: dict[str, Any], fn: Callable[..., dict[str, Any]], *deps: str) -> Path:
        _announce(name, quiet)
        inputs = [runner.folder(d) for d in deps]
        return runner.run(name, common | params, functools.partial(fn, ctx, *inputs), depends=deps)

    yields_dir = stage(
        "yields",
        ctx.tables(*PHYSICS_TABLES) | {"masses": cfg.plot_masses, "showers": cfg.yield_showers},
        stage_yields,
    )
    # the summary path of the pseudo-data applies the track and SRD cuts of [analysis]
    cuts = {k: pr.section("analysis").get(k) for k in ("tracking", "srd", "hcal_modules_in_ehcal")}
    stage(
        "data",
        ctx.tables(*SIMULATION_TABLES)
        | {
            "scale": cfg.data_eot_scale,
            "cal": cfg.calibration_eot,
            "summary_cuts": cuts,
            "readout": READOUT_VERSION,
            "samples": SAMPLE_VERSION,
        },
        stage_data,
    )
    stage(
        "mc",
        ctx.tables(*SIMULATION_TABLES)
        | {
            "scale": cfg.mc_eot_scale,
            "masses": cfg.efficiency_masses,
            "annihilation_masses": cfg.annihilation_masses,
            "eps": cfg.signal_epsilon,
            "cal": cfg.calibration_eot,
            "n": (cfg.signal_events, cfg.dimuon_events),
            "table_iv": cfg.table_iv_events,
            "table_iv_layout": TABLE_IV_LAYOUT,
            "readout": READOUT_VERSION,
            "samples": SAMPLE_VERSION,
            "hcal_modules": pr.section("analysis").get("hcal_modules_in_ehcal"),
        },
        stage_mc,
    )
    stage(
        "analysis",
        ctx.tables("setup", "analysis", "systematics")
        | {"fit": FIT_VERSION, "background": BACKGROUND_VERSION},
        stage_analysis,
        "data",
        "mc",
    )
    opt_dir = stage(
        "optimise", ctx.tables("stats") | {"masses": cfg.optimise_masses}, stage_optimise, "analysis"
    )
    unblind_dir = stage("unblind", {}, stage_unblind, "optimise", "analysis")
    limits_dir = stage(
        "limits", ctx.tables("stats") | production_params(production), stage_limits, "yields", "unblind"
    )
    model_rows = run_model_stages(ctx, runner, pairs or [], common, functools.partial(_log, quiet=quiet))

    _announce("report", quiet)
    reused = [r.name for r in runner.records if r.reused]
    if reused:
        _log(f"reused {len(reused)} finished stage(s) of an earlier run: {', '.join(reused)}", quiet)
    unblinded = AnalysisResult.read(unblind_dir)
    results = build_results(
        unblinded,
        _read_json(limits_dir / "limits.json"),
        read_yields(yields_dir),
        _read_json(opt_dir / "optimisation.json"),
        default_masses=cfg.masses,
        seed=seed,
        quick=cfg.quick,
        production=production,
        notes=tuple(production_notes(beam_lepton(pr), production)),
    )
    data_dir = runner.folder("data")
    # the events of the pseudo-data are read once per data stage (Fig. 7 panels, trigger efficiency)
    panels_dir = runner.run(
        "panels",
        common | {"layout": PANELS_LAYOUT},
        functools.partial(data_panels, data_dir, workers=ctx.workers, scheduler=ctx.scheduler),
        depends=("data",),
    )
    panels, trig = read_panels(panels_dir, out / "figures")
    # the A' spectra (Fig. 4) are drawn once per yields stage
    spectra_dir = runner.run(
        "spectra", common | {"layout": 1}, functools.partial(draw_spectra, yields_dir), depends=("yields",)
    )
    results.calibrated = calibrated_table(pr)
    results.comparison = build_comparison(
        unblinded, panels, calibrate_dead_time(pr, list(ctx.runs.values())), trig
    )
    results.published_limits = published_limits([r.to_dict() for r in results.limits])
    results.headline_model = (pairs or [get_model()])[0].record()
    results.model_limits = model_rows
    results.write(out / "results.json")
    results.provenance = {
        "darkmiss_version": __version__,
        "preset": pr.name,
        "preset_digest": pr.digest(),
        "beam": beam_lepton(pr),
        "production": list(production),
        "seed": seed,
        "quick": cfg.quick,
        "workers": workers,
        "scheduler": scheduler or "local processes",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "total_seconds": round(time.perf_counter() - t_start, 1),
        # this process and every worker process, all stages
        "total_cpu_seconds": round(
            time.process_time()
            - c_start
            + sum(w["cpu_seconds"] for r in runner.records for w in r.usage.get("workers", ())),
            1,
        ),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "stages": [r.to_dict() for r in runner.records],
    }
    data = results.to_dict()
    html = build_report(
        data,
        results.provenance,
        results.provenance["stages"],
        yields_dir,
        spectra_dir / SPECTRA_PNG,
        data_dir,
        opt_dir,
        unblind_dir,
        limits_dir,
        out / "figures",
    )
    report = write_text_atomic(out / "report.html", html)
    results.write(out / "results.json")
    return ReproduceResult(out=out, results=data, report=report, stages=runner.records)


def check_masses(masses: list[float]) -> None:
    """Reject masses outside (0, 10) GeV with a user error."""
    for m in masses:
        require(0 < m < 10.0, "mass", m, "A' masses in GeV, 0 < m < 10")


__all__ = [
    "STAGES",
    "Context",
    "ReproduceConfig",
    "ReproduceResult",
    "Results",
    "check_preset",
    "read_yields",
    "reproduce",
    "stage_analysis",
    "stage_data",
    "stage_limits",
    "stage_mc",
    "stage_optimise",
    "stage_unblind",
    "stage_yields",
]
