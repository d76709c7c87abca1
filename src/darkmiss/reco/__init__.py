"""Reconstruction and selection (spec Sec. IV, VI.A, VIII): pile-up removal, ECAL/HCAL/track/SRD
quantities, selections as objects with cut-flows and N−1 views, and the named regions."""

from darkmiss.reco.config import AnalysisConfig, yield_threshold
from darkmiss.reco.reconstruct import RecoEvents, build_selection, reconstruct_arrays, reconstruct_file
from darkmiss.reco.regions import Region, blind_box, regions
from darkmiss.reco.selection import CUT_GROUPS, CUT_NAMES, CUTS, Cutflow, Selection

__all__ = [
    "CUTS",
    "CUT_GROUPS",
    "CUT_NAMES",
    "AnalysisConfig",
    "Cutflow",
    "RecoEvents",
    "Region",
    "Selection",
    "blind_box",
    "build_selection",
    "reconstruct_arrays",
    "reconstruct_file",
    "regions",
    "yield_threshold",
]
