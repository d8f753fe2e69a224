"""The codes of outbound legs: which EER code fits which fraction, which R/D operation which destination.

EER codes (Decision 2000/532/EC, annex D of D.Lgs. 152/2006) a sorting plant of used clothes uses:
- 19 12 08 textiles from the mechanical treatment of waste: recycling fractions, and reuse grades
  that leave as waste (not sold as goods);
- 20 01 10 clothes and 20 01 11 textiles: the urban codes of the bins, kept where a plant only stores
  or groups the clothes (R13) and sends them on unsorted or as collected;
- 19 12 12 other wastes from mechanical treatment: shoes and accessories sent as waste, non-textile
  impurities and the reject to dispose of.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.sorting.models import FractionKind, PartnerKind

TEXTILE_EER = ("191208", "200110", "200111")
EER_BY_FRACTION: dict[str, tuple[str, ...]] = {
    FractionKind.REUSE_A: TEXTILE_EER,
    FractionKind.REUSE_B: TEXTILE_EER,
    FractionKind.REUSE_EXPORT: TEXTILE_EER,
    FractionKind.RECYCLE_COTTON: TEXTILE_EER,
    FractionKind.RECYCLE_WOOL: TEXTILE_EER,
    FractionKind.RECYCLE_SYNTHETIC: TEXTILE_EER,
    FractionKind.RECYCLE_MIXED: TEXTILE_EER,
    FractionKind.SHOES_ACCESSORIES: ("191212", "200110"),
    FractionKind.CONTAMINANTS: ("191212",),
    FractionKind.DISPOSAL: ("191212",),
}
FRACTION_LABELS = {
    FractionKind.REUSE_A: _l("Riuso grado A (negozi dell'usato)"),
    FractionKind.REUSE_B: _l("Riuso grado B (redistribuzione alle famiglie)"),
    FractionKind.REUSE_EXPORT: _l("Riuso export"),
    FractionKind.RECYCLE_COTTON: _l("Riciclo cotone"),
    FractionKind.RECYCLE_WOOL: _l("Riciclo lana"),
    FractionKind.RECYCLE_SYNTHETIC: _l("Riciclo sintetico"),
    FractionKind.RECYCLE_MIXED: _l("Riciclo misto"),
    FractionKind.SHOES_ACCESSORIES: _l("Scarpe e accessori"),
    FractionKind.CONTAMINANTS: _l("Impurità non tessili"),
    FractionKind.DISPOSAL: _l("Scarto da smaltire"),
}
EER_LABELS = {
    "191208": _l("19 12 08 prodotti tessili (da trattamento meccanico)"),
    "191212": _l("19 12 12 altri rifiuti da trattamento meccanico"),
    "200110": _l("20 01 10 abbigliamento"),
    "200111": _l("20 01 11 prodotti tessili"),
}
# Fractions that may leave as goods, with a DDT and no EER code (sold for reuse once sorted).
GOODS_FRACTIONS = frozenset(
    {FractionKind.REUSE_A, FractionKind.REUSE_B, FractionKind.REUSE_EXPORT, FractionKind.SHOES_ACCESSORIES}
)

# Annexes B and C of part IV of D.Lgs. 152/2006.
RECOVERY_OPERATIONS = tuple(f"R{n}" for n in range(1, 14))
DISPOSAL_OPERATIONS = tuple(f"D{n}" for n in range(1, 16))
OPERATIONS_BY_PARTNER: dict[str, tuple[str, ...]] = {
    PartnerKind.RECOVERY_PLANT: RECOVERY_OPERATIONS,
    PartnerKind.DISPOSAL_PLANT: DISPOSAL_OPERATIONS,
}
WASTE_DESTINATIONS = frozenset(OPERATIONS_BY_PARTNER)
GOODS_DESTINATIONS = frozenset({PartnerKind.REUSE_BUYER, PartnerKind.SECOND_HAND_SHOP, PartnerKind.EXPORTER})

PARTNER_LABELS = {
    PartnerKind.RECOVERY_PLANT: _l("Impianto di recupero / trattamento"),
    PartnerKind.DISPOSAL_PLANT: _l("Impianto di smaltimento"),
    PartnerKind.REUSE_BUYER: _l("Acquirente per il riuso"),
    PartnerKind.SECOND_HAND_SHOP: _l("Negozio dell'usato"),
    PartnerKind.EXPORTER: _l("Esportatore per il riuso"),
    PartnerKind.CARRIER: _l("Trasportatore"),
}
DOCUMENT_LABELS = {"fir": _l("FIR (rifiuto)"), "ddt": _l("DDT (merce)")}


def fraction_label(kind: str) -> str:
    """A fraction kind as people call it."""
    return str(FRACTION_LABELS.get(kind, kind))


def eer_fits(code: str, fraction_kind: str) -> bool:
    """Whether a fraction may travel under an EER code."""
    return code in EER_BY_FRACTION.get(fraction_kind, ())


def spaced_eer(code: str) -> str:
    """``191208`` as written on documents: ``19 12 08``."""
    return " ".join(code[i : i + 2] for i in range(0, len(code), 2))
