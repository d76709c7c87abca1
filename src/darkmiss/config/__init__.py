"""Experiment presets (TOML) and their validated, frozen configuration objects."""

from darkmiss.config.load import Preset, load_preset

__all__ = ["Preset", "load_preset"]
