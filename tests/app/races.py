"""Several requests at the same instant: each call in its own thread and session, started together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from app.errors import DomainError
from app.extensions import db


def race(app: Flask, calls: list[Callable[[], Any]], refused: type[DomainError]) -> list[str]:
    """Run ``calls`` at once, each in a thread with its own app context and session, released together by a
    barrier. Each outcome, in the order they finish: ``"ok"`` when the call returned (its transaction committed),
    or the message of the ``refused`` error it raised (its transaction rolled back). The caller commits its own
    set-up first: on SQLite an open transaction of the test would hold the write lock."""
    start, results = threading.Barrier(len(calls)), []

    def run(call: Callable[[], Any]) -> None:
        with app.app_context():
            start.wait()
            try:
                call()
                db.session.commit()
                results.append("ok")
            except refused as error:
                db.session.rollback()
                results.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
