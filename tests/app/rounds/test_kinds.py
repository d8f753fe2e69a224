"""Stop kinds: driver mode knows no kind itself, it asks the hooks each domain registers in ``create_app``."""

from __future__ import annotations

from typing import Any

import pytest

from app.errors import ValidationError
from app.extensions import db
from app.rounds import driver_services, kinds
from app.rounds.driver_services import local_today
from app.rounds.models import RouteStop, StopKind
from tests.app import factories


def test_every_stop_kind_has_its_driver_hooks_once_the_app_is_created() -> None:
    assert all(isinstance(kinds.stop_kind(kind), kinds.StopKindHooks) for kind in StopKind)
    assert {"skip_reasons", "incidents", "delivery_reasons", "proof_kinds"} <= set(kinds.stop_labels())


def test_an_unknown_stop_kind_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="boat"):
        kinds.stop_kind("boat")


def test_driver_mode_runs_the_hooks_of_a_kind_it_does_not_know(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, Any]] = []
    hooks = kinds.StopKindHooks(
        done_fields=frozenset({"count"}),
        skip_fields=frozenset({"why"}),
        on_done=lambda stop, action: seen.append(("done", action.body)),
        on_skip=lambda stop, action: seen.append(("skip", action.body)),
        sheet_fields=lambda stop, user: {"label": f"Ritiro {stop.id}", "address": "Via Larga 12"},
        may_locate=lambda stop, user: False,
    )
    monkeypatch.setitem(kinds._STOP_KINDS, "pallet", hooks)
    driver = factories.UserFactory(role="driver")
    route = factories.driver_round(driver, stops=1, service_date=local_today())
    stop: RouteStop = route.stops[0]
    stop.kind = "pallet"
    db.session.flush()

    driver_services.mark_done(stop.id, {"count": 3}, driver)
    driver_services.mark_skipped(stop.id, {"why": "chiuso"}, driver)
    with pytest.raises(ValidationError, match="weight_kg"):
        driver_services.mark_done(stop.id, {"weight_kg": 3}, driver)
    (row,) = driver_services.route_sheet(route, driver)["stops"]

    assert seen == [("done", {"count": 3}), ("skip", {"why": "chiuso"})]
    assert (row["label"], row["address"], row["lon"], row["nav"]) == (f"Ritiro {stop.id}", "Via Larga 12", None, None)
