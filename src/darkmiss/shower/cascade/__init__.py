"""Explicit electromagnetic cascade (numba): e⁻, e⁺, γ through the slab geometry.

Units: GeV, cm. Processes (docs/shower.md gives the details and sources):

- bremsstrahlung, Tsai complete screening with Coulomb correction (Tsai, RMP 46, 815, Eq. 3.83),
  photons above ``kc``; softer photons are a continuous loss; LPM (Klein, RMP 71, 1501, Eq. 13)
  and dielectric (Ter-Mikaelian) suppression by rejection;
- pair production, Tsai complete screening (Eq. 3.84) matched to unscreened Bethe–Heitler near
  threshold, LPM suppression at very high energy;
- Compton scattering (Klein–Nishina; Geant4 G4KleinNishinaCompton sampling);
- ionisation: restricted Bethe (Berger–Seltzer, density effect of Sternheimer–Peierls) below
  ``tcut``, Møller/Bhabha delta rays above;
- positron annihilation in flight (Heitler) and at rest; multiple scattering (Highland, PDG Eq. 34.15).

Energy bookkeeping uses the *available* energy of a particle: γ its energy, e⁻ its kinetic energy,
e⁺ its kinetic energy + 2 m_e (the annihilation energy). Per shower
Σ absorbed + escaped + A′ + handoff + muons = available energy of the primary (to rounding).

Randomness: every particle carries its own splitmix64 stream, seeded at birth from its parent's
stream; a shower's primary is seeded from ``SeedSequence(seed).generate_state(n)``. A particle's
history therefore does not depend on which other particles are tracked, so the cheap *yield* pass
(only particles above threshold) and a full pass replay identical histories — this is how one A′
(or μ pair) emission is forced exactly (see :func:`run_cascade`).

Package layout (lowest first): :mod:`.rng` (splitmix64 streams), :mod:`.cross_sections` (σ, dE/dx,
table look-ups), :mod:`.interactions` (final-state samplers, multiple scattering), :mod:`.transport`
(slabs, cells, boundaries), :mod:`.state` (the array bundles the kernels share), :mod:`.tallies`
(deposits, hand-off, track-length and yield tallies), :mod:`.stack` (secondaries),
:mod:`.forcing` (forced A′ / μμ emission), :mod:`.kernels` (the numba drivers) and :mod:`.api`
(:class:`Primaries`, :class:`CascadeOutput`, :func:`run_cascade`, :func:`shower_seeds`).
numba's cache checks only the file defining a function: after editing any module here, delete this
package's ``__pycache__`` (docs/shower.md).
"""

from darkmiss.shower.cascade.api import DEFAULT_ECUT, CascadeOutput, Primaries, run_cascade, shower_seeds
from darkmiss.shower.cascade.state import PID_EM, PID_EP, PID_G
from darkmiss.shower.geometry import N_CELLS
from darkmiss.shower.xsec_tables import SigmaTable

__all__ = [
    "DEFAULT_ECUT",
    "N_CELLS",
    "PID_EM",
    "PID_EP",
    "PID_G",
    "CascadeOutput",
    "Primaries",
    "SigmaTable",
    "run_cascade",
    "shower_seeds",
]
