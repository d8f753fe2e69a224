"""Matching quality on hand-labelled pairs, and the rules of the score (no database)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from app.symbiosis import matching
from tests.app.symbiosis.labelled_pairs import GOOD, NEEDS, OFFERS, TODAY


def _top3(listing: matching.Candidate, others: list[matching.Candidate]) -> list[int]:
    return [s.candidate.id for s in matching.rank(listing, others, TODAY, 3)]


def test_every_labelled_good_match_is_in_the_top_3_of_the_need() -> None:
    needs = {n.id: n for n in NEEDS}
    for offer_id, need_id in sorted(GOOD):
        assert offer_id in _top3(needs[need_id], OFFERS), (offer_id, need_id)


def test_every_labelled_good_match_is_in_the_top_3_of_the_offer() -> None:
    offers = {o.id: o for o in OFFERS}
    for offer_id, need_id in sorted(GOOD):
        assert need_id in _top3(offers[offer_id], NEEDS), (offer_id, need_id)


def test_every_labelled_good_match_is_proposed() -> None:
    needs = {n.id: n for n in NEEDS}
    for offer_id, need_id in GOOD:
        offer = next(o for o in OFFERS if o.id == offer_id)
        distance = matching.distance_between(offer, needs[need_id])
        assert matching.score(offer, needs[need_id], distance, TODAY) >= matching.MIN_SCORE


def test_a_material_never_matches_a_machine_nor_an_unrelated_category() -> None:
    yarn, sewing_need, trims_need = OFFERS[4], NEEDS[4], NEEDS[6]
    assert matching.score(yarn, sewing_need, 1000, TODAY) == 0
    assert matching.score(yarn, trims_need, 1000, TODAY) == 0


def test_two_listings_of_one_organisation_never_match() -> None:
    need = replace(NEEDS[0], organisation_id=OFFERS[0].organisation_id)
    assert matching.score(OFFERS[0], need, 0, TODAY) == 0


def test_an_offer_expired_or_not_yet_available_when_needed_does_not_match() -> None:
    expired = replace(OFFERS[0], available_until=date(2026, 12, 1))
    later = replace(OFFERS[0], available_from=date(2027, 3, 1))
    needed_by = replace(NEEDS[0], available_until=date(2027, 1, 31))
    assert matching.score(expired, NEEDS[0], 0, TODAY) == 0
    assert matching.score(later, needed_by, 0, TODAY) == 0


def test_closer_same_fibre_and_enough_quantity_rank_higher() -> None:
    need = NEEDS[0]
    near, far = OFFERS[0], replace(OFFERS[0], id=99, lon=8.915, lat=45.595)
    blend = replace(OFFERS[0], id=98, composition={"cotton": 50, "polyester": 50})
    short = replace(OFFERS[0], id=97, quantity=10)
    ranked = [s.candidate.id for s in matching.rank(need, [far, blend, short, near], TODAY, 4)]
    assert ranked[0] == near.id
    assert set(ranked[1:]) == {far.id, blend.id, short.id}


def test_road_distances_rerank_the_counterparts() -> None:
    need = NEEDS[0]
    first, second = OFFERS[0], replace(OFFERS[0], id=96, lon=9.20, lat=45.47)
    ranked = matching.rank(need, [first, second], TODAY, 2)
    again = matching.rerank_by_road(
        need, ranked, [60_000, 1_000][:: 1 if ranked[0].candidate.id == first.id else -1], TODAY
    )
    assert again[0].candidate.id == second.id and again[0].by_road and again[0].distance_m == 1_000
