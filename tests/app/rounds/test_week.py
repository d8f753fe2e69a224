"""«Pianifica la settimana»: one job plans 2–7 days together, a draft plan per day; one day re-planned alone."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date, timedelta
from html import unescape

import pytest
from babel.dates import format_date
from flask_babel import force_locale
from sqlalchemy import func, select

from app.collection.forecast import BinForecast
from app.core.public_holidays import holiday_names
from app.errors import ValidationError
from app.extensions import db
from app.i18n import fmt_number
from app.rounds import adapters, selection, services, week
from app.rounds.models import PlanningJob, RoundPlan, WeekPlan
from routing.solver import solve_periodic
from tests.app import factories
from tests.app.conftest import csrf_token, post_form

FULL_KG, INITIAL_KG, DAILY_KG = 300, 150, 100  # 150, 250, 350: every bin must be emptied by day 2


def _filling_from_first_call():
    """A forecast where each bin holds 150 kg at the first time asked and gains 100 kg a day."""
    start = None

    def fake(bin_ids, at):
        nonlocal start
        start = start or at
        days = (at - start) / timedelta(days=1)
        return {i: BinForecast(INITIAL_KG + DAILY_KG * days, 0.5, 0.0, None) for i in bin_ids}

    return fake


@pytest.fixture
def filling(world, monkeypatch):
    """Each bin holds 150 kg at the first day's round and gains 100 kg a day."""
    monkeypatch.setattr(selection, "forecast_bins", _filling_from_first_call())
    return world


def _params(world, days=3, **overrides):
    fleet = tuple(v.id for v in world.vehicles)
    values = {
        "start_date": world.tomorrow,
        "site_ids": (world.plant.id, world.depot.id),
        "day_vehicles": (fleet,) * days,
        "drivers": {world.vehicles[0].id: world.driver.id},
        "days_after": 1,  # the next round the day after, whatever the vehicles' service days
        "time_limit_s": 2.0,
    }
    return week.WeekParams(**(values | overrides))


def _visits(plan):
    return {s.bin_id: s.planned_kg for r in plan.routes for s in r.stops if s.bin_id}


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_three_day_week_gives_three_drafts_that_empty_every_bin_before_it_overflows(filling) -> None:
    plan = week.plan_week(_params(filling))

    assert [d.service_date for d in plan.days] == [filling.tomorrow + timedelta(days=d) for d in range(3)]
    drafts = [d.plan for d in plan.days if d.plan]
    assert drafts and all(p.status == "draft" for p in drafts)
    for b in filling.bins:
        days = [d.day_index for d in plan.days if d.plan and b.id in _visits(d.plan)]
        assert days, f"bin {b.id} never emptied"
        level = INITIAL_KG
        for day in range(3):
            level += DAILY_KG if day else 0
            if day in days:
                assert _visits(plan.days[day].plan)[b.id] == level  # each visit collects that day's level
                level = 0
            assert level <= FULL_KG


def test_the_week_runs_as_many_searches_as_the_setting_asks(filling, app, monkeypatch) -> None:
    asked: list[int] = []

    def spy(*args, **kwargs):
        asked.append(kwargs["workers"])
        return solve_periodic(*args, **kwargs)

    monkeypatch.setattr(adapters, "solve_periodic", spy)
    monkeypatch.setitem(app.config, "ROUNDS_SOLVER_WORKERS", 2)
    plan = week.plan_week(_params(filling))
    assert asked == [2]  # a second search ran in its own process; the week is checked as always
    assert {b for d in plan.days if d.plan for b in _visits(d.plan)} == {b.id for b in filling.bins}


def test_the_week_job_saves_one_draft_per_day_with_rounds(client, login_as, filling, sqlite_queue) -> None:
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    job_id = week.start_week(_params(filling)).id
    db.session.commit()
    assert "Pianificazione della settimana" in client.get(f"/rounds/week/jobs/{job_id}").get_data(as_text=True)

    assert sqlite_queue.run_pending() == 1

    job = db.session.get(PlanningJob, job_id)
    db.session.refresh(job)
    assert job.status == "succeeded", job.message
    found = db.session.scalar(select(WeekPlan).where(WeekPlan.job_id == job_id))
    assert len(found.days) == 3
    assert _count(RoundPlan) == sum(1 for d in found.days if d.plan_id)
    assert client.get(f"/rounds/week/jobs/{job_id}").headers["Location"].endswith(f"/rounds/week/{found.id}")
    progress = json.loads(job.progress_json)
    assert len(progress) >= 2  # the solver's better weeks as it went, then the saved total
    assert progress[-1][1] == sum(d.plan.cost_eur_cents for d in found.days if d.plan)


def test_replanning_one_day_keeps_the_other_days(filling) -> None:
    plan = week.plan_week(_params(filling))
    day = next(d for d in plan.days if d.plan and _visits(d.plan))
    others = {d.id: (d.plan_id, _visits(d.plan) if d.plan else {}) for d in plan.days if d is not day}
    bins_before, old_id = _visits(day.plan), day.plan_id

    new = week.replan_day(day)

    assert new.id != old_id and db.session.get(RoundPlan, old_id) is None
    assert _visits(new) == bins_before
    for d in plan.days:
        if d is not day:
            assert (d.plan_id, _visits(d.plan) if d.plan else {}) == others[d.id]


def test_a_day_the_search_left_over_capacity_leaves_its_overflowing_bins_out(
    client, login_as, filling, monkeypatch
) -> None:
    # Seen in CI: at 1 s on a loaded machine a day's search found no plan within capacity. The week is then saved,
    # that day leaving out what overflows (to re-plan with more time), instead of failing at the check.
    from routing.checker import _week_demands, check_plan

    seen: dict[str, object] = {}

    def one_overloaded_truck(problem, **kwargs):
        real = solve_periodic(problem, **kwargs)
        demands, _errors = _week_demands(problem, real.patterns)
        d = max(range(len(real.days)), key=lambda day: sum(demands[day].values()))
        day_problem = problem.day_problem(d, demands[d])
        truck = day_problem.vehicles[0]
        keys = [s.id for s in day_problem.stops] + list(truck.reload_depots[:1] if truck.end_empty else ())
        visits = adapters.replay(day_problem, truck, truck.shift.start_s, adapters._steps(day_problem, truck, keys))
        draft = adapters.Plan((adapters.Route(f"{truck.id}#1", truck.id, tuple(visits)),), (), 0, False)
        plan = dataclasses.replace(draft, cost=check_plan(day_problem, draft).cost)
        seen.update(day=d, kg=demands[d], capacity=truck.capacity_kg)
        days = tuple(plan if day == d else p for day, p in enumerate(real.days))
        return dataclasses.replace(real, days=days, cost=sum(p.cost for p in days), feasible=False)

    monkeypatch.setattr(adapters, "solve_periodic", one_overloaded_truck)
    plan = week.plan_week(_params(filling))

    assert sum(seen["kg"].values()) > seen["capacity"]  # the stub's one trip does overflow
    day = plan.days[seen["day"]].plan
    planned = _visits(day)
    left = [u for u in day.unassigned if u.required]
    assert left and all("senza capacità o tempo" in u.reason for u in left)
    assert {f"bin:{b}" for b in planned} | {f"bin:{u.bin_id}" for u in left} == set(seen["kg"])
    assert sum(planned.values()) <= seen["capacity"]
    assert all(s.load_after_kg <= seen["capacity"] for r in day.routes for s in r.stops)
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()
    page = client.get(f"/rounds/week/{plan.id}").get_data(as_text=True)
    assert page.count('data-role="left-out"') == 1  # the week's page points at the day to re-plan
    assert f"{len(left)} contenitor" in page.split('data-role="left-out">')[1][:40]


def _week_form(world, **changes):
    data = {
        "start_date": world.tomorrow.isoformat(),
        "days": "3",
        "plant_id": world.plant.id,
        "vehicle_ids": [v.id for v in world.vehicles],
        "days_after": "1",
        "time_limit_s": "5",
    }
    return data | changes


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"days": "1"}, "L&#39;orizzonte deve essere da 2 a 7 giorni."),
        ({"days": "8"}, "L&#39;orizzonte deve essere da 2 a 7 giorni."),
        ({"off_days": ["0", "1", "2"]}, "Nessun veicolo in nessun giorno: scegline almeno uno."),
        ({"off_days": ["3"]}, "Il giorno senza giri 4 è oltre i 3 giorni da pianificare."),
        ({"off_days": ["1", "5", "6"]}, "I giorni senza giri 6, 7 sono oltre i 3 giorni da pianificare."),
        ({"days_after": "0"}, "tra 1 e 7"),
        ({"days_after": "8"}, "tra 1 e 7"),
    ],
)
def test_bad_week_choices_get_an_italian_message_and_queue_nothing(client, login_as, filling, changes, message):
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()

    response = post_form(client, "/rounds/week/new", _week_form(filling, **changes))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(PlanningJob) == 0


def test_the_week_page_lists_its_days_with_their_plans_and_a_replan_button(client, login_as, filling) -> None:
    plan = week.plan_week(_params(filling))
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()

    page = client.get(f"/rounds/week/{plan.id}").get_data(as_text=True)

    assert page.count('<tr data-day="') == 3
    trucks = ", ".join(v.plate for v in filling.vehicles)
    assert page.count(f'<td data-role="trucks">{trucks}</td>') == 3  # each day's trucks
    assert all(f"/rounds/{d.plan_id}" in page for d in plan.days if d.plan_id)
    assert "Ripianifica questo giorno" in page


def _week_cells(page: str) -> dict[str, list[str]]:
    """The week page's rows (by ``data-day``, and ``total`` for the week's) as the texts of their cells."""
    rows = re.findall(r'<tr data-day="(\d+)">(.*?)</tr>', page, re.S)
    rows.append(("total", re.search(r'<tr class="[^"]*" data-role="week-total">(.*?)</tr>', page, re.S).group(1)))
    return {
        key: [unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
        for key, row in rows
    }


def test_the_week_page_gives_each_days_rounds_km_and_hours_and_the_weeks_totals(client, login_as, filling) -> None:
    plan = week.plan_week(_params(filling))
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    day = next(d for d in plan.days if d.plan and d.plan.routes)
    new = week.replan_day(day)  # the page follows the day's plan as it stands
    route = next(r for d in plan.days if d.plan for r in d.plan.routes if r.stops)
    route.driver_id = None  # a round without a driver: the day cannot be published yet
    db.session.commit()

    page = client.get(f"/rounds/week/{plan.id}").get_data(as_text=True)
    cells = _week_cells(page)

    plans = {d.day_index: d.plan for d in plan.days}
    assert plans[day.day_index].id == new.id
    for index, plan_of_day in plans.items():
        rounds, km, hours = cells[str(index)][2], cells[str(index)][5], cells[str(index)][6]
        assert rounds == str(sum(1 for r in plan_of_day.routes if r.stops) if plan_of_day else 0)
        assert km == fmt_number(plan_of_day.distance_m / 1000 if plan_of_day else 0, 1)
        assert hours == fmt_number(plan_of_day.duration_s / 3600 if plan_of_day else 0, 1)
        row = re.search(rf'<tr data-day="{index}">(.*?)</tr>', page, re.S).group(1)
        badge = re.search(r'data-role="without-driver">(\d+) gir[oi] senza autista<', row)
        missing = sum(1 for r in plan_of_day.routes if r.stops and r.driver_id is None) if plan_of_day else 0
        assert (int(badge.group(1)) if badge else 0) == missing  # those block the day's publication
    drafts = [p for p in plans.values() if p]
    km = sum(p.distance_m for p in drafts) / 1000
    tonnes = sum(r.load_kg for p in drafts for r in p.routes) / 1000
    total = cells["total"]
    assert total[0] == "Settimana" and total[3] == str(sum(len(json.loads(d.stops_json)) for d in plan.days))
    assert total[5] == fmt_number(km, 1) and tonnes > 0
    assert total[7] == f"{fmt_number(km / tonnes, 1)} km per tonnellata raccolta"


def _plan_items(page: str) -> dict[int, str]:
    """The plans page's items by plan id."""
    return {int(i): item for i, item in re.findall(r'<li [^>]*data-plan="(\d+)">(.*?)</li>', page, re.S)}


def test_the_plans_page_counts_the_rounds_with_stops_and_leads_planners_to_the_week(client, login_as, filling) -> None:
    plan = week.plan_week(_params(filling))
    organisation = filling.vehicles[0].organisation
    login_as("coordinator", organisation=organisation)
    db.session.commit()
    drafts = {d.plan.id: d.plan for d in plan.days if d.plan}
    assert any(any(not r.stops for r in p.routes) for p in drafts.values())  # a truck left idle by a day

    items = _plan_items(client.get("/rounds/").get_data(as_text=True))

    for plan_id, draft in drafts.items():
        rounds = sum(1 for r in draft.routes if r.stops)
        assert re.search(rf'data-role="rounds">{rounds} gir[oi]<', items[plan_id])  # as the plan's page counts
        assert f'data-role="week" href="/rounds/week/{plan.id}"' in items[plan_id]

    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    login_as("operator", organisation=organisation)  # operators see the plans, not the week pages
    items = _plan_items(client.get("/rounds/").get_data(as_text=True))
    assert set(drafts) <= set(items) and not any('data-role="week"' in item for item in items.values())


def test_each_day_gets_the_vehicles_ticked_for_it(client, login_as, filling, sqlite_queue) -> None:
    first, second = filling.vehicles
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()
    grid = [f"0:{first.id}", f"1:{second.id}", f"2:{first.id}", f"2:{second.id}"]

    response = post_form(client, "/rounds/week/new", _week_form(filling, day_fleet=grid))

    assert response.status_code == 302
    job = db.session.scalar(select(PlanningJob))
    assert week.WeekParams.from_json(job.params_json).day_vehicles == (
        (first.id,),
        (second.id,),
        (first.id, second.id),
    )
    db.session.commit()  # the test's read ends: on SQLite it would hold the lock the job's progress writes need
    assert sqlite_queue.run_pending() == 1
    found = db.session.scalar(select(WeekPlan).where(WeekPlan.job_id == job.id))
    for day, allowed in zip(found.days, ({first.id}, {second.id}, {first.id, second.id}), strict=True):
        assert json.loads(day.vehicle_ids_json) == sorted(allowed)
        assert not day.plan or {r.vehicle_id for r in day.plan.routes} <= allowed


def test_a_day_ticked_for_a_vehicle_not_in_the_fleet_is_refused(client, login_as, filling) -> None:
    first, second = filling.vehicles
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()
    data = _week_form(filling, vehicle_ids=[first.id], day_fleet=[f"0:{second.id}"])

    response = post_form(client, "/rounds/week/new", data)

    assert response.status_code == 422
    assert "Un veicolo scelto per un giorno deve essere anche tra i veicoli disponibili." in response.get_data(
        as_text=True
    )
    assert _count(PlanningJob) == 0


@pytest.mark.parametrize(
    ("grid", "off", "message"),
    [
        (["0:{a}", "3:{a}"], [], "Hai spuntato veicoli per il giorno 4, oltre i 3 giorni da pianificare."),
        (["2:{a}", "5:{b}", "6:{a}"], [], "Hai spuntato veicoli per i giorni 6, 7, oltre i 3 giorni da pianificare."),
        (
            ["0:{a}", "1:{b}"],
            ["1"],
            "Il giorno 2 è senza giri ma ha veicoli spuntati: togli l&#39;una o l&#39;altra scelta.",
        ),
    ],
)
def test_ticks_the_week_would_not_use_are_refused_with_the_days_named(
    client, login_as, filling, grid, off, message
) -> None:
    first, second = filling.vehicles
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()
    ticks = [cell.format(a=first.id, b=second.id) for cell in grid]

    response = post_form(client, "/rounds/week/new", _week_form(filling, day_fleet=ticks, off_days=off))

    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count(PlanningJob) == 0


@pytest.mark.parametrize("cell", ["x:y", "0:abc", "0", "0:999999", "9:{a}"])
def test_a_grid_value_the_page_did_not_offer_is_refused_in_italian(client, login_as, filling, cell) -> None:
    """A hand-made post, or a page left open while a vehicle was removed: a message, not a server error."""
    first = filling.vehicles[0]
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()
    value = cell.format(a=first.id)

    response = post_form(client, "/rounds/week/new", _week_form(filling, day_fleet=[f"0:{first.id}", value]))

    assert response.status_code == 422
    assert f"Scelta non valida per questo campo: &#39;{value}&#39;." in response.get_data(as_text=True)
    assert _count(PlanningJob) == 0


def test_the_week_form_offers_a_vehicle_grid_per_day(client, login_as, filling) -> None:
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()

    page = client.get("/rounds/week/new").get_data(as_text=True)

    assert page.count('name="day_fleet"') == 7 * len(filling.vehicles)
    assert f"{filling.vehicles[1].plate} · giorno 3" in page


def test_a_week_with_no_bin_to_empty_is_saved_with_days_without_rounds(
    client, login_as, world, monkeypatch, sqlite_queue
) -> None:
    quiet = {b.id: BinForecast(10.0, 0.0, 0.0, None) for b in world.bins}  # 10 kg and not filling: nothing due
    monkeypatch.setattr(selection, "forecast_bins", lambda ids, at: {i: quiet[i] for i in ids})
    login_as("coordinator", organisation=world.vehicles[0].organisation)
    job_id = week.start_week(_params(world, days=2)).id
    db.session.commit()

    assert sqlite_queue.run_pending() == 1

    found = db.session.scalar(select(WeekPlan).where(WeekPlan.job_id == job_id))
    assert found is not None and [d.plan_id for d in found.days] == [None, None]
    assert client.get(f"/rounds/week/jobs/{job_id}").headers["Location"].endswith(f"/rounds/week/{found.id}")
    assert client.get(f"/rounds/week/{found.id}").get_data(as_text=True).count("nessun giro") == 2


def _published_day(world, day, monkeypatch):
    """A one-day plan of ``day`` holding every bin, with both trucks, published; the week's forecast starts after."""
    for v in world.vehicles:
        v.capacity_kg = 3000
    plan = services.plan_day(world.params(service_date=day, threshold=0.0))
    services.publish_plan(plan, plan.version)
    db.session.commit()
    monkeypatch.setattr(selection, "forecast_bins", _filling_from_first_call())
    return plan


def test_bins_on_a_published_round_of_a_day_of_the_week_are_left_to_it_and_counted_empty_from_there(
    world, monkeypatch
) -> None:
    # 150 kg on day 0, 250 on day 1, 350 on day 2: alone, every bin must be emptied on day 0 or 1 (first test).
    # Day 1's published round empties them all: the week must not visit them that day, and from there they
    # hold 100 kg on day 2, so no visit is due at all. Day 1 has no truck in the week: both are on that round.
    fleet = tuple(v.id for v in world.vehicles)
    published = _published_day(world, world.tomorrow + timedelta(days=1), monkeypatch)
    assert {s.bin_id for r in published.routes for s in r.stops if s.bin_id} == {b.id for b in world.bins}

    found = week.plan_week(_params(world, day_vehicles=(fleet, (), fleet)))

    assert [d.plan_id for d in found.days] == [None, None, None]
    assert all(json.loads(d.stops_json) == {} for d in found.days)


def test_a_truck_on_an_open_published_round_of_a_day_is_refused_for_that_day_and_nothing_is_queued(
    client, login_as, world, monkeypatch, sqlite_queue
) -> None:
    first = world.vehicles[0]
    day = world.tomorrow + timedelta(days=1)
    _published_day(world, day, monkeypatch)
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()
    used = {r.vehicle for r in db.session.scalars(select(RoundPlan)).one().routes if r.stops}
    every_cell = [f"{d}:{v.id}" for d in range(3) for v in world.vehicles]

    ticked = post_form(client, "/rounds/week/new", _week_form(world, day_fleet=every_cell))

    assert ticked.status_code == 422
    page = ticked.get_data(as_text=True)
    assert all(f"{v.plate} il {day:%d/%m/%Y} (piano n." in page for v in used)
    assert "Togli ciascuno da quel giorno nella griglia dei veicoli per giorno." in page
    assert _count(PlanningJob) == 0

    # Left empty, the grid means every day the trucks free that day: the busy ones stay out of day 2 (index 1).
    empty = post_form(client, "/rounds/week/new", _week_form(world))

    assert empty.status_code == 302
    job = db.session.scalar(select(PlanningJob))
    days = week.WeekParams.from_json(job.params_json).day_vehicles
    everyone = {v.id for v in world.vehicles}
    assert set(days[0]) == set(days[2]) == everyone and set(days[1]) == everyone - {v.id for v in used}
    message = client.get(f"/rounds/week/jobs/{job.id}").get_data(as_text=True)
    assert "Restano ai giri già pubblicati, fuori da quel giorno:" in message
    assert all(f"{v.plate} il {day:%d/%m/%Y}" in message for v in used)


def test_a_week_whose_trucks_are_all_on_published_rounds_says_so_and_queues_nothing(
    client, login_as, world, monkeypatch, sqlite_queue
) -> None:
    days = [world.tomorrow + timedelta(days=d) for d in (1, 2)]
    plans = [_published_day(world, day, monkeypatch) for day in days]
    busy = set.intersection(*({r.vehicle_id for r in p.routes if r.stops} for p in plans))
    assert busy  # a truck out on both days' published rounds
    login_as("coordinator", organisation=world.vehicles[0].organisation)
    db.session.commit()
    data = _week_form(world, start_date=days[0].isoformat(), days="2", vehicle_ids=sorted(busy))

    response = post_form(client, "/rounds/week/new", data)

    assert response.status_code == 422
    assert "I mezzi scelti sono tutti in giri pubblicati e ancora aperti in questi giorni:" in response.get_data(
        as_text=True
    )
    assert _count(PlanningJob) == 0


def test_the_bins_are_left_able_to_wait_for_the_day_after_the_week(filling) -> None:
    # Two days: 150 and 250 kg, within the 300 kg full weight, but 350 kg on the day after, when the next plan's
    # first round comes: each bin is emptied once in the two days, with that day's level.
    found = week.plan_week(_params(filling, days=2))

    visits = [_visits(d.plan) if d.plan else {} for d in found.days]
    for b in filling.bins:
        (day,) = [d for d, v in enumerate(visits) if b.id in v]
        assert visits[day][b.id] == INITIAL_KG + DAILY_KG * day


def test_the_next_round_three_days_after_the_last_one_keeps_the_bins_for_it(filling) -> None:
    # The last day is a Friday and the next round Monday: a bin emptied on day 0 would hold 400 kg on Monday,
    # one emptied on day 1 (250 kg) 300 kg, its full weight. Without any day after, nothing is due at all.
    found = week.plan_week(_params(filling, days=2, days_after=3))

    last = {b.id: max(d.day_index for d in found.days if d.plan and b.id in _visits(d.plan)) for b in filling.bins}
    assert set(last.values()) == {1}
    assert [d.plan_id for d in week.plan_week(_params(filling, days=2, days_after=0)).days] == [None, None]


def test_the_week_form_passes_the_days_until_the_next_round(client, login_as, filling, sqlite_queue) -> None:
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()

    assert post_form(client, "/rounds/week/new", _week_form(filling, days_after="3")).status_code == 302

    job = db.session.scalar(select(PlanningJob))
    assert week.WeekParams.from_json(job.params_json).days_after == 3


def _out_on_a_published_round(vehicle, service_date) -> None:
    plan = factories.RoundPlanFactory(status="published", service_date=service_date)
    factories.RouteStopFactory(route=factories.RoundRouteFactory(plan=plan, vehicle=vehicle))
    db.session.flush()


def test_replanning_a_day_leaves_out_a_truck_now_on_a_published_round_of_that_day(filling) -> None:
    found = week.plan_week(_params(filling))
    day = next(d for d in found.days if d.plan and _visits(d.plan))
    first, second = filling.vehicles
    _out_on_a_published_round(second, day.service_date)  # published since the week was planned

    new = week.replan_day(day)

    assert {r.vehicle_id for r in new.routes if r.stops} == {first.id}
    assert set(_visits(new)) == {int(k.split(":")[1]) for k in json.loads(day.stops_json)}
    _out_on_a_published_round(first, day.service_date)
    with pytest.raises(ValidationError, match="I mezzi di questo giorno sono tutti in giri pubblicati"):
        week.replan_day(day)


def test_bins_that_overflow_before_the_next_round_whatever_the_days_are_emptied_last_and_named(
    client, login_as, filling
) -> None:
    # Next round a week after the last day: a bin emptied on day 1 (the last) would hold 700 kg by then, over its
    # 300 kg, one emptied on day 0 800 kg. The week empties each on day 1 and the page names them all.
    found = week.plan_week(_params(filling, days=2, days_after=7))

    first, last = found.days
    assert last.plan is not None and set(_visits(last.plan)) == {b.id for b in filling.bins}
    assert first.plan is None or not _visits(first.plan)
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()
    page = client.get(f"/rounds/week/{found.id}").get_data(as_text=True)
    alert = page.split('data-role="overflowing">')[1].split("</div>")[0]
    assert "5 contenitori traboccheranno prima del prossimo giro" in alert
    assert all(f">{b.code}</a>" in alert for b in filling.bins)
    calm = week.plan_week(_params(filling, days=2))
    assert 'data-role="overflowing"' not in client.get(f"/rounds/week/{calm.id}").get_data(as_text=True)


def _weekdays(*days) -> int:
    """A service-days mask from dates (their weekdays)."""
    return sum(1 << d.weekday() for d in days)


def test_each_operators_next_round_is_the_next_service_day_of_its_active_vehicles(world) -> None:
    friday = date(2026, 12, 11)
    first, second = world.vehicles
    first.service_days, second.service_days = 0b0011111, 0b0011111  # Monday to Friday, not on holidays
    first.works_holidays = second.works_holidays = False
    other = factories.VehicleFactory(service_days=0b0100000)  # Saturdays, another operator
    spare = factories.VehicleFactory(organisation=other.organisation, service_days=0b1, active=False)
    db.session.flush()
    org = first.organisation_id

    assert week.next_rounds({org, other.organisation_id}, friday) == {org: 3, other.organisation_id: 1}
    second.service_days = 0b0111111  # one truck also goes out on Saturdays: the operator's next round is Saturday
    assert week.next_rounds({org}, friday) == {org: 1}
    assert week.next_rounds({org}, friday - timedelta(days=3)) == {org: 1}  # Tuesday: Wednesday
    assert week.next_rounds({other.organisation_id}, friday + timedelta(days=1)) == {other.organisation_id: 7}
    assert spare.organisation_id not in week.next_rounds({org}, friday) and week.next_rounds(set(), friday) == {}
    # Thursday 24 December: Christmas on Friday, then the weekend; a truck that works holidays goes out on the 25th.
    second.service_days = 0b0011111
    assert week.next_rounds({org}, date(2026, 12, 24)) == {org: 4}
    second.works_holidays = True
    assert week.next_rounds({org}, date(2026, 12, 24)) == {org: 1}


def test_without_a_number_each_bin_waits_for_its_operators_next_service_day(filling) -> None:
    # Two days whose next service day is three days after the last one: as with «3» given, each bin is emptied on
    # the last day (250 kg, then 300 by that round), none on the first (it would hold 400 kg by then).
    last = filling.tomorrow + timedelta(days=1)
    for v in filling.vehicles:
        v.service_days = _weekdays(filling.tomorrow, last, last + timedelta(days=3))
    db.session.flush()

    found = week.plan_week(_params(filling, days=2, days_after=None))

    visited = {b: d.day_index for d in found.days if d.plan for b in _visits(d.plan)}
    assert visited == {b.id: 1 for b in filling.bins} and week.overflowing_bins(found) == []
    # Out only on these two weekdays: the next round is six days after the last; no bin can wait that long.
    for v in filling.vehicles:
        v.service_days = _weekdays(filling.tomorrow, last)
    db.session.flush()
    weekly = week.plan_week(_params(filling, days=2, days_after=None))
    assert {b.id for b in week.overflowing_bins(weekly)} == {b.id for b in filling.bins}


def test_an_empty_grid_gives_each_day_the_vehicles_in_service_that_weekday(
    client, login_as, filling, sqlite_queue
) -> None:
    first, second = filling.vehicles
    days = [filling.tomorrow + timedelta(days=d) for d in range(3)]
    first.service_days = _weekdays(*days)
    second.service_days = _weekdays(days[0], days[2])  # not on the second day
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()

    assert post_form(client, "/rounds/week/new", _week_form(filling, days_after="")).status_code == 302

    params = week.WeekParams.from_json(db.session.scalar(select(PlanningJob)).params_json)
    assert params.day_vehicles == ((first.id, second.id), (first.id,), (first.id, second.id))
    assert params.days_after is None  # left empty: each operator's next service day
    grid = [f"1:{second.id}"]  # ticked for a day off its service days: an extra shift, as asked
    assert post_form(client, "/rounds/week/new", _week_form(filling, day_fleet=grid)).status_code == 302
    ticked = week.WeekParams.from_json(db.session.scalars(select(PlanningJob)).all()[-1].params_json)
    assert ticked.day_vehicles == ((), (second.id,), ())


def test_a_week_on_none_of_the_vehicles_service_days_says_so_and_queues_nothing(client, login_as, filling) -> None:
    days = [filling.tomorrow + timedelta(days=d) for d in range(3)]
    free = next(d for d in range(7) if d not in {day.weekday() for day in days})
    for v in filling.vehicles:
        v.service_days = 1 << free
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()

    response = post_form(client, "/rounds/week/new", _week_form(filling))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Nessuno dei mezzi scelti è in servizio in questi giorni" in page
    assert all(v.plate in page for v in filling.vehicles)
    assert _count(PlanningJob) == 0
    wrong = post_form(client, "/rounds/week/new", _week_form(filling, days="1")).get_data(as_text=True)
    assert "L&#39;orizzonte deve essere da 2 a 7 giorni." in wrong and "Nessuno dei mezzi" not in wrong  # first


def test_the_week_form_names_each_day_and_greys_the_days_off_a_vehicles_service(client, login_as, filling) -> None:
    first, second = filling.vehicles
    monday = date(2026, 12, 14)
    second.service_days = 0b0011111  # Monday to Friday
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()

    page = post_form(client, "/rounds/week/new", _week_form(filling, start_date=monday.isoformat(), days="1"))
    html = page.get_data(as_text=True)

    assert page.status_code == 422  # a one-day week is refused, and the page is drawn from the date chosen
    assert ">lun 14/12<" in html and ">dom 20/12<" in html
    rows = {row.split("</th>")[0]: row for row in html.split('<tr data-service-days="')[1:]}
    (weekdays,) = [row for key, row in rows.items() if second.plate in key]
    assert weekdays.startswith("31") and "lun–ven" in weekdays
    assert weekdays.count("table-secondary") == 2 and weekdays.count('title="fuori servizio"') == 2
    (always,) = [row for key, row in rows.items() if first.plate in key]
    assert "table-secondary" not in always and "lun–dom" in always


def test_the_week_page_names_the_weekdays_and_the_next_round_rule(client, login_as, filling) -> None:
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    given = week.plan_week(_params(filling, days=2))
    calendar = week.plan_week(_params(filling, days=2, days_after=None))
    db.session.commit()

    page = client.get(f"/rounds/week/{calendar.id}").get_data(as_text=True)
    assert "fino al prossimo giorno di servizio dei mezzi del suo operatore" in page
    assert format_date(filling.tomorrow, "EEE dd/MM/yyyy", locale="it") in page
    assert "fino a 1 giorno dopo l'ultimo" in client.get(f"/rounds/week/{given.id}").get_data(as_text=True)


def test_public_holidays_are_named_in_the_users_language(app) -> None:
    with app.test_request_context():
        assert holiday_names(date(2026, 12, 7), date(2026, 12, 13)) == {date(2026, 12, 8): "Immacolata Concezione"}
        assert holiday_names(date(2026, 12, 13), date(2026, 12, 7)) == {}
    with app.test_request_context(), force_locale("en"):
        assert holiday_names(date(2026, 12, 24), date(2027, 1, 6)) == {
            date(2026, 12, 25): "Christmas Day",
            date(2026, 12, 26): "Saint Stephen's Day",
            date(2027, 1, 1): "New Year's Day",
            date(2027, 1, 6): "Epiphany",
        }


def test_the_week_form_and_the_week_page_name_the_public_holidays(client, login_as, filling) -> None:
    login_as("coordinator", organisation=filling.vehicles[0].organisation)
    db.session.commit()

    page = post_form(client, "/rounds/week/new", _week_form(filling, start_date="2026-12-07", days="1"))
    html = page.get_data(as_text=True)
    feasts = html.split('data-role="day-holiday"')
    assert len(feasts) == 1 + 2 * 7 and ">Immacolata Concezione<" in feasts[2] and ">Immacolata" not in feasts[1]
    ahead = json.loads(unescape(html.split('data-holidays="')[1].split('"')[0]))
    assert "Natale" in ahead.values()  # the script names the days of any first day in the coming year

    feast = min(holiday_names(filling.tomorrow, filling.tomorrow + timedelta(days=400)))
    found = week.plan_week(_params(filling, days=2, start_date=feast))
    db.session.commit()
    shown = client.get(f"/rounds/week/{found.id}").get_data(as_text=True).split('data-role="holiday">')
    assert shown[1].startswith(holiday_names(feast, feast)[feast])


def test_an_empty_grid_leaves_a_public_holiday_to_the_vehicles_that_work_holidays(
    client, login_as, filling, sqlite_queue
) -> None:
    first, second = filling.vehicles  # out every weekday; only the second on public holidays
    first.works_holidays = False
    feast = min(holiday_names(filling.tomorrow, filling.tomorrow + timedelta(days=400)))
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()

    form = _week_form(filling, start_date=feast.isoformat(), days="2")
    assert post_form(client, "/rounds/week/new", form).status_code == 302

    params = week.WeekParams.from_json(db.session.scalar(select(PlanningJob)).params_json)
    assert params.day_vehicles[0] == (second.id,)
    page = client.get("/rounds/week/new").get_data(as_text=True)
    assert "anche festivi" in page.split('data-works-holidays="1"')[1].split("</th>")[0]


def test_the_week_form_greys_a_public_holiday_for_a_vehicle_that_does_not_work_holidays(
    client, login_as, filling
) -> None:
    first, second = filling.vehicles
    first.works_holidays = False
    login_as("coordinator", organisation=first.organisation)
    db.session.commit()

    html = post_form(client, "/rounds/week/new", _week_form(filling, start_date="2026-12-07", days="1"))
    rows = html.get_data(as_text=True).split('<tr data-service-days="')[1:]

    (plain,) = [r for r in rows if first.plate in r.split("</th>")[0]]
    (works,) = [r for r in rows if second.plate in r.split("</th>")[0]]
    cells = [c.split(">")[0] for c in plain.split('<td class="')[1:]]
    assert ["table-secondary" in c for c in cells] == [False, True, False, False, False, False, False]  # 8 Dec
    assert "table-secondary" not in works
