"""One entry point to the A′ production cross-sections: WW (spec Eq. 9), improved WW (Bjorken et al.
App. A) and the exact tree level (Liu–Miller), for one (mass, energy) in GeV, in pb."""

from __future__ import annotations

from typing import Any

import numpy as np

from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import (
    METHODS,
    CrossSection,
    _sigma_iww_with_error,
    _validate,
    lepton_mass_of,
    resolve_target,
    sigma_ww,
)
from darkmiss.physics.etl import sigma_etl
from darkmiss.physics.materials import Element


def cross_section(
    method: str,
    mass: float,
    energy: float,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton: str = "e",
    **kw: Any,
) -> CrossSection:
    """A′ production cross-section by ``method`` ∈ {ww, iww, etl} for one (mass, energy) in GeV [pb].

    ww: spec Eq. 9; iww: ∫ Bjorken Eq. A14 dx (extra keywords x_min, x_max); etl: exact tree level
    from :func:`darkmiss.physics.etl.sigma_etl` (extra keywords passed on).
    """
    if method not in METHODS:
        raise UserInputError("method", method, "one of ww, iww, etl")
    el = resolve_target(target)
    ml = lepton_mass_of(lepton)
    if method == "ww":
        if kw:
            raise UserInputError("options", sorted(kw), "none for method ww")
        sig = float(sigma_ww(mass, energy, el, epsilon, ml))
        err = 0.0
    elif method == "iww":
        unknown = set(kw) - {"x_min", "x_max"}
        if unknown:
            raise UserInputError("options", sorted(unknown), "x_min, x_max for method iww")
        s, e_, _ = _sigma_iww_with_error(
            mass, energy, el, epsilon, ml, float(kw.get("x_min", 0.0)), kw.get("x_max")
        )
        sig, err = float(s), float(e_)
    else:
        _validate(np.asarray(mass, dtype=float), np.asarray(energy, dtype=float), epsilon, ml)
        res = sigma_etl(mass, energy, target=el.symbol, epsilon=epsilon, lepton_mass=ml, **kw)
        sig, err = float(res.sigma_pb), float(res.sigma_err_pb)
    return CrossSection(method, float(mass), float(energy), el.symbol, float(epsilon), sig, err)


__all__ = ["cross_section"]
