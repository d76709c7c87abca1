"""Fig. 7 left panels (spec Sec. IV): events in the (E_ECAL, E_HCAL) plane per run with only an
SRD tag required; E_HCAL = HCAL1 + HCAL2.  Regions: I dimuons (E_HCAL ≈ 10 GeV, low E_ECAL),
II hadronic (E_ECAL + E_HCAL ≈ 100 GeV), III pile-up (E_ECAL + E_HCAL > 100 GeV).  GeV.

Regions and panel counts: :mod:`darkmiss.reco.fig7`. The panels hold the stored events and the events
counted on the summary path of the pseudo-data (their histogram in 0.5 GeV bins, darkmiss.detsim.fastpath;
regions by bin centre).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import LogNorm

from darkmiss.cache import atomic_write_path
from darkmiss.config.schema import RUN_NAMES
from darkmiss.detsim.fastpath import FIG7_ECAL_EDGES, FIG7_HCAL_EDGES, SummaryCounts, read_summaries
from darkmiss.events.io import event_files, read_events
from darkmiss.parallel import map_chunks
from darkmiss.plots.style import hep_style
from darkmiss.reco.fig7 import Fig7Panel, regions, srd_tagged, summary_regions

#: Plot bins [GeV]: 2 GeV, four summary bins each.
PLOT_REBIN = 4


#: The event branches the panels read.
_BRANCHES = ["run", "ecal_energy", "hcal_module_energy", "srd_energy", "weight", "trigger_physics"]


def _read_file(path: Path) -> dict[str, np.ndarray]:
    """The panels' branches of one event file."""
    return read_events(path, _BRANCHES).arrays


def fig7_left(
    events: str | Path, out_dir: str | Path, *, workers: int = 1, scheduler: str | None = None
) -> list[Fig7Panel]:
    """Draw one (E_ECAL, E_HCAL) panel per run found in ``events`` (stored and summary-path events);
    returns the region counts. The files are read, and the runs drawn, one per task over ``workers`` local
    processes or the dask cluster at ``scheduler`` (``darkmiss.parallel.map_chunks``); the events are
    joined in file order, so the counts do not depend on the workers."""
    files = event_files(Path(events).absolute())
    parts = map_chunks(_read_file, [(f,) for f in files], workers=workers, scheduler=scheduler)
    a = {n: np.concatenate([p[n] for p in parts]) for n in _BRANCHES}
    summaries = read_summaries(events)
    phys = a["trigger_physics"].astype(bool)
    tag = srd_tagged(a["srd_energy"]) & phys
    e_e = a["ecal_energy"].astype(float)
    e_h = a["hcal_module_energy"][:, :2].sum(axis=1).astype(float)
    out = Path(out_dir).absolute()
    names = {RUN_NAMES[i] if 0 <= i < len(RUN_NAMES) else str(i): i for i in set(a["run"].tolist())}
    tasks = []
    for run in sorted(
        set(names) | set(summaries),
        key=lambda r: (r not in RUN_NAMES, RUN_NAMES.index(r) if r in RUN_NAMES else r),
    ):
        m = tag & (a["run"] == names[run]) if run in names else np.zeros(len(e_e), bool)
        tasks.append(
            (run, e_e[m], e_h[m], a["weight"][m], summaries.get(run), out / f"fig7_left_run{run}.png")
        )
    return map_chunks(_panel, tasks, workers=workers, scheduler=scheduler)


@hep_style
def _panel(
    run: str, e_e: np.ndarray, e_h: np.ndarray, w: np.ndarray, summ: SummaryCounts | None, path: Path
) -> Fig7Panel:
    """One run's panel from its SRD-tagged physics-trigger events (E_ECAL, E_HCAL1+2 [GeV], weights) and
    its summary-path counts ``summ``, drawn into ``path``."""
    reg = regions(e_e, e_h)
    rw = {k: float(w[v].sum()) for k, v in reg.items()}
    tot = float(w.sum())
    hist, _, _ = np.histogram2d(
        np.clip(e_e, 0.0, FIG7_ECAL_EDGES[-1] - 1e-6),
        np.clip(e_h, 0.0, FIG7_HCAL_EDGES[-1] - 1e-6),
        bins=[FIG7_ECAL_EDGES, FIG7_HCAL_EDGES],
        weights=w,
    )
    if summ is not None:
        hist = hist + summ.fig7
        tot += float(summ.fig7.sum())
        rw = {k: rw[k] + v for k, v in summary_regions(summ.fig7).items()}
    coarse = hist.reshape(hist.shape[0] // PLOT_REBIN, PLOT_REBIN, hist.shape[1] // PLOT_REBIN, PLOT_REBIN)
    coarse = coarse.sum(axis=(1, 3))
    fig, ax = plt.subplots(figsize=(9, 8))
    mesh = ax.pcolormesh(
        FIG7_ECAL_EDGES[::PLOT_REBIN],
        FIG7_HCAL_EDGES[::PLOT_REBIN],
        np.where(coarse > 0, coarse, np.nan).T,
        norm=LogNorm(),
    )
    fig.colorbar(mesh, ax=ax, label="events per 2 GeV x 2 GeV")
    ax.set_xlabel(r"$E_{ECAL}$ [GeV]")
    ax.set_ylabel(r"$E_{HCAL}$ (HCAL1+2) [GeV]")
    ax.set_title(f"run {run}: SRD-tagged events (physics trigger)")
    ax.plot([0, 100], [100, 0], "k--", lw=1)
    for label, (x, y) in {"I": (5, 16), "II": (40, 62), "III": (120, 62)}.items():
        ax.text(x, y, label, fontsize=18, color="red")
    fig.tight_layout()
    with atomic_write_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=90)
    plt.close(fig)
    return Fig7Panel(
        run=run,
        n_events=len(e_e) + (int(summ.fig7.sum()) if summ is not None else 0),
        weighted=tot,
        region_i=rw["I"],
        region_ii=rw["II"],
        region_iii=rw["III"],
        pileup_fraction=rw["III"] / tot if tot > 0 else 0.0,
        path=path,
    )
