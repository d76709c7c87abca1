"""``darkmiss yield aprime|dimuon``: A′ and dimuon yields per electron on target (spec Eqs. 8, 13; Sec. V),
and ``darkmiss plot spectra`` (spec Figs. 3, 4)."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from pathlib import Path
from typing import Any

import typer

from darkmiss.cli.choices import Beam, Lepton, Mediator, Model, Production, Target, beam_of, value_of
from darkmiss.cli.common import (
    at_least,
    below_threshold,
    emit,
    output_folder,
    parse_floats,
    progress,
    scheduler_option,
    workers_option,
)
from darkmiss.config.load import load_preset
from darkmiss.errors import UserInputError


def _check_stats(showers: int | None) -> None:
    if showers is not None and showers < 2:
        raise UserInputError("showers", showers, "an integer >= 2")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add ``yield aprime``, ``yield dimuon`` and ``plot spectra``."""
    yield_app = typer.Typer(help="Yields per electron on target (EOT).", no_args_is_help=True)
    app.add_typer(yield_app, name="yield", short_help="A′ and dimuon yields per electron on target.")

    @yield_app.command("aprime", short_help="Bosons per particle on target at ε = 1 above the threshold.")
    def aprime_cmd(
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        mass: list[str] = typer.Option(None, "--mass", help="A′ masses in GeV (comma-separated)."),
        threshold: float = typer.Option(
            None, "--threshold", help="A′ energy threshold [GeV] (default E0/2)."
        ),
        showers: int = typer.Option(
            None, "--showers", help="Showers (default: preset [shower] yield_showers)."
        ),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master seed."),
        workers: int = workers_option("Worker processes."),
        scheduler: str = scheduler_option(),
        energy: float = typer.Option(None, "--energy", help="Beam energy [GeV] (default: the preset's)."),
        target: Target = typer.Option(
            None, "--target", help="ECAL absorber element (default: the preset's)."
        ),
        no_direct: bool = typer.Option(False, "--no-direct", help="Skip yield_etl_direct (vegas tables)."),
        mediator: Mediator = typer.Option(
            Mediator.vector, "--mediator", help="Spin and parity of the boson."
        ),
        model: Model = typer.Option(None, "--model", help="Couplings of a vector (default dark-photon)."),
        beam: Beam = typer.Option(
            None,
            "--beam",
            help="Beam particle (default e-; mu±: 160 GeV, E_μ' < 80 GeV, per muon on target).",
        ),
        lepton: Lepton = typer.Option(None, "--lepton", help="Old name of --beam: e = e-, mu = mu-."),
        production: Production = typer.Option(
            Production.brems,
            "--production",
            help="brems (spec Eqs. 8, 13), annihilation (e⁺e⁻ → V → χχ̄ of shower positrons, α_D = 0.5, "
            "m_χ = m/3; yield_annihilation with E_e+ > threshold) or brems,annihilation.",
        ),
        positron_showers: int = typer.Option(
            None, "--positron-showers", help="Showers of the positron tally (annihilation; default 500000)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """A′ per EOT at ε = 1 with E_A′ > threshold: WW (Eq. 8/9), ETL via k-factor (Eq. 13), direct ETL;
        with annihilation, yield_annihilation (docs/annihilation.md)."""
        from darkmiss.shower.annihilation import model_annihilation_yields, parse_production
        from darkmiss.shower.yields import aprime_yields

        masses = parse_floats(mass, "mass", positive=True)
        _check_stats(showers)
        below_threshold(masses, load_preset(preset), energy, threshold)
        if positron_showers is not None and positron_showers < 2:
            raise UserInputError("positron-showers", positron_showers, "an integer >= 2")
        kinds = ("ww", "etl") if no_direct else ("ww", "etl", "etl_direct")
        bm = beam_of(beam, lepton)
        prods = parse_production(production.value, bm)

        def prog(it: Any, n: int) -> Any:
            return progress(it, total=n, description="A′ yield showers")

        records: list[dict[str, Any]] = [{} for _ in masses]
        if "brems" in prods:
            res = aprime_yields(
                preset, masses, threshold=threshold, showers=showers, seed=seed, workers=workers,
                scheduler=scheduler, energy=energy, target=value_of(target), kinds=kinds, progress=prog,
                mediator=mediator.value,
                model=value_of(model), beam=bm,
            )  # fmt: skip
            records = [r.record() for r in res]
        if "annihilation" in prods:
            ann = model_annihilation_yields(
                preset, masses, mediator=mediator.value, model=value_of(model), beam=bm, threshold=threshold,
                showers=positron_showers, seed=seed, workers=workers, scheduler=scheduler, energy=energy,
                target=value_of(target),
            )  # fmt: skip
            for rec, a in zip(records, ann, strict=True):
                rec.update({k: v for k, v in a.record().items() if k not in rec or k == "mass"})
        emit(
            records,
            as_json,
            title=f"{mediator.value} yield per particle on target at ε = 1 ({production.value})",
        )

    @yield_app.command("dimuon", short_help="Raw γ → μ⁺μ⁻ yield per EOT (spec Sec. V).")
    def dimuon_cmd(
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        showers: int = typer.Option(None, "--showers", help="Forced showers."),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master seed."),
        workers: int = workers_option("Worker processes."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """Raw γ → μ⁺μ⁻ yield per EOT with E_ECAL < 60 GeV (spec Sec. V)."""
        from darkmiss.shower.dimuon import dimuon_yield

        _check_stats(showers)
        res = dimuon_yield(load_preset(preset), showers=showers, seed=seed, workers=workers)
        emit({"per_eot": res.per_eot, "per_eot_err": res.per_eot_err}, as_json, title="dimuon yield per EOT")

    @plot_app.command("spectra", short_help="Figs. 3–4: thin- and thick-target A′ spectra.")
    def plot_spectra_cmd(
        mass: list[str] = typer.Option(["0.01,0.1"], "--mass", help="A′ masses in GeV (comma-separated)."),
        out: str = typer.Option("figures", "--out", help="Output folder."),
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        showers: int = typer.Option(20000, "--showers", help="Showers for the thick-target spectra."),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master seed."),
        energies: list[str] = typer.Option(
            ["20,50,80,100"], "--energies", help="Fig. 3 electron energies [GeV]."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """Fig. 3 (thin-target dσ/dx vs x for several E) and Fig. 4 (thick-target WW vs ETL spectra)."""
        masses = parse_floats(mass, "mass", positive=True)
        es = parse_floats(energies, "energies", positive=True)
        _check_stats(showers)
        below_threshold(masses, load_preset(preset))
        output_folder(out)
        files = _plot_spectra(masses, Path(out), preset=preset, showers=showers, seed=seed, energies=es)
        emit({"files": [str(f) for f in files]}, as_json, title="figures")


def _plot_spectra(
    masses: list[float], out: Path, *, preset: str, showers: int, seed: int, energies: list[float]
) -> list[Path]:
    """Write fig3_thin_target.png (dσ/dx of IWW normalised to Eq. 9, solid ÷ k for ETL) and
    fig4_thick_target.png (dN/dE_A' per EOT, WW vs ETL, from the shower track length)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep
    import numpy as np

    from darkmiss.cache import atomic_write_path
    from darkmiss.physics.aprime import dsigma_dx_iww, sigma_iww, sigma_ww
    from darkmiss.physics.kfactor import kfactor
    from darkmiss.shower.yields import aprime_yields

    mplhep.style.use("ROOT")
    files: list[Path] = []
    fig, axes = plt.subplots(1, len(masses), figsize=(7 * len(masses), 6), squeeze=False)
    for ax, m in zip(axes[0], masses, strict=True):
        for e in energies:
            if e <= 2 * m:
                continue
            x = np.linspace(m / e, 1.0 - 1e-3, 400)
            norm = float(sigma_ww(m, e)) / float(sigma_iww(m, e))
            ww = np.asarray(dsigma_dx_iww(x, m, e)) * norm
            k = float(np.asarray(kfactor(m, e).k).reshape(-1)[0])
            (line,) = ax.plot(x, ww / k, label=f"E = {e:g} GeV (ETL, k-factor)")
            ax.plot(x, ww, ls="--", color=line.get_color())
        ax.set_xlabel("x = E_A'/E_e")
        ax.set_ylabel("dσ/dx [pb] (ε = 1, Pb)")
        ax.set_yscale("log")
        ax.set_title(f"thin Pb target, m_A' = {m * 1e3:g} MeV")
        ax.legend(fontsize=12)
    path = out / "fig3_thin_target.png"
    with atomic_write_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    files.append(path)
    res = aprime_yields(preset, masses, showers=showers, seed=seed, kinds=("ww", "etl"))
    fig, ax = plt.subplots(figsize=(8, 6))
    for r in res:
        centers = 0.5 * (r.spectrum_edges[1:] + r.spectrum_edges[:-1])
        (line,) = ax.step(centers, r.spectrum_etl, where="mid", label=f"{r.mass * 1e3:g} MeV ETL (Eq. 13)")
        ax.step(
            centers,
            r.spectrum_ww,
            where="mid",
            ls="--",
            color=line.get_color(),
            label=f"{r.mass * 1e3:g} MeV WW",
        )
    ax.set_xlabel("E_A' [GeV]")
    ax.set_ylabel("dN/dE_A' per EOT [1/GeV] (ε = 1)")
    ax.set_yscale("log")
    ax.legend(fontsize=12)
    path = out / "fig4_thick_target.png"
    with atomic_write_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)
    files.append(path)
    return files
