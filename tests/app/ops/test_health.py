"""``/healthz``: database, Redis and the planning queue; 200 or 503, no login, no secrets."""

from __future__ import annotations

from datetime import timedelta

from app.core.clock import utcnow
from app.extensions import db
from app.rounds.models import PlanningJob

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_healthz_reports_the_database_and_the_queue_without_login(app, client, sqlite_queue):
    response = client.get("/healthz")
    report = response.get_json()
    assert response.status_code == 200 and report["status"] == "ok"
    assert report["database"] == {"ok": True, "backend": db.engine.dialect.name}
    assert report["redis"] == {"ok": True, "configured": False}
    assert report["queue"]["ok"] and report["queue"]["queued_jobs"] == 0 and report["queue"]["backend"] == "sqlite"
    text = response.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in text and str(db.engine.url.database) not in text


def test_healthz_pings_redis_when_configured(app, client, sqlite_queue, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["redis"] == {"ok": True, "configured": True}
    assert "6379" not in response.get_data(as_text=True)


def test_healthz_is_503_when_redis_is_unreachable(app, client, sqlite_queue, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://:hunter2@127.0.0.1:1/0")  # nothing listens on port 1
    response = client.get("/healthz")
    report = response.get_json()
    assert response.status_code == 503 and report["status"] == "unhealthy"
    assert report["redis"]["ok"] is False and report["redis"]["error"] == "ConnectionError"
    assert "hunter2" not in response.get_data(as_text=True)


def test_healthz_is_503_when_a_job_has_waited_too_long_for_a_worker(client, sqlite_queue):
    db.session.add(PlanningJob(status="queued", created_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    report = client.get("/healthz").get_json()
    assert report["status"] == "unhealthy"
    assert report["queue"]["ok"] is False and report["queue"]["queued_jobs"] == 1
    assert report["queue"]["oldest_queued_s"] >= 3600


def test_healthz_is_503_when_the_database_fails(client, sqlite_queue, monkeypatch):
    from sqlalchemy.exc import OperationalError

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == {"ok": False, "error": "OperationalError"}


def test_healthz_needs_no_csrf_and_is_not_rate_limited(client, sqlite_queue):
    assert {client.get("/healthz").status_code for _ in range(30)} == {200}
