"""Planning as a background job: a Huey queue (SQLite file by default, Redis when ``REDIS_URL`` is set).

The web process runs an embedded consumer thread unless ``ROUNDS_WORKER=external`` (then run
``flask rounds worker``). Progress and cancel go through the ``planning_job`` row, written in short
transactions of their own; the plan itself is written in one transaction at the very end.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Result
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from app.core.clock import utcnow
from app.errors import DomainError, NotFoundError
from app.extensions import db
from app.rounds import kinds, services
from app.rounds.adapters import SolveCancelled
from app.rounds.models import JobStatus, PlanningJob
from app.rounds.services import PlanParams

log = logging.getLogger(__name__)
THROTTLE_S = 0.5
ORPHAN_GRACE = timedelta(minutes=10)
# Job kinds that are not one day's plan (the week plan): kind → runner(job, reporter) returning a plan id.
RUNNERS: dict[str, Any] = {}


def setting(app: Flask, name: str, default: str | None = None) -> str | None:
    """A jobs setting from the app config, else from the environment (``ROUNDS_WORKER``, ``ROUNDS_QUEUE_*``)."""
    return app.config.get(name) or os.environ.get(name) or default


def make_huey(app: Flask) -> Huey:
    """RedisHuey when ``REDIS_URL`` is set, else SqliteHuey in the instance folder."""
    name = setting(app, "ROUNDS_QUEUE_NAME", "fitmi-rounds")
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"])
    path = setting(app, "ROUNDS_QUEUE_FILE") or str(Path(app.instance_path) / "rounds-queue.sqlite3")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=path)


class JobQueue:
    """A Huey instance bound to one Flask app, with its planning task and an optional embedded consumer."""

    def __init__(self, app: Flask, huey: Huey) -> None:
        self.app, self.huey = app, huey
        self.task = huey.task(name="rounds.plan")(self._run)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def _run(self, job_id: int) -> str:
        with self.app.app_context():
            return run_job(job_id)

    def enqueue(self, job_id: int) -> Result:
        if setting(self.app, "ROUNDS_WORKER", "embedded") == "embedded":
            self.start_embedded()
        return self.task(job_id)

    def run_pending(self) -> int:
        """Execute every queued task in this thread (used by the embedded consumer and tests)."""
        count = 0
        while (task := self.huey.dequeue()) is not None:
            self.huey.execute(task)
            count += 1
        return count

    def start_embedded(self) -> None:
        """Start the consumer thread inside the web process (once)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="rounds-worker", daemon=True)
        self._thread.start()

    def stop_embedded(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        with self.app.app_context():
            fail_orphaned_jobs()
        while not self._stop.is_set():
            try:
                if not self.run_pending():
                    self._stop.wait(1.0)
            except Exception:  # the consumer must survive a broken queue entry
                log.exception("rounds worker: task failed outside the job")
                self._stop.wait(1.0)


def queue(app: Flask | None = None) -> JobQueue:
    """The app's job queue, created on first use."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    if "rounds_queue" not in app.extensions:
        app.extensions["rounds_queue"] = JobQueue(app, make_huey(app))
    return app.extensions["rounds_queue"]  # type: ignore[no-any-return]


def run_consumer(app: Flask) -> None:
    """``flask rounds worker``: Huey's own consumer, in the foreground; it also sweeps orphaned jobs every 5 min."""
    with app.app_context():
        fail_orphaned_jobs()
    huey = queue(app).huey

    @huey.periodic_task(crontab(minute="*/5"), name="rounds.sweep_orphans")
    def _sweep() -> None:
        with app.app_context():
            fail_orphaned_jobs()

    huey.create_consumer(workers=1, worker_type="thread").run()


def start_planning(params: PlanParams) -> PlanningJob:
    """Check the choices, record a queued job and enqueue it once the transaction commits."""
    kinds.get(params.kind).check(params)
    return start_job(params.kind, params.to_json(), params.created_by_id)


def start_job(kind: str, params_json: str, created_by_id: int | None) -> PlanningJob:
    """Record a queued job of another kind (see ``RUNNERS``) and enqueue it once the transaction commits."""
    job = PlanningJob(kind=kind, params_json=params_json, created_by_id=created_by_id)
    db.session.add(job)
    db.session.flush()
    job_id, jobs = job.id, queue()
    _on_commit(lambda: jobs.enqueue(job_id))
    return job


def _on_commit(action: Any) -> None:
    """Run ``action`` after the current transaction commits; forget it if the transaction rolls back."""
    live = [True]
    session = db.session()
    event.listen(session, "after_rollback", lambda _s: live.clear(), once=True)
    event.listen(session, "after_commit", lambda _s: live and action(), once=True)


def request_cancel(job: PlanningJob) -> PlanningJob:
    """Ask a job to stop; a job not yet started is cancelled at once."""
    if job.status == JobStatus.QUEUED:
        _set_finished(job, JobStatus.CANCELLED, _("Calcolo annullato."))
    elif job.status == JobStatus.RUNNING:
        job.cancel_requested = True
    db.session.flush()
    return job


def get_job(job_id: int) -> PlanningJob:
    job = db.session.get(PlanningJob, job_id)
    if job is None:
        raise NotFoundError(_("Calcolo non trovato."))
    return job


def summary(job: PlanningJob) -> dict[str, Any]:
    """Status, elapsed seconds against the time limit, best cost so far, failure reason."""
    progress = json.loads(job.progress_json or "[]")
    limit = json.loads(job.params_json or "{}").get("time_limit_s", 30)
    end = job.finished_at or utcnow()
    elapsed = (end - job.started_at).total_seconds() if job.started_at else 0.0
    return {
        "status": job.status,
        "message": job.message,
        "elapsed_s": round(elapsed, 1),
        "best_cost": progress[-1][1] if progress else None,
        "time_limit_s": limit,
        "remaining_s": remaining_s(job.status, elapsed, limit),
        "plan_id": job.plan_id,
    }


SAVE_ALLOWANCE_S = 5  # reading the bins before the solve and saving the plan after it


def remaining_s(status: str, elapsed_s: float, time_limit_s: float) -> int | None:
    """About how many seconds a job still needs: its time limit less what has run, plus reading and saving."""
    if status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return None
    return max(0, round(time_limit_s - elapsed_s)) + SAVE_ALLOWANCE_S


def fail_orphaned_jobs() -> int:
    """Jobs left running by a process that died are marked failed with the reason."""
    cutoff = utcnow() - ORPHAN_GRACE
    jobs = db.session.scalars(
        select(PlanningJob).where(PlanningJob.status == JobStatus.RUNNING, PlanningJob.started_at < cutoff)
    ).all()
    for job in jobs:
        _set_finished(job, JobStatus.FAILED, _("Il processo di calcolo si è interrotto prima di finire: riprova."))
    db.session.commit()
    return len(jobs)


def _set_finished(job: PlanningJob, status: str, message: str = "", plan_id: int | None = None) -> None:
    job.status, job.message, job.plan_id, job.finished_at = status, message, plan_id, utcnow()


class _Reporter:
    """Progress callback and cancel token of one job, each touching the row at most every 0.5 s."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.points: list[list[float]] = []
        self._written = self._checked = 0.0
        self._cancelled = False

    def progress(self, elapsed_s: float, best_cost: int) -> None:
        self.points.append([round(elapsed_s, 2), best_cost])
        if time.monotonic() - self._written >= THROTTLE_S:
            self._write()

    def _write(self) -> None:
        self._written = time.monotonic()
        with Session(db.engine) as session, session.begin():
            session.execute(
                update(PlanningJob).where(PlanningJob.id == self.job_id).values(progress_json=json.dumps(self.points))
            )

    def is_set(self) -> bool:
        if not self._cancelled and time.monotonic() - self._checked >= THROTTLE_S:
            self._checked = time.monotonic()
            with Session(db.engine) as session, session.begin():
                job = session.get(PlanningJob, self.job_id)
                self._cancelled = job is None or job.cancel_requested
        return self._cancelled


def worker_name() -> str:
    """``host:pid`` of this process, recorded on the jobs it takes."""
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def _claim(job_id: int) -> bool:
    """Count the delivery, then take the job by compare-and-set: of two workers handed one job, one runs it."""
    db.session.execute(update(PlanningJob).where(PlanningJob.id == job_id).values(attempts=PlanningJob.attempts + 1))
    claimed = db.session.execute(
        update(PlanningJob)
        .where(PlanningJob.id == job_id, PlanningJob.status == JobStatus.QUEUED)
        .values(status=JobStatus.RUNNING, started_at=utcnow(), worker=worker_name())
    )
    db.session.commit()
    return bool(claimed.rowcount)  # type: ignore[attr-defined]


def run_job(job_id: int) -> str:
    """Run one planning job in the current app context; never leaves a half-saved plan."""
    if not _claim(job_id):
        log.info("planning job %s skipped: not queued any more", job_id)
        return "skipped"
    log.info("planning job %s started by %s", job_id, worker_name())
    job = db.session.get(PlanningJob, job_id)
    assert job is not None
    reporter = _Reporter(job_id)
    try:
        if job.kind in RUNNERS:
            _finish(job_id, JobStatus.SUCCEEDED, "", RUNNERS[job.kind](job, reporter), reporter)
            return status_of(job_id)
        params = PlanParams.from_json(job.params_json)
        prepared = kinds.get(params.kind).prepare(params)
        db.session.rollback()  # end the read transaction: on SQLite it holds the write lock
        computed = services.compute(prepared, reporter.progress, reporter)
        plan = services.save(prepared, computed)
        _finish(job_id, JobStatus.SUCCEEDED, "", plan.id, reporter)
    except SolveCancelled:
        _finish(job_id, JobStatus.CANCELLED, _("Calcolo annullato."), None, reporter)
    except DomainError as error:
        _finish(job_id, JobStatus.FAILED, error.message, None, reporter)
    except Exception as error:
        log.exception("planning job %s failed", job_id)
        _finish(
            job_id,
            JobStatus.FAILED,
            _(
                "Errore interno durante il calcolo (%(error)s): il piano non è stato salvato.",
                error=type(error).__name__,
            ),
            None,
            reporter,
        )
    return status_of(job_id)


def status_of(job_id: int) -> str:
    job = db.session.get(PlanningJob, job_id)
    return job.status if job else "missing"


def _finish(job_id: int, status: str, message: str, plan_id: int | None, reporter: _Reporter) -> None:
    """Commit what a succeeded job saved (a plan, or a week whose days may all be without rounds) with the
    job's final state; otherwise roll everything back and record why."""
    if status != JobStatus.SUCCEEDED:
        db.session.rollback()
    job = db.session.get(PlanningJob, job_id)
    if job is None:  # deleted meanwhile: nothing to record
        return
    job.progress_json = json.dumps(reporter.points)
    _set_finished(job, status, message, plan_id)
    db.session.commit()


def queue_state(app: Flask) -> dict[str, Any]:
    """For ``/healthz``: queue backend, messages waiting, jobs queued and running, age of the oldest queued job."""
    counts = dict(
        db.session.execute(
            select(PlanningJob.status, func.count())
            .where(PlanningJob.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)))
            .group_by(PlanningJob.status)
        ).all()
    )
    oldest = db.session.scalar(select(func.min(PlanningJob.created_at)).where(PlanningJob.status == JobStatus.QUEUED))
    jobs = queue(app)
    return {
        "backend": "redis" if isinstance(jobs.huey, RedisHuey) else "sqlite",
        "worker": setting(app, "ROUNDS_WORKER", "embedded"),
        "pending_messages": jobs.huey.pending_count(),
        "queued_jobs": counts.get(JobStatus.QUEUED, 0),
        "running_jobs": counts.get(JobStatus.RUNNING, 0),
        "oldest_queued_s": round((utcnow() - oldest).total_seconds()) if oldest else None,
    }
