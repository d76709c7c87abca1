"""The Monte Carlo stage of ``darkmiss reproduce``: signal per efficiency mass, calibration trigger,
dimuons, resonant-annihilation signal (weighted samples of fixed size), and the biased samples of the
Table IV backgrounds (spec Sec. VI–VIII).

Every sample is one ``simulate`` call (same preset, seed and EOT as alone). :func:`simulate_samples`
plans them all and runs their chunks in one pool, or on the dask cluster, the most costly first
(``darkmiss.detsim.generate.simulate_many``). Chunk boundaries and streams never depend on the worker
count or on the other calls, so the event files are identical to running the calls one after another.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from darkmiss.config.load import Preset
from darkmiss.config.schema import RunConfig
from darkmiss.detsim.generate import SimulateCall, SimulationSummary, simulate_many

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
    (``darkmiss.pipeline.reproduce.Context``): also the statistics and the runs."""

    @property
    def cfg(self) -> Any: ...  # ReproduceConfig (masses and sample sizes)
    @property
    def runs(self) -> dict[str, RunConfig]: ...


class Context(StageContext, Protocol):
    """What the MC stage reads of the reproduction's context: also its progress bars."""

    def progress(self, description: str) -> Callable[..., Any]: ...


@dataclass(frozen=True)
class SampleCall:
    """One ``simulate`` call: ``run`` into ``folder`` in ``mode`` with the master seed + ``seed_offset``,
    the keyword arguments ``options`` (processes, EOT, mass, …) and ``preset`` (None: the
    reproduction's)."""

    run: str
    folder: Path
    seed_offset: int
    options: dict[str, Any] = field(default_factory=dict)
    preset: Preset | None = None
    mode: str = "mc"


def simulate_samples(
    ctx: SampleContext, calls: list[SampleCall], progress: Callable[..., Any] | None = None
) -> list[SimulationSummary]:
    """Run ``calls`` (module docstring) as one production over ``ctx.workers`` or ``ctx.scheduler``; a
    folder's ``simulation.json`` is written by its last call, as one by one. Returns the calls'
    summaries in their order."""
    batch = [
        SimulateCall(
            c.preset or ctx.preset, c.run, c.mode, c.folder, {"seed": ctx.seed + c.seed_offset, **c.options}
        )
        for c in calls
    ]
    return simulate_many(batch, workers=ctx.workers, scheduler=ctx.scheduler, progress=progress)


#: Version of the biased Table IV samples, part of the MC stage's key (2: punch-through drawn only
#: within reach of the signal box; 3: the loss-of-muons pairs forced to hold a soft muon and the accidental
#: tags stratified, half decays), so that an MC stage cached by older code is made again.
TABLE_IV_LAYOUT = 3


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
    """Monte Carlo of every run, as one production (:func:`simulate_samples`): the weighted samples
    (:func:`weighted_sample_calls`) and the biased samples of the Table IV backgrounds at each run's full
    EOT (fixed sizes ``table_iv_events``; forced interactions and decays, box-only storage)."""
    cfg = ctx.cfg
    table_preset = ctx.preset.with_overrides({"production": {"weighted_events": dict(cfg.table_iv_events)}})
    table_iv = {"processes": list(TABLE_IV_PROCESSES), "options": table_iv_options(ctx.preset)}
    calls = weighted_sample_calls(ctx, folder) + [
        SampleCall(name, folder / "table_iv", 5, table_iv | {"eot": run.eot}, table_preset)
        for name, run in ctx.runs.items()
    ]
    simulate_samples(ctx, calls, ctx.progress("MC"))
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
