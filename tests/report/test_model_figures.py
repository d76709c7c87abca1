"""The figures of the limits per model (plots.model_figures): the ε-equivalent of every pair on one plot,
the B−L and Lμ−Lτ coupling limits, none for the dark photon alone."""

from __future__ import annotations

from darkmiss.plots.model_figures import group_rows, model_figures


def _row(mass: float, mediator: str, model: str, eps: float | None) -> dict:
    return {
        "mass": mass,
        "mediator": mediator,
        "model": model,
        "epsilon_etl": eps,
        "epsilon_etl_expected": eps,
        "epsilon_equivalent": eps,
        "coupling": None if eps is None else 0.3 * eps,
        "default_mass": True,
    }


def test_model_figures(tmp_path):
    masses = (0.002, 0.0167, 0.1)
    results = {
        "limits": [_row(m, "vector", "dark-photon", 1e-4 * m / 0.002) for m in masses],
        "model_limits": [_row(m, "vector", "B-L", 1.3e-4 * m / 0.002) for m in masses[:2]]
        + [_row(m, "vector", "Lmu-Ltau", 3e-2) for m in masses]
        + [_row(m, "scalar", "universal", None if m > 0.05 else 2e-4) for m in masses],
    }
    files = model_figures(results, tmp_path)
    assert [f.name for f in files] == ["models_epsilon_equivalent.png", "models_couplings.png"]
    assert all(f.stat().st_size > 1000 for f in files)
    groups = group_rows(results["limits"] + results["model_limits"])
    assert set(groups) == {
        ("vector", "dark-photon"),
        ("vector", "B-L"),
        ("vector", "Lmu-Ltau"),
        ("scalar", "universal"),
    }
    assert model_figures({"limits": results["limits"], "model_limits": []}, tmp_path / "none") == []
