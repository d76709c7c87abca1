"""Selections as objects (coffea's PackedSelection / Cutflow are the model): named boolean masks,
a cut-flow with weighted counts, and N−1 views.

The standard cuts of the invisible search (spec Sec. IV and VIII) and their efficiency groups
(Eq. 23) are :data:`CUTS` and :data:`CUT_GROUPS`. The V2 veto comes right after the beam-electron
cuts: the electronuclear events counted without being stored (darkmiss.detsim.fastpath) all fire it,
so every cut after it sees stored events only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from darkmiss.errors import UserInputError

#: The analysis cuts in cut-flow order, each with its spec section.
CUTS: tuple[tuple[str, str], ...] = (
    ("trigger", "physics trigger Tr(A'), Eq. 14"),
    ("one_track", "exactly one incoming track, Sec. IV"),
    ("momentum", "P = 100 +- 2 GeV, Sec. IV"),
    ("ke3_angle", "track angle < 5 mrad before and after the magnets, Sec. VIII (Ke3) / Sec. IV"),
    ("upstream_hits", "no multiple hits in MM1-2, Sec. VIII"),
    ("srd", "SR in all three SRD counters, in time, Sec. IV"),
    ("v2", "no activity in V2, Sec. IV"),
    ("ecal_timing", "pile-up removal: cells > 1 GeV within +-2 ns, Sec. VI.A"),
    ("shower_shape", "lateral+longitudinal shower shape, Sec. IV"),
    ("hcal_lateral", "HCAL lateral energy, Sec. VIII"),
    ("hcal_time", "HCAL time spread, Sec. VIII"),
)
CUT_NAMES: tuple[str, ...] = tuple(c for c, _ in CUTS)

#: Which cuts make each efficiency factor of Eq. 23 (the box edges add ε_A′ and the HCAL zero cut).
CUT_GROUPS: dict[str, tuple[str, ...]] = {
    "e": ("trigger", "one_track", "momentum", "ke3_angle", "upstream_hits", "srd"),
    "ecal": ("ecal_timing", "shower_shape"),
    "v2": ("v2",),
    "hcal": ("hcal_lateral", "hcal_time"),
}


@dataclass
class Cutflow:
    """Weighted counts of a cut-flow: initial, each cut alone, sequential, and N−1 (all but one).

    ``counted`` (optional, per cut): the part of ``sequential`` (and of ``initial``, ``counted_initial``)
    from events that were counted without being stored (darkmiss.detsim.fastpath); ``onecut`` and
    ``minusone`` are of the stored events only."""

    names: list[str]
    initial: float
    onecut: list[float]
    sequential: list[float]
    minusone: list[float]
    all_cuts: float
    raw_sequential: list[int] = field(default_factory=list)
    counted: list[int] = field(default_factory=list)
    counted_initial: int = 0

    def with_counted(self, initial: int, counts: dict[str, int]) -> Cutflow:
        """This cut-flow with unit-weight events counted elsewhere added: ``initial`` of them before the
        cuts and ``counts[cut]`` after each cut in sequence (0 for the cuts after the last given)."""
        add = [int(counts.get(name, 0)) for name in self.names]
        seq = [s + a for s, a in zip(self.sequential, add, strict=True)]
        raw = [r + a for r, a in zip(self.raw_sequential, add, strict=True)] if self.raw_sequential else []
        return Cutflow(
            names=self.names,
            initial=self.initial + initial,
            onecut=self.onecut,
            sequential=seq,
            minusone=self.minusone,
            all_cuts=seq[-1] if seq else self.initial + initial,
            raw_sequential=raw,
            counted=add,
            counted_initial=int(initial),
        )

    def to_records(self) -> list[dict[str, Any]]:
        """One record per cut: counts and the efficiency relative to the previous step."""
        out = []
        prev = self.initial
        for i, n in enumerate(self.names):
            seq = self.sequential[i]
            out.append(
                {
                    "cut": n,
                    "alone": self.onecut[i],
                    "sequential": seq,
                    "relative_eff": seq / prev if prev > 0 else None,
                    "n_minus_one": self.minusone[i],
                    "raw": self.raw_sequential[i] if self.raw_sequential else None,
                    **({"counted_not_stored": self.counted[i]} if self.counted else {}),
                }
            )
            prev = seq
        return out


class Selection:
    """Named boolean masks over ``n`` events (like coffea's PackedSelection)."""

    def __init__(self, n: int) -> None:
        self.n = int(n)
        self._masks: dict[str, np.ndarray] = {}

    @property
    def names(self) -> list[str]:
        return list(self._masks)

    def add(self, name: str, mask: np.ndarray) -> None:
        """Add cut ``name`` (a boolean array of length n)."""
        m = np.asarray(mask, dtype=bool)
        if m.shape != (self.n,):
            raise ValueError(f"mask {name!r} has shape {m.shape}, expected ({self.n},)")
        self._masks[name] = m

    def mask(self, name: str) -> np.ndarray:
        try:
            return self._masks[name]
        except KeyError:
            raise UserInputError("cut", name, f"one of {', '.join(self._masks)}") from None

    def all(self, *names: str) -> np.ndarray:
        """Events passing every cut in ``names`` (every cut when none is given)."""
        out = np.ones(self.n, dtype=bool)
        for name in names or tuple(self._masks):
            out &= self.mask(name)
        return out

    def require(self, **states: bool) -> np.ndarray:
        """Events where each named cut has the given state (True = passes)."""
        out = np.ones(self.n, dtype=bool)
        for name, state in states.items():
            out &= self.mask(name) if state else ~self.mask(name)
        return out

    def minus_one(self, name: str, names: Iterable[str] | None = None) -> np.ndarray:
        """Events passing every cut except ``name`` (the N−1 view)."""
        return self.all(*[n for n in (names or self.names) if n != name])

    def cutflow(
        self,
        names: Sequence[str] | None = None,
        weights: np.ndarray | None = None,
        base: np.ndarray | None = None,
    ) -> Cutflow:
        """Weighted cut-flow over ``names`` (all cuts by default) for events in ``base``."""
        names = list(names) if names is not None else self.names
        w = np.ones(self.n) if weights is None else np.asarray(weights, dtype=np.float64)
        b = np.ones(self.n, dtype=bool) if base is None else np.asarray(base, dtype=bool)
        cur = b.copy()
        seq, raw, one, m1 = [], [], [], []
        for n in names:
            cur &= self.mask(n)
            seq.append(float(w[cur].sum()))
            raw.append(int(cur.sum()))
            one.append(float(w[b & self.mask(n)].sum()))
            m1.append(float(w[b & self.minus_one(n, names)].sum()))
        return Cutflow(
            names=names,
            initial=float(w[b].sum()),
            onecut=one,
            sequential=seq,
            minusone=m1,
            all_cuts=seq[-1] if seq else float(w[b].sum()),
            raw_sequential=raw,
        )
