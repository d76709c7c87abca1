"""``darkmiss width``: A′ partial widths, branching ratios and decay length (spec Eqs. 3–4).

Masses in GeV, widths in GeV, cτ in cm.
"""

from __future__ import annotations

import typer

from darkmiss.cli.choices import ChiKind
from darkmiss.cli.common import emit, parse_floats
from darkmiss.cli.xsec import parse_one_float
from darkmiss.errors import UserInputError
from darkmiss.physics.widths import decay_widths


def width(
    mass: list[str] = typer.Option(..., "--mass", help="A′ masses [GeV], comma-separated."),
    mchi: str = typer.Option(..., "--mchi", help="Dark-matter mass m_χ [GeV] (m_χ ≥ m/2 closes A′ → χχ)."),
    alpha_d: str = typer.Option("0.5", "--alpha-d", help="Dark coupling α_D."),
    epsilon: str = typer.Option("1e-4", "--epsilon", help="Kinetic mixing ε."),
    kind: ChiKind = typer.Option(ChiKind.fermion, "--kind", help="χ kind: fermion (Eq. 4) or scalar."),
    energy: str = typer.Option("", "--energy", help="Optional A′ energy [GeV] for the lab decay length."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records only."),
) -> None:
    """Widths [GeV], branching ratios and cτ [cm] of A′ → e⁺e⁻, μ⁺μ⁻, χχ̄."""
    masses = parse_floats(mass, "mass", positive=True)
    mchi_ = parse_one_float(mchi, "mchi")
    if mchi_ < 0:
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
        w = decay_widths(m, eps, alpha_d_, mchi_, kind.value)
        rec: dict[str, float | str] = dict(w.as_record())
        if energies:
            if energies[0] < m:
                raise UserInputError("energy", energies[0], f">= the A′ mass {m:g} GeV")
            rec["energy"] = energies[0]
            rec["decay_length_cm"] = float(w.decay_length_cm(energies[0]))
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
    emit(rows, False, title="A′ decay widths [GeV], branching ratios, cτ [cm]")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``width`` command to the darkmiss app."""
    del plot_app
    app.command("width", short_help="A′ widths [GeV], branching ratios and cτ [cm].")(width)
