"""Stand-ins for the positron-tally annihilation yields, so that projection tests run no positron showers."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass
class FakeAnnihilation:
    """A stand-in for AnnihilationYield: a resonance-like bump 1e-4 exp(−((m − 0.25)/0.03)²) per EOT."""

    mass: float
    resonance_energy: float
    yield_annihilation: float
    yield_annihilation_err: float


def fake_annihilation(preset: Any, masses: Any, **kw: Any) -> list[FakeAnnihilation]:
    """Replaces model_annihilation_yields (no positron showers in these tests); E_R = m²/(2 m_e) [GeV]."""
    return [FakeAnnihilation(m, m * m / 2 / 0.000511, 1e-4 * math.exp(-(((m - 0.25) / 0.03) ** 2)), 0.0)
            for m in masses]  # fmt: skip
