"""Two real planning workers (``flask rounds worker`` processes) on one Redis queue take each job once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from huey import RedisHuey
from sqlalchemy import select

from app.extensions import db
from app.rounds import jobs
from app.rounds.models import PlanningJob, RoundPlan

REPO = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/15"
DEADLINE_S = 180


def _redis_reachable() -> bool:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


class Workers:
    """``flask rounds worker`` subprocesses on the test's database and a queue of their own."""

    def __init__(self, database_url: str, queue_name: str, logs: Path) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "FITMI_ENV": "testing",
            "REDIS_URL": REDIS_URL,
            "ROUNDS_QUEUE_NAME": queue_name,
            "ROUNDS_WORKER": "external",
            "FITMI_LOG_FORMAT": "json",
        }
        self.env.pop("ROAD_NETWORK_FILE", None)  # straight lines: the workers need no shared files
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(self, count: int) -> None:
        flask = str(Path(sys.executable).with_name("flask"))
        for n in range(count):
            with (self.logs / f"worker-{n}.log").open("wb") as log:  # the child keeps its own descriptor
                self.processes.append(
                    subprocess.Popen(
                        [flask, "--app", "wsgi", "rounds", "worker"], cwd=REPO, env=self.env, stdout=log, stderr=log
                    )
                )

    def names(self) -> set[str]:
        return {f"{os.uname().nodename}:{p.pid}"[:120] for p in self.processes}

    def output(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.logs.glob("worker-*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture
def redis_jobs(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[jobs.JobQueue]:
    """The web side's queue: Redis, a unique queue name, no consumer thread in this process."""
    if not _redis_reachable():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: two workers need a real shared queue")
    queue = jobs.JobQueue(app, RedisHuey(f"fitmi-test-workers-{uuid.uuid4().hex[:8]}", url=REDIS_URL))
    monkeypatch.setitem(app.extensions, "rounds_queue", queue)
    monkeypatch.setitem(app.config, "ROUNDS_WORKER", "external")
    yield queue
    queue.huey.storage.flush_all()


@pytest.fixture
def workers(database_url: str, redis_jobs: jobs.JobQueue, tmp_path: Path) -> Iterator[Workers]:
    started = Workers(database_url, redis_jobs.huey.name, tmp_path)
    yield started
    started.stop()


def _queue_jobs(world: Any, count: int, **params: Any) -> list[int]:
    """Plans of the same day, committed before they are handed to the queue."""
    rows = [PlanningJob(params_json=world.params(seed=n, **params).to_json()) for n in range(count)]
    db.session.add_all(rows)
    db.session.flush()
    ids = [r.id for r in rows]
    db.session.commit()  # and no new transaction: on SQLite it would hold the write lock the workers need
    return ids


def _wait_all(results: list[Any], workers: Workers) -> list[str]:
    """Each task's return value, waiting (Huey polls Redis) until a shared deadline."""
    end = time.monotonic() + DEADLINE_S
    try:
        return [r.get(blocking=True, timeout=max(1.0, end - time.monotonic())) for r in results]
    except Exception as error:
        pytest.fail(f"workers did not finish: {error!r}\n{workers.output()}")


@pytest.mark.slow
def test_two_workers_on_one_redis_queue_run_each_job_exactly_once(world, redis_jobs, workers) -> None:
    job_ids = _queue_jobs(world, 6)
    workers.start(2)

    results = [redis_jobs.enqueue(job_id) for job_id in job_ids]
    results.append(redis_jobs.enqueue(job_ids[0]))  # the same job handed out twice (a retried enqueue)
    outcomes = _wait_all(results, workers)

    assert outcomes[:-1] == ["succeeded"] * 6, workers.output()
    assert outcomes[-1] == "skipped"
    db.session.expire_all()
    rows = db.session.scalars(select(PlanningJob).where(PlanningJob.id.in_(job_ids))).all()
    assert {r.status for r in rows} == {"succeeded"}
    assert sorted(r.attempts for r in rows) == [1, 1, 1, 1, 1, 2]
    assert {r.worker for r in rows} <= workers.names()
    plans = db.session.scalars(select(RoundPlan.id)).all()
    assert sorted(plans) == sorted(r.plan_id for r in rows)  # one plan per job, the same day planned six times
    db.session.rollback()


def _poll(what: str, probe: Any, workers: Workers) -> Any:
    """Ask ``probe`` until it answers, within the deadline (each ask is a short transaction of its own)."""
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        answer = probe()
        db.session.rollback()
        if answer:
            return answer
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}\n{workers.output()}")


@pytest.mark.slow
def test_a_job_whose_worker_was_killed_is_marked_failed_and_the_day_can_be_planned_again(
    world, redis_jobs, workers
) -> None:
    (job_id,) = _queue_jobs(world, 1, time_limit_s=120)
    workers.start(1)
    redis_jobs.enqueue(job_id)
    _poll(
        "the job to start",
        lambda: db.session.get(PlanningJob, job_id, populate_existing=True).status == "running",
        workers,
    )

    workers.processes[0].send_signal(signal.SIGKILL)
    workers.processes[0].wait(timeout=30)
    job = db.session.get(PlanningJob, job_id, populate_existing=True)
    assert job.status == "running"  # nobody is left to say otherwise…
    job.started_at -= jobs.ORPHAN_GRACE  # …until the grace period has passed
    db.session.commit()

    workers.start(1)  # a restarted worker sweeps orphans first
    _poll("the sweep", lambda: db.session.get(PlanningJob, job_id, populate_existing=True).status == "failed", workers)
    assert "interrotto" in db.session.get(PlanningJob, job_id).message
    db.session.rollback()
    again = _queue_jobs(world, 1)
    assert _wait_all([redis_jobs.enqueue(again[0])], workers) == ["succeeded"]
