"""Start-up checks: unsafe production settings refuse to start; elsewhere they are logged loudly."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

from app.config import DEFAULT_USER_AGENT, OSM_TILE_URL

log = logging.getLogger("app.ops")


def unsafe_settings(config: Mapping[str, Any]) -> list[str]:
    """Settings that break correctness when several web processes serve the app."""
    processes = int(config["FITMI_WEB_PROCESSES"])
    if processes <= 1:
        return []
    problems = []
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        problems.append(
            f"SQLite with {processes} web processes (FITMI_WEB_PROCESSES): the embedded database is for one "
            "process; set DATABASE_URL to PostgreSQL or run a single web process"
        )
    if str(config["RATELIMIT_STORAGE_URI"]).startswith("memory"):
        problems.append(
            f"no REDIS_URL with {processes} web processes: each process counts login attempts on its own, so "
            f"the login limit ({config['LOGIN_RATE_LIMIT']}) is multiplied by {processes}; set REDIS_URL"
        )
    return problems


def advice(config: Mapping[str, Any]) -> list[str]:
    """Settings that work but deserve a look in production."""
    if config["FITMI_ENV"] != "production":
        return []
    notes = []
    if config["MAP_TILE_URL"] == OSM_TILE_URL:
        notes.append(
            "MAP_TILE_URL is OpenStreetMap's public tile server, whose usage policy forbids heavy use: "
            "point it at your own tile server or a provider"
        )
    if (
        config.get("GEOCODER")
        and not config.get("GEOCODER_URL")
        and config["GEOCODER_USER_AGENT"] == DEFAULT_USER_AGENT
    ):
        notes.append(
            f"GEOCODER={config['GEOCODER']} asks the provider's public server with the default user agent: its "
            "usage policy wants one that names your organisation and a contact; set GEOCODER_USER_AGENT "
            "(or GEOCODER_URL to your own server)"
        )
    worker = config.get("ROUNDS_WORKER") or os.environ.get("ROUNDS_WORKER", "embedded")
    if worker == "embedded" and int(config["FITMI_WEB_PROCESSES"]) > 1:
        notes.append(
            "ROUNDS_WORKER is not 'external': every web process starts its own planning consumer; "
            "set ROUNDS_WORKER=external and run 'flask rounds worker'"
        )
    return notes


def check_settings(config: Mapping[str, Any]) -> None:
    """Raise on unsafe settings in production; log them (and advice) as warnings otherwise."""
    problems = unsafe_settings(config)
    if problems and config["FITMI_ENV"] == "production":
        raise RuntimeError("Unsafe production settings, refusing to start:\n- " + "\n- ".join(problems))
    for message in (*problems, *advice(config)):
        log.warning("unsafe setting: %s", message)
