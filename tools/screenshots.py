#!/usr/bin/env python3
"""Screenshots of the main pages for a reviewer: ``make screenshots`` (``.venv/bin/python -m tools.screenshots``).

Builds the demo data (``flask demo``) in a temporary SQLite database, serves the app on 127.0.0.1, signs in as
each demo role in headless Chromium (Debian's ``/usr/bin/chromium``, or ``CHROMIUM_PATH``) and saves a full-page
PNG of every page of ``tools/main_pages.py`` at desktop (1366 × 768) and phone (390 × 844) size into
``screenshots/`` (git-ignored; ``--out`` for another folder). Nothing leaves the machine: the map tiles are
refused, as offline.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _demo_app(database: Path, build: bool = True) -> Any:
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    os.environ["FITMI_ENV"] = "development"
    os.environ["ROUNDS_WORKER"] = "external"  # no planning here: no consumer thread
    from flask_migrate import upgrade

    from app import create_app
    from app.demo import build_demo
    from app.extensions import db

    # One sign-in per role and size: more than the login rate limit allows one address in a minute.
    app = create_app({"DEBUG": False, "TESTING": False, "LOGIN_RATE_LIMIT": "1000 per minute"})
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would bury the summary
    with app.app_context():
        if build:
            upgrade(directory=str(REPO / "migrations"))
            print("Building the demo data (about a minute)…", flush=True)
            build_demo()
            db.session.commit()
    return app


@contextmanager
def _serving(app: Any) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


def _offline(route: Any) -> None:
    """Only the app itself answers: tiles and any other host are refused, as on a machine without internet."""
    if route.request.url.startswith(("http://127.0.0.1", "data:")):
        route.continue_()
    else:
        route.abort()


def take(base_url: str, pages: list[Any], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    from tools.main_pages import log_in_as

    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless=new", "--no-sandbox"])
        for size, viewport in SIZES.items():
            for role in sorted({p.role or "" for p in pages}):
                context = browser.new_context(
                    base_url=base_url, locale="it-IT", viewport=viewport, is_mobile=size == "phone"
                )
                page = context.new_page()
                page.route("**/*", _offline)
                if role:
                    log_in_as(page, role)
                for main_page in (p for p in pages if (p.role or "") == role):
                    page.goto(main_page.path, wait_until="networkidle")  # the maps fetch their points after load
                    target = out / f"{main_page.name}-{size}.png"
                    page.screenshot(path=str(target), full_page=True)
                    saved.append(target)
                context.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "screenshots", help="folder for the PNGs")
    parser.add_argument("--database", type=Path, help="an SQLite file that already holds the demo (no rebuild)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: run `make browser` or set CHROMIUM_PATH.", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    from tools.main_pages import main_pages

    with tempfile.TemporaryDirectory(prefix="fitmi-screens-") as tmp:
        app = _demo_app(args.database or Path(tmp) / "demo.sqlite3", build=args.database is None)
        pages = main_pages(app)
        with _serving(app) as base_url:
            saved = take(base_url, pages, args.out)
        with app.app_context():
            from app.extensions import db

            db.engine.dispose()
    print(f"{len(saved)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
