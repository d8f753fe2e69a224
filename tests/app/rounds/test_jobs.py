"""Planning jobs: the queue (SQLite file and real Redis), progress, cancel and failures."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from huey import RedisHuey, SqliteHuey
from sqlalchemy import func, select

from app.core.clock import utcnow
from app.extensions import db
from app.rounds import jobs, services
from app.rounds.models import PlanningJob, RoundPlan, RouteStop

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_queue(app, monkeypatch):
    queue = jobs.JobQueue(app, RedisHuey(f"fitmi-test-{uuid.uuid4().hex[:8]}", url=REDIS_URL))
    monkeypatch.setitem(app.extensions, "rounds_queue", queue)
    monkeypatch.setitem(app.config, "ROUNDS_WORKER", "external")
    yield queue
    queue.huey.storage.flush_all()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _start(world) -> int:
    job_id = jobs.start_planning(world.params()).id
    db.session.commit()  # the job is enqueued once the row is committed
    return job_id


def test_a_planning_job_runs_end_to_end_on_the_embedded_sqlite_queue(world, sqlite_queue) -> None:
    job_id = _start(world)

    assert sqlite_queue.run_pending() == 1

    job = db.session.get(PlanningJob, job_id)
    db.session.refresh(job)
    assert job.status == "succeeded" and job.plan_id is not None
    assert job.finished_at is not None
    assert db.session.get(RoundPlan, job.plan_id).routes


def test_the_embedded_consumer_thread_picks_up_jobs(world, sqlite_queue) -> None:
    job_id = _start(world)
    sqlite_queue.huey.storage.flush_queue()  # take the automatic enqueue out: wait on our own handle
    sqlite_queue.start_embedded()

    result = sqlite_queue.enqueue(job_id)

    assert result.get(blocking=True, timeout=120) == "succeeded"


def test_a_planning_job_runs_end_to_end_on_the_redis_queue(world, redis_queue) -> None:
    job_id = _start(world)

    assert redis_queue.run_pending() == 1

    assert db.session.get(PlanningJob, job_id).status == "succeeded"
    assert _count(RoundPlan) == 1


def test_redis_url_selects_the_redis_queue_and_the_default_is_a_sqlite_file(app, monkeypatch, tmp_path) -> None:
    monkeypatch.setitem(app.config, "ROUNDS_QUEUE_FILE", str(tmp_path / "q.sqlite3"))
    assert isinstance(jobs.make_huey(app), SqliteHuey)
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    assert isinstance(jobs.make_huey(app), RedisHuey)


def test_cancelling_a_running_job_stops_the_solver_and_saves_nothing(world, sqlite_queue) -> None:
    job_id = _start(world)
    db.session.get(PlanningJob, job_id).cancel_requested = True  # the coordinator pressed "Annulla"
    db.session.commit()

    sqlite_queue.run_pending()

    job = db.session.get(PlanningJob, job_id)
    db.session.refresh(job)
    assert job.status == "cancelled" and job.plan_id is None
    assert _count(RoundPlan) == 0


def test_cancelling_a_queued_job_cancels_it_at_once(world, sqlite_queue) -> None:
    job = jobs.start_planning(world.params())
    db.session.flush()

    jobs.request_cancel(job)

    assert job.status == "cancelled" and job.message == "Calcolo annullato."


def test_a_job_that_fails_while_saving_leaves_no_plan_rows_and_says_why(world, sqlite_queue, monkeypatch) -> None:
    def broken(route, path):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "apply_path", broken)
    job_id = _start(world)

    sqlite_queue.run_pending()

    job = db.session.get(PlanningJob, job_id)
    db.session.refresh(job)
    assert job.status == "failed"
    assert "il piano non è stato salvato" in job.message
    assert _count(RoundPlan) == 0 and _count(RouteStop) == 0


def test_a_job_with_bad_choices_fails_with_the_italian_reason(world, sqlite_queue) -> None:
    job_id = _start(world)
    for b in world.bins:
        b.status = "removed"
    db.session.commit()

    sqlite_queue.run_pending()

    job = db.session.get(PlanningJob, job_id)
    db.session.refresh(job)
    assert job.status == "failed" and "Nessun contenitore" in job.message


def test_a_job_left_running_by_a_dead_process_is_marked_failed(world) -> None:
    job = PlanningJob(status="running", started_at=utcnow() - timedelta(hours=1))
    db.session.add(job)
    db.session.commit()

    assert jobs.fail_orphaned_jobs() == 1
    assert job.status == "failed" and "interrotto" in job.message
