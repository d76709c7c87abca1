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

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import optimize

from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import UserInputError, require
from darkmiss.interpret.darkmatter import InterpretConfig, alpha_d_lower_bound, y_limit
from darkmiss.physics.materials import ELEMENTS, get_element
from darkmiss.physics.mediator_widths import model_widths
from darkmiss.physics.models import coupling_from_epsilon, get_beam, get_model
from darkmiss.shower import yields as yields_mod
from darkmiss.shower.yields import MuonBeamSettings, ShowerSettings, setup_geometry
from darkmiss.stats.cls import ExpectedLimits, expected_limits
from darkmiss.stats.epsilon import epsilon_limit
from darkmiss.stats.model import Channel, CountingModel, StatsConfig

#: Name of the nuisance for the Monte-Carlo statistical error of the yield (as in darkmiss.stats.limits).
YIELD_MC_SOURCE = "yield_mc"
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
class ProjectionConfig:
    """The preset table ``[projection]``: default efficiency, background and mass grid (see projection.toml).

    ``background`` [events] is for ``background_eot`` EOT (spec Table IV) and scales with the EOT;
    ``background_rel_err`` is its relative uncertainty; ``signal_syst`` relative log-normal signal
    uncertainties per source (spec Table III); ``masses`` in GeV.
    """

    efficiency: float
    background: float
    background_eot: float
    background_rel_err: float
    masses: tuple[float, ...]
    signal_syst: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(0 < self.efficiency <= 1, "projection.efficiency", self.efficiency, "a number in (0, 1]")
        require(self.background >= 0, "projection.background", self.background, "a number >= 0")
        require(self.background_eot > 0, "projection.background_eot", self.background_eot, "a positive EOT")
        require(
            self.background_rel_err >= 0, "projection.background_rel_err", self.background_rel_err, ">= 0"
        )
        require(
            len(self.masses) > 0 and all(m > 0 for m in self.masses),
            "projection.masses",
            self.masses,
            "positive A′ masses [GeV]",
        )
        for k, v in self.signal_syst.items():
            require(
                math.isfinite(v) and v >= 0, f"projection.signal_syst.{k}", v, "a relative uncertainty >= 0"
            )

    @classmethod
    def from_preset(cls, preset: Preset | str = "na64-2016") -> ProjectionConfig:
        """Read table ``[projection]`` (and ``[projection.signal_syst]``) of a preset."""
        p = load_preset(preset) if isinstance(preset, str) else preset
        t = p.section("projection")
        try:
            return cls(
                efficiency=float(t["efficiency"]),
                background=float(t["background"]),
                background_eot=float(t["background_eot"]),
                background_rel_err=float(t["background_rel_err"]),
                masses=tuple(float(m) for m in t["masses"]),
                signal_syst={str(k): float(v) for k, v in t.get("signal_syst", {}).items()},
            )
        except KeyError as exc:
            raise UserInputError("preset [projection]", "(missing)", f"a value for {exc}") from None
        except (TypeError, ValueError) as exc:
            raise UserInputError("preset [projection]", t, f"numbers as in projection.toml ({exc})") from None

    def background_for(self, eot: float) -> float:
        """Default background [events] for ``eot`` EOT: n_b × eot / background_eot (spec Table IV)."""
        return self.background * float(eot) / self.background_eot


@dataclass(frozen=True)
class Projection:
    """A hypothetical setup and exposure: everything but the yields that the sensitivity depends on.

    ``eot`` electrons on target; ``energy`` beam energy [GeV]; ``target`` the ECAL absorber element;
    ``threshold`` the E_A′ threshold [GeV] (None: the shower preset's fraction of ``energy``, i.e.
    half the beam energy); ``efficiency`` ε_tot; ``background`` [events] ± ``background_err``;
    ``signal_syst`` relative signal uncertainties per source.
    """

    preset: str
    eot: float
    energy: float
    target: str
    threshold: float | None
    efficiency: float
    background: float
    background_err: float
    signal_syst: dict[str, float] = field(default_factory=dict)
    mediator: str = "vector"
    model: str = "dark-photon"
    beam: str = "e-"
    decay_length_cm: float = 0.0
    alpha_d: float = 0.5
    mchi: float | None = None

    def counting_model(self, yield_rel_err: float = 0.0) -> CountingModel:
        """One-channel model with signal 1 (so μ counts signal events) and the projected background."""
        syst = {k: v for k, v in self.signal_syst.items() if v > 0}
        if yield_rel_err > 0:
            syst[YIELD_MC_SOURCE] = float(yield_rel_err)
        ch = Channel("projection", 1.0, float(self.background), float(self.background_err), None, syst)
        return CountingModel((ch,), tuple(syst))

    def record(self) -> dict[str, Any]:
        """The setup as a flat record."""
        return {
            "preset": self.preset,
            "eot": self.eot,
            "energy": self.energy,
            "target": self.target,
            "efficiency": self.efficiency,
            "background": self.background,
            "background_err": self.background_err,
            "mediator": self.mediator,
            "model": self.model,
            "beam": self.beam,
        }

    @property
    def spec_invisible(self) -> bool:
        """True for the spec's case: a dark photon with invisible branching ratio 1 (no dark-matter mass)."""
        return self.model == "dark-photon" and self.mchi is None


def resolve_projection(
    preset: Preset | str,
    eot: float,
    *,
    masses: Sequence[float] | None = None,
    energy: float | None = None,
    target: str | None = None,
    threshold: float | None = None,
    background: float | None = None,
    efficiency: float | None = None,
    mediator: str = "vector",
    model: str | None = None,
    beam: str = "e-",
    alpha_d: float = 0.5,
    mchi: float | None = None,
) -> tuple[Projection, list[float]]:
    """Validate the inputs and fill the defaults from the preset; returns (setup, masses [GeV]).

    Bad values raise :class:`UserInputError`: eot ≤ 0, efficiency outside (0, 1], a negative
    background, an unknown target element, a beam energy not above every mass, a mass above the
    model's range (B−L: below m_π⁰; the default grid is cut there).
    """
    p = load_preset(preset) if isinstance(preset, str) else preset
    cfg = ProjectionConfig.from_preset(p)
    bm = get_beam(beam)
    mod = get_model(model, mediator)
    if mchi is not None:
        require(math.isfinite(mchi) and mchi >= 0, "mchi", mchi, "a dark-matter mass >= 0 [GeV]")
        require(math.isfinite(alpha_d) and alpha_d > 0, "alpha_d", alpha_d, "a dark coupling α_D > 0")
    eot_f = _finite(eot, "eot")
    require(eot_f > 0, "eot", eot, "a positive number of electrons on target")
    eff = cfg.efficiency if efficiency is None else _finite(efficiency, "efficiency")
    require(0 < eff <= 1, "efficiency", efficiency, "a signal efficiency in (0, 1]")
    if background is None:
        b = cfg.background_for(eot_f)
    else:
        b = _finite(background, "background")
        require(b >= 0, "background", background, "a number of background events >= 0")
    if masses is None:
        ms = [float(m) for m in cfg.masses if m < mod.max_mass]
    else:
        ms = [float(m) for m in masses]
    require(len(ms) > 0, "mass", ms, "at least one A′ mass [GeV]")
    for m in ms:
        require(math.isfinite(m) and m > 0, "mass", m, "a positive A′ mass [GeV]")
        mod.check_mass(m)
    if bm.is_muon:
        mcfg = MuonBeamSettings.from_preset(p)
        default_energy = mcfg.energy
    else:
        default_energy = float(p.section("beam")["energy"])
    e0 = default_energy if energy is None else _finite(energy, "energy")
    require(e0 > 0, "energy", energy, "a positive beam energy [GeV]")
    require(e0 > max(ms), "energy", e0, f"a beam energy above every A′ mass (largest {max(ms):g} GeV)")
    if threshold is not None:
        th = _finite(threshold, "threshold")
        require(0 < th < e0, "threshold", threshold, f"an E_A′ threshold in (0, {e0:g}) GeV")
    elif bm.is_muon:  # the outgoing-muon cut of [muon_beam]
        th = e0 - mcfg.max_outgoing_energy
        require(
            th > 0,
            "energy",
            e0,
            f"a muon energy above the outgoing-muon cut {mcfg.max_outgoing_energy:g} GeV",
        )
    else:  # the yields' default: the [shower] threshold fraction (one half) of the beam energy
        th = ShowerSettings.from_preset(p).threshold_fraction * e0
    require(max(ms) < th, "mass", max(ms), f"A′ masses below the E_A′ threshold {th:g} GeV")
    tgt = SetupGeometry.from_preset(p).ecal.absorber if target is None else str(target)
    if tgt not in ELEMENTS:
        raise UserInputError("target", tgt, f"one of {', '.join(sorted(ELEMENTS))}")
    get_element(tgt)
    setup = Projection(
        preset=p.name,
        eot=eot_f,
        energy=e0,
        target=tgt,
        threshold=None if threshold is None else float(threshold),
        efficiency=float(eff),
        background=float(b),
        background_err=float(b) * cfg.background_rel_err,
        signal_syst=dict(cfg.signal_syst),
        mediator=mod.mediator.name,
        model=mod.name,
        beam=bm.name,
        decay_length_cm=setup_geometry(p, tgt).length_cm,
        alpha_d=float(alpha_d),
        mchi=None if mchi is None else float(mchi),
    )
    return setup, ms


def _finite(value: Any, parameter: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserInputError(parameter, value, "a number") from None
    require(math.isfinite(v), parameter, value, "a finite number")
    return v


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
        rec.update(self.setup.record())
        return rec


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
        if f_inv is not None:
            return epsilon_with_decays(n, s, f_inv)
        return float(epsilon_limit(n, s))

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


def project(
    preset: Preset | str,
    eot: float,
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
    progress: Callable[..., Any] | None = None,
    mediator: str = "vector",
    model: str | None = None,
    beam: str = "e-",
    alpha_d: float = 0.5,
    mchi: float | None = None,
) -> list[ProjectionPoint]:
    """Expected 90% C.L. sensitivity (median, ±1σ) in ε, y and α_D for ``eot`` EOT, per A′ mass [GeV].

    Yields come from new showers of the (``energy`` [GeV], ``target``) setup
    (:func:`darkmiss.shower.yields.aprime_yields`, ``showers``/``seed``/``workers``); the E_A′
    threshold defaults to half the beam energy. ``efficiency`` (default: preset, 0.5) and
    ``background`` [events] (default: 0.12 per 4.3e10 EOT, scaled) as in :class:`ProjectionConfig`.
    ``mediator``, ``model``, ``beam`` and a dark-matter channel (``mchi`` [GeV], ``alpha_d``): see the
    module docstring (``eot`` counts muons on target for a muon beam).
    """
    p = load_preset(preset) if isinstance(preset, str) else preset
    setup, ms = resolve_projection(
        p,
        eot,
        masses=masses,
        energy=energy,
        target=target,
        threshold=threshold,
        background=background,
        efficiency=efficiency,
        mediator=mediator,
        model=model,
        beam=beam,
        alpha_d=alpha_d,
        mchi=mchi,
    )
    ylds = yields_mod.aprime_yields(
        p,
        ms,
        threshold=setup.threshold,
        showers=showers,
        seed=seed,
        workers=workers,
        energy=setup.energy,
        target=setup.target,
        kinds=("ww", "etl"),
        progress=progress,
        mediator=setup.mediator,
        beam=setup.beam,
        model=setup.model,
    )
    stats = StatsConfig.from_preset(p)
    icfg = InterpretConfig.from_preset(p)
    cache: dict[float, ExpectedLimits] = {}
    out: list[ProjectionPoint] = []
    for y in ylds:
        rel = (
            float(y.yield_etl_err / y.yield_etl) if y.yield_etl > 0 and np.isfinite(y.yield_etl_err) else 0.0
        )
        key = round(rel, 4)  # N90 depends on the yield only through its MC error (rounded to 1e-4)
        if key not in cache:
            cache[key] = expected_n90(setup, key, stats)
        out.append(sensitivity_point(setup, y, cache[key], icfg, invisible_fraction_function(setup, y)))
    return out
