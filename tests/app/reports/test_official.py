"""The O.R.SO./MUD summary by comune × EER × destination and the EU textile reuse figure, hand-computed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.reports import official
from tests.app import factories
from tests.app.reports.chain import SESTO, build, hand_over


@pytest.fixture
def chain(clock):
    return build(clock)


def rows(summary_rows):
    return {(r.comune_code, r.eer_code, r.operation): r.weight_kg for r in summary_rows}


def test_collected_kilos_are_attributed_to_comuni_by_their_pickups(chain):
    summary = official.annual_summary(chain.plant, 2026)
    assert rows(summary.collected) == {
        (factories.MILANO, "200110", ""): Decimal("300.0"),
        (SESTO, "200110", ""): Decimal("100.0"),
        ("", "200110", ""): Decimal("100.0"),  # the drop-off: no comune
    }
    assert summary.collected_kg == 500


def test_what_left_is_attributed_by_the_session_share_of_each_comune(chain):
    """Session input 500 kg: Milano 60 %, Sesto 20 %, drop-off 20 %; 150 kg to R3 and 60 kg as goods."""
    summary = official.annual_summary(chain.plant, 2026)
    assert rows(summary.destinations) == {
        (factories.MILANO, "200110", "R3"): Decimal("90.0"),
        (factories.MILANO, "200110", "riuso-ddt"): Decimal("36.0"),
        (SESTO, "200110", "R3"): Decimal("30.0"),
        (SESTO, "200110", "riuso-ddt"): Decimal("12.0"),
        ("", "200110", "R3"): Decimal("30.0"),
        ("", "200110", "riuso-ddt"): Decimal("12.0"),
    }


def test_another_year_holds_none_of_it(chain):
    summary = official.annual_summary(chain.plant, 2025)
    assert summary.collected == [] and summary.destinations == []


def test_reuse_counts_pieces_handed_to_households_and_goods_sold(chain):
    hand_over(factories.HouseholdFactory(), chain.session, 10, None)  # 10 pieces of 0,5 kg
    db.session.commit()
    report = official.reuse_report(2026)
    assert (report.households_pieces, report.households_kg) == (10, Decimal("5.0"))
    assert report.goods_kg["second_hand_shop"] == Decimal("60.0") and report.goods_kg["exporter"] == 0
    assert report.total_tonnes == Decimal("0.065")


def test_pieces_taken_into_stock_count_as_reuse_destination_not_yet_as_reused(chain):
    hand_over(factories.HouseholdFactory(), chain.session, 10, None)
    summary = official.annual_summary(chain.plant, 2026)
    assert rows(summary.destinations)[(factories.MILANO, "200110", "riuso-magazzino")] == Decimal("3.0")


def test_an_organisation_sees_only_its_own_reuse(chain):
    other = factories.OrganisationFactory()
    assert official.reuse_report(2026, other.id).total_kg == 0
