"""Compile the chain's heaviest numba kernels once, spread over the local workers, before the first
simulation or reconstruction stage of a reproduction that finds numba's cache cold.

Without it, every worker process compiles each kernel on its first call: on a cold cache both workers of
the yields stage compile the explicit cascade (``run_showers``, ~14 s on one core of the 2-core test
machine) at the same time, and later both compile the pile-up fit (``reco.pileup._remove_events``, ~8 s)
and the parametrised showers.
Here one worker compiles the kernels of the yields stage (the cascade and the exact-tree-level integrand)
while the other compiles those of the detector simulation and reconstruction (the parametrised showers, the
muon transport, the electronuclear showers and the pile-up fit): 14 and 18 s side by side; numba writes them to
its cache (``cache=True``), from which every later process loads them. The stage waits for the first group
only: its own work (the yields, which need none of the second group) runs while the second compiles, and the
stage ends when both are done. Each group calls the library's own wrappers on a tiny input, so the kernels
get the argument types of the chain. Nothing is computed for the results, and the random streams of the
stages are untouched.

Whether numba's cache is cold is asked of numba itself: a trivial kernel of this module (:func:`_probe`)
is cached beside the others (next to the installed sources, or under ``NUMBA_CACHE_DIR``), and a process
that loads it from there (``Dispatcher.stats.cache_hits``) finds a warm cache and skips this step, which
would otherwise load every kernel once more (about 1.5 s). A group that fails raises.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numba
import numpy as np

from darkmiss.config.load import Preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.detsim.beam import BeamConfig
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.detsim.processes.hadronic import sums_batch
from darkmiss.parallel import add_usage, measured
from darkmiss.physics.etl import dsigma_dx_etl
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.pileup import remove_pileup
from darkmiss.shower.cascade import Primaries, run_cascade
from darkmiss.shower.geometry import build_geometry
from darkmiss.shower.response import default_settings, muon_deposits, parametrised_deposits, slab_table

#: The groups of kernels compiled side by side (14 and 18 s on the 2-core test machine): the stage that
#: compiles them waits for the first before its own work, for the second at its end.
GROUPS = ("cascade", "readout")


def _cascade(preset: Preset) -> None:
    """The explicit cascade (``run_showers`` and its step helpers): one 10 GeV e⁻ shower in fast mode; and
    the exact-tree-level integrand on one point."""
    setup = SetupGeometry.from_preset(preset)
    run_cascade(
        Primaries.beam(1, 10.0),
        build_geometry(setup),
        mode="fast",
        seed=0,
        split_energy=default_settings().fast_split_gev,
    )
    dsigma_dx_etl(0.5, 0.01, 100.0, rel_precision=0.5)


def _readout(preset: Preset) -> None:
    """The parametrised showers, the muon transport and the pile-up fit, each on one particle or cell, and
    the electronuclear showers on two events."""
    setup = SetupGeometry.from_preset(preset)
    run = next(iter(runs_from_preset(preset).values()))
    ctx = ProcessContext(preset, setup, run, "data", BeamConfig.from_preset(preset).energy)
    sums_batch(2, np.random.default_rng(0), ctx)
    settings = default_settings()
    table = slab_table(setup, settings.sampling_coefficient)
    rng = np.random.default_rng(0)
    zero = np.zeros(1)
    start = (zero, zero, zero)  # the ECAL face, on the beam axis
    forward = (zero, zero, zero + 1.0)
    parametrised_deposits(np.zeros(1, np.int64), np.array([11]), zero + 1.0, start, forward, 1, table, rng)
    muon_deposits(np.zeros(1, np.int64), zero + 10.0, start, forward, 1, table, settings, rng)
    waves = np.zeros((1, 6, 6, 32), np.float32)
    waves[0, 2, 2, 10:14] = 1.0
    cells = np.zeros((1, 6, 6))
    remove_pileup(waves, np.ones(1, bool), cells, cells, AnalysisConfig.from_preset(preset).pileup)


def compile_group(group: str, preset: Preset) -> str:
    """Compile the kernels of ``group`` (one of :data:`GROUPS`) in this process; returns the group."""
    {"cascade": _cascade, "readout": _readout}[group](preset)
    return group


@numba.njit(cache=True)
def _probe() -> int:  # pragma: no cover - numba
    """A trivial kernel whose numba cache entry tells whether this installation's cache is warm."""
    return 1


#: Set once this process has compiled the groups or found numba's cache warm.
_CHECKED: list[bool] = []


def numba_cache_warm() -> bool:
    """Whether numba loaded :func:`_probe` from its cache in this process (a cold cache compiles it, and
    writes it there for the next process)."""
    _probe()
    return sum(_probe.stats.cache_hits.values()) > 0


def compile_kernels(preset: Preset, workers: int) -> Callable[[], None] | None:
    """Compile :data:`GROUPS` in two local worker processes unless numba's cache is warm
    (:func:`numba_cache_warm`) or this process did it already. Returns once the first group is compiled,
    with a callable that waits for the second (and raises if it failed); None when nothing is compiled.
    Only for local pools of two or more workers: one worker would compile them in turn anyway. The
    workers' CPU time and memory go to the active :func:`darkmiss.parallel.record_usage` as each group
    ends."""
    if workers < 2 or _CHECKED:
        return None
    _CHECKED.append(True)
    if numba_cache_warm():
        return None
    pool = ProcessPoolExecutor(max_workers=len(GROUPS))
    futures = [pool.submit(measured, compile_group, g, preset) for g in GROUPS]

    def collect(i: int) -> None:
        add_usage(*futures[i].result()[1])

    try:
        collect(0)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise

    def finish() -> None:
        try:
            for i in range(1, len(GROUPS)):
                collect(i)
        finally:
            pool.shutdown()

    return finish
