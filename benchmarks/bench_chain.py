"""Benchmark of the chain balance page (issue 14): a month of demo data, about 6,000 pickups, in ≤ 1 s.

Run: ``python benchmarks/bench_chain.py [--database sqlite|postgresql] [--repeat 7]`` (about 1 minute:
most of it builds the demo). Prints a Markdown table (pasted into ``benchmarks/README.md``) and
writes ``benchmarks/results/bench_chain.json``.

The demo (``flask demo``) is built into a scratch database on the machine's clock: a year of pickups
at 1,099 bins, and last month and this one through rounds, intake, sorting, outbound legs, stock
and families. Then, logged in as the demo coordinator through the Flask test client (the whole
request: login session, query string, engine, template), the script times

- ``GET /chain/`` for last month (the balance page), ``/chain/forward`` and ``/chain/export.json``;
- the engine alone (``follow`` + ``follow_pieces`` + ``hops``);
- the baseline: the same kg figures computed by walking the ORM objects (each pickup's batch, each
  batch's session, each fraction's ledger rows, one query per object), as a first version would.

Each is run once cold (after ``db.session.remove()``) and ``--repeat`` times warm; medians are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "benchmarks" / "results"


def _database(kind: str, folder: Path) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        return f"sqlite:///{folder / 'chain.sqlite3'}", lambda: None
    import sqlalchemy as sa

    admin = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    name = f"fitmi_bench_chain_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", drop


def _timed(call: Callable[[], Any], repeat: int, reset: Callable[[], None]) -> tuple[float, float]:
    reset()
    start = time.perf_counter()
    call()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        warm.append(time.perf_counter() - start)
    return cold, statistics.median(warm)


def _orm_walk(first: date, last: date) -> Decimal:
    """Baseline: weighed, sorted, fractions and outbound kg of the month, object by object."""
    from sqlalchemy import select

    from app.chain.flow import Scope
    from app.collection.models import Pickup
    from app.extensions import db
    from app.sorting.ledger import fraction_balance_kg
    from app.sorting.models import IntakeBatch, batch_pickup

    low, high = Scope(first, last).bounds
    pickups = db.session.scalars(select(Pickup).where(Pickup.collected_at >= low, Pickup.collected_at < high)).all()
    total = Decimal(0)
    seen: set[int] = set()
    for pickup in pickups:
        batch_id = db.session.scalar(select(batch_pickup.c.batch_id).where(batch_pickup.c.pickup_id == pickup.id))
        if batch_id is None or batch_id in seen:
            continue
        seen.add(batch_id)
        batch = db.session.get(IntakeBatch, batch_id)
        total += batch.net_kg  # type: ignore[union-attr]
        logged = sum((p.kg for p in batch.pickups), Decimal(0))  # type: ignore[union-attr]
        total += logged
        session_input = batch.session_input  # type: ignore[union-attr]
        if session_input is not None:
            for fraction in session_input.session.fractions:
                total += fraction_balance_kg(fraction.id)
    return total


def run_on_scratch_database(description: str, repeat: int, run: Callable[[argparse.Namespace], None]) -> None:
    """Parse ``--database`` and ``--repeat``, run ``run(args)`` on a scratch database, then drop it."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--repeat", type=int, default=repeat)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url, drop = _database(args.database, Path(folder))
        os.environ["DATABASE_URL"] = url
        try:
            run(args)
        finally:
            drop()


def main() -> None:
    run_on_scratch_database(__doc__.split("\n")[0], 7, _run)


def write_results(
    name: str, database: str, pickups: int, load: float, results: dict[str, tuple[float, float]], goal_met: bool
) -> None:
    """``benchmarks/results/<name>.json``: the timings (cold and warm median) of each request."""
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {
                "database": database,
                "pickups": pickups,
                "load_average": load,
                "results": {k: {"cold_s": c, "warm_s": w} for k, (c, w) in results.items()},
                "goal_met": goal_met,
            },
            indent=2,
        )
    )


def build_demo_timed() -> float:
    """Migrate the scratch database and build the demo in it (inside an app context); the seconds it took."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from app.demo import build_demo
    from app.extensions import db

    upgrade()
    start = time.perf_counter()
    build_demo()
    db.session.commit()
    seconds = time.perf_counter() - start
    # Fresh planner statistics, as autovacuum (PostgreSQL) would give a production database after a bulk load;
    # without them PostgreSQL plans the new tables as nearly empty.
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return seconds


def coordinator_get(app: Any) -> Callable[[str], Callable[[], None]]:
    """A test client logged in as the demo coordinator; ``get(url)`` makes a call that asserts a 200."""
    from app.demo import demo_password

    client = app.test_client()
    login = client.post(
        "/login", data={"email": "coordinatore@demo.fitmi.it", "password": demo_password("coordinator")}
    )
    assert login.status_code == 302, login.status_code

    def get(url: str) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    return get


def _run(args: argparse.Namespace) -> None:
    from app import create_app
    from app.chain import balance
    from app.chain.flow import Scope, follow
    from app.chain.pieces import follow_pieces
    from app.core.clock import local_today
    from app.extensions import db

    app = create_app({"WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    with app.app_context():
        demo_s = build_demo_timed()
        first = (local_today().replace(day=1) - timedelta(days=1)).replace(day=1)
        last = local_today().replace(day=1) - timedelta(days=1)
        scope = Scope(first, last)
        pickups = len(follow(scope).pickups)

        get = coordinator_get(app)
        query = f"start={first.isoformat()}&end={last.isoformat()}"

        def engine() -> None:
            flow = follow(scope)
            balance.hops(flow, follow_pieces(flow))

        rows = {
            "GET /chain/ (balance page)": get(f"/chain/?{query}"),
            "GET /chain/forward": get(f"/chain/forward?{query}"),
            "GET /chain/export.json": get(f"/chain/export.json?{query}"),
            "engine only (follow + pieces + hops)": engine,
            "baseline: ORM walk, one query per object": lambda: _orm_walk(first, last),
        }
        results = {name: _timed(call, args.repeat, db.session.remove) for name, call in rows.items()}

    page_warm = results["GET /chain/ (balance page)"][1]
    baseline_warm = results["baseline: ORM walk, one query per object"][1]
    load = os.getloadavg()[0]
    print(f"\nChain balance, {args.database}, month {first:%m/%Y}: {pickups} pickups; demo built in {demo_s:.0f} s;")
    print(f"load average {load:.2f} (1 min) at the end, 2 cores\n")
    print("| request | cold (s) | warm median (s) | vs 1 s goal | vs ORM walk |")
    print("|---|---|---|---|---|")
    for name, (cold, warm) in results.items():
        print(f"| {name} | {cold:.3f} | {warm:.3f} | {warm:.2f}× | {warm / baseline_warm:.3f}× |")
    write_results("bench_chain", args.database, pickups, load, results, page_warm <= 1.0)


if __name__ == "__main__":
    main()
