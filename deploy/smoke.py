#!/usr/bin/env python3
"""Smoke test of a production-like deployment, run by CI: ``.venv/bin/python deploy/smoke.py``.

On a scratch PostgreSQL database and Redis (local servers; ``FITMI_SMOKE_PG_URL``, ``FITMI_SMOKE_REDIS_URL``):
``flask db upgrade``, ``flask demo``, an API token; then gunicorn (2 processes, gunicorn.conf.py, behind a
pretended proxy) and one planning worker, with ``FITMI_ENV=production`` and no road network (straight lines).
Over HTTP: log in, queue a plan, wait for the worker, post a pickup twice with one Idempotency-Key, check
``/healthz`` and the security headers. Everything is stopped and the database dropped at the end. Exit status 1,
with what failed, on any failure.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import redis
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("FITMI_SMOKE_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("FITMI_SMOKE_REDIS_URL", "redis://127.0.0.1:6379/0")
COORDINATOR = "coordinatore@demo.fitmi.it"
OPERATOR = "operatore@demo.fitmi.it"
PLANT = "Impianto di selezione Cinisello (demo)"
START_DEADLINE_S = 90
JOB_DEADLINE_S = 240
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


class SmokeFailure(Exception):
    """One check that did not hold."""


def say(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


def wait_for(what: str, probe: Callable[[], Any], deadline_s: float, interval_s: float = 0.5) -> Any:
    """Call ``probe`` until it returns something truthy, failing after ``deadline_s`` seconds."""
    end = time.monotonic() + deadline_s
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > end:
            raise SmokeFailure(f"timed out after {deadline_s:.0f} s waiting for {what}")
        time.sleep(interval_s)


class Browser:
    """A minimal HTTP client keeping cookies by hand (production cookies are Secure; we speak HTTP to gunicorn
    and pretend to be nginx with X-Forwarded-Proto: https, as FITMI_TRUSTED_PROXIES=1 expects)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect())

    def request(
        self, method: str, path: str, form: Any = None, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, str]:
        data, sent = None, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.2", **(headers or {})}
        if method != "GET":  # as a browser does; over HTTPS Flask-WTF checks the Referer against the host
            sent.setdefault("Referer", "https://" + urllib.parse.urlsplit(self.base).netloc + path)
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        req = urllib.request.Request(self.base + path, data=data, headers=sent, method=method)  # noqa: S310
        try:
            with self.opener.open(req, timeout=60) as response:
                status, headers_in, text = response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            status, headers_in, text = error.code, error.headers, error.read().decode()
        for cookie in headers_in.get_all("Set-Cookie") or []:
            name, _, rest = cookie.partition("=")
            value = rest.split(";", 1)[0]
            if value and "max-age=0" not in cookie.lower():
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return status, headers_in, text

    def csrf(self, path: str) -> str:
        status, _headers, html = self.request("GET", path)
        check(status == 200, f"GET {path}: {status}")
        match = CSRF.search(html)
        check(match is not None, f"no CSRF token on {path}")
        assert match is not None
        return match.group(1) or match.group(2)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Deployment:
    """The scratch database, the Redis queue name, and the processes started on them."""

    def __init__(self, workdir: Path) -> None:
        suffix = secrets.token_hex(5)
        self.workdir = workdir
        self.db_name = f"fitmi_smoke_{suffix}"
        self.queue = f"fitmi-smoke-{suffix}"
        self.admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.db_url = sa.make_url(PG_ADMIN_URL).set(database=self.db_name).render_as_string(hide_password=False)
        self.port = _free_port()
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {
            **os.environ,
            "FITMI_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": self.db_url,
            "REDIS_URL": REDIS_URL,
            "ROUNDS_WORKER": "external",
            "ROUNDS_QUEUE_NAME": self.queue,
            "FITMI_BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "FITMI_TRUSTED_PROXIES": "1",
            "FITMI_SHARED": str(workdir / "no-shared-folder"),  # nothing may need it
            "MAP_TILE_URL": "https://tiles.example.org/{z}/{x}/{y}.png",
            "FITMI_LOG_FORMAT": "json",
        }
        for name in ("ROAD_NETWORK_FILE", "GIS_COMUNI_FILE", "FITMI_WEB_PROCESSES"):
            self.env.pop(name, None)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def create_database(self) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.db_name}"')

    def flask(self, *args: str, timeout_s: float = 600) -> str:
        cmd = [str(REPO / ".venv" / "bin" / "flask"), "--app", "wsgi", *args]
        done = subprocess.run(
            cmd, cwd=REPO, env=self.env, capture_output=True, text=True, timeout=timeout_s, check=False
        )
        check(done.returncode == 0, f"flask {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self, name: str, *cmd: str) -> None:
        log = (self.workdir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            list(cmd), cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> None:
        for name, process in self.processes.items():
            check(process.poll() is None, f"{name} exited with {process.returncode}:\n{self.log_tail(name)}")

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop on SIGTERM: killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def clean_up(self) -> None:
        self.stop()
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        self.admin.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"*{self.queue}*"):
            client.delete(key)
        client.close()

    def scalar(self, sql: str, **params: Any) -> Any:
        engine = sa.create_engine(self.db_url)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(sql), params).scalar()
        finally:
            engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(dep: Deployment) -> tuple[dict[str, str], str]:
    """Database, demo data, an API token; returns the demo passwords by e-mail and the token."""
    say(f"scratch database {dep.db_name}, Redis queue {dep.queue}")
    dep.create_database()
    dep.flask("db", "upgrade")
    say("flask db upgrade: done; flask demo …")
    out = dep.flask("demo")
    passwords = dict(re.findall(r"^\s+\S+\s+(\S+@\S+)\s+(\S+)$", out, re.MULTILINE))
    check(COORDINATOR in passwords, f"flask demo printed no coordinator:\n{out}")
    token = dep.flask("api", "create-token", OPERATOR, "--name", "smoke").strip().splitlines()[-1]
    check(token.startswith("fitmi_"), f"unexpected token line {token!r}")
    return passwords, token


def start_services(dep: Deployment) -> Browser:
    venv = REPO / ".venv" / "bin"
    dep.start("worker", str(venv / "flask"), "--app", "wsgi", "rounds", "worker")
    dep.start("gunicorn", str(venv / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app")
    browser = Browser(dep.base)

    def healthy() -> bool:
        dep.alive()
        try:
            return browser.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    wait_for("gunicorn to answer /healthz", healthy, START_DEADLINE_S)
    say(f"gunicorn (2 processes) and the worker are up on {dep.base}")
    return browser


def check_headers(browser: Browser) -> None:
    status, headers, _html = browser.request("GET", "/login", headers={"X-Request-ID": "smoke-request-0001"})
    check(status == 200, f"GET /login: {status}")
    csp = headers.get("Content-Security-Policy", "")
    check("frame-ancestors 'none'" in csp and "https://tiles.example.org" in csp, f"CSP: {csp!r}")
    check(headers.get("X-Content-Type-Options") == "nosniff", "no X-Content-Type-Options: nosniff")
    check("max-age=" in headers.get("Strict-Transport-Security", ""), "no HSTS in production")
    check(headers.get("X-Request-ID") == "smoke-request-0001", "X-Request-ID not echoed")


def log_in(browser: Browser, email: str, password: str) -> None:
    token = browser.csrf("/login")
    status, headers, _ = browser.request(
        "POST", "/login", form={"email": email, "password": password, "csrf_token": token}
    )
    check(status == 302 and "/login" not in headers.get("Location", "/login"), f"login as {email}: {status}")


def plan_a_day(dep: Deployment, browser: Browser) -> None:
    plant_id = dep.scalar("SELECT id FROM site WHERE name = :name", name=PLANT)
    vehicles = dep.scalar("SELECT count(*) FROM vehicle WHERE home_site_id = :plant", plant=plant_id)
    check(plant_id is not None and vehicles, "the demo has no sorting plant with vehicles")
    vehicle_id = dep.scalar("SELECT min(id) FROM vehicle WHERE home_site_id = :plant", plant=plant_id)
    token = browser.csrf("/rounds/plan/new")
    form = {
        "csrf_token": token,
        "service_date": (date.today() + timedelta(days=1)).isoformat(),
        "plant_id": plant_id,
        "vehicle_ids": [vehicle_id],
        f"driver_{vehicle_id}": 0,
        "threshold_percent": 80,
        "time_limit_s": 5,
    }
    status, headers, html = browser.request("POST", "/rounds/plan/new", form=form)
    location = headers.get("Location", "")
    check(status == 302 and "/rounds/jobs/" in location, f"plan form answered {status}: {html[:800]}")
    job_url = urllib.parse.urlsplit(location).path
    say(f"plan queued: {job_url}")

    def finished() -> dict[str, Any] | None:
        dep.alive()
        status, _headers, text = browser.request("GET", job_url + ".json")
        check(status == 200, f"GET {job_url}.json: {status}")
        summary: dict[str, Any] = json.loads(text)
        return summary if summary["status"] not in ("queued", "running") else None

    summary = wait_for("the worker to finish the plan", finished, JOB_DEADLINE_S)
    check(summary["status"] == "succeeded", f"planning job {summary['status']}: {summary.get('message')}")
    status, _headers, _html = browser.request("GET", urllib.parse.urlsplit(summary["plan_url"]).path)
    check(status == 200, f"plan review page: {status}")
    say(f"plan computed by the worker in {summary['elapsed_s']} s and shown")


def post_pickup_twice(dep: Deployment, browser: Browser, token: str) -> None:
    bin_id = dep.scalar(
        "SELECT min(b.id) FROM bin b JOIN organisation o ON o.id = b.operator_id "
        "JOIN user_account u ON u.organisation_id = o.id WHERE u.email = :email",
        email=OPERATOR,
    )
    check(bin_id is not None, "no bin of the operator's organisation")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"smoke-{secrets.token_hex(8)}"}
    body = {"bin_id": bin_id, "weight_kg": 120.5, "fill_percent": 70}
    first = browser.request("POST", "/api/v1/pickups", body=body, headers=headers)
    check(first[0] == 201, f"API pickup: {first[0]} {first[2][:500]}")
    again = browser.request("POST", "/api/v1/pickups", body=body, headers=headers)
    check(again[0] == 200 and again[1].get("Idempotent-Replayed") == "true", f"replay: {again[0]} {again[2][:300]}")
    pickup = json.loads(first[2])["pickup"]["id"]
    check(json.loads(again[2])["pickup"]["id"] == pickup, "the replay answered a different pickup")
    count = dep.scalar("SELECT count(*) FROM pickup WHERE bin_id = :bin AND source = 'api'", bin=bin_id)
    check(count == 1, f"{count} API pickups stored for one Idempotency-Key")
    say(f"API pickup {pickup} stored once, replayed once")


def check_health_and_logs(dep: Deployment, browser: Browser) -> None:
    status, _headers, text = browser.request("GET", "/healthz")
    report = json.loads(text)
    check(status == 200 and report["status"] == "ok", f"/healthz {status}: {text}")
    check(report["redis"]["configured"] and report["queue"]["backend"] == "redis", f"/healthz: {text}")
    check(report["database"]["backend"] == "postgresql", f"/healthz: {text}")
    check(dep.db_url.split("@")[-1] not in text and "redis://" not in text, "/healthz shows connection strings")
    access = [line for line in dep.log_tail("gunicorn", 400).splitlines() if '"gunicorn.access"' in line]
    check(bool(access), "no access log lines")
    entry = json.loads(access[-1])
    check(bool(entry.get("request_id")) and entry["remote"] == "127.0.0.2", f"access log line: {access[-1]}")
    say("/healthz ok; access log is JSON with request ids and the forwarded client address")


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="fitmi-smoke-"))
    dep = Deployment(workdir)
    state: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], None]]] = [
        ("prepare", lambda: state.update(zip(("passwords", "token"), prepare(dep), strict=True))),
        ("start", lambda: state.update(browser=start_services(dep))),
        ("headers", lambda: check_headers(state["browser"])),
        ("login", lambda: log_in(state["browser"], COORDINATOR, state["passwords"][COORDINATOR])),
        ("plan", lambda: plan_a_day(dep, state["browser"])),
        ("pickup", lambda: post_pickup_twice(dep, state["browser"], state["token"])),
        ("health", lambda: check_health_and_logs(dep, state["browser"])),
    ]
    passed, failure = 0, None
    try:
        for name, run in steps:
            try:
                run()
            except (
                SmokeFailure,
                subprocess.TimeoutExpired,
                OSError,
                sa.exc.SQLAlchemyError,
                redis.RedisError,
            ) as error:
                failure = f"{name}: {error}"
                break
            passed += 1
    finally:
        try:
            dep.clean_up()
        except Exception as error:  # still report the first failure
            say(f"clean-up failed: {error!r}")
    if failure is not None:
        say(f"FAILED at {failure}")
        for name in dep.processes:
            say(f"--- last lines of {name}.log ({workdir}) ---")
            print(dep.log_tail(name), flush=True)
        print(f"smoke: {passed} passed, 1 failed", flush=True)
        return 1
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"smoke: {passed} passed, 0 failed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
