"""Messages to social workers and households, sent after the transaction commits (pluggable backends).

``NOTIFY_BACKEND``: ``console`` (default: the message is logged), ``memory`` (kept in
``app.extensions["welfare_outbox"]``, for tests) or ``package.module:Class`` of a custom ``Sender``.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger("fitmi.notify")
_PENDING = "welfare_notify_pending"


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" or "email"
    to: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


class ConsoleSender:
    """Writes the message to the log: the default, so nothing leaves the machine by accident."""

    def send(self, message: Message) -> None:
        log.info("[%s → %s] %s: %s", message.channel, message.to, message.subject, message.body)


class MemorySender:
    """Keeps the messages in the app, for tests."""

    def __init__(self, app: Flask) -> None:
        self.outbox: list[Message] = app.extensions.setdefault("welfare_outbox", [])

    def send(self, message: Message) -> None:
        self.outbox.append(message)


def sender(app: Flask) -> Sender:
    backend = app.config.get("NOTIFY_BACKEND", "console")
    if backend == "console":
        return ConsoleSender()
    if backend == "memory":
        return MemorySender(app)
    module, _sep, name = backend.partition(":")
    return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]


def queue(session: Session, message: Message) -> None:
    """Send ``message`` once the current transaction commits (never for a rolled-back change)."""
    if message.to:
        session.info.setdefault(_PENDING, []).append(message)


@event.listens_for(Session, "after_commit")
def _send_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if not pending:
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    backend = sender(app)
    for message in pending:
        try:
            backend.send(message)
        except Exception:  # a failed SMS must not undo a committed delivery
            log.exception("notification to %s failed", message.to)


@event.listens_for(Session, "after_rollback")
def _drop_pending(session: Session) -> None:
    session.info.pop(_PENDING, None)


def outbox(app: Any) -> list[Message]:
    return app.extensions.setdefault("welfare_outbox", [])  # type: ignore[no-any-return]
