"""darkmiss.stats: the per-run counting likelihood, exact and asymptotic CLs, limits (spec Sec. IX)."""

from darkmiss.stats.cls import ExactCLs, ExpectedLimits, exact_upper_limit, expected_limits
from darkmiss.stats.model import Channel, CountingModel, StatsConfig

__all__ = [
    "Channel",
    "CountingModel",
    "ExactCLs",
    "ExpectedLimits",
    "StatsConfig",
    "exact_upper_limit",
    "expected_limits",
]
