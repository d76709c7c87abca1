"""darkmiss.interpret: y, α_D and g−2 from the ε limits (spec Sec. X), published bounds, projections."""

from darkmiss.interpret.bounds import available_bounds, load_bound
from darkmiss.interpret.darkmatter import InterpretConfig, alpha_d_lower_bound, rescale_y, y_limit

__all__ = [
    "InterpretConfig",
    "alpha_d_lower_bound",
    "available_bounds",
    "load_bound",
    "rescale_y",
    "y_limit",
]
