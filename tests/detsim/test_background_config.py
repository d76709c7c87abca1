"""The [backgrounds.*] tables (darkmiss.detsim.background_config): every key required, named errors."""

from __future__ import annotations

import pytest

from darkmiss.config.load import Preset, load_preset
from darkmiss.detsim.background_config import (
    BeamFractions,
    HadronicConfig,
    KnockOnConfig,
    PhotonuclearConfig,
    background_table,
)
from darkmiss.errors import UserInputError

PRESET = load_preset("na64-2016")


def _without(table: str, key: str):
    data = {k: v for k, v in PRESET.data["backgrounds"][table].items() if k != key}
    bg = {**PRESET.data["backgrounds"], table: data}
    return Preset(PRESET.name, {**PRESET.data, "backgrounds": bg})


def _with(table: str, **values):
    return PRESET.with_overrides({"backgrounds": {table: {**PRESET.data["backgrounds"][table], **values}}})


@pytest.mark.parametrize(
    ("cls", "table", "key"),
    [
        (PhotonuclearConfig, "photonuclear", "shadow_exponent"),
        (HadronicConfig, "hadronic", "bock_w"),
        (BeamFractions, "beam", "kaon_fraction"),
        (KnockOnConfig, "knockon", "t_min"),
        (KnockOnConfig, "knockon", "window_material"),
    ],
)
def test_missing_key_names_table_and_key(cls, table, key):
    with pytest.raises(UserInputError, match=rf"\[backgrounds\.{table}\].*{key}"):
        cls.from_preset(_without(table, key))


def test_missing_table_names_it():
    data = {k: v for k, v in PRESET.data["backgrounds"].items() if k != "knockon"}
    p = Preset(PRESET.name, {**PRESET.data, "backgrounds": data})
    with pytest.raises(UserInputError, match=r"\[backgrounds\.knockon\]"):
        background_table(p, "knockon")


def test_bad_values():
    with pytest.raises(UserInputError):
        HadronicConfig.from_preset(_with("hadronic", leading_neutral_fraction=2.0))
    with pytest.raises(UserInputError):
        HadronicConfig.from_preset(_with("hadronic", e_over_h_hcal=0.0))
    with pytest.raises(UserInputError, match="finite"):
        PhotonuclearConfig.from_preset(_with("photonuclear", dl_eps=float("nan")))
    with pytest.raises(UserInputError):
        BeamFractions.from_preset(_with("beam", muon_fraction=-1e-3))
    with pytest.raises(UserInputError, match="window_material"):
        KnockOnConfig.from_preset(_with("knockon", window_material="unobtainium"))


def test_beam_fraction_by_pdg():
    b = BeamFractions.from_preset(PRESET)
    assert b.fraction(-211) == b.pion_fraction and b.fraction(321) == b.kaon_fraction
    assert b.fraction(13) == b.muon_fraction
