"""Blinding (spec Sec. IV): data-mode events inside the signal box are removed right after
reconstruction, before any selection, count, table or figure, until ``darkmiss unblind`` is run.
MC (signal MC included) is never blinded. No count of the hidden events is kept anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.errors import BlindingError
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.reconstruct import RecoEvents
from darkmiss.reco.regions import blind_box


def box_mask(reco: RecoEvents, cfg: AnalysisConfig) -> np.ndarray:
    """Data-mode events inside the blinded box (E_ECAL and E_HCAL in GeV, spec Sec. IV)."""
    return reco.is_data & blind_box(cfg).contains(reco.e_ecal, reco.e_hcal)


def hide_box(reco: RecoEvents, cfg: AnalysisConfig, *, blinded: bool) -> RecoEvents:
    """The events visible to the analysis: everything unless ``blinded``, else without data-mode box events."""
    if not blinded:
        return reco
    return reco.subset(~box_mask(reco, cfg))


def assert_blind(reco: RecoEvents, cfg: AnalysisConfig) -> None:
    """Raise :class:`BlindingError` if a data-mode event of the blinded box is present."""
    if bool(np.any(box_mask(reco, cfg))):
        raise BlindingError("data-mode events of the signal box reached the analysis while blinded")


@dataclass(frozen=True)
class BlindingRecord:
    """The blinding state recorded in every output: whether the box is hidden, its edges [GeV] and a note."""

    blinded: bool
    ecal_max: float
    hcal_max: float
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "blinded": self.blinded,
            "box": {"ecal_max": self.ecal_max, "hcal_max": self.hcal_max},
            "note": self.note,
        }


def blinding_record(blinded: bool, cfg: AnalysisConfig) -> BlindingRecord:
    """The blinding state of an analysis pass with ``cfg``."""
    box = blind_box(cfg)
    return BlindingRecord(
        blinded=bool(blinded),
        ecal_max=box.ecal[1],
        hcal_max=box.hcal[1],
        note=(
            "data-mode events with E_ECAL < ecal_max and E_HCAL < hcal_max are hidden until `darkmiss unblind`"
            if blinded
            else "unblinded: the signal box is open"
        ),
    )
