"""From a limit on signal events to a limit on the mixing strength ε (spec Sec. IX, Eq. 26).

N_A′ = Σ_i n_EOT,i ε_tot,i n_A′(m_A′) ε² with n_A′ the yield per EOT at ε = 1, so the 90% C.L. bound
N_A′ < N90 gives ε < sqrt(N90 / Σ_i n_EOT,i ε_tot,i n_A′). Yields per EOT, ε dimensionless.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from darkmiss.errors import require


def signal_per_eps2(eot: Sequence[float], efficiency: Sequence[float], yield_per_eot: float) -> np.ndarray:
    """Per-run signal events at ε = 1: n_EOT,i · ε_tot,i · n_A′ (spec Eq. 26)."""
    e = np.asarray(eot, dtype=float)
    f = np.asarray(efficiency, dtype=float)
    require(e.shape == f.shape, "efficiency", list(f), f"{e.size} values, one per run")
    return e * f * float(yield_per_eot)


def epsilon_limit(n90: npt.ArrayLike, total_signal_per_eps2: npt.ArrayLike) -> np.ndarray:
    """ε upper limit = sqrt(N90 / Σ n_EOT ε_tot n_A′) (spec Eq. 26); inf where the signal is zero."""
    n = np.asarray(n90, dtype=float)
    s = np.asarray(total_signal_per_eps2, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s > 0, np.sqrt(n / np.where(s > 0, s, 1.0)), np.inf)


def interpolate_efficiency(
    masses: Sequence[float], efficiency: Sequence[float], mass: float
) -> tuple[float, bool]:
    """ε_tot at ``mass`` [GeV], linear in log(m) between the analysis masses; (value, extrapolated?).

    Outside the tabulated range the nearest value is used and the flag is set.
    """
    m = np.asarray(masses, dtype=float)
    e = np.asarray(efficiency, dtype=float)
    require(m.size > 0 and m.size == e.size, "efficiency_masses", list(m), "as many masses as efficiencies")
    order = np.argsort(m)
    m, e = m[order], e[order]
    outside = bool(mass < m[0] * (1 - 1e-9) or mass > m[-1] * (1 + 1e-9))
    if m.size == 1:
        return float(e[0]), outside
    return float(np.interp(np.log(mass), np.log(m), e)), outside
