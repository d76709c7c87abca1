"""The darkmiss event schema: every branch of the ``events`` TTree, its dtype, shape and unit.

This module is the single definition shared by the simulation (writer) and the analysis
(reader). Energies in GeV, times in ns (relative to the trigger time), angles in mrad,
positions in cm, momenta in GeV. Calorimeter energies are calibrated (visible energy divided
by the sampling fraction, with photo-statistics and noise), as the experiment's own
calibration would give them.

Per-file metadata is stored as a JSON string object ``metadata`` beside the tree (see
:data:`METADATA_KEYS`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np

TREE_NAME = "events"
METADATA_NAME = "metadata"

#: Number of sampling-ADC samples stored per ECAL cell (12.5 ns each, spec Sec. III).
N_WAVEFORM_SAMPLES = 32
#: Sampling period of the MSADC [ns] (spec Sec. III).
WAVEFORM_SAMPLE_NS = 12.5
#: Tracker stations in beam order (spec Sec. III): MM1, MM2 upstream; MM3, MM4, GEM1, GEM2 downstream.
TRACKER_STATIONS = ("MM1", "MM2", "MM3", "MM4", "GEM1", "GEM2")


class Process(IntEnum):
    """True physics process of an event (``true_process`` branch)."""

    EM_SHOWER = 0  # ordinary e- shower in the ECAL
    SIGNAL = 1  # A' emission (e- Z -> e- Z A', A' -> invisible)
    DIMUON = 2  # e- Z -> e- Z gamma; gamma -> mu+ mu- (spec Eq. 16)
    HADRONIC = 3  # electronuclear / photonuclear event in the ECAL (Fig. 7 region II)
    UPSTREAM = 4  # e- interaction in beam-line material upstream (Sec. VIII)
    DECAY_IN_FLIGHT = 5  # mu, pi, K -> e nu (nu), Ke3 in flight with a (fake) SRD tag
    HADRON_IN_TARGET = 6  # beam mu/pi/K interaction in the ECAL (charge exchange, mu brems)
    PUNCHTHROUGH = 7  # leading neutral hadron escaping ECAL+HCAL
    ACCIDENTAL_SR = 8  # low-energy tail e- SR tag overlapping a beam hadron/muon
    BEAM_HADRON = 9  # beam hadron showering normally (rejected by SRD/shape)
    CALIBRATION = 10  # calibration-trigger e- (no ECAL threshold)
    MUON_DECAY = 11  # dimuon event, one muon decaying in flight in the ECAL (forced, Table IV)
    ANNIHILATION = 12  # shower e+ annihilating resonantly, e+ e- -> V -> invisible


@dataclass(frozen=True)
class Branch:
    """One branch: name, numpy dtype, per-event shape, unit and meaning."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    unit: str
    doc: str


BRANCHES: tuple[Branch, ...] = (
    # bookkeeping
    Branch("event_id", "int64", (), "", "event number within the file"),
    Branch("run", "int8", (), "", "run index (0=I, 1=II, 2=III)"),
    Branch("true_process", "int8", (), "", "darkmiss.events.schema.Process code"),
    Branch("weight", "float64", (), "", "event weight (1 for unweighted; prescale or bias weight otherwise)"),
    Branch("n_pileup", "int16", (), "", "number of pile-up beam particles overlaid in the readout window"),
    # truth (for MC studies; the analysis never cuts on these)
    Branch("true_beam_energy", "float32", (), "GeV", "true energy of the incoming particle"),
    Branch("true_beam_pdg", "int32", (), "", "PDG id of the incoming particle"),
    Branch(
        "true_missing_energy",
        "float32",
        (),
        "GeV",
        "energy carried away undetected (A', neutrinos, escaping hadrons)",
    ),
    Branch("true_aprime_energy", "float32", (), "GeV", "A' energy for signal events, 0 otherwise"),
    Branch("true_mass", "float32", (), "GeV", "A' mass of signal events, 0 otherwise"),
    # trigger and beam counters
    Branch("trigger_physics", "bool", (), "", "physics trigger Tr(A') of spec Eq. 14"),
    Branch("trigger_calibration", "bool", (), "", "calibration trigger (no ECAL threshold, spec Sec. VI.B)"),
    Branch("s_counters", "float32", (3,), "MIP", "S1-S3 beam-defining counter amplitudes"),
    Branch("v1_energy", "float32", (), "MIP", "upstream veto V1 amplitude"),
    # tracker
    Branch("tracker_hits", "int16", (6,), "", "hits per station, TRACKER_STATIONS order"),
    Branch("n_tracks_in", "int16", (), "", "reconstructed incoming tracks (upstream MM1-2)"),
    Branch(
        "track_momentum",
        "float32",
        (),
        "GeV",
        "momentum of the (first) incoming track from the magnet deflection",
    ),
    Branch("track_angle_in", "float32", (), "mrad", "incoming track angle to the beam axis"),
    Branch(
        "track_angle_out", "float32", (), "mrad", "outgoing track angle after the magnets (deflected axis)"
    ),
    # synchrotron-radiation detector
    Branch("srd_energy", "float32", (3,), "GeV", "energy in the three SRD counters"),
    Branch("srd_time", "float32", (3,), "ns", "time of the three SRD counters"),
    # ECAL with preshower
    Branch(
        "ecal_cells",
        "float32",
        (6, 6),
        "GeV",
        "ECAL (main section) cell energies from the full readout window",
    ),
    Branch("ps_cells", "float32", (6, 6), "GeV", "preshower cell energies from the full readout window"),
    Branch("ecal_time", "float32", (6, 6), "ns", "cell time of the largest pulse"),
    Branch("ecal_energy", "float32", (), "GeV", "sum of ecal_cells and ps_cells (no pile-up removal)"),
    Branch("ps_energy", "float32", (), "GeV", "sum of ps_cells"),
    Branch("has_waveforms", "bool", (), "", "whether ecal_waveforms is filled for this event"),
    Branch(
        "ecal_waveforms",
        "float32",
        (6, 6, N_WAVEFORM_SAMPLES),
        "GeV/sample",
        "MSADC samples per cell (ECAL+PS summed), calibrated so that the pulse sum equals the energy",
    ),
    # veto and HCAL
    Branch("v2_energy", "float32", (), "MIP", "veto V2 amplitude"),
    Branch("hcal_cells", "float32", (4, 3, 3), "GeV", "HCAL cell energies, module x row x column"),
    Branch("hcal_time", "float32", (4, 3, 3), "ns", "HCAL cell times"),
    Branch("hcal_module_energy", "float32", (4,), "GeV", "energy per HCAL module HCAL1-4"),
    Branch("hcal_energy", "float32", (), "GeV", "total HCAL energy (all four modules)"),
)

BRANCH_BY_NAME: dict[str, Branch] = {b.name: b for b in BRANCHES}

#: Keys every file's metadata carries.
METADATA_KEYS = (
    "preset",
    "run",
    "mode",  # "data" or "mc"
    "process",  # comma list of process names in the file
    "eot",  # EOT this file represents
    "intensity",  # e- per spill
    "prescales",  # {process name: prescale}
    "seed",
    "chunk",
    "darkmiss_version",
    "blinded",  # data mode: True until unblinding; the analysis enforces blinding on read
)


def empty_events(n: int) -> dict[str, np.ndarray]:
    """A dict of zero-filled arrays for ``n`` events, one per branch, with the schema's dtypes."""
    return {b.name: np.zeros((n, *b.shape), dtype=b.dtype) for b in BRANCHES}


def validate_events(arrays: dict[str, np.ndarray]) -> int:
    """Check that ``arrays`` has every branch with the right dtype and shape; return the event count."""
    n = None
    for b in BRANCHES:
        if b.name not in arrays:
            raise ValueError(f"missing branch {b.name!r}")
        a = np.asarray(arrays[b.name])
        if a.shape[1:] != b.shape:
            raise ValueError(f"branch {b.name!r} has per-event shape {a.shape[1:]}, expected {b.shape}")
        if a.dtype != np.dtype(b.dtype):
            raise ValueError(f"branch {b.name!r} has dtype {a.dtype}, expected {b.dtype}")
        if n is None:
            n = a.shape[0]
        elif a.shape[0] != n:
            raise ValueError(f"branch {b.name!r} has {a.shape[0]} events, expected {n}")
    return int(n or 0)
