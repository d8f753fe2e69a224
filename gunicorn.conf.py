"""Gunicorn settings for FIT-MI Logistics: ``gunicorn -c gunicorn.conf.py wsgi:app`` (``make serve``).

Every value can be changed through the environment variable named next to it.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

from gunicorn.glogging import Logger

# Where nginx (or another reverse proxy) sends requests; never expose gunicorn itself to the internet.
bind = os.environ.get("FITMI_BIND", "127.0.0.1:8000")
# Processes x threads = requests served at once. 2-4 processes suit a small server; more need PostgreSQL and Redis
# (the app refuses to start in production otherwise).
# Measured on a 2-core machine (benchmarks/bench_pickups_load.py): 4 single-threaded processes answered 309
# API submissions a second, 2 processes x 4 threads 196 (Python threads share one core per process).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("FITMI_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
# A request taking longer than this is killed (route-sheet PDFs take a few seconds; planning runs in the worker).
timeout = int(os.environ.get("FITMI_WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle processes now and then: the geographic libraries hold caches that only grow.
max_requests = 10_000  # a restart costs each process a few seconds of start-up: not too often
max_requests_jitter = 1_000
# Off: each process builds its own app after the fork, so no database or Redis connection is shared between
# processes, and `kill -HUP` (systemctl reload) loads new code after an upgrade.
preload_app = False
accesslog = os.environ.get("FITMI_ACCESS_LOG", "-")
errorlog = "-"
# No control socket: two instances on one host would share its path, and systemd does the controlling.
control_socket_disable = True
# The app reads this to check its settings against the number of processes (SQLite, in-memory rate limits).
os.environ["FITMI_WEB_PROCESSES"] = str(workers)


def on_starting(server: Any) -> None:
    """The worker count may come from the command line (-w): tell the app the real one."""
    os.environ["FITMI_WEB_PROCESSES"] = str(server.cfg.workers)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class JsonLogger(Logger):  # type: ignore[misc]
    """gunicorn's own messages and one line per request as JSON, the request line with the app's request id."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(_JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        atoms = self.atoms(resp, req, environ, request_time)
        line = {
            "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "info",
            "logger": "gunicorn.access",
            "remote": atoms["h"],  # the client, once the app's ProxyFix trusted the proxy's X-Forwarded-For
            "method": atoms["m"],
            "path": atoms["U"],
            "query": atoms["q"],
            "status": int(atoms["s"]),
            "bytes": atoms["B"] or 0,
            "duration_ms": atoms["M"],
            "request_id": atoms.get("{x-request-id}o", ""),
            "user_agent": atoms["a"],
        }
        self.access_log.info("%s", json.dumps(line, ensure_ascii=False))


logger_class = JsonLogger
