"""Expected 90% C.L. sensitivity of a hypothetical exposure or setup (``darkmiss project``).

For each A′ mass the signal at ε = 1 is S/ε² = n_EOT · ε_tot · n_A′ (spec Eq. 26, one channel) with
n_A′ the shower yield per EOT (spec Eqs. 8, 13; a changed beam energy or target means new showers,
:func:`darkmiss.shower.yields.aprime_yields`). The background-only median expected limit N90 on
signal events (exact CLs, :func:`darkmiss.stats.cls.expected_limits`, with the log-normal signal
uncertainties of spec Table III and the yield's MC error integrated) gives

    ε_90 = sqrt(N90 / (n_EOT ε_tot n_A′))                     (spec Eq. 26)
    y    = ε_90² α_D (m_χ/m_A′)⁴,  m_A′ = 3 m_χ               (spec Eq. 6, α_D = 0.5 and 0.005)
    α_D  ≳ 0.02 f (10⁻³/ε_90)² (m_A′/100 MeV)⁴ (10 MeV/m_χ)²   (spec Eq. 5, pseudo-Dirac f = 0.25).

The ±1σ band is that of the expected-limit distribution (quantiles 0.159 and 0.841). Masses and
energies in GeV, counts in events, yields per EOT at ε = 1; ε, y and α_D dimensionless.

Other mediators, models and beams (``mediator``, ``model``, ``beam``; :mod:`darkmiss.physics.models`):
the yields are those of that boson and beam (muon beams: per muon on target, the preset's ``[muon_beam]``
energy and outgoing-muon cut), already multiplied by the beam lepton's squared coupling. The signal is
S(ε) = ε² f_inv(ε) S₁ with f_inv = B_inv + B_vis ⟨exp(−L/λ(E))⟩ the invisible fraction of
:class:`darkmiss.physics.mediator_widths.ModelWidths` (decays beyond the HCAL, L = the setup's length from
the ECAL front face, λ averaged over the V spectrum of the yield); the limit ε_90 is the smallest ε with
S(ε) = N90 (a boson that decays visibly too fast is not excluded: NaN). The dark photon without a dark-matter
mass keeps the spec's invisible branching ratio 1. ``coupling`` = ε_90 e and ``epsilon_equivalent`` =
ε_90 |g_ℓ/(εe)| (the coupling to the beam lepton in units of e) are recorded with each point.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import optimize

from darkmiss.config.load import Preset, load_preset
from darkmiss.interpret.darkmatter import InterpretConfig, alpha_d_lower_bound, y_limit
from darkmiss.interpret.projection_setup import (
    YIELD_MC_SOURCE,
    Projection,
    ProjectionConfig,
    resolve_projection,
)
from darkmiss.physics.mediator_widths import model_widths
from darkmiss.physics.models import coupling_from_epsilon, get_beam, get_model
from darkmiss.shower import annihilation as annihilation_mod
from darkmiss.shower import yields as yields_mod
from darkmiss.stats.cls import ExpectedLimits, expected_limits
from darkmiss.stats.epsilon import epsilon_limit
from darkmiss.stats.model import StatsConfig

__all__ = [
    "YIELD_MC_SOURCE",
    "Projection",
    "ProjectionConfig",
    "ProjectionPoint",
    "TotalSensitivity",
    "epsilon_with_decays",
    "expected_n90",
    "invisible_fraction_function",
    "project",
    "resolve_projection",
    "sensitivity_point",
    "total_sensitivity",
]

#: The expected-limit quantile indices of ``StatsConfig.expected_quantiles`` (−2σ, −1σ, median, +1σ, +2σ).
_MINUS1, _MEDIAN, _PLUS1 = 1, 2, 3


class YieldLike(Protocol):
    """What the projection reads from a yield (``darkmiss.shower.yields.AprimeYield``), per EOT at ε = 1."""

    mass: float
    threshold: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float


class SpectrumYieldLike(YieldLike, Protocol):
    """A yield with its V energy spectrum dN/dE [1/GeV] on ``spectrum_edges`` [GeV] (for decays in flight)."""

    spectrum_edges: np.ndarray
    spectrum_etl: np.ndarray


@dataclass(frozen=True)
class TotalSensitivity:
    """The sensitivity with every selected production (``setup.production``): the resonant-annihilation
    yield per EOT per ε² (docs/annihilation.md) and its error, the signals at ε = 1 [events]
    S_ann = n_EOT ε_tot Y_ann and S = Σ of the selected ones, the median N90 for S's combined yield
    error, and ε (median, ±1σ band), y (first α_D benchmark) and the α_D bound from S (spec Eqs. 26, 6, 5)."""

    yield_annihilation: float
    yield_annihilation_err: float
    signal_per_eps2_annihilation: float
    signal_per_eps2: float
    n90_expected: float
    epsilon: float
    epsilon_band: tuple[float, float]
    y: float
    alpha_d: float


@dataclass(frozen=True)
class ProjectionPoint:
    """Expected 90% C.L. sensitivity at one A′ ``mass`` [GeV] for ``setup``.

    Yields per EOT at ε = 1 (E_A′ > ``threshold`` GeV); ``signal_per_eps2`` = n_EOT ε_tot n_A′,ETL
    [events at ε = 1]; ``n90_expected`` the median expected N90 [events] and ``n90_expected_bands``
    its −2σ…+2σ quantiles; every ``*_band`` is the (low, high) value of the quantity over the ±1σ
    band of the expected limit; ``m_chi`` = m_A′/3 [GeV] (spec Sec. X). ``y`` is at the first α_D benchmark (0.5), ``y_by_alpha_d`` at each;
    ``alpha_d`` is the relic lower bound for pseudo-Dirac DM (f = 0.25, spec Eq. 5). ``lepton_coupling``
    |g_ℓ/(εe)| of the beam lepton and ``invisible_fraction`` f_inv at the median limit (module docstring).
    """

    setup: Projection
    mass: float
    m_chi: float
    threshold: float
    yield_etl: float
    yield_etl_err: float
    yield_ww: float
    signal_per_eps2: float
    signal_per_eps2_ww: float
    n90_expected: float
    n90_expected_bands: tuple[float, ...]
    n90_expected_mean: float
    epsilon_etl: float
    epsilon_etl_band: tuple[float, float]
    epsilon_ww: float
    y: float
    y_band: tuple[float, float]
    y_by_alpha_d: dict[str, float]
    alpha_d: float
    alpha_d_band: tuple[float, float]
    lepton_coupling: float = 1.0
    invisible_fraction: float = 1.0
    total: TotalSensitivity | None = None

    def record(self) -> dict[str, Any]:
        """Flat JSON record (setup fields included)."""
        rec: dict[str, Any] = {
            "mass": self.mass,
            "m_chi": self.m_chi,
            "epsilon_etl": self.epsilon_etl,
            "epsilon_etl_lo": self.epsilon_etl_band[0],
            "epsilon_etl_hi": self.epsilon_etl_band[1],
            "epsilon_ww": self.epsilon_ww,
            "y": self.y,
            "y_lo": self.y_band[0],
            "y_hi": self.y_band[1],
        }
        for a, v in self.y_by_alpha_d.items():
            rec[f"y_alpha_d_{a.replace('.', 'p')}"] = v
        rec.update(
            {
                "alpha_d": self.alpha_d,
                "alpha_d_lo": self.alpha_d_band[0],
                "alpha_d_hi": self.alpha_d_band[1],
                "n90_expected": self.n90_expected,
                "n90_expected_lo": self.n90_expected_bands[_MINUS1],
                "n90_expected_hi": self.n90_expected_bands[_PLUS1],
                "n90_expected_bands": list(self.n90_expected_bands),
                "n90_expected_mean": self.n90_expected_mean,
                "yield_etl": self.yield_etl,
                "yield_etl_err": self.yield_etl_err,
                "yield_ww": self.yield_ww,
                "signal_per_eps2": self.signal_per_eps2,
                "signal_per_eps2_ww": self.signal_per_eps2_ww,
                "threshold": self.threshold,
                "coupling": coupling_from_epsilon(self.epsilon_etl),
                "epsilon_equivalent": self.epsilon_etl * self.lepton_coupling,
                "invisible_fraction": self.invisible_fraction,
            }
        )
        rec.update(self._total_record())
        rec.update(self.setup.record())
        return rec

    def _total_record(self) -> dict[str, Any]:
        """The keys of the selected productions' sensitivity (:class:`TotalSensitivity`); with brems
        only, the total is the brems (ETL) one and the annihilation yield is NaN (not computed)."""
        t = self.total
        if t is None:
            return {
                "yield_annihilation": math.nan,
                "yield_annihilation_err": math.nan,
                "signal_per_eps2_annihilation": 0.0,
                "signal_per_eps2_total": self.signal_per_eps2,
                "n90_expected_total": self.n90_expected,
                "epsilon_total": self.epsilon_etl,
                "epsilon_total_lo": self.epsilon_etl_band[0],
                "epsilon_total_hi": self.epsilon_etl_band[1],
                "epsilon_ratio": 1.0,
                "y_total": self.y,
                "alpha_d_total": self.alpha_d,
            }
        return {
            "yield_annihilation": t.yield_annihilation,
            "yield_annihilation_err": t.yield_annihilation_err,
            "signal_per_eps2_annihilation": t.signal_per_eps2_annihilation,
            "signal_per_eps2_total": t.signal_per_eps2,
            "n90_expected_total": t.n90_expected,
            "epsilon_total": t.epsilon,
            "epsilon_total_lo": t.epsilon_band[0],
            "epsilon_total_hi": t.epsilon_band[1],
            "epsilon_ratio": t.epsilon / self.epsilon_etl if self.epsilon_etl > 0 else math.nan,
            "y_total": t.y,
            "alpha_d_total": t.alpha_d,
        }


def expected_n90(
    setup: Projection, yield_rel_err: float = 0.0, stats: StatsConfig | None = None
) -> ExpectedLimits:
    """Background-only expected exact-CLs limits on signal events for ``setup`` (spec Sec. IX)."""
    cfg = stats or StatsConfig.from_preset(setup.preset)
    return expected_limits(
        setup.counting_model(yield_rel_err),
        cl=cfg.cl,
        quantiles=cfg.expected_quantiles,
        n_samples=cfg.nuisance_samples,
        seed=cfg.nuisance_seed,
        integrate=cfg.nuisance == "integrate",
    )


def invisible_fraction_function(setup: Projection, y: SpectrumYieldLike) -> Callable[[float], float] | None:
    """f_inv(ε) of the setup's model at the yield's mass, averaged over its V spectrum (module docstring);
    None for the spec's dark photon (invisible branching ratio 1)."""
    if setup.spec_invisible:
        return None
    edges = np.asarray(y.spectrum_edges, dtype=float)
    weights = np.asarray(y.spectrum_etl, dtype=float) * np.diff(edges)
    centers = 0.5 * (edges[1:] + edges[:-1])
    if not np.any(weights > 0):
        weights = np.ones_like(centers)

    def f_inv(eps: float) -> float:
        w = model_widths(
            setup.model, float(y.mass), eps, mediator=setup.mediator, alpha_d=setup.alpha_d, mchi=setup.mchi
        )
        return w.invisible_fraction(centers, setup.decay_length_cm, weights)

    return f_inv


def epsilon_with_decays(n90: float, signal_per_eps2: float, f_inv: Callable[[float], float]) -> float:
    """The smallest ε with ε² f_inv(ε) S₁ = N90 (S₁ = ``signal_per_eps2`` [events at ε = 1], spec Eq. 26 with
    the invisible fraction); NaN if the signal never reaches N90 for ε ≤ 1 (decays too prompt)."""
    if not (signal_per_eps2 > 0 and n90 > 0):
        return math.inf
    lo = math.sqrt(n90 / signal_per_eps2)  # f_inv ≤ 1: the limit is at least the invisible one

    def excess(log_eps: float) -> float:
        e = math.exp(log_eps)
        return 2.0 * log_eps + math.log(max(f_inv(e), 1e-300)) + math.log(signal_per_eps2 / n90)

    if excess(math.log(lo)) >= 0.0:
        return lo
    below, hi = lo, lo
    while excess(math.log(hi)) < 0.0:
        below, hi = hi, hi * 1.15  # fine enough not to step over a narrow excluded band near the peak of S(ε)
        if hi > 1.0:
            return math.nan
    # bracket the first crossing only: every earlier step had S(ε) < N90
    return float(math.exp(optimize.brentq(excess, math.log(below), math.log(hi), xtol=1e-10)))


def _epsilon(n90: float, signal_per_eps2: float, f_inv: Callable[[float], float] | None) -> float:
    """ε_90 for N90 = ``n90`` and S₁ = ``signal_per_eps2`` (spec Eq. 26, with ``f_inv`` if given)."""
    if f_inv is not None:
        return epsilon_with_decays(n90, signal_per_eps2, f_inv)
    return float(epsilon_limit(n90, signal_per_eps2))


def sensitivity_point(
    setup: Projection,
    y: YieldLike,
    limits: ExpectedLimits,
    interpret: InterpretConfig | None = None,
    f_inv: Callable[[float], float] | None = None,
) -> ProjectionPoint:
    """Turn the expected N90 ``limits`` and a yield record into ε, y and α_D (spec Eqs. 26, 6, 5); with
    ``f_inv`` (:func:`invisible_fraction_function`) the signal is ε² f_inv(ε) S₁."""
    icfg = interpret or InterpretConfig.from_preset(setup.preset)
    mass = float(y.mass)
    s_etl = setup.eot * setup.efficiency * float(y.yield_etl)  # spec Eq. 26, one run
    s_ww = setup.eot * setup.efficiency * float(y.yield_ww)
    bands = tuple(float(b) for b in limits.bands)

    def eps(n: float, s: float) -> float:
        return _epsilon(n, s, f_inv)

    e_med = eps(bands[_MEDIAN], s_etl)
    e_lo, e_hi = eps(bands[_MINUS1], s_etl), eps(bands[_PLUS1], s_etl)

    def y_at(e: float, a: float) -> float:
        return float(y_limit(e, mass, a, icfg.mass_ratio))

    def ad(e: float) -> float:
        if not (math.isfinite(e) and e > 0):
            return math.nan
        return float(alpha_d_lower_bound(e, mass, icfg.f_pseudodirac, icfg.mass_ratio))

    a0 = icfg.alpha_d[0]
    return ProjectionPoint(
        setup=setup,
        mass=mass,
        m_chi=mass / icfg.mass_ratio,
        threshold=float(y.threshold),
        yield_etl=float(y.yield_etl),
        yield_etl_err=float(y.yield_etl_err),
        yield_ww=float(y.yield_ww),
        signal_per_eps2=s_etl,
        signal_per_eps2_ww=s_ww,
        n90_expected=bands[_MEDIAN],
        n90_expected_bands=bands,
        n90_expected_mean=float(limits.mean),
        epsilon_etl=e_med,
        epsilon_etl_band=(e_lo, e_hi),
        epsilon_ww=eps(bands[_MEDIAN], s_ww),
        y=y_at(e_med, a0),
        y_band=(y_at(e_lo, a0), y_at(e_hi, a0)),
        y_by_alpha_d={f"{a:g}": y_at(e_med, a) for a in icfg.alpha_d},
        alpha_d=ad(e_med),
        alpha_d_band=(ad(e_hi), ad(e_lo)),  # α_D bound ∝ 1/ε²: the weaker ε limit gives the lower α_D
        lepton_coupling=abs(
            get_model(setup.model, setup.mediator).lepton_coupling(get_beam(setup.beam).lepton, mass)
        ),
        invisible_fraction=1.0 if f_inv is None or not math.isfinite(e_med) else f_inv(e_med),
    )


def annihilation_invisible_fraction(
    setup: Projection, mass: float, energy: float
) -> Callable[[float], float] | None:
    """f_inv(ε) of the setup's model at ``mass`` [GeV] for a V of ``energy`` [GeV] (an annihilation's V
    carries the positron's energy, ≈ E_R); None for the spec's dark photon (module docstring)."""
    if setup.spec_invisible:
        return None
    e = np.array([float(energy)])

    def f_inv(eps: float) -> float:
        w = model_widths(
            setup.model, float(mass), eps, mediator=setup.mediator, alpha_d=setup.alpha_d, mchi=setup.mchi
        )
        return w.invisible_fraction(e, setup.decay_length_cm, np.ones(1))

    return f_inv


def total_sensitivity(
    setup: Projection,
    point: ProjectionPoint,
    y_ann: Any,
    limits: ExpectedLimits,
    f_inv: Callable[[float], float] | None = None,
    interpret: InterpretConfig | None = None,
) -> TotalSensitivity:
    """The sensitivity from the selected productions (``setup.production``) at ``point``'s mass, with the
    annihilation yield record ``y_ann`` (``yield_annihilation`` [per EOT per ε²] and its error; None if
    not selected), the expected N90 ``limits`` for the combined yield error, and the combined invisible
    fraction ``f_inv`` (None: invisible branching ratio 1). The annihilation signal has the setup's
    efficiency ε_tot (docs/annihilation.md): S_ann = n_EOT ε_tot Y_ann (spec Eq. 26 for each process)."""
    icfg = interpret or InterpretConfig.from_preset(setup.preset)
    y_a = 0.0 if y_ann is None else float(y_ann.yield_annihilation)
    s_a = setup.eot * setup.efficiency * y_a if "annihilation" in setup.production else 0.0
    s_b = point.signal_per_eps2 if "brems" in setup.production else 0.0
    s = s_a + s_b
    bands = tuple(float(b) for b in limits.bands)

    def eps(n: float, brems: float) -> float:
        # S ≥ S_brems: never weaker than the brems limit (the combined yield error may raise N90 a little
        # where a poorly known Y_ann ≪ Y_brems); NaN (a boson decaying too fast) stays NaN
        e = _epsilon(n, s, f_inv)
        return min(e, brems) if "brems" in setup.production and math.isfinite(brems) else e

    e_med = eps(bands[_MEDIAN], point.epsilon_etl)
    band = (eps(bands[_MINUS1], point.epsilon_etl_band[0]), eps(bands[_PLUS1], point.epsilon_etl_band[1]))
    ok = math.isfinite(e_med) and e_med > 0
    return TotalSensitivity(
        yield_annihilation=y_a if y_ann is not None else math.nan,
        yield_annihilation_err=float(y_ann.yield_annihilation_err) if y_ann is not None else math.nan,
        signal_per_eps2_annihilation=s_a,
        signal_per_eps2=s,
        n90_expected=bands[_MEDIAN],
        epsilon=e_med,
        epsilon_band=band,
        y=float(y_limit(e_med, point.mass, icfg.alpha_d[0], icfg.mass_ratio)),
        alpha_d=float(alpha_d_lower_bound(e_med, point.mass, icfg.f_pseudodirac, icfg.mass_ratio))
        if ok
        else math.nan,
    )


def _combined_fraction(
    s_b: float, f_b: Callable[[float], float] | None, s_a: float, f_a: Callable[[float], float] | None
) -> Callable[[float], float] | None:
    """The signal-weighted invisible fraction (S_b f_b(ε) + S_a f_a(ε)) / (S_b + S_a); None if both are."""
    if f_b is None and f_a is None:
        return None
    if s_a + s_b <= 0:
        return None

    def f(eps: float) -> float:
        fb = 1.0 if f_b is None else f_b(eps)
        fa = 1.0 if f_a is None else f_a(eps)
        return (s_b * fb + s_a * fa) / (s_b + s_a)

    return f


def _rel_err(values: list[tuple[float, float]]) -> float:
    """Relative error of a sum of (value, error) pairs with independent errors (0 if not finite)."""
    tot = sum(v for v, _ in values)
    var = sum(e * e for _, e in values if math.isfinite(e))
    return math.sqrt(var) / tot if tot > 0 else 0.0


def project(
    preset: Preset | str,
    eot: float | None = None,
    *,
    masses: Sequence[float] | None = None,
    energy: float | None = None,
    target: str | None = None,
    threshold: float | None = None,
    background: float | None = None,
    efficiency: float | None = None,
    showers: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[..., Any] | None = None,
    mediator: str = "vector",
    model: str | None = None,
    beam: str | None = None,
    alpha_d: float = 0.5,
    mchi: float | None = None,
    production: str | None = None,
    exposure: str | None = None,
    positron_showers: int | None = None,
) -> list[ProjectionPoint]:
    """Expected 90% C.L. sensitivity (median, ±1σ) in ε, y and α_D for ``eot`` EOT, per A′ mass [GeV].

    Yields come from new showers of the (``energy`` [GeV], ``target``) setup
    (:func:`darkmiss.shower.yields.aprime_yields`, ``showers``/``seed``/``workers``, or the dask
    cluster at ``scheduler``); the E_A′
    threshold defaults to half the beam energy. ``efficiency`` (default: preset, 0.5) and
    ``background`` [events] (default: 0.12 per 4.3e10 EOT, scaled) as in :class:`ProjectionConfig`;
    ``exposure`` a named exposure of the preset that fills them (:func:`resolve_projection`).
    ``mediator``, ``model``, ``beam`` and a dark-matter channel (``mchi`` [GeV], ``alpha_d``): see the
    module docstring (``eot`` counts muons on target for a muon beam). ``production`` (default
    brems,annihilation for e± beams): with annihilation the positron tally's yields
    (:func:`darkmiss.shower.annihilation.model_annihilation_yields`, missing energy = the positron's
    energy above the threshold, ``positron_showers`` showers, default 5 × 10⁵) enter ``total``
    (:class:`TotalSensitivity`); ``epsilon_etl`` and the other brems keys stay brems only.
    """
    p = load_preset(preset) if isinstance(preset, str) else preset
    setup, ms = resolve_projection(
        p, eot, masses=masses, energy=energy, target=target, threshold=threshold, background=background,
        efficiency=efficiency, mediator=mediator, model=model, beam=beam, alpha_d=alpha_d, mchi=mchi,
        production=production, exposure=exposure,
    )  # fmt: skip
    ylds = yields_mod.aprime_yields(
        p, ms, threshold=setup.threshold, showers=showers, seed=seed, workers=workers, scheduler=scheduler,
        energy=setup.energy, target=setup.target, kinds=("ww", "etl"), progress=progress, mediator=setup.mediator,
        beam=setup.beam, model=setup.model,
    )  # fmt: skip
    anns: list[Any] = [None] * len(ylds)
    if "annihilation" in setup.production:
        anns = list(
            annihilation_mod.model_annihilation_yields(
                p,
                ms,
                mediator=setup.mediator,
                model=setup.model,
                beam=setup.beam,
                alpha_d=setup.alpha_d,
                mchi=setup.mchi,
                threshold=float(ylds[0].threshold),
                showers=positron_showers,
                seed=seed,
                workers=workers,
                scheduler=scheduler,
                energy=setup.energy,
                target=setup.target,
                progress=progress,
            )
        )
    stats = StatsConfig.from_preset(p)
    icfg = InterpretConfig.from_preset(p)
    cache: dict[float, ExpectedLimits] = {}

    def limits_for(rel: float) -> ExpectedLimits:
        key = round(rel, 4)  # N90 depends on the yield only through its MC error (rounded to 1e-4)
        if key not in cache:
            cache[key] = expected_n90(setup, key, stats)
        return cache[key]

    out: list[ProjectionPoint] = []
    for y, a in zip(ylds, anns, strict=True):
        rel = (
            float(y.yield_etl_err / y.yield_etl) if y.yield_etl > 0 and np.isfinite(y.yield_etl_err) else 0.0
        )
        f_b = invisible_fraction_function(setup, y)
        point = sensitivity_point(setup, y, limits_for(rel), icfg, f_b)
        if a is None and setup.production == ("brems",):
            out.append(point)
            continue
        parts = []
        if "brems" in setup.production:
            parts.append((float(y.yield_etl), float(y.yield_etl_err)))
        if a is not None:
            parts.append((float(a.yield_annihilation), float(a.yield_annihilation_err)))
        s_a = setup.eot * setup.efficiency * float(a.yield_annihilation) if a is not None else 0.0
        s_b = point.signal_per_eps2 if "brems" in setup.production else 0.0
        e_pos = (
            min(max(float(a.resonance_energy), float(y.threshold)), setup.energy)
            if a is not None
            else setup.energy
        )
        f_a = annihilation_invisible_fraction(setup, y.mass, e_pos) if a is not None else None
        f_tot = _combined_fraction(s_b, f_b, s_a, f_a)
        total = total_sensitivity(setup, point, a, limits_for(_rel_err(parts)), f_tot, icfg)
        out.append(dataclasses.replace(point, total=total))
    return out
