"""The contract between event generators (processes) and digitisation.

A generator returns a :class:`TruthBatch`: what each event *deposits* and *emits* before any
readout effect. :mod:`darkmiss.detsim.digitize` turns it into schema events (tracker hits and
reconstruction, SRD response, pile-up overlay, waveforms, noise, inefficiencies, trigger).

Energies in GeV (calorimeters: calibrated energy, i.e. visible/sampling fraction, with sampling
and photo-statistics fluctuations already included by the shower response); V1/V2 in MIP; angles
in mrad.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from darkmiss.util import unit_weight_copies


@dataclass
class TruthBatch:
    """Truth-level description of ``n`` events of one process."""

    process: np.ndarray  # (n,) int8, darkmiss.events.schema.Process
    weight: np.ndarray  # (n,) float64
    beam_pdg: np.ndarray  # (n,) int32, PDG id of the incoming particle
    beam_energy: np.ndarray  # (n,) GeV, energy of the incoming particle in the spectrometer
    angle_in_mrad: np.ndarray  # (n,) incoming angle to the beam axis
    kink_mrad: np.ndarray  # (n, 2) change of direction (bending plane x, y) before the downstream stations
    sr_energy: np.ndarray  # (n, 3) GeV, true energy reaching the three SRD counters (SR or knock-on)
    extra_upstream_hits: np.ndarray  # (n, 6) int16, hits beyond the primary track, per tracker station
    n_tracks_in: np.ndarray  # (n,) int16, incoming charged tracks in the acceptance (normally 1)
    v1: np.ndarray  # (n,) MIP in the upstream veto V1
    ecal: np.ndarray  # (n, 6, 6) GeV, main ECAL section
    ps: np.ndarray  # (n, 6, 6) GeV, preshower
    v2: np.ndarray  # (n,) MIP
    hcal: np.ndarray  # (n, 4, 3, 3) GeV
    hcal_time_spread_ns: (
        np.ndarray
    )  # (n,) extra spread of HCAL cell times (late neutrals, upstream secondaries)
    missing_energy: np.ndarray  # (n,) GeV, undetected energy (A', neutrinos, escaping particles)
    aprime_energy: np.ndarray  # (n,) GeV, 0 unless signal
    mass: np.ndarray  # (n,) GeV, A' mass for signal, else 0

    @property
    def n(self) -> int:
        return int(self.process.shape[0])

    @classmethod
    def empty(cls, n: int) -> TruthBatch:
        """Zero-filled batch of ``n`` events (weights 1, one incoming track, 100 GeV e⁻ beam)."""
        return cls(
            process=np.zeros(n, np.int8),
            weight=np.ones(n, np.float64),
            beam_pdg=np.full(n, 11, np.int32),
            beam_energy=np.full(n, 100.0),
            angle_in_mrad=np.zeros(n),
            kink_mrad=np.zeros((n, 2)),
            sr_energy=np.zeros((n, 3)),
            extra_upstream_hits=np.zeros((n, 6), np.int16),
            n_tracks_in=np.ones(n, np.int16),
            v1=np.zeros(n),
            ecal=np.zeros((n, 6, 6)),
            ps=np.zeros((n, 6, 6)),
            v2=np.zeros(n),
            hcal=np.zeros((n, 4, 3, 3)),
            hcal_time_spread_ns=np.zeros(n),
            missing_energy=np.zeros(n),
            aprime_energy=np.zeros(n),
            mass=np.zeros(n),
        )

    @classmethod
    def concatenate(cls, batches: list[TruthBatch]) -> TruthBatch:
        """Concatenate batches event-wise."""
        if not batches:
            return cls.empty(0)
        return cls(**{f.name: np.concatenate([getattr(b, f.name) for b in batches]) for f in fields(cls)})

    def select(self, mask: np.ndarray) -> TruthBatch:
        """The events where ``mask`` is true (or at the given indices)."""
        return TruthBatch(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    def unweighted(self, rng: np.random.Generator) -> TruthBatch:
        """Unit-weight events with the same expected content, as a detector records them.

        Accept-reject against w_max = 1: an event of weight w ≤ 1 is kept with probability w; an event
        of weight w > 1 (rare for the relative weights the generators give, mean ≈ 1) is kept
        ⌊w⌋ times and once more with probability w − ⌊w⌋, each copy digitised on its own (independent
        pile-up, noise and readout). The expected number of copies of every event is its weight, so
        every distribution is unbiased. Random numbers: one uniform per event.
        """
        w = np.asarray(self.weight, dtype=float)
        if w.size == 0 or np.all(w == 1.0):
            return self
        if np.any(w < 0) or not np.all(np.isfinite(w)):
            raise ValueError("unweighting needs finite non-negative weights")
        out = self.select(np.repeat(np.arange(self.n), unit_weight_copies(w, rng)))
        out.weight[:] = 1.0
        return out
