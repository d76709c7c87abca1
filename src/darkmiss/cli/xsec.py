"""``darkmiss xsec``: A′ production (WW, IWW, ETL) and Bethe–Heitler dimuon cross-sections.

Masses and energies in GeV; A′ cross-sections in pb, dimuon cross-sections in μb.
"""

from __future__ import annotations

import numpy as np
import typer

from darkmiss.cli.choices import Beam, Lepton, Mediator, Model, Target, XsecMethod, beam_of, value_of
from darkmiss.cli.common import emit, parse_floats
from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import resolve_target
from darkmiss.physics.models import get_beam, get_model
from darkmiss.physics.muonpair import THRESHOLD_GEV, sigma_total
from darkmiss.physics.production import cross_section


def parse_one_float(value: str, parameter: str, *, positive: bool = False) -> float:
    """One number from the command line; lists, empty and non-numeric values raise UserInputError."""
    values = parse_floats(value, parameter, positive=positive)
    if len(values) != 1:
        raise UserInputError(parameter, value, "a single number")
    return values[0]


xsec_app = typer.Typer(
    help="Cross-sections: A′ production (spec Eqs. 9–13) and γZ → μμZ (spec Eqs. 18–22).",
    no_args_is_help=True,
)


@xsec_app.command("aprime", short_help="σ(ℓZ → ℓZV) [pb]: WW, IWW or exact tree level, any mediator.")
def aprime(
    mass: list[str] = typer.Option(..., "--mass", help="A′ masses [GeV], comma-separated."),
    energy: list[str] = typer.Option(["100"], "--energy", help="Beam energies [GeV], comma-separated."),
    target: Target = typer.Option(Target.Pb, "--target", help="Target element symbol."),
    method: XsecMethod = typer.Option(
        XsecMethod.ww,
        "--method",
        help="ww (spec Eq. 9), iww (Bjorken et al. App. A) or etl (exact tree level).",
    ),
    epsilon: str = typer.Option("1.0", "--epsilon", help="Coupling g = εe (kinetic mixing ε; σ ∝ ε²)."),
    mediator: Mediator = typer.Option(
        Mediator.vector, "--mediator", help="Spin and parity of the boson V (vertex γ^μ, 1, iγ5, γ^μγ5)."
    ),
    model: Model = typer.Option(None, "--model", help="Couplings of a vector (default dark-photon)."),
    beam: Beam = typer.Option(None, "--beam", help="Beam particle (default e-)."),
    lepton: Lepton = typer.Option(None, "--lepton", help="Old name of --beam: e = e-, mu = mu-."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records only."),
) -> None:
    """σ(ℓZ → ℓZV) [pb] for every mass × energy."""
    method_ = method.value
    bm = get_beam(beam_of(beam, lepton))
    mod = get_model(value_of(model), mediator.value)
    ml = bm.mass
    el = resolve_target(target.value)
    masses = parse_floats(mass, "mass", positive=True)
    energies = parse_floats(energy, "energy", positive=True)
    eps = parse_one_float(epsilon, "epsilon", positive=True)
    for e in energies:
        for m in masses:
            if m >= e - ml:
                raise UserInputError("mass", m, f"< energy − lepton mass (energy = {e:g} GeV)")
    records = []
    for e in energies:
        for m in masses:
            xs = cross_section(method_, m, e, target=el, epsilon=eps, lepton=bm.name, model=mod)
            records.append(
                {
                    "mass": xs.mass,
                    "energy": xs.energy,
                    "method": xs.method,
                    "epsilon": xs.epsilon,
                    "sigma_pb": xs.sigma_pb,
                    "sigma_err_pb": xs.sigma_err_pb,
                    "mediator": xs.mediator,
                    "model": xs.model,
                    "beam": xs.beam,
                }
            )
    title = f"{mod.mediator.name} ({mod.name}) production on {el.symbol} ({method_}, {bm.name} beam) [pb]"
    emit(records, as_json, title=title)


@xsec_app.command("dimuon", short_help="σ(γZ → μ⁺μ⁻Z) [μb], Bethe–Heitler (spec Eq. 22).")
def dimuon(
    energy: list[str] = typer.Option(..., "--energy", help="Photon energies [GeV], comma-separated."),
    target: Target = typer.Option(Target.Pb, "--target", help="Target element symbol."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records only."),
) -> None:
    """σ_tot(γZ → μ⁺μ⁻Z) [μb] for each photon energy above 4 m_μ, from spec Eq 22."""
    el = resolve_target(target.value)
    energies = parse_floats(energy, "energy", positive=True)
    for e in energies:
        if e <= THRESHOLD_GEV:
            raise UserInputError("energy", e, f"> {THRESHOLD_GEV:.4f} GeV (4 m_mu, the model threshold)")
    sig = np.atleast_1d(sigma_total(energies, el))
    records = [{"energy": e, "sigma_ub": float(s)} for e, s in zip(energies, sig, strict=True)]
    emit(records, as_json, title=f"γ {el.symbol} → μ⁺μ⁻ {el.symbol} [μb]")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``xsec`` group to the darkmiss app."""
    del plot_app
    app.add_typer(xsec_app, name="xsec", short_help="Cross-sections: A′ production and γZ → μ⁺μ⁻Z.")
