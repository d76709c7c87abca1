"""``darkmiss kfactor``: k = σ_WW/σ_ETL (spec Eq. 12) lookups and generation of the shipped table."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from collections.abc import Iterable
from typing import Any

import typer

from darkmiss.cli.choices import Beam, Lepton, Mediator, Target, beam_of
from darkmiss.cli.common import (
    at_least,
    emit,
    output_file,
    parse_floats,
    parse_names,
    progress,
    workers_option,
)
from darkmiss.constants import M_E
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import ELEMENTS
from darkmiss.physics.models import get_beam


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``kfactor`` command."""

    @app.command("kfactor", short_help="k = σ_WW/σ_ETL of A′ production (spec Eq. 12).")
    def kfactor_cmd(
        mass: list[str] = typer.Option(None, "--mass", help="A′ masses in GeV (comma-separated)."),
        energy: list[str] = typer.Option(None, "--energy", help="Beam energies in GeV (comma-separated)."),
        target: list[str] = typer.Option(
            None, "--target", help=f"Target elements, comma-separated: {', '.join(ELEMENTS)} (default Pb)."
        ),
        mediator: Mediator = typer.Option(
            Mediator.vector, "--mediator", help="Spin and parity of the boson (coupling g_ℓ = εe)."
        ),
        beam: Beam = typer.Option(
            None, "--beam", help="Beam particle (default e-; e± and μ± alike at tree level)."
        ),
        lepton: Lepton = typer.Option(None, "--lepton", help="Old name of --beam: e = e-, mu = mu-."),
        build: bool = typer.Option(False, "--build", help="Generate the k-factor table instead of a lookup."),
        workers: int = workers_option("Worker processes for --build."),
        seed: int = typer.Option(
            0, "--seed", callback=at_least(0, "seed"), help="Master seed of the vegas integrations."
        ),
        out: str = typer.Option(None, "--out", help="--build: output .npz (default: the packaged table)."),
        no_table: bool = typer.Option(False, "--no-table", help="Compute every point (ignore the table)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """k-factor k = σ_WW/σ_ETL of A′ production (spec Eq. 12); masses and energies in GeV."""
        from darkmiss.physics import kfactor as kf

        targets = parse_names(target, "target", ELEMENTS) or ["Pb"]
        bm = get_beam(beam_of(beam, lepton))
        if build:
            masses = parse_floats(mass, "mass", positive=True) if mass else kf.TABLE_MASSES
            energies = parse_floats(energy, "energy", positive=True) if energy else kf.TABLE_ENERGIES
            _check_kinematics(masses, energies, bm.mass)
            if out is not None:
                output_file(out)
            if target is None or not target:
                targets = list(kf.TABLE_TARGETS)

            def prog(it: Any, n: int) -> Any:
                return progress(it, total=n, description="k-factor table")

            path = kf.build_table(
                targets, masses, energies, workers=workers, seed=seed, out=out, progress=prog,
                mediator=mediator.value, lepton=bm.lepton,
            )  # fmt: skip
            table = kf.load_table(path)
            assert table is not None
            rec = {
                "path": str(path),
                "mediator": table.mediator,
                "lepton": bm.lepton,
                "targets": list(table.targets),
                "n_masses": len(table.masses),
                "n_energies": len(table.energies),
                "max_rel_err": float((table.sigma_etl_err_pb / table.sigma_etl_pb).max()),
            }
            emit(rec, as_json, title="k-factor table")
            return
        masses = parse_floats(mass, "mass", positive=True)
        energies = parse_floats(energy, "energy", positive=True)
        _check_kinematics(masses, energies, bm.mass)
        records: list[dict[str, Any]] = []
        for t in targets:
            for e in energies:
                res = kf.kfactor(
                    masses, [e] * len(masses), target=t, lepton_mass=bm.mass, seed=seed, use_table=not no_table,
                    mediator=mediator.value,
                )  # fmt: skip
                records.extend(r | {"beam": bm.name} for r in res.records())
        emit(records, as_json, title="k = σ_WW/σ_ETL")

    @plot_app.command("kfactor", short_help="Fig. 2: k = σ_WW/σ_ETL versus the beam energy.")
    def plot_kfactor_cmd(
        mass: list[str] = typer.Option(["0.001,0.01,0.1,0.5,1.0"], "--mass", help="A′ masses in GeV."),
        target: Target = typer.Option(Target.Pb, "--target", help="Target element."),
        out: str = typer.Option("kfactor.png", "--out", help="Output figure (.png or .pdf)."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """Spec Fig. 2: k = σ_WW/σ_ETL versus the beam energy E0 (10–200 GeV) for several A′ masses."""
        masses = parse_floats(mass, "mass", positive=True)
        _check_kinematics(masses, [FIGURE_ENERGIES[0]], M_E)
        output_file(out)
        rec = _kfactor_figure(masses, target.value, out)
        emit(rec, as_json, title=f"Fig. 2 -> {out}")


def _check_kinematics(masses: Iterable[float], energies: Iterable[float], lepton_mass: float) -> None:
    """Every A′ mass [GeV] below every beam energy minus the lepton mass (else no A′ can be made)."""
    ms = [float(m) for m in masses]
    for e in energies:
        for m in ms:
            if m >= e - lepton_mass:
                raise UserInputError(
                    "mass", m, f"an A′ mass below the beam energy minus the lepton mass ({e:g} GeV)"
                )


#: The beam energies [GeV] of Fig. 2 (spec Fig. 2: 10–200 GeV).
FIGURE_ENERGIES = (10.0, 200.0)


def _kfactor_figure(masses: list[float], target: str, out: str) -> list[dict[str, Any]]:
    """Draw k(E0) curves with ±1σ bands (mplhep ROOT style) into ``out``; return one record per mass."""
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep
    import numpy as np

    from darkmiss.cache import atomic_write_path
    from darkmiss.physics.kfactor import kfactor

    mplhep.style.use("ROOT")
    energies = np.geomspace(*FIGURE_ENERGIES, 25)
    fig, ax = plt.subplots()
    records: list[dict[str, Any]] = []
    for m in masses:
        kf = kfactor(np.full_like(energies, m), energies, target=target)
        ax.plot(energies, kf.k, label=f"$m_{{A'}}$ = {1000 * m:g} MeV")
        ax.fill_between(energies, kf.k - kf.k_err, kf.k + kf.k_err, alpha=0.3)
        records.append(
            {"mass": m, "target": target, "energy": energies, "k": kf.k, "k_err": kf.k_err, "out": str(out)}
        )
    ax.axhline(1.0, color="grey", lw=1, ls="--")
    ax.set_xlabel(r"$E_0$ [GeV]")
    ax.set_ylabel(r"$k = \sigma_{WW}/\sigma_{ETL}$")
    ax.set_title(f"$e^- Z \\to e^- Z A'$, {target}", fontsize=18)
    ax.legend(fontsize=14)
    suffix = Path(out).suffix.lstrip(".") or "png"
    with atomic_write_path(out) as tmp:
        fig.savefig(tmp, format=suffix)
    plt.close(fig)
    return records
