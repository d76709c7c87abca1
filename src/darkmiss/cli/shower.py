"""``darkmiss shower``: run e⁻/e⁺/γ showers through the setup and summarise them (PDG shower
observables: longitudinal profile per X0, t_max, containment, track length; ECAL resolution in fast mode)."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
import math
from typing import Any

import numpy as np
import typer

from darkmiss.cli.choices import Particle, ShowerMode, Target, value_of
from darkmiss.cli.common import at_least, emit
from darkmiss.errors import UserInputError

_PARTICLES = {"e-": 11, "e+": -11, "gamma": 22}


def shower_summary(
    preset: str, energy: float, particle: str, showers: int, mode: str, seed: int, target: str | None = None
) -> dict[str, Any]:
    """Run ``showers`` showers and return the summary record (GeV, X0, cm)."""
    from darkmiss.config.schema import SetupGeometry
    from darkmiss.shower.cascade import Primaries, run_cascade
    from darkmiss.shower.response import em_response
    from darkmiss.shower.tally import fit_tmax, log_edges, longitudinal_profile
    from darkmiss.shower.yields import ShowerSettings, _resolve, setup_geometry

    if particle not in _PARTICLES:
        raise UserInputError("particle", particle, "one of e-, e+, gamma")
    if mode not in ("detailed", "fast"):
        raise UserInputError("mode", mode, "detailed or fast")
    if not (math.isfinite(energy) and 0.01 <= energy <= 1.0e4):
        raise UserInputError("energy", energy, "a beam energy in [0.01, 10000] GeV")
    if showers < 1:
        raise UserInputError("showers", showers, "a positive integer")
    pre = _resolve(preset)
    cfg = ShowerSettings.from_preset(pre)
    geom = setup_geometry(pre, target)
    prim = Primaries.beam(showers, energy, _PARTICLES[particle])
    if mode == "detailed":
        out = run_cascade(
            prim,
            geom,
            mode="detailed",
            seed=seed,
            ecut=cfg.ecut,
            tally_edges=log_edges(cfg.ecut, energy * 1.0001, 10),
        )
    else:
        out = run_cascade(
            prim,
            geom,
            mode="fast",
            seed=seed,
            ecut=cfg.fast_kc,
            kc=cfg.fast_kc,
            split_energy=cfg.split_energy,
        )
    x0 = geom.mat_table[geom.material_index, 4]
    edges, prof = longitudinal_profile(geom.z_edges, x0, out.slab_deposit, showers, 1.0)
    avail = prim.available_energy()
    rec: dict[str, Any] = {"energy": energy, "particle": particle, "mode": mode, "showers": showers}
    # fast mode: the explicit part only (energy below the split is handed to the parametrisation)
    pfx = "" if mode == "detailed" else "explicit_"
    rec[pfx + "profile_x0_edges"] = edges
    rec[pfx + "profile_gev_per_x0"] = prof
    rec["t_max_x0"] = (
        fit_tmax(edges[: min(edges.size, 41)], prof[: min(prof.size, 40)]) if mode == "detailed" else None
    )
    rec[pfx + "containment_ecal"] = float(np.mean(out.absorbed[:, :72].sum(axis=1) / avail))
    rec["escaped_fraction"] = float(np.mean(out.escaped / avail))
    if out.tally is not None:
        rec["charged_track_cm"] = out.tally.total_charged_cm(residual=True)
        rec["charged_track_target_cm"] = out.tally.total_charged_cm(geom.target, residual=True)
    else:
        rec["handoff_per_shower"] = out.handoff["energy"].size / showers
        rec["handoff_energy_fraction"] = float(out.handoff["energy"].sum() / avail.sum())
        resp = em_response(
            np.full(showers, energy), 0.0, 0.0, SetupGeometry.from_preset(pre), np.random.default_rng(seed),
            particle=particle, mode="fast",
        )  # fmt: skip
        e_ecal = resp.ecal.sum(axis=(1, 2)) + resp.ps.sum(axis=(1, 2))
        rec["ecal_mean_gev"] = float(e_ecal.mean())
        rec["ecal_resolution"] = float(e_ecal.std(ddof=1) / e_ecal.mean()) if showers > 1 else None
    return rec


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``shower`` command."""

    @app.command("shower", short_help="e⁻/e⁺/γ showers in the ECAL+HCAL: profile, containment.")
    def shower_cmd(
        energy: float = typer.Option(100.0, "--energy", help="Primary energy [GeV]."),
        particle: Particle = typer.Option(Particle.electron, "--particle", help="Primary particle."),
        showers: int = typer.Option(100, "--showers", help="Number of showers."),
        mode: ShowerMode = typer.Option(
            ShowerMode.detailed, "--mode", help="detailed (1 MeV cuts) or fast (split energy)."
        ),
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        target: Target = typer.Option(
            None, "--target", help="ECAL absorber element (default: the preset's)."
        ),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master seed."),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """Showers in the ECAL+HCAL: longitudinal profile, t_max, containment, track length, resolution."""
        rec = shower_summary(preset, energy, particle.value, showers, mode.value, seed, value_of(target))
        emit(rec, as_json, title=f"{showers} × {energy:g} GeV {particle.value} showers ({mode.value})")
