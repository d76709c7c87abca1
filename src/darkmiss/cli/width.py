"""``darkmiss width``: partial widths, branching ratios and decay length of the new boson (spec Eqs. 3–4 for
the dark photon; :mod:`darkmiss.physics.mediator_widths` for every mediator and model).

Masses in GeV, widths in GeV, cτ in cm.
"""

from __future__ import annotations

import typer

from darkmiss.cli.choices import ChiKind, Mediator, Model, value_of
from darkmiss.cli.common import emit, parse_floats
from darkmiss.cli.xsec import parse_one_float
from darkmiss.errors import UserInputError
from darkmiss.physics.mediator_widths import model_widths


def width(
    mass: list[str] = typer.Option(..., "--mass", help="Boson masses [GeV], comma-separated."),
    mchi: str = typer.Option(
        None, "--mchi", help="Dark-matter mass m_χ [GeV] (none: no χχ̄ channel; m_χ ≥ m/2 closes it)."
    ),
    alpha_d: str = typer.Option("0.5", "--alpha-d", help="Dark coupling α_D."),
    epsilon: str = typer.Option("1e-4", "--epsilon", help="Coupling g = εe (kinetic mixing ε)."),
    kind: ChiKind = typer.Option(ChiKind.fermion, "--kind", help="χ kind: fermion (Eq. 4) or scalar."),
    mediator: Mediator = typer.Option(Mediator.vector, "--mediator", help="Spin and parity of the boson."),
    model: Model = typer.Option(None, "--model", help="Couplings of a vector (default dark-photon)."),
    energy: str = typer.Option("", "--energy", help="Optional boson energy [GeV] for the lab decay length."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records only."),
) -> None:
    """Widths [GeV], branching ratios and cτ [cm] to e⁺e⁻, μ⁺μ⁻, τ⁺τ⁻, γγ, νν̄, χχ̄."""
    masses = parse_floats(mass, "mass", positive=True)
    mchi_ = None if mchi is None else parse_one_float(mchi, "mchi")
    if mchi_ is not None and mchi_ < 0:
        raise UserInputError("mchi", mchi_, "a mass >= 0 (GeV)")
    alpha_d_ = parse_one_float(alpha_d, "alpha-d")
    if alpha_d_ < 0:
        raise UserInputError("alpha-d", alpha_d_, "a number >= 0")
    eps = parse_one_float(epsilon, "epsilon", positive=True)
    energies = parse_floats(energy, "energy", positive=True, allow_empty=True)
    if len(energies) > 1:
        raise UserInputError("energy", energy, "one energy in GeV")
    records = []
    for m in masses:
        w = model_widths(
            value_of(model),
            m,
            eps,
            mediator=mediator.value,
            alpha_d=alpha_d_,
            mchi=mchi_,
            chi_kind=kind.value,
        )
        rec = dict(w.as_record())
        if energies:
            if energies[0] < m:
                raise UserInputError("energy", energies[0], f">= the boson mass {m:g} GeV")
            rec["energy"] = energies[0]
            rec["decay_length_cm"] = (energies[0] ** 2 - m * m) ** 0.5 / m * w.ctau_cm
        records.append(rec)
    if as_json:
        emit(records, True)
        return
    # One row per quantity, one column per mass: readable in a terminal.
    rows = [
        {"quantity": key, **{f"m={r['mass']:g}": r[key] for r in records}}
        for key in records[0]
        if key != "mass"
    ]
    emit(rows, False, title="Decay widths [GeV], branching ratios, cτ [cm]")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``width`` command to the darkmiss app."""
    del plot_app
    app.command("width", short_help="Widths [GeV], branching ratios and cτ [cm] of the boson.")(width)
