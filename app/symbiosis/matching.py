"""How well an offer and a need fit: category, fibre, quantity, distance and dates, ranked (no database here).

Every score is in 0..1. A pair of different kinds, of the same organisation, of unrelated categories or whose
dates do not meet is no match at all; the rest are ranked by a weighted sum (weights below).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from app.geo.distance import straight_m

WEIGHTS = {"category": 0.35, "fibre": 0.30, "quantity": 0.15, "distance": 0.20}
UNKNOWN_FIBRE = 0.5  # one side gave no composition: neither good nor bad
OTHER_UNIT = 0.3  # quantities in different units cannot be compared
HALF_SCORE_KM = 15.0  # the distance score is 1/2 at this many km (the metropolitan area is about 50 km across)
MIN_SCORE = 0.5  # below this, a pair is not proposed
PROPOSED_PER_LISTING = 3  # best matches proposed to both sides when a listing is posted
OTHER = "other"


@dataclass(frozen=True)
class Candidate:
    """What matching reads of a listing."""

    id: int
    organisation_id: int
    side: str
    kind: str
    category: str
    composition: Mapping[str, int]
    quantity: float
    unit: str
    lon: float | None
    lat: float | None
    available_from: date | None = None
    available_until: date | None = None


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float
    distance_m: int | None
    by_road: bool = False


def category_fit(a: Candidate, b: Candidate) -> float:
    if a.category == b.category:
        return 1.0
    return 0.5 if OTHER in (a.category, b.category) else 0.0


def fibre_fit(a: Mapping[str, int], b: Mapping[str, int]) -> float:
    """The share of composition two materials have in common (cotton 60/poly 40 vs cotton 100: 0.6)."""
    if not a or not b:
        return UNKNOWN_FIBRE
    return sum(min(a[f], b[f]) for f in a.keys() & b.keys()) / 100


def quantity_fit(offer: Candidate, need: Candidate) -> float:
    """How much of the need the offer covers (more than needed is as good as enough)."""
    if offer.unit != need.unit:
        return OTHER_UNIT
    return min(offer.quantity / need.quantity, 1.0) if need.quantity > 0 else 1.0


def distance_fit(distance_m: float | None) -> float:
    if distance_m is None:
        return 0.5
    return 1.0 / (1.0 + distance_m / 1000 / HALF_SCORE_KM)


def dates_meet(a: Candidate, b: Candidate, today: date) -> bool:
    """Both still open today and their availability windows overlap."""
    starts = [d for d in (a.available_from, b.available_from) if d is not None]
    ends = [d for d in (a.available_until, b.available_until) if d is not None]
    if ends and min(ends) < today:
        return False
    return not (starts and ends and max(starts) > min(ends))


def distance_between(a: Candidate, b: Candidate) -> float | None:
    if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
        return None
    return straight_m(a.lon, a.lat, b.lon, b.lat)


def score(a: Candidate, b: Candidate, distance_m: float | None, today: date) -> float:
    """The fit of two listings of opposite sides, 0 when they cannot match."""
    if a.kind != b.kind or a.side == b.side or a.organisation_id == b.organisation_id:
        return 0.0
    category = category_fit(a, b)
    if category == 0.0 or not dates_meet(a, b, today):
        return 0.0
    offer, need = (a, b) if a.side == "offer" else (b, a)
    parts = {
        "category": category,
        "fibre": fibre_fit(a.composition, b.composition) if a.kind == "material" else 1.0,
        "quantity": quantity_fit(offer, need),
        "distance": distance_fit(distance_m),
    }
    return round(sum(WEIGHTS[k] * v for k, v in parts.items()), 4)


def rank(listing: Candidate, others: Iterable[Candidate], today: date, limit: int) -> list[Scored]:
    """The best ``limit`` counterparts of ``listing`` by straight-line distance, best first (ties: older first)."""
    found = []
    for other in others:
        distance = distance_between(listing, other)
        value = score(listing, other, distance, today)
        if value > 0:
            found.append(Scored(other, value, None if distance is None else round(distance)))
    return heapq.nsmallest(limit, found, key=lambda s: (-s.score, s.candidate.id))


def rerank_by_road(
    listing: Candidate, ranked: Sequence[Scored], road_m: Sequence[int | None], today: date
) -> list[Scored]:
    """The same counterparts scored again with their road distances (a missing one keeps the straight line)."""
    again = []
    for scored, metres in zip(ranked, road_m, strict=True):
        if metres is None:
            again.append(scored)
            continue
        value = score(listing, scored.candidate, metres, today)
        again.append(replace(scored, score=value, distance_m=metres, by_road=True))
    return sorted(again, key=lambda s: (-s.score, s.candidate.id))
