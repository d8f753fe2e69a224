"""The bin page: the fill forecast as a curve with units on its axes; no pickup offered where none can be logged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.bins.models import BinStatus
from app.collection import services
from app.core.clock import utcnow
from app.extensions import db
from tests.app.factories import BinFactory


def test_the_bin_page_draws_the_fill_forecast_with_days_percent_and_kg(client: Any, login_as: Any) -> None:
    user = login_as("coordinator")
    bin_ = BinFactory(full_weight_kg=200)
    for days_ago in (12, 8, 4):
        at = utcnow() - timedelta(days=days_ago)
        services.record_pickup(services.PickupData(bin_id=bin_.id, weight_kg=Decimal(80), collected_at=at), user)
    db.session.commit()
    html = client.get(f"/bins/{bin_.id}").get_data(as_text=True)
    chart = html[html.index('class="fill-chart') : html.index("</svg>", html.index('class="fill-chart'))]
    assert "<polyline" in chart and "<polygon" in chart  # the expected fill and its uncertainty
    assert "giorni da oggi" in chart and "riempimento (%)" in chart and ">kg<" in chart
    assert ">100%<" in chart and ">200<" in chart  # 100 % of the full weight is 200 kg
    assert "Previsione del riempimento" in html


@pytest.mark.parametrize("status", [BinStatus.INACCESSIBLE, BinStatus.REMOVED])
def test_a_bin_that_cannot_be_emptied_does_not_offer_a_pickup(client: Any, login_as: Any, status: str) -> None:
    user = login_as("operator")
    bin_ = BinFactory(status=status, operator=user.organisation)
    response = client.get(f"/bins/{bin_.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Registra svuotamento" not in html
    assert 'id="no-pickup"' in html and "torna «Attivo»" in html


def test_an_active_bin_offers_a_pickup(client: Any, login_as: Any) -> None:
    user = login_as("operator")
    bin_ = BinFactory(operator=user.organisation)
    html = client.get(f"/bins/{bin_.id}").get_data(as_text=True)
    assert "Registra svuotamento" in html and 'id="no-pickup"' not in html
