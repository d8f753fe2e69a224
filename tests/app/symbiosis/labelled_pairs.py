"""Hand-labelled offers and needs of the Milan area, and the pairs a textile expert would call good matches.

Coordinates are real places: Milano centre and Porta Genova, Sesto San Giovanni, Rho, Legnano, San Donato,
Abbiategrasso. Each need and offer below was labelled by reading it against every listing of the other side.
"""

from __future__ import annotations

from datetime import date

from app.symbiosis.matching import Candidate

MILANO = (9.1900, 45.4642)
PORTA_GENOVA = (9.1700, 45.4530)
SESTO = (9.2340, 45.5330)
RHO = (9.0400, 45.5310)
LEGNANO = (8.9150, 45.5950)
SAN_DONATO = (9.2650, 45.4100)
ABBIATEGRASSO = (8.9180, 45.3980)


def _c(
    id_: int, org: int, side: str, kind: str, category: str, fibres: dict[str, int], qty: float, unit: str, at: tuple
) -> Candidate:
    return Candidate(id_, org, side, kind, category, fibres, qty, unit, at[0], at[1])


OFFERS = [
    _c(1, 101, "offer", "material", "deadstock", {"cotton": 100}, 120, "m", PORTA_GENOVA),
    _c(2, 102, "offer", "material", "deadstock", {"wool": 80, "polyamide": 20}, 60, "m", LEGNANO),
    _c(3, 103, "offer", "material", "offcuts", {"cotton": 95, "elastane": 5}, 40, "kg", SESTO),
    _c(4, 104, "offer", "material", "offcuts", {"polyester": 100}, 200, "kg", RHO),
    _c(5, 105, "offer", "material", "yarn", {"wool": 100}, 15, "kg", ABBIATEGRASSO),
    _c(6, 106, "offer", "material", "unsold_garments", {"cotton": 60, "polyester": 40}, 300, "pieces", MILANO),
    _c(7, 107, "offer", "material", "trims", {}, 5000, "pieces", SAN_DONATO),
    _c(8, 108, "offer", "machine", "sewing", {}, 3, "pieces", SESTO),
    _c(9, 109, "offer", "machine", "overlock", {}, 1, "pieces", LEGNANO),
    _c(10, 110, "offer", "material", "deadstock", {"silk": 100}, 25, "m", MILANO),
    _c(11, 111, "offer", "material", "offcuts", {"cotton": 100}, 15, "kg", ABBIATEGRASSO),
]

NEEDS = [
    # A social cooperative's tailoring workshop: cotton fabric for bags and aprons.
    _c(51, 201, "need", "material", "deadstock", {"cotton": 100}, 80, "m", MILANO),
    # A school of fashion: wool fabric for coats.
    _c(52, 202, "need", "material", "deadstock", {"wool": 70, "polyester": 30}, 40, "m", RHO),
    # A makerspace: cotton offcuts for stuffing and patchwork.
    _c(53, 203, "need", "material", "offcuts", {"cotton": 100}, 30, "kg", MILANO),
    # A start-up making knitwear: wool yarn.
    _c(54, 204, "need", "material", "yarn", {"wool": 100}, 10, "kg", PORTA_GENOVA),
    # A cooperative training tailors: sewing machines.
    _c(55, 205, "need", "machine", "sewing", {}, 2, "pieces", MILANO),
    # A start-up upcycling: unsold cotton-rich garments.
    _c(56, 206, "need", "material", "unsold_garments", {"cotton": 100}, 100, "pieces", SESTO),
    # A school: buttons and zips, any fibre.
    _c(57, 207, "need", "material", "trims", {}, 1000, "pieces", SAN_DONATO),
    # A fablab: polyester offcuts for felt and insulation.
    _c(58, 208, "need", "material", "offcuts", {"polyester": 100}, 100, "kg", LEGNANO),
]

GOOD = {
    (1, 51),  # cotton deadstock, 2 km apart
    (2, 52),  # wool blend for wool coats
    (3, 53),  # cotton offcuts
    (11, 53),  # cotton offcuts too, smaller and farther
    (5, 54),  # wool yarn
    (8, 55),  # sewing machines
    (6, 56),  # unsold cotton-rich garments
    (7, 57),  # trims
    (4, 58),  # polyester offcuts
}

TODAY = date(2026, 12, 3)
