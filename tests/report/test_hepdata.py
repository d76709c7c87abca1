"""The HEPData record: written with hepdata_lib's validation on, a limit that could not be set written
as HEPData's "-" (never 0)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import yaml

from darkmiss.interpret.limits import interpret_limits
from darkmiss.report.hepdata import MISSING, write_hepdata
from darkmiss.stats.limits import SimpleYield, compute_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "interpret"))
from test_interpret_limits import make_analysis


def test_missing_limits_are_dashes_and_the_record_validates(tmp_path):
    ys = [
        SimpleYield(m, 2e-5 * (0.01 / m) ** 2, 1.8e-5 * (0.01 / m) ** 2, 1.7e-5 * (0.01 / m) ** 2)
        for m in (0.01, 0.1)
    ]
    res = interpret_limits(
        compute_limits(make_analysis(), ys, preset="na64-2016", asymptotic=False), "na64-2016"
    )
    res.records[1].epsilon_etl_direct = None  # a limit that could not be set
    res.records[1].alpha_d_majorana = math.nan
    out = write_hepdata(res, tmp_path / "hepdata")  # create_files(..., validate=True) in a child process
    assert (out / "submission.yaml").is_file() and (out / "submission.tar.gz").is_file()
    values = {}
    for f in out.glob("*.yaml"):
        if f.name == "submission.yaml":
            continue
        table = yaml.safe_load(f.read_text())
        for dep in table["dependent_variables"]:
            values[dep["header"]["name"]] = [v["value"] for v in dep["values"]]
    direct = values["epsilon (exact tree level, observed)"]
    assert direct[1] == MISSING == "-" and isinstance(direct[0], float) and direct[0] > 0
    assert values["alpha_D (Majorana, f = 3)"][1] == "-"
    assert all(v != 0 for col in values.values() for v in col)
