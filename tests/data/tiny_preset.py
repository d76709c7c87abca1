"""A tiny preset for tests of the whole `reproduce` chain in seconds: the shipped na64-2016 preset with
run I only and minimal statistics in its ``--quick`` mode (one A′ mass, few showers and events, few
nuisance samples).

Statistics only (and one run instead of three): none of the physics settings change, so the chain runs
every stage as it does for the real preset. ``write_tiny_preset(folder)`` writes it as one TOML file and
returns its path.
"""

from __future__ import annotations

from pathlib import Path

from darkmiss.config.load import load_preset, preset_toml

MASS = 0.0167

#: table → {key: value} replaced in na64-2016 (nested tables as nested dicts).
OVERRIDES = {
    "reproduce": {
        "masses": [MASS],
        "efficiency_masses": [MASS],
        "optimise_masses": [MASS],
        "quick": {
            "yield_showers": 40,
            "data_eot_scale": 2.0e-4,
            "mc_eot_scale": 2.0e-4,
            "calibration_eot": 2.0e7,
            "signal_events": 200,
            "dimuon_events": 200,
            "masses": [MASS],
            "efficiency_masses": [MASS],
            "fine_grid": {"lo": MASS, "hi": MASS, "n": 1},
        },
    },
    "stats": {
        "nuisance_samples": 64,
        "optimise": {"masses": [MASS], "cut_min": 40.0, "cut_max": 50.0, "cut_step": 5.0},
    },
    "analysis": {"background": {"n_toys": 50}},
    "calorimetry": {"calibration_showers": 40},
    "production": {"prefilter_cuts": {"rate_sample_events": 200}},
}


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(base.get(k, {}), v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
    return out


def write_tiny_preset(folder: Path) -> Path:
    """Write the tiny preset into ``folder/tiny.toml`` (validated on load like any preset)."""
    base = load_preset("na64-2016")
    data = _merge(base.data, OVERRIDES)
    data["runs"] = {"I": base.data["runs"]["I"]}
    path = Path(folder) / "tiny.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(preset_toml(type(base)("tiny", data)), encoding="utf-8")
    load_preset(str(path))
    return path
