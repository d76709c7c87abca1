"""`darkmiss reproduce`: the whole NA64 2016 search, stage by stage, with cached stages.

yields → pseudo-data (runs I–III, data mode) and MC (signal per mass, dimuons, backgrounds,
calibration trigger) → reconstruction/selection/background/efficiency/systematics (blinded) →
ECAL-cut optimisation (frozen) → unblinding → limits and interpretation → report.

Every stage lives in ``OUT/stages/<name>`` and is keyed by a hash of its inputs
(:class:`~darkmiss.execute.stages.StageRunner`): a rerun with nothing changed reuses every stage,
a change re-runs only what depends on it. Masses in GeV.
"""

from __future__ import annotations

import json
import math
import platform
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss import __version__
from darkmiss.cache import write_json_atomic, write_text_atomic
from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import runs_from_preset
from darkmiss.errors import require
from darkmiss.execute.stages import StageRecord, StageRunner

STAGES = ("yields", "data", "mc", "analysis", "optimise", "unblind", "limits", "report")


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
    quick: bool

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
            quick=quick,
        )


@dataclass
class ReproduceResult:
    """What `reproduce` produced: the results dict (results.json), the report path and stage records."""

    out: Path
    results: dict[str, Any]
    report: Path
    stages: list[StageRecord] = field(default_factory=list)


def _stage_progress(desc: str, disable: bool) -> Callable[..., Any]:
    from darkmiss.cli.common import progress

    def wrap(it: Any, total: int | None = None) -> Any:
        return progress(it, total=total, description=desc, disable=disable)

    return wrap


def _yield_records(yields: list[Any]) -> list[dict[str, Any]]:
    out = []
    for y in yields:
        d = asdict(y) if hasattr(y, "__dataclass_fields__") else dict(y)
        out.append(
            {k: v for k, v in d.items() if not isinstance(v, (list, np.ndarray))}
            | {
                "spectrum_edges": list(np.asarray(d.get("spectrum_edges", []), float)),
                "spectrum_ww": list(np.asarray(d.get("spectrum_ww", []), float)),
                "spectrum_etl": list(np.asarray(d.get("spectrum_etl", []), float)),
            }
        )
    return out


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
) -> ReproduceResult:
    """Run the whole chain into ``out`` and return the results (see module docstring)."""
    check_masses(masses or [])
    pr = preset if isinstance(preset, Preset) else load_preset(preset)
    cfg = ReproduceConfig.from_preset(pr, quick=quick, masses=masses)
    # The MC sample sizes of the weighted processes are statistics settings of the reproduction.
    pr = pr.with_overrides(
        {"production": {"weighted_events": {"signal": cfg.signal_events, "dimuon": cfg.dimuon_events}}}
    )
    require(workers >= 1, "workers", workers, "a positive number of worker processes")
    require(seed >= 0, "seed", seed, "a non-negative integer")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runner = StageRunner(out, force=force)
    runs = runs_from_preset(pr)
    common = {"seed": seed}

    def tables(*names: str) -> dict[str, Any]:
        # a stage's key holds only the preset tables it reads, so that e.g. a changed [stats] table
        # re-runs the limits but not the simulation
        return {n: pr.data.get(n) for n in names}

    physics = ("setup", "beam", "shower", "calorimetry")
    simulation = (*physics, "runs", "detector", "production", "backgrounds")
    t_start = time.perf_counter()

    def announce(name: str) -> None:
        if not quiet:
            from darkmiss.cli.common import stderr_console

            stderr_console.print(
                f"[bold]darkmiss reproduce[/bold] · stage {STAGES.index(name) + 1}/{len(STAGES)}: {name}"
            )

    # 1. yields -----------------------------------------------------------------------------
    announce("yields")

    def do_yields(folder: Path) -> dict[str, Any]:
        from darkmiss.shower.yields import aprime_yields

        ys = aprime_yields(
            pr,
            list(cfg.plot_masses),
            showers=cfg.yield_showers,
            seed=seed,
            workers=workers,
            scheduler=scheduler,
        )
        write_json_atomic(folder / "yields.json", _yield_records(list(ys)))
        return {"n_masses": len(ys)}

    yields_dir = runner.run(
        "yields",
        common | tables(*physics) | {"masses": cfg.plot_masses, "showers": cfg.yield_showers},
        do_yields,
    )

    # 2. pseudo-data ------------------------------------------------------------------------
    announce("data")

    def sim(run: str, mode: str, folder: Path, seed_offset: int, **kw: Any) -> Any:
        """One `simulate` call of this reproduction (same preset, workers and scheduler)."""
        from darkmiss.detsim.generate import simulate

        return simulate(
            pr, run, mode, folder, workers=workers, seed=seed + seed_offset, scheduler=scheduler, **kw
        )

    def do_data(folder: Path) -> dict[str, Any]:
        info: dict[str, Any] = {}
        for name, run in runs.items():
            s = sim(
                name,
                "data",
                folder / "physics",
                0,
                eot=run.eot * cfg.data_eot_scale,
                progress=_stage_progress(f"data run {name}", quiet),
            )
            info[name] = {"stored": s.stored_events.get(name, {}), "pileup": s.mean_pileup.get(name)}
            sim(
                name,
                "data",
                folder / "calibration",
                1,
                eot=cfg.calibration_eot,
                processes=["em"],
                trigger="calibration",
            )
        return info

    data_dir = runner.run(
        "data",
        common | tables(*simulation) | {"scale": cfg.data_eot_scale, "cal": cfg.calibration_eot},
        do_data,
    )

    # 3. Monte Carlo ------------------------------------------------------------------------
    announce("mc")

    def do_mc(folder: Path) -> dict[str, Any]:
        from darkmiss.detsim.processes import available_processes

        bkg = [p for p in available_processes() if p not in ("signal", "em")]
        for name, run in runs.items():
            mc_eot = run.eot * cfg.mc_eot_scale
            for m in cfg.efficiency_masses:
                sim(
                    name,
                    "mc",
                    folder / f"signal_m{m:.6g}",
                    2,
                    processes=["signal"],
                    mass=m,
                    epsilon=cfg.signal_epsilon,
                    eot=mc_eot,
                )
            sim(
                name,
                "mc",
                folder / "calibration",
                4,
                eot=cfg.calibration_eot,
                processes=["em"],
                trigger="calibration",
            )
            sim(
                name,
                "mc",
                folder / "background",
                3,
                processes=bkg,
                eot=mc_eot,
                progress=_stage_progress(f"MC run {name}", quiet),
            )
        return {"masses": list(cfg.efficiency_masses), "background_processes": bkg}

    mc_dir = runner.run(
        "mc",
        common
        | tables(*simulation)
        | {
            "scale": cfg.mc_eot_scale,
            "masses": cfg.efficiency_masses,
            "eps": cfg.signal_epsilon,
            "cal": cfg.calibration_eot,
            "n": (cfg.signal_events, cfg.dimuon_events),
        },
        do_mc,
    )

    # 4. analysis (blinded) -----------------------------------------------------------------
    announce("analysis")

    def do_analysis(folder: Path) -> dict[str, Any]:
        from darkmiss.analysis.run import analyze

        res = analyze(data_dir, mc_dir, folder, pr, workers=workers, seed=seed, blinded=True)
        return {"blinded": res.blinded}

    analysis_dir = runner.run(
        "analysis", common | tables("setup", "analysis", "systematics"), do_analysis, depends=("data", "mc")
    )

    # 5. cut optimisation, frozen before unblinding -----------------------------------------------
    announce("optimise")

    def do_optimise(folder: Path) -> dict[str, Any]:
        from darkmiss.analysis.result import AnalysisResult
        from darkmiss.stats.limits import freeze_cut, optimise_cut

        shutil.copytree(analysis_dir, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("DONE.json"))
        res = AnalysisResult.read(folder)
        opt = optimise_cut(res, list(cfg.optimise_masses), preset=pr)
        freeze_cut(folder, opt)
        write_json_atomic(folder / "optimisation.json", opt.to_dict())
        try:
            from darkmiss.plots.limit_figures import plot_optimisation

            plot_optimisation(opt, folder / "figures" / "fig14_optimisation.png")
        except Exception as exc:  # a figure must never stop the chain
            write_text_atomic(folder / "figures" / "fig14_error.txt", repr(exc))
        return {"chosen_cut": float(opt.chosen_cut)}

    opt_dir = runner.run(
        "optimise",
        common | tables("stats") | {"masses": cfg.optimise_masses},
        do_optimise,
        depends=("analysis",),
    )

    # 6. unblinding --------------------------------------------------------------------------
    announce("unblind")

    def do_unblind(folder: Path) -> dict[str, Any]:
        from darkmiss.analysis.run import unblind

        shutil.copytree(opt_dir, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("DONE.json"))
        res = unblind(folder, workers=workers)
        return {"observed": [r.observed for r in res.runs]}

    unblind_dir = runner.run("unblind", common, do_unblind, depends=("optimise",))

    # 7. limits --------------------------------------------------------------------------------
    announce("limits")

    def do_limits(folder: Path) -> dict[str, Any]:
        from darkmiss.analysis.result import AnalysisResult
        from darkmiss.cli.limits import write_outputs
        from darkmiss.stats.limits import SimpleYield, compute_limits

        analysis = AnalysisResult.read(unblind_dir)
        recs = json.loads((yields_dir / "yields.json").read_text(encoding="utf-8"))
        ys = [
            SimpleYield(
                r["mass"], r["yield_ww"], r["yield_etl"], r["yield_etl_direct"], r.get("yield_etl_err", 0.0)
            )
            for r in recs
        ]
        lim = compute_limits(analysis, ys, preset=pr, workers=workers)
        write_outputs(lim, analysis, folder)
        return {"n_masses": len(lim.records)}

    limits_dir = runner.run("limits", common | tables("stats"), do_limits, depends=("yields", "unblind"))

    # 8. results + report ---------------------------------------------------------------------
    announce("report")
    results = build_results(pr, cfg, yields_dir, data_dir, unblind_dir, opt_dir, limits_dir, seed)
    write_json_atomic(out / "results.json", results)
    total = time.perf_counter() - t_start
    from darkmiss.report.reproduce import build_report

    provenance = {
        "darkmiss_version": __version__,
        "preset": pr.name,
        "preset_digest": pr.digest(),
        "seed": seed,
        "quick": quick,
        "workers": workers,
        "scheduler": scheduler or "local processes",
        "python": platform.python_version(),
        "platform": platform.platform(),
        "total_seconds": round(total, 1),
    }
    stage_rows = [
        {"stage": r.name, "key": r.key, "reused": r.reused, "seconds": round(r.seconds, 2)}
        for r in runner.records
    ]
    html = build_report(
        results, provenance, stage_rows, yields_dir, data_dir, opt_dir, unblind_dir, limits_dir
    )
    report = write_text_atomic(out / "report.html", html)
    results["provenance"] = provenance
    results["stages"] = stage_rows
    write_json_atomic(out / "results.json", results)
    return ReproduceResult(out=out, results=results, report=report, stages=runner.records)


def _finite(v: Any) -> float | None:
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def build_results(
    preset: Preset,
    cfg: ReproduceConfig,
    yields_dir: Path,
    data_dir: Path,
    unblind_dir: Path,
    opt_dir: Path,
    limits_dir: Path,
    seed: int,
) -> dict[str, Any]:
    """The ``results.json`` content (issue 8's keys first, details after). Masses in GeV."""
    from darkmiss.analysis.result import AnalysisResult

    analysis = AnalysisResult.read(unblind_dir)
    limits = json.loads((limits_dir / "limits.json").read_text(encoding="utf-8"))
    yields = {
        round(r["mass"], 9): r for r in json.loads((yields_dir / "yields.json").read_text(encoding="utf-8"))
    }
    rows = []
    for r in limits["records"]:
        y = yields.get(round(r["mass"], 9), {})
        rows.append(
            {
                "mass": r["mass"],
                "epsilon_ww": _finite(r["epsilon_ww"]),
                "epsilon_etl": _finite(r["epsilon_etl"]),
                "epsilon_etl_direct": _finite(r["epsilon_etl_direct"]),
                "epsilon_etl_expected": _finite(r["epsilon_etl_expected"]),
                "epsilon_etl_expected_bands": r["epsilon_etl_expected_bands"],
                "epsilon_etl_asymptotic": _finite(r["epsilon_etl_asymptotic"]),
                "epsilon_etl_simplified": _finite(r["epsilon_etl_simplified"]),
                "n90": _finite(r["n90"]),
                "n90_asymptotic": _finite(r["n90_asymptotic"]),
                "yield_ww": y.get("yield_ww"),
                "yield_etl": y.get("yield_etl"),
                "yield_etl_direct": y.get("yield_etl_direct"),
                "kfactor_effective": (y["yield_ww"] / y["yield_etl"]) if y.get("yield_etl") else None,
                "efficiency": r["efficiency"],
                "y_alpha_d_0.5": _finite(r["y_alpha_d_0p5"]),
                "y_alpha_d_0.005": _finite(r["y_alpha_d_0p005"]),
                "alpha_d_pseudodirac": _finite(r["alpha_d_pseudodirac"]),
                "alpha_d_majorana": _finite(r["alpha_d_majorana"]),
                "default_mass": any(abs(r["mass"] - m) < 1e-9 for m in cfg.masses),
            }
        )
    bkg = [r.background for r in analysis.runs]
    bkg_err = [r.background_err for r in analysis.runs]
    opt = json.loads((opt_dir / "optimisation.json").read_text(encoding="utf-8"))
    return {
        "limits": rows,
        "background": {
            "total": float(sum(bkg)),
            "total_err": float(math.sqrt(sum(e * e for e in bkg_err))),
            "per_run": [
                {
                    "run": r.run,
                    "value": r.background,
                    "err": r.background_err,
                    "components": r.background_components,
                }
                for r in analysis.runs
            ],
        },
        "observed": [r.observed for r in analysis.runs],
        "eot": [r.eot for r in analysis.runs],
        "runs": [r.run for r in analysis.runs],
        "efficiency": [
            {
                "run": r.run,
                "masses": r.efficiency_masses,
                "efficiency": r.efficiency,
                "components": r.efficiency_components,
            }
            for r in analysis.runs
        ],
        "dimuon_ratio": [
            {"run": r.run, "f": r.dimuon_ratio, "err": r.dimuon_ratio_err} for r in analysis.runs
        ],
        "systematics": [{"run": r.run, **r.systematics} for r in analysis.runs],
        "ecal_cut": analysis.ecal_cut,
        "hcal_cut": analysis.hcal_cut,
        "cut_optimisation": {"chosen_cut": opt.get("chosen_cut")},
        "blinded": analysis.blinded,
        "limits_method": limits.get("method"),
        "limits_notes": limits.get("notes", []),
        "seed": seed,
        "quick": cfg.quick,
    }


def check_masses(masses: list[float]) -> None:
    """Reject masses outside (0, 10) GeV with a user error."""
    for m in masses:
        require(0 < m < 10.0, "mass", m, "A' masses in GeV, 0 < m < 10")
