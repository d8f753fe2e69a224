"""The marketplace's vocabularies (categories, fibres, units, conditions) and their Italian labels."""

from __future__ import annotations

import enum

from flask_babel import lazy_gettext as _l


class Side(enum.StrEnum):
    OFFER = "offer"
    NEED = "need"


class ListingKind(enum.StrEnum):
    MATERIAL = "material"
    MACHINE = "machine"


class MaterialCategory(enum.StrEnum):
    DEADSTOCK = "deadstock"  # deadstock fabric
    OFFCUTS = "offcuts"
    YARN = "yarn"
    TRIMS = "trims"  # buttons, zips, ribbons
    UNSOLD_GARMENTS = "unsold_garments"


class MachineType(enum.StrEnum):
    SEWING = "sewing"
    OVERLOCK = "overlock"
    EMBROIDERY = "embroidery"
    KNITTING = "knitting"
    LOOM = "loom"
    CUTTING = "cutting"
    PRESSING = "pressing"
    OTHER = "other"


class Fibre(enum.StrEnum):
    COTTON = "cotton"
    WOOL = "wool"
    SILK = "silk"
    LINEN = "linen"
    POLYESTER = "polyester"
    POLYAMIDE = "polyamide"
    VISCOSE = "viscose"
    ELASTANE = "elastane"
    ACRYLIC = "acrylic"
    OTHER = "other"


class Unit(enum.StrEnum):
    KG = "kg"
    M = "m"
    PIECES = "pieces"


class WasteStatus(enum.StrEnum):
    BY_PRODUCT = "by_product"  # art. 184-bis d.lgs. 152/2006: not waste
    WASTE = "waste"  # needs its EER code


class Condition(enum.StrEnum):
    NEW = "new"
    GOOD = "good"
    WORKING = "working"  # works, worn
    TO_REPAIR = "to_repair"


class Terms(enum.StrEnum):
    GIVE = "give"
    LEND = "lend"
    SELL = "sell"


CATEGORY_LABELS = {
    MaterialCategory.DEADSTOCK: _l("Tessuto di magazzino (deadstock)"),
    MaterialCategory.OFFCUTS: _l("Ritagli e scarti di taglio"),
    MaterialCategory.YARN: _l("Filati"),
    MaterialCategory.TRIMS: _l("Accessori e minuterie"),
    MaterialCategory.UNSOLD_GARMENTS: _l("Capi finiti invenduti"),
}
MACHINE_LABELS = {
    MachineType.SEWING: _l("Macchina per cucire"),
    MachineType.OVERLOCK: _l("Taglia-cuci"),
    MachineType.EMBROIDERY: _l("Ricamatrice"),
    MachineType.KNITTING: _l("Macchina per maglieria"),
    MachineType.LOOM: _l("Telaio"),
    MachineType.CUTTING: _l("Taglierina"),
    MachineType.PRESSING: _l("Pressa o ferro da stiro industriale"),
    MachineType.OTHER: _l("Altro macchinario o attrezzo"),
}
FIBRE_LABELS = {
    Fibre.COTTON: _l("Cotone"),
    Fibre.WOOL: _l("Lana"),
    Fibre.SILK: _l("Seta"),
    Fibre.LINEN: _l("Lino"),
    Fibre.POLYESTER: _l("Poliestere"),
    Fibre.POLYAMIDE: _l("Poliammide"),
    Fibre.VISCOSE: _l("Viscosa"),
    Fibre.ELASTANE: _l("Elastan"),
    Fibre.ACRYLIC: _l("Acrilico"),
    Fibre.OTHER: _l("Altre fibre"),
}
UNIT_LABELS = {Unit.KG: _l("kg"), Unit.M: _l("m"), Unit.PIECES: _l("pezzi")}
WASTE_LABELS = {WasteStatus.BY_PRODUCT: _l("Sottoprodotto"), WasteStatus.WASTE: _l("Rifiuto")}
CONDITION_LABELS = {
    Condition.NEW: _l("Nuovo"),
    Condition.GOOD: _l("Buono"),
    Condition.WORKING: _l("Funzionante, usurato"),
    Condition.TO_REPAIR: _l("Da riparare"),
}
TERMS_LABELS = {Terms.GIVE: _l("In dono"), Terms.LEND: _l("In prestito"), Terms.SELL: _l("In vendita")}
SIDE_LABELS = {Side.OFFER: _l("Offerta"), Side.NEED: _l("Richiesta")}
KIND_LABELS = {ListingKind.MATERIAL: _l("Materiale"), ListingKind.MACHINE: _l("Macchinario o attrezzo")}


def category_label(kind: str, category: str) -> str:
    labels = CATEGORY_LABELS if kind == ListingKind.MATERIAL else MACHINE_LABELS
    return str(labels.get(category, category))  # type: ignore[call-overload]
