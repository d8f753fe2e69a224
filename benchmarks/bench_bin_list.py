"""The bin list (``GET /bins/``) on the demo data: first load after start-up, warm loads, SQL statements.

Usage::

    python benchmarks/bench_bin_list.py [--database-url URL] [--runs 5] [--warm 5]

Without ``--database-url`` a temporary SQLite database is filled with the demo organisations, users,
bins and their twelve months of pickups (what the list reads; the demo rounds and chain are left out).
Each run is a new Python process (nothing imported or cached, the fill model not fitted: as after a
restart) that logs in the demo coordinator through the test client, then times the first ``GET /bins/``
and ``--warm`` more, sorted by predicted fill as the operators ask. Prints the median of each and the SQL
statements of one warm load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

URL = "/bins/?sort=fill&dir=desc"


def _config(database_url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "FITMI_ENV": "development",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
    }


def _build(database_url: str) -> None:
    from flask_migrate import upgrade

    from app import create_app
    from app import demo as app_demo
    from app.bins.demo import ensure_demo_bins
    from app.collection.demo import ensure_demo_history
    from app.extensions import db

    app = create_app(_config(database_url))
    with app.app_context():
        started = time.perf_counter()
        upgrade()
        app_demo._ensure_comuni()
        app_demo._ensure_organisations()
        app_demo._ensure_fleet()
        app_demo._ensure_users()
        ensure_demo_bins()
        ensure_demo_history()
        db.session.commit()
        print(f"demo data: {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _run(database_url: str, warm: int) -> tuple[float, list[float], int]:
    """A fresh app: seconds of the first load, of each warm load, and the statements of a warm load."""
    from sqlalchemy import event

    from app import create_app
    from app.demo import USERS, demo_password
    from app.extensions import db

    app = create_app(_config(database_url))
    client = app.test_client()
    role, email = next((r, e) for r, e, _name, _org in USERS if r == "coordinator")
    response = client.post("/login", data={"email": email, "password": demo_password(role)})
    assert response.status_code == 302, response.status_code
    statements = [0]
    with app.app_context():
        engine = db.engine

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    started = time.perf_counter()
    assert client.get(URL).status_code == 200
    first = time.perf_counter() - started
    warm_times = []
    for _ in range(warm):
        statements[0] = 0
        started = time.perf_counter()
        assert client.get(URL).status_code == 200
        warm_times.append(time.perf_counter() - started)
    event.remove(engine, "before_cursor_execute", count)
    return first, warm_times, statements[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=5, help="fresh applications (first loads)")
    parser.add_argument("--warm", type=int, default=5, help="warm loads per run")
    parser.add_argument("--one-run", action="store_true", help=argparse.SUPPRESS)  # a run's own process
    args = parser.parse_args()
    if args.one_run:
        print(json.dumps(_run(args.database_url, args.warm)))
        return
    database_url = args.database_url
    if database_url is None:
        database_url = f"sqlite:///{tempfile.mkdtemp()}/bins.sqlite3"
        os.environ["DATABASE_URL"] = database_url
        _build(database_url)
    firsts, warms, statements = [], [], 0
    command = [sys.executable, __file__, "--one-run", "--database-url", database_url, "--warm", str(args.warm)]
    for _ in range(args.runs):
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
        first, warm_times, statements = json.loads(output.strip().splitlines()[-1])
        firsts.append(first)
        warms.extend(warm_times)
    print(f"GET {URL}: {args.runs} runs")
    print(f"first load (fresh app, model not fitted): median {statistics.median(firsts):.3f} s")
    if warms:
        print(f"warm load: median {statistics.median(warms):.3f} s over {len(warms)} loads")
    print(f"SQL statements per warm load: {statements}")


if __name__ == "__main__":
    main()
