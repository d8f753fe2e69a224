"""Typed keys of solver stops and cross-domain references, where a string must remain.

The routing library names depots, stops and vehicles by strings; the rounds domain builds those
strings here and reads them back here, so ``"bin:12"`` is written and parsed in one place:
``site:<id>``, ``bin:<id>``, ``veh:<id>`` and ``ref:<reference>``, where a reference is another
domain's own stop (``delivery:<id>``, kept on ``RouteStop.reference``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class KeyKind(enum.StrEnum):
    SITE = "site"
    BIN = "bin"
    VEHICLE = "veh"
    REFERENCE = "ref"


@dataclass(frozen=True)
class StopKey:
    """A parsed solver key: its kind and what follows the colon."""

    kind: KeyKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    @property
    def id(self) -> int:
        """The row id of a site, bin or vehicle key."""
        return int(self.value)

    @classmethod
    def parse(cls, key: str) -> StopKey:
        kind, colon, value = key.partition(":")
        if not colon or kind not in KeyKind.__members__.values():
            raise ValueError(f"not a stop key: {key!r}")
        return cls(KeyKind(kind), value)


def site_key(site_id: int) -> str:
    return str(StopKey(KeyKind.SITE, str(site_id)))


def bin_key(bin_id: int) -> str:
    return str(StopKey(KeyKind.BIN, str(bin_id)))


def vehicle_key(vehicle_id: int) -> str:
    return str(StopKey(KeyKind.VEHICLE, str(vehicle_id)))


def reference_key(reference: str) -> str:
    return str(StopKey(KeyKind.REFERENCE, reference))


def key_id(key: str) -> int:
    """The row id in a site, bin or vehicle key."""
    return StopKey.parse(key).id


def bin_id_of(key: str) -> int | None:
    """The bin of a key, or None for any other stop."""
    parsed = StopKey.parse(key)
    return parsed.id if parsed.kind == KeyKind.BIN else None


def domain_reference(kind: str, row_id: int) -> str:
    """A domain's own stop reference, e.g. ``delivery:12``."""
    return f"{kind}:{row_id}"


def parse_domain_reference(reference: str, kind: str) -> int | None:
    """The row id of a ``<kind>:<id>`` reference, or None when it is of another kind."""
    prefix, colon, number = reference.partition(":")
    return int(number) if colon and prefix == kind and number.isdigit() else None
