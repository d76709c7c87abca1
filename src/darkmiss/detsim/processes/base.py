"""The contract every simulated process follows (signal, em, dimuon, hadronic, upstream, decays, ...).

A process knows its rate per EOT *after* its pre-filter (trigger + SRD tag + one track, or a
looser filter it documents), and generates events conditioned on that pre-filter as a
:class:`~darkmiss.detsim.truth.TruthBatch`. The production (``detsim.generate``) draws
N ~ Poisson(EOT × rate) per process (or N = EOT × rate / prescale with weights for abundant
classes) and hands the batches to digitisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.config.schema import RunConfig, SetupGeometry
from darkmiss.detsim.fastpath import SummaryTruth
from darkmiss.detsim.truth import TruthBatch


@dataclass(frozen=True)
class ProcessContext:
    """What a process may depend on: the preset, the geometry, the run and the mode."""

    preset: Preset
    geometry: SetupGeometry
    run: RunConfig
    mode: str  # "data" or "mc"
    beam_energy: float = 100.0  # GeV
    options: dict[str, Any] = field(default_factory=dict)  # e.g. {"mass": 0.0167, "epsilon": 1e-4}
    beam_particle: str = "e-"  # the beam lepton whose showers the processes simulate (e- or e+)


@dataclass(frozen=True)
class RateEstimate:
    """Rate per EOT of events passing the process' pre-filter, with its relative uncertainty.

    ``source`` says where it comes from ("simulation", "calibrated: spec Sec. VIII", ...).
    """

    per_eot: float
    rel_err: float
    source: str


@dataclass
class SplitBatch:
    """Pseudo-data events of a process split by what they can reach (``generate_split``): ``full`` for
    the full chain (waveforms stored), ``fast`` for events stored without waveforms, ``summary`` for
    events only counted (:func:`darkmiss.detsim.fastpath.summary_readout`)."""

    full: TruthBatch
    fast: TruthBatch
    summary: SummaryTruth


class SimProcess(Protocol):
    """A simulated process."""

    name: str

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Rate per EOT after the pre-filter."""
        ...

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` events conditioned on the pre-filter."""
        ...


class SplitProcess(SimProcess, Protocol):
    """A process whose pseudo-data takes the fast and summary paths (data mode)."""

    def generate_split(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> SplitBatch:
        """``n`` events conditioned on the pre-filter, split by path."""
        ...
