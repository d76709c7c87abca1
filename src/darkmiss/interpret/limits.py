"""The dark-matter interpretation of the ε limits (spec Sec. X): y and α_D bounds, BaBar's ε bound
turned into α_D, and the g−2 bands.

:func:`interpret_limits` takes the statistical result of :func:`darkmiss.stats.limits.compute_limits`
and adds, per mass, y = ε² α_D (m_χ/m_A′)⁴ for each α_D (Eq. 5's left side), the α_D lower bounds of
pseudo-Dirac (f = 0.25) and Majorana (f = 3) dark matter (Eq. 5), the same from BaBar's ε bound, the
a_μ favoured ε band and the ε above which a_e excludes the A′ (Pospelov 2009). Masses in GeV.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import UserInputError
from darkmiss.interpret.bounds import interpolate_bound, load_bound
from darkmiss.interpret.darkmatter import InterpretConfig, alpha_d_lower_bound, y_limit
from darkmiss.physics.gminus2 import ae_excluded_epsilon, amu_favoured_band
from darkmiss.stats.limits import LimitsResult, MassLimit, check_schema_version


@dataclass
class InterpretedLimit(MassLimit):
    """A :class:`~darkmiss.stats.limits.MassLimit` with its Sec. X interpretation (None while blinded)."""

    y_alpha_d_0p5: float | None = None
    y_alpha_d_0p005: float | None = None
    alpha_d_pseudodirac: float | None = None
    alpha_d_majorana: float | None = None
    y_by_alpha_d: dict[str, float | None] = field(default_factory=dict)
    # Sec. X cross-check: α_D lower bounds from BaBar's ε bound (None outside its mass range)
    alpha_d_pseudodirac_babar: float | None = None
    alpha_d_majorana_babar: float | None = None
    # g−2 (Pospelov 2009): the a_μ favoured ε band (±nσ) and the ε above which a_e excludes the A′
    epsilon_amu_band: list[float] = field(default_factory=list)
    epsilon_ae_excluded: float | None = None


@dataclass
class InterpretedLimits(LimitsResult):
    """Per-mass limits with their interpretation, and the settings (``limits.json``)."""

    records: list[InterpretedLimit]  # type: ignore[assignment]  # narrowed from MassLimit
    interpret: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "limits.json") -> InterpretedLimits:
        """Read :meth:`to_dict`'s layout; another ``schema_version`` is a user error naming ``source``."""
        d = check_schema_version(d, source)
        d["records"] = [InterpretedLimit(**r) for r in d.get("records", [])]
        return cls(**d)

    @classmethod
    def read(cls, path: str | Path) -> InterpretedLimits:
        """Read a ``limits.json`` written by ``darkmiss limits``; a missing, unreadable or malformed file,
        or one of another ``schema_version``, is a :class:`UserInputError` naming it."""
        p = Path(path)
        if not p.is_file():
            raise UserInputError("limits", str(p), "a limits.json written by `darkmiss limits`")
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserInputError("limits", str(p), f"a readable limits.json ({exc})") from None
        try:
            return cls.from_dict(data, str(p))
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            if isinstance(exc, UserInputError):
                raise
            raise UserInputError(
                "limits", str(p), f"a limits.json written by `darkmiss limits` ({exc})"
            ) from None


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def babar_alpha_d(mass: float, f: float, ratio: float) -> float | None:
    """α_D lower bound from BaBar's ε bound at ``mass`` [GeV] via Eq. 5 (the spec's Sec. X cross-check)."""
    eps = float(interpolate_bound(load_bound("babar_eps"), np.array([mass]))[0])
    return None if not math.isfinite(eps) else float(alpha_d_lower_bound(eps, mass, f, ratio))


def interpret_limit(rec: MassLimit, icfg: InterpretConfig) -> InterpretedLimit:
    """One mass's limit with y, α_D (Eq. 5), BaBar's α_D and the g−2 bands."""
    mass = rec.mass
    e_etl = rec.epsilon_etl

    def y_at(a: float) -> float | None:
        return None if e_etl is None else float(y_limit(e_etl, mass, a, icfg.mass_ratio))

    def ad(f: float) -> float | None:
        return None if e_etl is None else float(alpha_d_lower_bound(e_etl, mass, f, icfg.mass_ratio))

    base = {f.name: getattr(rec, f.name) for f in fields(MassLimit)}
    return InterpretedLimit(
        **base,
        y_alpha_d_0p5=y_at(0.5),
        y_alpha_d_0p005=y_at(0.005),
        alpha_d_pseudodirac=ad(icfg.f_pseudodirac),
        alpha_d_majorana=ad(icfg.f_majorana),
        y_by_alpha_d={f"{a:g}": y_at(a) for a in icfg.alpha_d},
        alpha_d_pseudodirac_babar=babar_alpha_d(mass, icfg.f_pseudodirac, icfg.mass_ratio),
        alpha_d_majorana_babar=babar_alpha_d(mass, icfg.f_majorana, icfg.mass_ratio),
        epsilon_amu_band=[float(x) for x in amu_favoured_band(mass, icfg.amu_band_nsigma)],
        epsilon_ae_excluded=_finite_or_none(float(ae_excluded_epsilon(mass, icfg.ae_exclusion_nsigma))),
    )


def interpret_limits(result: LimitsResult, preset: Preset | str | None = None) -> InterpretedLimits:
    """The Sec. X interpretation of every mass of ``result`` (settings: preset ``[stats.interpret]``)."""
    p = preset if isinstance(preset, Preset) else load_preset(preset or result.preset)
    icfg = InterpretConfig.from_preset(p)
    base = {f.name: getattr(result, f.name) for f in fields(LimitsResult) if f.name != "records"}
    return InterpretedLimits(
        **base,
        records=[interpret_limit(r, icfg) for r in result.records],
        interpret=asdict(icfg),
    )


__all__ = ["InterpretedLimit", "InterpretedLimits", "babar_alpha_d", "interpret_limit", "interpret_limits"]
