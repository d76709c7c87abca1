"""The beam and the production mechanisms of a reproduction (``reproduce --beam --production``).

The beam (e⁻ or e⁺) is the preset's (:func:`darkmiss.detsim.beam.with_beam`): it reaches every
``simulate`` call of the chain and the yields stage through it. ``production`` selects the signal of
the HEADLINE limit: bremsstrahlung (A′-strahlung, spec Eqs. 8, 13), resonant annihilation e⁺e⁻ → A′ of
the beam and shower positrons on atomic electrons (:mod:`darkmiss.shower.annihilation`), or both. The
default is bremsstrahlung for an e⁻ beam (the spec's analysis) and both for an e⁺ beam, whose primary
positron annihilates resonantly near m = √(2 m_e E0) (0.32 GeV at 100 GeV) with a yield far above the
bremsstrahlung one there: a positron-beam limit without it would describe another experiment.

The annihilation signal is counted at its own efficiency: its yield is weighted by
ρ = Σ N_EOT ε_a / Σ N_EOT ε_b (:func:`darkmiss.pipeline.results.annihilation_efficiency_ratio`, from the
annihilation events that the MC stage runs through the setup simulation at ``[reproduce]
annihilation_masses``; constant beyond them). Yields per EOT at ε = 1.
"""

from __future__ import annotations

import math
from typing import Any

from darkmiss.shower.annihilation import parse_production
from darkmiss.stats.limits import SimpleYield

#: The production of the spec's analysis (the default of an e⁻ beam).
BREMS_ONLY: tuple[str, ...] = ("brems",)


def reproduce_production(value: str | None, beam: str) -> tuple[str, ...]:
    """The production mechanisms of the headline limit from ``--production`` (``value``; None: brems for
    an e⁻ beam, brems and annihilation for an e⁺ beam), in the order of
    :data:`darkmiss.shower.annihilation.PRODUCTIONS`; a bad value is a user error."""
    if value is None and beam == "e-":
        return BREMS_ONLY
    return parse_production(value, beam)


def headline_yield(
    record: dict[str, Any], production: tuple[str, ...], efficiency_ratio: float = 1.0
) -> SimpleYield:
    """The yields per EOT at ε = 1 of one ``yields.json`` record that enter the headline limit: the
    bremsstrahlung yields (WW, ETL, exact), ρ × the annihilation yield ``yield_annihilation`` added to each
    of them, or ρ × the annihilation yield alone (ρ = ``efficiency_ratio``, the annihilation signal's
    efficiency over the brems one, so that the limit's brems efficiency gives ε_a Y_ann; spec Eq. 26); the
    Monte-Carlo errors of the two add in quadrature."""
    r = record
    if production == BREMS_ONLY:
        return SimpleYield(
            r["mass"], r["yield_ww"], r["yield_etl"], r["yield_etl_direct"], r.get("yield_etl_err", 0.0)
        )
    rho = max(float(efficiency_ratio), 0.0)
    ann = rho * float(r.get("yield_annihilation") or 0.0)
    ann_err = rho * float(r.get("yield_annihilation_err") or 0.0)
    if "brems" not in production:
        return SimpleYield(r["mass"], ann, ann, ann, ann_err)
    err = math.hypot(float(r.get("yield_etl_err", 0.0) or 0.0), ann_err)
    return SimpleYield(r["mass"], r["yield_ww"] + ann, r["yield_etl"] + ann, r["yield_etl_direct"] + ann, err)


def production_params(production: tuple[str, ...]) -> dict[str, Any]:
    """The limits stage's key entries of ``production`` (none for the spec's bremsstrahlung only)."""
    return {} if production == BREMS_ONLY else {"production": list(production)}


def production_notes(beam: str, production: tuple[str, ...]) -> list[str]:
    """The notes of results.json on the beam and the production of a reproduction that is not the
    spec's (none for an e⁻ beam with bremsstrahlung only)."""
    if beam == "e-" and production == BREMS_ONLY:
        return []
    notes = [
        f"beam {beam}; the headline limits (epsilon_etl and its columns) count "
        f"{' + '.join(production)} (yield_etl and yield_annihilation per mass are listed apart)"
    ]
    if "annihilation" in production:
        notes.append(
            "annihilation signal efficiency: its own, from annihilation events through the setup simulation "
            "at [reproduce] annihilation_masses, interpolated in log m and constant beyond them"
        )
    if beam != "e-":
        notes.append(
            "published_limits are the 2016 electron-beam limits (spec Table V): not a comparison for a "
            f"{beam} beam; the {beam} beam's hadron contamination is the preset's [beam.positron] (assumed)"
        )
    return notes


__all__ = [
    "BREMS_ONLY",
    "headline_yield",
    "production_notes",
    "production_params",
    "reproduce_production",
]
