"""One entry point to the production cross-sections of a new boson V by a lepton beam on a nucleus:
WW (spec Eq. 9), improved WW (Bjorken et al. App. A and :mod:`darkmiss.physics.ww_mediators`) and the
exact tree level (Liu–Miller; :mod:`darkmiss.physics.etl`), for one (mass, energy) in GeV, in pb.

The mediator (vector, scalar, pseudoscalar, axial) fixes the matrix element; the model
(:mod:`darkmiss.physics.models`) multiplies the cross-section computed for g_ℓ = εe by |g_ℓ/(εe)|², the
square of the beam lepton's coupling in units of εe (1 for the dark photon, B−L and every spin-0/axial
boson; the loop-induced (2α/π)²|I(m²)|² for Lμ−Lτ and an electron beam). Electrons and positrons (and μ⁻, μ⁺)
have the same tree-level cross-sections: one photon is exchanged with the nucleus.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import METHODS, CrossSection, _validate, resolve_target
from darkmiss.physics.etl import sigma_etl
from darkmiss.physics.materials import Element
from darkmiss.physics.models import Model, get_beam, get_model
from darkmiss.physics.ww_mediators import sigma_iww_mediator, sigma_ww_mediator


def cross_section(
    method: str,
    mass: float,
    energy: float,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton: str = "e",
    *,
    mediator: str = "vector",
    model: str | Model | None = None,
    **kw: Any,
) -> CrossSection:
    """Production cross-section by ``method`` ∈ {ww, iww, etl} for one (mass, energy) in GeV [pb].

    ``lepton``: the beam (e-, e+, mu-, mu+, or e, mu). ww: spec Eq. 9 with the mediator's coefficient;
    iww: ∫ dσ/dx dx (extra keywords x_min, x_max); etl: exact tree level from
    :func:`darkmiss.physics.etl.sigma_etl` (extra keywords passed on). ``model`` (vector models only)
    rescales by the beam lepton's squared coupling (module docstring).
    """
    if method not in METHODS:
        raise UserInputError("method", method, "one of ww, iww, etl")
    el = resolve_target(target)
    beam = get_beam(lepton)
    mod = get_model(model, mediator)
    med = mod.mediator
    ml = beam.mass
    if method == "ww":
        if kw:
            raise UserInputError("options", sorted(kw), "none for method ww")
        sig = float(sigma_ww_mediator(mass, energy, el, epsilon, ml, med))
        err = 0.0
    elif method == "iww":
        unknown = set(kw) - {"x_min", "x_max"}
        if unknown:
            raise UserInputError("options", sorted(unknown), "x_min, x_max for method iww")
        sig, err = sigma_iww_mediator(
            mass, energy, el, epsilon, ml, med, float(kw.get("x_min", 0.0)), kw.get("x_max")
        )
    else:
        _validate(np.asarray(mass, dtype=float), np.asarray(energy, dtype=float), epsilon, ml)
        res = sigma_etl(mass, energy, target=el.symbol, epsilon=epsilon, lepton_mass=ml, mediator=med, **kw)
        sig, err = float(res.sigma_pb), float(res.sigma_err_pb)
    factor = mod.production_factor(beam, float(mass))
    return CrossSection(
        method,
        float(mass),
        float(energy),
        el.symbol,
        float(epsilon),
        factor * sig,
        factor * err,
        mediator=med.name,
        model=mod.name,
        beam=beam.name,
    )


__all__ = ["cross_section"]
