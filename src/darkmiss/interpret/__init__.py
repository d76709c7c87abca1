"""darkmiss.interpret: ε, y and α_D from the limits (spec Sec. IX-X), published bounds."""

from darkmiss.interpret.bounds import available_bounds, load_bound
from darkmiss.interpret.darkmatter import InterpretConfig, alpha_d_lower_bound, rescale_y, y_limit
from darkmiss.interpret.epsilon import epsilon_limit, signal_per_eps2

__all__ = [
    "InterpretConfig",
    "alpha_d_lower_bound",
    "available_bounds",
    "epsilon_limit",
    "load_bound",
    "rescale_y",
    "signal_per_eps2",
    "y_limit",
]
