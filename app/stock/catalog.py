"""Garment categories, groups, seasons and grades, with their Italian labels and defaults."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.stock.sizes import SizeSystem

# category: (label, default size system for adults, estimated weight of one piece in kg)
CATEGORIES = {
    "cappotto": (_l("Cappotto"), SizeSystem.ITALIAN, Decimal("1.400")),
    "giacca": (_l("Giacca"), SizeSystem.ITALIAN, Decimal("0.900")),
    "maglione": (_l("Maglione"), SizeSystem.LETTERS, Decimal("0.500")),
    "felpa": (_l("Felpa"), SizeSystem.LETTERS, Decimal("0.550")),
    "camicia": (_l("Camicia"), SizeSystem.LETTERS, Decimal("0.250")),
    "t-shirt": (_l("T-shirt"), SizeSystem.LETTERS, Decimal("0.180")),
    "pantaloni": (_l("Pantaloni"), SizeSystem.ITALIAN, Decimal("0.550")),
    "gonna": (_l("Gonna"), SizeSystem.ITALIAN, Decimal("0.300")),
    "abito": (_l("Abito"), SizeSystem.ITALIAN, Decimal("0.450")),
    "tuta": (_l("Tuta"), SizeSystem.LETTERS, Decimal("0.600")),
    "intimo": (_l("Intimo nuovo"), SizeSystem.LETTERS, Decimal("0.080")),
    "pigiama": (_l("Pigiama"), SizeSystem.LETTERS, Decimal("0.350")),
    "scarpe": (_l("Scarpe"), SizeSystem.SHOES_EU, Decimal("0.800")),
    "accessori": (_l("Accessori"), SizeSystem.ONE_SIZE, Decimal("0.150")),
}

# category: litres one piece takes folded in a delivery bag or crate (our estimates: a coat about 8 L,
# a T-shirt 1 L, shoes in a box 6 L). Delivery vans are loaded by kg, by these litres and by pieces.
PACKED_LITRES = {
    "cappotto": Decimal("8.0"),
    "giacca": Decimal("5.0"),
    "maglione": Decimal("3.0"),
    "felpa": Decimal("3.0"),
    "camicia": Decimal("1.5"),
    "t-shirt": Decimal("1.0"),
    "pantaloni": Decimal("2.0"),
    "gonna": Decimal("1.5"),
    "abito": Decimal("2.0"),
    "tuta": Decimal("3.0"),
    "intimo": Decimal("0.3"),
    "pigiama": Decimal("1.5"),
    "scarpe": Decimal("6.0"),
    "accessori": Decimal("1.0"),
}

AGE_GROUPS = {
    "donna": _l("Donna"),
    "uomo": _l("Uomo"),
    "unisex": _l("Unisex"),
    "bambina": _l("Bambina"),
    "bambino": _l("Bambino"),
    "neonato": _l("Neonato"),
}
CHILD_GROUPS = frozenset({"bambina", "bambino", "neonato"})

SEASONS = {
    "inverno": _l("Autunno/inverno"),
    "estate": _l("Primavera/estate"),
    "tutto": _l("Tutte le stagioni"),
}

GRADES = {
    "A": _l("A – come nuovo"),
    "B": _l("B – buono"),
    "N": _l("Nuovo con etichetta"),
}

DESTINATIONS = {
    "household": _l("Nucleo familiare"),
    "shop": _l("Negozio dell'usato"),
    "recycler": _l("Riciclatore"),
}


def packed_litres(category: str) -> Decimal:
    """Litres of one packed piece of ``category`` (2 L for a category without an estimate)."""
    return PACKED_LITRES.get(category, Decimal("2.0"))


def category_label(category: str) -> str:
    return str(CATEGORIES[category][0]) if category in CATEGORIES else category


def default_size_system(category: str, age_group: str) -> str:
    """Children's clothes are sized by age; shoes and accessories keep their own system."""
    system = CATEGORIES[category][1]
    if age_group in CHILD_GROUPS and system not in (SizeSystem.SHOES_EU, SizeSystem.ONE_SIZE):
        return SizeSystem.CHILDREN
    return system
