"""The counting likelihood of the 2016 search (spec Sec. IX, Eq. 26).

One Poisson counting channel per run i with expected count μ·s_i + b_i, where s_i is the signal
expected at the reference strength (for the A′ search s_i = n_EOT,i ε_tot,i n_A′(m_A′) ε², Eq. 26,
and μ scales ε²). Systematic uncertainties (spec Sec. VII, Table III) are log-normal nuisances:
a relative uncertainty δ multiplies the rate by κ^θ with κ = 1 + δ and θ ~ N(0, 1) (spec Sec. IX,
Ref. [69]); this is pyhf's normsys with interpolation code1. Sources named in
``StatsConfig.correlated_sources`` share one θ across runs; all others, and each run's background,
have a θ of their own. Counts are dimensionless event numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import UserInputError, require

METHODS = ("exact", "asymptotic", "simplified")
NUISANCE_TREATMENTS = ("integrate", "none")


@dataclass(frozen=True)
class StatsConfig:
    """Settings of the limit calculation (preset table ``[stats]``, spec Sec. IX)."""

    cl: float = 0.90
    method: str = "exact"
    nuisance: str = "integrate"
    nuisance_samples: int = 1024
    nuisance_seed: int = 20160
    correlated_sources: tuple[str, ...] = ("signal_cross_section", "eot")
    pyhf_interpcode: str = "code1"
    expected_quantiles: tuple[float, ...] = (0.02275, 0.15866, 0.5, 0.84134, 0.97725)
    tail_probability: float = 1e-10
    optimise_masses: tuple[float, ...] = (0.002, 0.02)
    optimise_cut_min: float = 20.0
    optimise_cut_max: float = 80.0
    optimise_cut_step: float = 2.0

    def __post_init__(self) -> None:
        require(0.0 < self.cl < 1.0, "stats.cl", self.cl, "a confidence level in (0, 1)")
        require(self.method in METHODS, "stats.method", self.method, f"one of {', '.join(METHODS)}")
        require(
            self.nuisance in NUISANCE_TREATMENTS,
            "stats.nuisance",
            self.nuisance,
            f"one of {', '.join(NUISANCE_TREATMENTS)}",
        )
        require(
            self.nuisance_samples >= 16, "stats.nuisance_samples", self.nuisance_samples, "an integer >= 16"
        )
        require(
            0 < self.tail_probability < 1e-3, "stats.tail_probability", self.tail_probability, "in (0, 1e-3)"
        )
        require(
            len(self.expected_quantiles) == 5 and all(0 < q < 1 for q in self.expected_quantiles),
            "stats.expected_quantiles",
            self.expected_quantiles,
            "five probabilities (-2σ, -1σ, median, +1σ, +2σ)",
        )

    @classmethod
    def from_preset(cls, preset: Preset | str = "na64-2016") -> StatsConfig:
        """Read table ``[stats]`` (and ``[stats.optimise]``) of a preset."""
        p = load_preset(preset) if isinstance(preset, str) else preset
        t = p.section("stats")
        opt = t.get("optimise", {})
        return cls(
            cl=float(t.get("cl", 0.9)),
            method=str(t.get("method", "exact")),
            nuisance=str(t.get("nuisance", "integrate")),
            nuisance_samples=int(t.get("nuisance_samples", 1024)),
            nuisance_seed=int(t.get("nuisance_seed", 20160)),
            correlated_sources=tuple(t.get("correlated_sources", ("signal_cross_section", "eot"))),
            pyhf_interpcode=str(t.get("pyhf_interpcode", "code1")),
            expected_quantiles=tuple(float(q) for q in t.get("expected_quantiles", cls.expected_quantiles)),
            tail_probability=float(t.get("tail_probability", 1e-10)),
            optimise_masses=tuple(float(m) for m in opt.get("masses", (0.002, 0.02))),
            optimise_cut_min=float(opt.get("cut_min", 20.0)),
            optimise_cut_max=float(opt.get("cut_max", 80.0)),
            optimise_cut_step=float(opt.get("cut_step", 2.0)),
        )


@dataclass(frozen=True)
class Channel:
    """One counting channel (one run): signal at μ = 1, background ± error, observed count [events].

    ``signal_syst`` holds relative log-normal uncertainties of the signal per source (Table III).
    """

    name: str
    signal: float
    background: float
    background_err: float = 0.0
    observed: int | None = None
    signal_syst: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(
            math.isfinite(self.signal) and self.signal >= 0, "signal", self.signal, "a finite number >= 0"
        )
        require(
            math.isfinite(self.background) and self.background >= 0,
            "background",
            self.background,
            "a finite number >= 0",
        )
        require(self.background_err >= 0, "background_err", self.background_err, "a number >= 0")
        require(
            self.observed is None or self.observed >= 0, "observed", self.observed, "a count >= 0 or None"
        )
        for k, v in self.signal_syst.items():
            require(math.isfinite(v) and v >= 0, f"systematic {k}", v, "a relative uncertainty >= 0")


@dataclass(frozen=True)
class CountingModel:
    """Several counting channels with shared and per-channel log-normal nuisances."""

    channels: tuple[Channel, ...]
    correlated_sources: tuple[str, ...] = ("signal_cross_section", "eot")

    def __post_init__(self) -> None:
        require(len(self.channels) > 0, "channels", self.channels, "at least one channel")
        names = [c.name for c in self.channels]
        require(len(set(names)) == len(names), "channels", names, "distinct channel names")

    @property
    def signal(self) -> np.ndarray:
        return np.array([c.signal for c in self.channels], dtype=float)

    @property
    def background(self) -> np.ndarray:
        return np.array([c.background for c in self.channels], dtype=float)

    @property
    def observed(self) -> np.ndarray | None:
        """Observed counts, or None while any channel is blinded."""
        if any(c.observed is None for c in self.channels):
            return None
        return np.array([c.observed for c in self.channels], dtype=np.int64)

    def with_signal(self, signal: Sequence[float]) -> CountingModel:
        """The same model with other signal expectations per channel."""
        if len(signal) != len(self.channels):
            raise UserInputError("signal", list(signal), f"{len(self.channels)} values, one per channel")
        chans = tuple(
            Channel(c.name, float(s), c.background, c.background_err, c.observed, dict(c.signal_syst))
            for c, s in zip(self.channels, signal, strict=False)
        )
        return CountingModel(chans, self.correlated_sources)

    def with_observed(self, observed: Sequence[int] | None) -> CountingModel:
        """The same model with other observed counts (None: blinded)."""
        obs = [None] * len(self.channels) if observed is None else [int(n) for n in observed]
        chans = tuple(
            Channel(c.name, c.signal, c.background, c.background_err, o, dict(c.signal_syst))
            for c, o in zip(self.channels, obs, strict=False)
        )
        return CountingModel(chans, self.correlated_sources)

    def nuisance_names(self) -> list[str]:
        """Names of the nuisance parameters: shared sources once, others per channel, then backgrounds."""
        names: list[str] = []
        for c in self.channels:
            for src, d in c.signal_syst.items():
                if d <= 0:
                    continue
                n = src if src in self.correlated_sources else f"{src}_{c.name}"
                if n not in names:
                    names.append(n)
        for c in self.channels:
            if c.background > 0 and c.background_err > 0:
                names.append(f"bkg_{c.name}")
        return names

    def log_kappas(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """(names, ln κ of the signal [n_nuis × n_chan], ln κ of the background [n_nuis × n_chan])."""
        names = self.nuisance_names()
        index = {n: i for i, n in enumerate(names)}
        ks = np.zeros((len(names), len(self.channels)))
        kb = np.zeros((len(names), len(self.channels)))
        for j, c in enumerate(self.channels):
            for src, d in c.signal_syst.items():
                if d <= 0:
                    continue
                n = src if src in self.correlated_sources else f"{src}_{c.name}"
                ks[index[n], j] = math.log1p(d)
            if c.background > 0 and c.background_err > 0:
                kb[index[f"bkg_{c.name}"], j] = math.log1p(c.background_err / c.background)
        return names, ks, kb

    def reduced(self) -> CountingModel:
        """An equivalent model with fewer nuisances: per channel, the uncorrelated signal sources combine
        into one log-normal with ln κ = sqrt(Σ ln² κ_k).

        Exact: a product of independent log-normals is log-normal, and profiling Gaussian-constrained θ_k
        that enter only through Σ θ_k ln κ_k equals profiling one θ with the combined ln κ.
        """
        chans = []
        for c in self.channels:
            syst = {k: v for k, v in c.signal_syst.items() if k in self.correlated_sources and v > 0}
            l2 = sum(
                math.log1p(v) ** 2
                for k, v in c.signal_syst.items()
                if k not in self.correlated_sources and v > 0
            )
            if l2 > 0:
                syst["uncorrelated"] = math.expm1(math.sqrt(l2))
            chans.append(Channel(c.name, c.signal, c.background, c.background_err, c.observed, syst))
        return CountingModel(tuple(chans), self.correlated_sources)

    def merged(self, name: str = "merged") -> CountingModel:
        """The simplified model of spec Sec. IX: all runs merged into one channel.

        Signal and background add; the relative signal uncertainty of each run is the quadrature
        sum of its sources (Sec. IX: "adding contributions from all sources in quadrature") and the
        runs' absolute uncertainties add linearly (sources treated as fully correlated, conservative);
        background errors add in quadrature (independent extrapolations).
        """
        s = self.signal
        tot = float(s.sum())
        abs_err = sum(c.signal * math.sqrt(sum(d * d for d in c.signal_syst.values())) for c in self.channels)
        rel = abs_err / tot if tot > 0 else 0.0
        berr = math.sqrt(sum(c.background_err**2 for c in self.channels))
        obs = self.observed
        ch = Channel(
            name,
            tot,
            float(self.background.sum()),
            berr,
            None if obs is None else int(obs.sum()),
            {"total": rel} if rel > 0 else {},
        )
        return CountingModel((ch,), ())
