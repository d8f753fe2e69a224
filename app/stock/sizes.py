"""Size systems of garments and shoes: validation and adjacent sizes (also used by redistribution)."""

from __future__ import annotations

import enum

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.errors import ValidationError


class SizeSystem(enum.StrEnum):
    LETTERS = "letters"  # adult XS–XXXL
    ITALIAN = "it"  # adult Italian sizes 38–60
    CHILDREN = "children"  # by age, 0-3 months to 14 years
    SHOES_EU = "shoes_eu"  # EU 16–48
    ONE_SIZE = "one_size"  # accessories


SIZES: dict[str, tuple[str, ...]] = {
    SizeSystem.LETTERS: ("XS", "S", "M", "L", "XL", "XXL", "XXXL"),
    SizeSystem.ITALIAN: tuple(str(n) for n in range(38, 61, 2)),
    SizeSystem.CHILDREN: (
        "0-3m",
        "3-6m",
        "6-9m",
        "9-12m",
        "12-18m",
        "18-24m",
        *(f"{n} anni" for n in range(2, 15)),
    ),
    SizeSystem.SHOES_EU: tuple(str(n) for n in range(16, 49)),
    SizeSystem.ONE_SIZE: ("TU",),
}

SYSTEM_LABELS = {
    SizeSystem.LETTERS: _l("Adulto (lettere XS–XXXL)"),
    SizeSystem.ITALIAN: _l("Adulto (taglie italiane 38–60)"),
    SizeSystem.CHILDREN: _l("Bambini (per età)"),
    SizeSystem.SHOES_EU: _l("Scarpe (EU 16–48)"),
    SizeSystem.ONE_SIZE: _l("Taglia unica"),
}


def sizes(system: str) -> tuple[str, ...]:
    """The sizes of a system, smallest first; ValidationError for an unknown system."""
    if system not in SIZES:
        raise ValidationError(_("Sistema di taglie sconosciuto: %(system)s.", system=system), field="size_system")
    return SIZES[system]


def normalise_size(system: str, size: str) -> str:
    """The size as written in the system (``xl`` → ``XL``, ``3 ANNI`` → ``3 anni``), or ValidationError."""
    wanted = " ".join(size.split()).lower()
    for candidate in sizes(system):
        if candidate.lower() == wanted:
            return candidate
    raise ValidationError(
        _(
            "La taglia «%(size)s» non esiste nel sistema scelto (%(system)s).",
            size=size,
            system=str(SYSTEM_LABELS[SizeSystem(system)]),
        ),
        field="size",
    )


def adjacent_sizes(system: str, size: str, steps: int = 1) -> list[str]:
    """Sizes within ``steps`` of ``size`` in its system, nearest first (the size itself excluded)."""
    ordered = sizes(system)
    index = ordered.index(normalise_size(system, size))
    found: list[str] = []
    for distance in range(1, steps + 1):
        for position in (index - distance, index + distance):
            if 0 <= position < len(ordered):
                found.append(ordered[position])
    return found
