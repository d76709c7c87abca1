"""darkmiss: the NA64 invisible dark-photon search (Phys. Rev. D 97, 072002) re-created from first principles.

Units: GeV for energies and masses, cm for lengths, pb for cross-sections unless a name says otherwise.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
