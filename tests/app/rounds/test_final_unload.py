"""Collection trucks unload at the sorting plant before driving home; every page shows that unload."""

from __future__ import annotations

from app.extensions import db
from app.rounds import services
from app.rounds.driver_services import route_sheet
from app.rounds.services import plan_day
from tests.app.conftest import login


def _used(plan) -> list:
    return [r for r in plan.routes if r.stops]


def test_collection_trucks_unload_at_the_plant_then_drive_home_empty(world) -> None:
    plan = plan_day(world.params())

    assert _used(plan)
    for route in plan.routes:
        assert route.end_site_id == route.start_site_id
    for route in _used(plan):
        last = route.stops[-1]
        assert last.kind == "reload" and last.site_id == world.plant.id and last.load_after_kg == 0
        assert route.stops[-2].load_after_kg > 0


def test_with_the_setting_off_trucks_end_the_day_at_the_plant(app, world, monkeypatch) -> None:
    monkeypatch.setitem(app.config, "ROUNDS_END_EMPTY", False)

    plan = plan_day(world.params())

    assert all(r.end_site_id == world.plant.id for r in plan.routes)
    assert all(r.stops[-1].kind == "bin" for r in _used(plan))


def test_a_bin_moved_after_the_final_unload_still_goes_to_the_plant_before_home(world, forecasts) -> None:
    for b in world.bins:
        forecasts.set(b, 0.3)  # 90 kg each: one trip
    plan = plan_day(world.params(vehicle_ids=(world.vehicles[1].id,), threshold=0.2))
    route = _used(plan)[0]
    first_bin = next(s for s in route.stops if s.kind == "bin")

    services.move_stop(plan, first_bin.id, route.id, len(route.stops) + 1, expected_version=plan.version)

    assert route.stops[-2].id == first_bin.id
    assert route.stops[-1].kind == "reload" and route.stops[-1].site_id == world.plant.id
    assert route.stops[-1].load_after_kg == 0


def test_review_sheet_driver_page_and_report_show_the_final_unload_with_the_kg_on_board(
    app, client, login_as, world
) -> None:
    plan = plan_day(world.params(vehicle_ids=(world.vehicles[1].id,), drivers={world.vehicles[1].id: world.driver.id}))
    route = _used(plan)[0]
    on_board = route.stops[-2].load_after_kg
    services.publish_plan(plan, plan.version)
    db.session.commit()

    row = route_sheet(route)["stops"][-1]
    assert row["final_unload"] and row["unload_kg"] == on_board

    login_as("coordinator", organisation=world.vehicles[1].organisation)
    review = client.get(f"/rounds/{plan.id}").get_data(as_text=True)
    assert "data-final-unload" in review and "scarico finale prima del rientro" in review
    assert f"scarica {on_board}" in review
    report = client.get(f"/rounds/{plan.id}/report").get_data(as_text=True)
    assert f"Scarico finale a {world.plant.name} prima del rientro: {on_board} kg previsti a bordo" in report

    driver = app.test_client()
    assert login(driver, world.driver.email).status_code == 302
    page = driver.get(f"/driver/route/{route.id}").get_data(as_text=True)
    assert "Scarico finale" in page and f"previsti a bordo {on_board} kg" in page
    assert page.rindex("Scarico finale") > max(page.index(s.bin.code) for s in route.stops if s.bin)
