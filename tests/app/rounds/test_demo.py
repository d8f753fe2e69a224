"""The demo's round: tomorrow's published collection plan, the demo driver on a route with stops."""

from __future__ import annotations

from app.rounds.demo import DEMO_DRIVER, ensure_demo_round


def test_the_demo_publishes_tomorrows_round_with_the_demo_driver_once(world) -> None:
    world.driver.email = DEMO_DRIVER

    plan = ensure_demo_round(time_limit_s=1.0)

    assert plan is not None and plan.status == "published"
    assert plan.service_date == world.tomorrow
    mine = [r for r in plan.routes if r.driver_id == world.driver.id]
    assert len(mine) == 1 and mine[0].stops
    assert ensure_demo_round(time_limit_s=1.0) is plan
