"""Preset tables of ``stats.toml``: the statistics and the interpretation (spec Sec. IX–X)."""

from __future__ import annotations

from darkmiss.config.models.base import Numbers, Table


class OptimiseTable(Table):
    """``[stats.optimise]``: masses [GeV] and ECAL-cut scan [GeV] of the optimisation (Fig. 14)."""

    masses: Numbers | None = None
    cut_min: float | None = None
    cut_max: float | None = None
    cut_step: float | None = None


class InterpretTable(Table):
    """``[stats.interpret]``: the dark-matter interpretation (spec Sec. X)."""

    alpha_d: Numbers | None = None
    mass_ratio: float | None = None
    f_pseudodirac: float | None = None
    f_majorana: float | None = None
    amu_band_nsigma: float | None = None
    ae_exclusion_nsigma: float | None = None


class StatsTable(Table):
    """``[stats]``: confidence level, CLs method and nuisances (spec Sec. IX; defaults in
    ``stats.model.StatsConfig``)."""

    cl: float | None = None
    method: str | None = None
    nuisance: str | None = None
    nuisance_samples: int | None = None
    nuisance_seed: int | None = None
    correlated_sources: list[str] | None = None
    pyhf_interpcode: str | None = None
    expected_quantiles: Numbers | None = None
    tail_probability: float | None = None
    optimise: OptimiseTable | None = None
    interpret: InterpretTable | None = None
