"""The demo's citizens' reports: the operator's «Segnalazioni» list is not empty, and they are added once."""

from __future__ import annotations

from app.collection.demo import ensure_demo_reports
from app.extensions import db
from tests.app import factories
from tests.app.conftest import login


def test_the_demo_gives_the_operator_open_and_handled_reports_once(client) -> None:
    operator = factories.UserFactory(role="operator")
    bins = [factories.BinFactory(operator=operator.organisation, code=f"VS-{n}", is_demo=True) for n in range(3)]
    db.session.commit()

    assert ensure_demo_reports(operator.organisation_id, operator) == 3
    db.session.commit()
    assert ensure_demo_reports(operator.organisation_id, operator) == 0

    login(client, operator.email)
    waiting = client.get("/collection/citizen-reports").get_data(as_text=True)  # the open ones, first
    assert bins[0].code in waiting and bins[1].code in waiting and bins[2].code not in waiting
    assert "Sacchi lasciati a terra" in waiting and "Contenitore pieno" in waiting
    handled = client.get("/collection/citizen-reports?status=handled").get_data(as_text=True)
    assert bins[2].code in handled and "Contenitore danneggiato" in handled and bins[0].code not in handled
