"""The Monte Carlo stage of ``darkmiss reproduce``: signal per efficiency mass, calibration trigger,
dimuons, resonant-annihilation signal (weighted samples of fixed size), and the biased samples of the
Table IV backgrounds (spec Sec. VI–VIII).

The weighted samples are small: one chunk per run each, which a ``simulate`` call runs in the calling
process. :func:`simulate_samples` therefore runs the samples side by side over the workers (or the
dask cluster), one task per output folder with its runs in a fixed order. Every call is the same
``simulate`` call as alone (same preset, seed and EOT; chunk boundaries and streams never depend on the
worker count), so the event files are identical to running the calls one after another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from darkmiss.config.load import Preset
from darkmiss.config.schema import RunConfig
from darkmiss.detsim.generate import simulate
from darkmiss.parallel import map_chunks

#: The processes of the biased Table IV samples (spec Sec. VIII), in the order of its rows.
TABLE_IV_PROCESSES = (
    "punchthrough",
    "hadronic",
    "muon_decay",
    "decays",
    "upstream",
    "hadron_target",
    "accidental",
)


class SampleContext(Protocol):
    """What :func:`simulate_samples` reads of a context: the preset, the master seed, how to compute."""

    @property
    def preset(self) -> Preset: ...
    @property
    def seed(self) -> int: ...
    @property
    def workers(self) -> int: ...
    @property
    def scheduler(self) -> str | None: ...


class StageContext(SampleContext, Protocol):
    """What a stage that simulates reads of the reproduction's context
    (``darkmiss.pipeline.reproduce.Context``): also the statistics, the runs and one `simulate` call."""

    @property
    def cfg(self) -> Any: ...  # ReproduceConfig (masses and sample sizes)
    @property
    def runs(self) -> dict[str, RunConfig]: ...

    def simulate(
        self, run: str, mode: str, folder: Path, seed_offset: int, preset: Preset | None = None, **kw: Any
    ) -> Any: ...


class Context(StageContext, Protocol):
    """What the MC stage reads of the reproduction's context: also its progress bars."""

    def progress(self, description: str) -> Callable[..., Any]: ...


@dataclass(frozen=True)
class SampleCall:
    """One MC ``simulate`` call: ``run`` into ``folder`` with the master seed + ``seed_offset``, the keyword
    arguments ``options`` (processes, EOT, mass, …) and ``preset`` (None: the reproduction's)."""

    run: str
    folder: Path
    seed_offset: int
    options: dict[str, Any] = field(default_factory=dict)
    preset: Preset | None = None


def _simulate_folder(
    preset: Preset, folder: Path, seed: int, calls: list[tuple[str, dict[str, Any]]]
) -> None:
    """The MC calls of one output folder, in order, each in this process (one worker of the pool)."""
    for run, options in calls:
        simulate(preset, run, "mc", folder, workers=1, seed=seed, **options)


def simulate_samples(ctx: SampleContext, calls: list[SampleCall]) -> None:
    """Run ``calls`` (module docstring): the calls of one folder in one task, in their order (the folder's
    ``simulation.json`` is written by its last call, as one by one), the folders side by side over
    ``ctx.workers`` or ``ctx.scheduler``. A folder's calls share their preset and seed offset."""
    groups: dict[Path, list[SampleCall]] = {}
    for c in calls:
        groups.setdefault(c.folder, []).append(c)
    tasks = []
    for folder, group in groups.items():
        first = group[0]
        if any(c.seed_offset != first.seed_offset or c.preset is not first.preset for c in group):
            raise ValueError(f"MC calls into {folder} differ in seed offset or preset")
        preset = first.preset or ctx.preset
        tasks.append((preset, folder, ctx.seed + first.seed_offset, [(c.run, c.options) for c in group]))
    map_chunks(_simulate_folder, tasks, workers=ctx.workers, scheduler=ctx.scheduler)


#: Version of the biased Table IV samples, part of the MC stage's key (2: punch-through drawn only
#: within reach of the signal box), so that an MC stage cached by older code is made again.
TABLE_IV_LAYOUT = 2


def table_iv_options(preset: Preset) -> dict[str, Any]:
    """Options of the biased Table IV samples: the process biasing, MC events kept only where their truth
    may reach the box, upstream electrons generated below the box edge (plus the margin of
    ``[production.fast_path] box_ecal_margin``; the weights carry the rest of the spectrum)."""
    up = preset.section("backgrounds")["upstream"]
    margin = float(preset.section("production")["fast_path"]["box_ecal_margin"])
    return {
        "bias": "table_iv",
        "box_only": True,
        "upstream_e_range": [float(up["e_min"]), float(up["box_e_max"]) + margin],
    }


def weighted_sample_calls(ctx: Context, folder: Path) -> list[SampleCall]:
    """The weighted samples of every run: A′ signal per efficiency mass (seed offset 2), calibration
    trigger (4), dimuons (3), and the resonant-annihilation signal per ``annihilation_masses`` (6; samples
    of ``signal_events``, for its own efficiency beside the brems one,
    ``darkmiss.analysis.signal.annihilation_efficiencies``)."""
    cfg = ctx.cfg
    ann_preset = ctx.preset.with_overrides(
        {"production": {"weighted_events": {"annihilation": cfg.signal_events}}}
    )
    calls: list[SampleCall] = []
    for name, run in ctx.runs.items():
        mc_eot = run.eot * cfg.mc_eot_scale
        signal = {"processes": ["signal"], "epsilon": cfg.signal_epsilon, "eot": mc_eot}
        calls += [
            SampleCall(name, folder / f"signal_m{m:.6g}", 2, signal | {"mass": m})
            for m in cfg.efficiency_masses
        ]
        calls.append(
            SampleCall(
                name, folder / "calibration", 4,
                {"eot": cfg.calibration_eot, "processes": ["em"], "trigger": "calibration"},
            )
        )  # fmt: skip
        calls.append(SampleCall(name, folder / "dimuon", 3, {"processes": ["dimuon"], "eot": mc_eot}))
        annihilation = {"processes": ["annihilation"], "epsilon": cfg.signal_epsilon, "eot": mc_eot}
        calls += [
            SampleCall(name, folder / f"annihilation_m{m:.6g}", 6, annihilation | {"mass": m}, ann_preset)
            for m in cfg.annihilation_masses
        ]
    return calls


def stage_mc(ctx: Context, folder: Path) -> dict[str, Any]:
    """Monte Carlo of every run: the weighted samples (:func:`weighted_sample_calls`, side by side), then
    the biased samples of the Table IV backgrounds at each run's full EOT (fixed sizes
    ``table_iv_events``; forced interactions and decays, box-only storage; their chunks in parallel)."""
    cfg = ctx.cfg
    simulate_samples(ctx, weighted_sample_calls(ctx, folder))
    table_preset = ctx.preset.with_overrides({"production": {"weighted_events": dict(cfg.table_iv_events)}})
    for name, run in ctx.runs.items():
        ctx.simulate(
            name, "mc", folder / "table_iv", 5, preset=table_preset, processes=list(TABLE_IV_PROCESSES),
            eot=run.eot, options=table_iv_options(ctx.preset), progress=ctx.progress(f"Table IV MC run {name}"),
        )  # fmt: skip
    return {
        "masses": list(cfg.efficiency_masses),
        "annihilation_masses": list(cfg.annihilation_masses),
        "table_iv_processes": list(TABLE_IV_PROCESSES),
    }


__all__ = [
    "TABLE_IV_LAYOUT",
    "TABLE_IV_PROCESSES",
    "SampleCall",
    "SampleContext",
    "StageContext",
    "simulate_samples",
    "stage_mc",
    "table_iv_options",
    "weighted_sample_calls",
]
