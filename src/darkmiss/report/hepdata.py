"""HEPData record of the limits (hepdata_lib): ε(m_A′) observed/expected, y(m_χ) and α_D(m_χ) bounds.

The folder is built in a temporary directory and renamed into place (atomic, like every darkmiss write).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from darkmiss.interpret.limits import InterpretedLimits

# HEPData's notation for a value that does not exist (a limit that could not be set).
MISSING = "-"

# ``Submission.create_files`` always writes its archive ``submission.tar.gz`` into the working folder.
# It runs in a child process started in a temporary folder, so this process's working directory (and
# every relative path the caller holds) never changes.
_CREATE_FILES = (
    "import pickle, sys\n"
    "with open(sys.argv[1], 'rb') as fh:\n"
    "    sub = pickle.load(fh)\n"
    "sub.create_files(sys.argv[2], validate=True, remove_old=True)\n"
)


def _finite(values: np.ndarray) -> list[float | str]:
    return [float(v) if np.isfinite(v) else MISSING for v in values]


def _create_files(sub: object, outdir: Path, workdir: Path) -> None:
    """Run ``sub.create_files(outdir, validate=True)`` in a child process whose working folder is ``workdir``."""
    pkl = workdir / "submission.pkl"
    with open(pkl, "wb") as fh:
        pickle.dump(sub, fh)
    proc = subprocess.run(
        [sys.executable, "-c", _CREATE_FILES, str(pkl), str(outdir)],
        cwd=workdir,
        capture_output=True,
        text=True,
        check=False,
    )
    pkl.unlink()
    if proc.returncode != 0:
        raise RuntimeError(f"hepdata_lib could not write a valid record: {proc.stderr.strip()[-2000:]}")


def write_hepdata(result: InterpretedLimits, outdir: str | Path) -> Path:
    """Write ``outdir`` (submission.yaml + one YAML per table, and hepdata_lib's archive); return it."""
    # hepdata_lib is heavy to import (it loads its YAML schemas and validators): imported only when a record
    # is written, so the other commands start without it.
    from hepdata_lib import Submission, Table, Variable

    target = Path(outdir)
    target.parent.mkdir(parents=True, exist_ok=True)
    sub = Submission()
    sub.comment = (
        f"darkmiss re-creation of the NA64 search for A' -> invisible (PRD 97, 072002), {result.cl:.0%} CL, "
        f"method {result.method} (CLs), nuisances: {result.nuisance}. Masses in GeV."
    )
    m = result.masses
    ok = np.isfinite(result.column("epsilon_etl_expected"))

    def indep(name: str, values: np.ndarray) -> Variable:
        v = Variable(name, is_independent=True, is_binned=False, units="GeV")
        v.values = [float(x) for x in values]
        return v

    def dep(name: str, values: np.ndarray, cl: bool = True) -> Variable:
        v = Variable(name, is_independent=False, is_binned=False, units="")
        v.values = _finite(values)
        if cl:
            v.add_qualifier("CL", f"{result.cl:.2f}")
        return v

    t = Table("Upper limits on epsilon")
    t.description = "Upper limits on the mixing strength epsilon vs m_A' (spec Fig. 15, Table V columns)."
    t.location = "darkmiss limits.json"
    t.keywords["observables"] = ["epsilon"]
    t.add_variable(indep("m_A'", m[ok]))
    bands = np.array([r.epsilon_etl_expected_bands for r in result.records], dtype=float)
    if not result.blinded:
        for col, label in [
            ("epsilon_etl", "epsilon (ETL, observed)"),
            ("epsilon_etl_direct", "epsilon (exact tree level, observed)"),
            ("epsilon_ww", "epsilon (WW, observed)"),
            ("epsilon_etl_asymptotic", "epsilon (ETL, asymptotic CLs, observed)"),
        ]:
            t.add_variable(dep(label, result.column(col)[ok]))
    for j, lab in enumerate(["-2sigma", "-1sigma", "median", "+1sigma", "+2sigma"]):
        t.add_variable(dep(f"epsilon (ETL, expected {lab})", bands[ok, j]))
    sub.add_table(t)
    if not result.blinded:
        ratio = float(result.interpret.get("mass_ratio", 3.0))
        t2 = Table("Upper limits on y")
        t2.description = (
            f"Upper limits on y = eps^2 alpha_D (m_chi/m_A')^4 with m_A' = {ratio:g} m_chi (spec Fig. 16)."
        )
        t2.keywords["observables"] = ["y"]
        t2.add_variable(indep("m_chi", m[ok] / ratio))
        for key in result.records[0].y_by_alpha_d:
            t2.add_variable(
                dep(
                    f"y (alpha_D = {key})",
                    np.array([r.y_by_alpha_d[key] or np.nan for r in result.records])[ok],
                )
            )
        sub.add_table(t2)
        t3 = Table("Lower limits on alpha_D")
        t3.description = "Lower limits on alpha_D from the relic relation, spec Eq. (5) (Fig. 17)."
        t3.keywords["observables"] = ["alpha_D"]
        t3.add_variable(indep("m_chi", m[ok] / ratio))
        t3.add_variable(dep("alpha_D (pseudo-Dirac, f = 0.25)", result.column("alpha_d_pseudodirac")[ok]))
        t3.add_variable(dep("alpha_D (Majorana, f = 3)", result.column("alpha_d_majorana")[ok]))
        sub.add_table(t3)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent)).resolve()
    try:
        _create_files(sub, tmp / "out", tmp)
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp / "out", target)
        for extra in tmp.iterdir():
            os.replace(extra, target / extra.name)
    finally:
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(tmp)
    return target
