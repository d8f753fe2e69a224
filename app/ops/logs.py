"""Structured logs: one JSON object (production) or one key=value line (development) per record."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g, has_request_context

_HANDLER_NAME = "fitmi"


def _request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class StructuredFormatter(logging.Formatter):
    """Time, level, logger, message and the request id (when inside a request), as JSON or key=value."""

    def __init__(self, style: str = "json") -> None:
        super().__init__()
        self.json = style == "json"

    def fields(self, record: logging.LogRecord) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if rid := _request_id():
            data["request_id"] = rid
        if record.exc_info:
            data["exc"] = self.formatException(record.exc_info)
        return data

    def format(self, record: logging.LogRecord) -> str:
        data = self.fields(record)
        if self.json:
            return json.dumps(data, ensure_ascii=False)
        return " ".join(f"{key}={json.dumps(value, ensure_ascii=False)}" for key, value in data.items())


def configure_logging(app: Flask) -> None:
    """Send every logger's records to stderr in the configured format (not under tests: pytest captures logs)."""
    if app.testing:
        return
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(handler)
    handler = logging.StreamHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(StructuredFormatter(app.config["FITMI_LOG_FORMAT"]))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
