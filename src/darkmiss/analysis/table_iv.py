"""Table IV of the spec (Sec. VIII): the background in the signal box predicted by the Monte Carlo, one
row per background source, from the biased MC samples of the reproduction (forced escape, forced
decays, box-only storage; docs/backgrounds.md).

Per row and run: Σw of the MC events passing every cut in the box, with its statistical error √Σw²;
where no simulated event passes, the 90% CL upper limit of the sample, 2.303 × the expected count per
generated event (uniform weights) or × the largest event weight (varying weights); where events pass
and the spec gives only a bound, the 90% CL upper limit from the effective number of events
n_eff = (Σw)²/Σw². Counts in events for the run's EOT (4.3 × 10¹⁰ EOT for the spec's totals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.stats import chi2

from darkmiss.events.schema import Process
from darkmiss.reco.reconstruct import FileInfo

#: Table IV rows, worded exactly as in the spec, with the simulated processes (names, codes) of each.
TABLE_IV_ROWS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "hermeticity: punchthrough \u03b3\u2019s, cracks, holes": (
        ("punchthrough",),
        (int(Process.PUNCHTHROUGH),),
    ),
    "loss of hadrons from e\u2212Z \u2192 e\u2212 + hadrons": (("hadronic",), (int(Process.HADRONIC),)),
    "loss of muons from e\u2212Z \u2192 e\u2212Z\u03b3; \u03b3 \u2192 \u00b5+\u00b5\u2212": (
        ("muon_decay",),
        (int(Process.MUON_DECAY),),
    ),
    "\u00b5\u2192 e\u03bd\u03bd, \u03c0, K \u2192 e\u03bd, Ke3 decays": (
        ("decays",),
        (int(Process.DECAY_IN_FLIGHT),),
    ),
    "e\u2212 interactions in the beam line materials": (("upstream",), (int(Process.UPSTREAM),)),
    "\u00b5, \u03c0,K interactions in the target": (("hadron_target",), (int(Process.HADRON_IN_TARGET),)),
    "accidental SR tag and e\u2212 from \u00b5, \u03c0,K decays": (
        ("accidental",),
        (int(Process.ACCIDENTAL_SR),),
    ),
}
#: The row measured on data by side band C (spec Sec. VIII): its MC prediction is a closure of the
#: calibrated upstream process and is not added to the background of the limits.
UPSTREAM_ROW = "e\u2212 interactions in the beam line materials"
#: The spec's Table IV for 4.3e10 EOT: (value, err, upper limit) with None where not given.
SPEC_TABLE_IV: dict[str, tuple[float | None, float | None, float | None]] = {
    "hermeticity: punchthrough \u03b3\u2019s, cracks, holes": (None, None, 0.001),
    "loss of hadrons from e\u2212Z \u2192 e\u2212 + hadrons": (None, None, 0.001),
    "loss of muons from e\u2212Z \u2192 e\u2212Z\u03b3; \u03b3 \u2192 \u00b5+\u00b5\u2212": (
        0.005,
        0.001,
        None,
    ),
    "\u00b5\u2192 e\u03bd\u03bd, \u03c0, K \u2192 e\u03bd, Ke3 decays": (0.02, 0.004, None),
    "e\u2212 interactions in the beam line materials": (0.09, 0.03, None),
    "\u00b5, \u03c0,K interactions in the target": (0.008, 0.002, None),
    "accidental SR tag and e\u2212 from \u00b5, \u03c0,K decays": (None, None, 0.001),
    "total": (0.12, 0.04, None),
}
#: Spec exposure of Table IV [EOT].
SPEC_EOT = 4.3e10
#: Poisson 90% CL upper limit for zero observed events (−ln 0.1).
UL90_ZERO = 2.302585092994046


def poisson_upper(n_eff: float, cl: float = 0.90) -> float:
    """Classical upper limit on a Poisson mean for ``n_eff`` observed events (χ² quantile, Garwood 1936),
    ``n_eff`` may be non-integer (effective count of weighted events)."""
    return float(0.5 * chi2.ppf(cl, 2.0 * n_eff + 2.0))


@dataclass
class SampleStats:
    """What a biased MC sample says about one row in one run: passing Σw, Σw² [events for the run's
    EOT], generated events, their summed and largest weight [events for the run's EOT]."""

    sum_w: float = 0.0
    sum_w2: float = 0.0
    n_generated: int = 0
    sum_generated: float = 0.0
    max_generated: float = 0.0

    def add(self, other: SampleStats) -> SampleStats:
        return SampleStats(
            self.sum_w + other.sum_w,
            self.sum_w2 + other.sum_w2,
            self.n_generated + other.n_generated,
            self.sum_generated + other.sum_generated,
            max(self.max_generated, other.max_generated),
        )

    @property
    def uniform(self) -> bool:
        """Whether the generated events carry (nearly) one weight."""
        return self.n_generated > 0 and self.max_generated <= 1.001 * self.sum_generated / self.n_generated


@dataclass
class RowEstimate:
    """One Table IV row: value ± err [events], the 90% CL upper limit where given, and the sample behind."""

    value: float
    err: float
    upper: float | None
    stats: SampleStats

    def to_record(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "err": self.err,
            "upper": self.upper,
            "mc_events_passing_weighted": self.stats.sum_w,
            "mc_events_generated": self.stats.n_generated,
        }


def row_estimate(stats: SampleStats, spec_bound: bool) -> RowEstimate:
    """Value ± √Σw², and the 90% CL upper limit when no event passes (from the generated weights) or
    when the spec gives only a bound (from the effective count of the passing events)."""
    upper: float | None = None
    if stats.sum_w <= 0:
        if stats.n_generated > 0:
            one = stats.sum_generated / stats.n_generated if stats.uniform else stats.max_generated
            upper = UL90_ZERO * one
    elif spec_bound and stats.sum_w2 > 0:
        n_eff = stats.sum_w**2 / stats.sum_w2
        upper = stats.sum_w / n_eff * poisson_upper(n_eff)
    return RowEstimate(stats.sum_w, float(np.sqrt(stats.sum_w2)), upper, stats)


def run_sample_stats(
    files: list[FileInfo],
    run: str,
    run_eot: float,
    process: np.ndarray,
    weight_per_eot: np.ndarray,
    in_box: np.ndarray,
) -> dict[str, SampleStats]:
    """Per row, the statistics of one run's biased samples: the MC events of ``run`` (``process`` codes,
    weights per EOT, passing every cut in the box ``in_box``) scaled to ``run_eot``, and the generated
    weights of its files (file weights are for the file's EOT share of the production)."""
    out: dict[str, SampleStats] = {}
    for row, (names, codes) in TABLE_IV_ROWS.items():
        sel = np.isin(process, codes) & in_box
        w = weight_per_eot[sel] * run_eot
        st = SampleStats(float(w.sum()), float((w * w).sum()))
        group = [f for f in files if f.mode == "mc" and f.run == run and f.process in names]
        eot = sum(f.eot for f in group)
        if group and eot > 0:
            scale = run_eot / eot
            st.n_generated = sum(f.n_generated for f in group)
            st.sum_generated = sum(f.sum_weights_generated for f in group) * scale
            st.max_generated = max(f.max_weight_generated for f in group) * scale
        out[row] = st
    return out


def table_iv(per_run: dict[str, dict[str, SampleStats]]) -> dict[str, dict[str, RowEstimate]]:
    """Row estimates per run and for all runs together (``"all"``), plus the total (the rows' sum)."""
    out: dict[str, dict[str, RowEstimate]] = {}
    runs = list(per_run)
    for key in [*runs, "all"]:
        chosen = runs if key == "all" else [key]
        rows: dict[str, RowEstimate] = {}
        for row in TABLE_IV_ROWS:
            st = SampleStats()
            for r in chosen:
                st = st.add(per_run[r].get(row, SampleStats()))
            rows[row] = row_estimate(st, SPEC_TABLE_IV[row][0] is None)
        tot_v = sum(e.value for e in rows.values())
        tot_e = float(np.sqrt(sum(e.err**2 for e in rows.values())))
        rows["total"] = RowEstimate(tot_v, tot_e, None, SampleStats())
        out[key] = rows
    return out
