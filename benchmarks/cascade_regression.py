"""Bit-for-bit regression of the explicit cascade: record or check ``run_cascade`` outputs.

Run: ``python benchmarks/cascade_regression.py record FILE.npz`` with one version of the code, then
``python benchmarks/cascade_regression.py check FILE.npz`` with another; ``check`` compares every array
with ``np.array_equal`` (exact equality, NaN never expected) and exits non-zero on any difference.

Cases (na64-2016 geometry, fixed seeds): detailed mode for e⁻, e⁺ and γ primaries with a
track-length tally and a yield table; fast mode (split 1 GeV, hand-off list); yield mode with A′
yield tables; a forced A′ emission (fast and yield modes) and a forced γ → μμ conversion (fast mode).
Together they run every interaction branch of the kernel (brems, delta rays, annihilation, pair,
Compton, multiple scattering, both forcing passes, local deposits below the floor).
"""

from __future__ import annotations

import os
import sys
import tempfile

import numpy as np

from darkmiss.config.load import load_preset
from darkmiss.shower.cascade import CascadeOutput, Primaries, run_cascade
from darkmiss.shower.tally import log_edges
from darkmiss.shower.xsec_tables import aprime_force_table, aprime_tables, dimuon_force_table
from darkmiss.shower.yields import ShowerSettings, setup_geometry


def _flatten(name: str, out: CascadeOutput) -> dict[str, np.ndarray]:
    """All arrays of one cascade output, keyed ``case/field``."""
    d: dict[str, np.ndarray] = {
        f"{name}/visible": out.visible,
        f"{name}/absorbed": out.absorbed,
        f"{name}/escaped": out.escaped,
        f"{name}/aprime_energy": out.aprime_energy,
        f"{name}/weight": out.weight,
        f"{name}/yields": out.yields,
        f"{name}/slab_deposit": out.slab_deposit,
    }
    for k, v in out.handoff.items():
        d[f"{name}/handoff.{k}"] = v
    for k, v in out.muons.items():
        d[f"{name}/muons.{k}"] = v
    if out.tally is not None:
        for k, v in out.tally.to_arrays().items():
            d[f"{name}/tally.{k}"] = np.asarray(v)
    return d


def outputs() -> dict[str, np.ndarray]:
    """Run the regression cases and return their arrays."""
    pre = load_preset("na64-2016")
    cfg = ShowerSettings.from_preset(pre)
    geom = setup_geometry(pre)
    ytab, _ = aprime_tables(0.0167, 50.0, 100.0, "Pb", ("ww", "etl"))
    res: dict[str, np.ndarray] = {}
    edges = log_edges(1e-3, 10.1)
    for pid, e0 in ((11, 10.0), (-11, 10.0), (22, 10.0)):
        out = run_cascade(
            Primaries.beam(6, e0, pid, x=0.3, y=-0.2),
            geom,
            mode="detailed",
            seed=101,
            ecut=cfg.ecut,
            tally_edges=edges,
        )
        res.update(_flatten(f"detailed_{pid}", out))
    out = run_cascade(Primaries.beam(3, 100.0), geom, mode="detailed", seed=102, ecut=0.005, yield_table=ytab)
    res.update(_flatten("detailed_100", out))
    out = run_cascade(
        Primaries.beam(20, 100.0),
        geom,
        mode="fast",
        seed=103,
        ecut=cfg.fast_kc,
        kc=cfg.fast_kc,
        split_energy=cfg.split_energy,
    )
    res.update(_flatten("fast", out))
    out = run_cascade(
        Primaries.beam(2000, 100.0),
        geom,
        mode="yield",
        seed=104,
        kc=cfg.yield_kc,
        yield_table=ytab,
        tally_edges=log_edges(1.0, 101.0),
    )
    res.update(_flatten("yield", out))
    ft = aprime_force_table(0.0167, 50.0, 100.0, "Pb", "etl")
    for mode in ("fast", "yield"):
        out = run_cascade(
            Primaries.beam(40, 100.0),
            geom,
            mode=mode,
            seed=105,
            ecut=0.01,
            kc=0.01,
            force=("aprime", 0.0167, 50.0, "etl"),
            force_table=ft,
        )
        res.update(_flatten(f"aprime_{mode}", out))
    out = run_cascade(
        Primaries.beam(30, 100.0),
        geom,
        mode="fast",
        seed=106,
        ecut=0.01,
        kc=0.01,
        force=("aprime", 0.02, 50.0, "ww"),
    )
    res.update(_flatten("aprime_built_table", out))
    dt = dimuon_force_table(36.0, 100.0, "Pb")
    out = run_cascade(
        Primaries.beam(60, 100.0), geom, mode="fast", seed=107, force=("dimuon", 60.0), force_table=dt
    )
    res.update(_flatten("dimuon", out))
    return res


def main(argv: list[str]) -> int:
    """``record FILE`` or ``check FILE``; returns the exit status."""
    os.environ.setdefault("DARKMISS_CACHE", tempfile.mkdtemp(prefix="darkmiss-cascreg-"))
    if len(argv) != 2 or argv[0] not in ("record", "check"):
        print(__doc__)
        return 2
    res = outputs()
    if argv[0] == "record":
        np.savez_compressed(argv[1], **res)
        print(f"recorded {len(res)} arrays to {argv[1]}")
        return 0
    ref = np.load(argv[1])
    bad = sorted(set(ref.files) ^ set(res))
    bad += [k for k in ref.files if k in res and not np.array_equal(ref[k], res[k])]
    for k in bad:
        print("DIFFERS:", k)
    print(f"{len(ref.files)} arrays compared, {len(bad)} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
