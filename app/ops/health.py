"""``/healthz``: database, Redis and the planning queue as JSON; 200 when healthy, 503 when not. No secrets."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app
from sqlalchemy import text

from app.extensions import csrf, db, limiter

bp = Blueprint("ops", __name__)
log = logging.getLogger("app.ops")


def _database() -> dict[str, Any]:
    db.session.execute(text("SELECT 1"))
    return {"ok": True, "backend": db.engine.dialect.name}


def _redis() -> dict[str, Any]:
    import redis

    url = current_app.config.get("REDIS_URL")
    if not url:
        return {"ok": True, "configured": False}
    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return {"ok": True, "configured": True}


def _queue() -> dict[str, Any]:
    from app.rounds.jobs import queue_state

    state = queue_state(current_app._get_current_object())  # type: ignore[attr-defined]
    waited = state["oldest_queued_s"]
    # A job waiting this long means no worker is taking jobs (stopped, crashed, or on another queue name).
    state["ok"] = waited is None or waited <= current_app.config["HEALTH_QUEUE_MAX_WAIT_S"]
    return state


def _probe(check: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one check; a failure reports only the exception's type (messages may carry host names or URLs)."""
    try:
        return check()
    except Exception as error:
        db.session.rollback()
        log.warning("health check %s failed", check.__name__.strip("_"), exc_info=True)
        return {"ok": False, "error": type(error).__name__}


def health_report() -> dict[str, Any]:
    checks = {"database": _probe(_database), "redis": _probe(_redis), "queue": _probe(_queue)}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "unhealthy", **checks}


@bp.route("/healthz")
@limiter.exempt
@csrf.exempt
def healthz() -> Any:
    report = health_report()
    db.session.rollback()
    return report, 200 if report["status"] == "ok" else 503
