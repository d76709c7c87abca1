"""Materials and layered sampling structures.

Units: density g/cm³; lengths cm; mass thicknesses g/cm²; energies GeV.
Values are from the PDG "Atomic and nuclear properties of materials" tables (PDG 2022,
pdg.lbl.gov/AtomicNuclearProperties): radiation length X0, nuclear interaction length λ_I,
critical energy E_c for electrons (Rossi definition, as tabulated), Molière radius.
Where the PDG table entry was not at hand, E_c comes from the PDG fit
E_c = 610 MeV/(Z + 1.24) (solids/liquids) and is marked ``ec_from_fit=True``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from darkmiss.constants import AMU_GEV, N_AVOGADRO
from darkmiss.errors import UserInputError


@dataclass(frozen=True)
class Element:
    """A chemical element.

    Attributes: symbol, Z, A [g/mol], density [g/cm³], X0 [g/cm²], λ_I [g/cm²], E_c [GeV].
    """

    symbol: str
    Z: int
    A: float
    density: float
    x0_gcm2: float
    lambda_int_gcm2: float
    ec_gev: float
    ec_from_fit: bool = False

    @property
    def x0_cm(self) -> float:
        """Radiation length [cm]."""
        return self.x0_gcm2 / self.density

    @property
    def lambda_int_cm(self) -> float:
        """Nuclear interaction length [cm]."""
        return self.lambda_int_gcm2 / self.density

    @property
    def nuclear_mass_gev(self) -> float:
        """Nuclear (atomic) mass [GeV], A × u (binding and electron masses neglected, < 1%)."""
        return self.A * AMU_GEV

    @property
    def atoms_per_cm3(self) -> float:
        """Number density of atoms n = ρ N_A / A [cm⁻³] (spec Eq. 8 prefactor)."""
        return self.density * N_AVOGADRO / self.A

    @property
    def moliere_radius_cm(self) -> float:
        """Molière radius R_M = 21.2 MeV · X0 / E_c [cm] (PDG Eq. 34.35)."""
        return 0.0212 * self.x0_cm / self.ec_gev


def _fit_ec(Z: int) -> float:
    """PDG fit for the electron critical energy of solids and liquids, 610 MeV/(Z + 1.24) [GeV]."""
    return 0.610 / (Z + 1.24)


# PDG 2022 Atomic and nuclear properties (X0 and λ_I in g/cm², density in g/cm³, E_c in GeV).
ELEMENTS: dict[str, Element] = {
    "H": Element("H", 1, 1.008, 0.0708, 63.04, 52.0, _fit_ec(1), ec_from_fit=True),  # liquid H2 density
    "C": Element("C", 6, 12.011, 2.210, 42.70, 85.8, 0.08174),  # graphite
    "N": Element("N", 7, 14.007, 0.807, 37.99, 89.7, _fit_ec(7), ec_from_fit=True),  # liquid N2
    "O": Element("O", 8, 15.999, 1.141, 34.24, 90.2, _fit_ec(8), ec_from_fit=True),  # liquid O2
    "Al": Element("Al", 13, 26.9815, 2.699, 24.01, 107.2, 0.04270),
    "Si": Element("Si", 14, 28.0855, 2.329, 21.82, 108.4, 0.04014),
    "Fe": Element("Fe", 26, 55.845, 7.874, 13.84, 132.1, 0.02168),
    "Cu": Element("Cu", 29, 63.546, 8.960, 12.86, 137.3, 0.01942),
    "W": Element("W", 74, 183.84, 19.30, 6.76, 191.9, 0.00797),
    "Pb": Element("Pb", 82, 207.2, 11.35, 6.37, 199.6, 0.00743),
}


@dataclass(frozen=True)
class Material:
    """A material of one or more elements, given by mass fractions.

    ``x0_gcm2``/``lambda_int_gcm2``/``ec_gev`` are the PDG values where tabulated, else derived
    (1/X0 = Σ w_i/X0_i, Bragg-like for λ_I).
    """

    name: str
    density: float
    fractions: tuple[tuple[str, float], ...]
    x0_gcm2: float
    lambda_int_gcm2: float
    ec_gev: float

    @property
    def x0_cm(self) -> float:
        """Radiation length [cm]."""
        return self.x0_gcm2 / self.density

    @property
    def lambda_int_cm(self) -> float:
        """Nuclear interaction length [cm]."""
        return self.lambda_int_gcm2 / self.density

    @property
    def elements(self) -> tuple[tuple[Element, float], ...]:
        """(element, mass fraction) pairs."""
        return tuple((ELEMENTS[s], w) for s, w in self.fractions)

    @property
    def z_eff(self) -> float:
        """Electron-weighted mean Z (Σ w_i Z_i²/A_i)/(Σ w_i Z_i/A_i)."""
        num = sum(w * e.Z**2 / e.A for e, w in self.elements)
        den = sum(w * e.Z / e.A for e, w in self.elements)
        return num / den

    @property
    def electrons_per_cm3(self) -> float:
        """Electron density [cm⁻³]."""
        return self.density * N_AVOGADRO * sum(w * e.Z / e.A for e, w in self.elements)

    @property
    def moliere_radius_cm(self) -> float:
        """Molière radius R_M = 21.2 MeV · X0 / E_c [cm]."""
        return 0.0212 * self.x0_cm / self.ec_gev


def _element_material(e: Element) -> Material:
    return Material(e.symbol, e.density, ((e.symbol, 1.0),), e.x0_gcm2, e.lambda_int_gcm2, e.ec_gev)


MATERIALS: dict[str, Material] = {s: _element_material(e) for s, e in ELEMENTS.items()}
# Polystyrene scintillator (C8H8), PDG: ρ = 1.060, X0 = 43.79 g/cm², λ_I = 81.7 g/cm², E_c = 93.11 MeV.
MATERIALS["Sc"] = Material("Sc", 1.060, (("C", 0.922582), ("H", 0.077418)), 43.79, 81.7, 0.09311)
MATERIALS["polystyrene"] = MATERIALS["Sc"]
# Air (dry, 1 atm), PDG: ρ = 1.205e-3, X0 = 36.62 g/cm², λ_I = 90.1 g/cm², E_c = 87.92 MeV.
MATERIALS["air"] = Material(
    "air", 1.205e-3, (("N", 0.7553), ("O", 0.2318), ("C", 0.0129)), 36.62, 90.1, 0.08792
)


def get_element(name: str) -> Element:
    """Return the element ``name`` (symbol, e.g. ``"Pb"``); unknown names raise a UserInputError."""
    try:
        return ELEMENTS[name]
    except KeyError:
        raise UserInputError("target", name, f"one of {', '.join(sorted(ELEMENTS))}") from None


def get_material(name: str) -> Material:
    """Return the material ``name``; unknown names raise a UserInputError."""
    try:
        return MATERIALS[name]
    except KeyError:
        raise UserInputError("material", name, f"one of {', '.join(sorted(MATERIALS))}") from None


@dataclass(frozen=True)
class SamplingStructure:
    """A periodic sampling calorimeter: ``n_layers`` × (absorber + active) plates.

    Thicknesses in cm. Derived quantities follow the PDG "Calorimetry" review for mixtures
    (1/X0 = Σ t_i/X0_i per unit length).
    """

    name: str
    absorber: str
    absorber_cm: float
    active: str
    active_cm: float
    n_layers: int
    cell_size_cm: float
    n_cells_x: int
    n_cells_y: int
    assumed: tuple[str, ...] = field(default=())

    @cached_property
    def absorber_material(self) -> Material:
        return get_material(self.absorber)

    @cached_property
    def active_material(self) -> Material:
        return get_material(self.active)

    @property
    def period_cm(self) -> float:
        """Thickness of one absorber + active layer [cm]."""
        return self.absorber_cm + self.active_cm

    @property
    def length_cm(self) -> float:
        """Total length [cm]."""
        return self.n_layers * self.period_cm

    @property
    def x0_per_layer(self) -> float:
        """Radiation lengths in one layer."""
        return self.absorber_cm / self.absorber_material.x0_cm + self.active_cm / self.active_material.x0_cm

    @property
    def total_x0(self) -> float:
        """Total depth in radiation lengths."""
        return self.n_layers * self.x0_per_layer

    @property
    def lambda_per_layer(self) -> float:
        """Nuclear interaction lengths in one layer."""
        return (
            self.absorber_cm / self.absorber_material.lambda_int_cm
            + self.active_cm / self.active_material.lambda_int_cm
        )

    @property
    def total_lambda(self) -> float:
        """Total depth in nuclear interaction lengths."""
        return self.n_layers * self.lambda_per_layer

    @property
    def effective_x0_cm(self) -> float:
        """Effective radiation length of the mixture [cm]."""
        return self.period_cm / self.x0_per_layer

    @property
    def width_x_cm(self) -> float:
        """Transverse width [cm]."""
        return self.cell_size_cm * self.n_cells_x

    @property
    def width_y_cm(self) -> float:
        """Transverse height [cm]."""
        return self.cell_size_cm * self.n_cells_y
