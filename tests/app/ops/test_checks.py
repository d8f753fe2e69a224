"""Start-up checks: unsafe production settings refuse to start, elsewhere they are logged."""

from __future__ import annotations

import logging
import os
import runpy
from pathlib import Path

import pytest

from app import create_app
from app.config import build_config
from app.ops.checks import check_settings

REPO = Path(__file__).resolve().parents[3]


def _production(tmp_path: Path, **overrides: object) -> dict[str, object]:
    """A complete production configuration (PostgreSQL, Redis, 3 web processes) with ``overrides``."""
    config = {
        "TESTING": True,
        "FITMI_ENV": "production",
        "SECRET_KEY": "s" * 64,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://fitmi@127.0.0.1:5432/fitmi",
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "FITMI_WEB_PROCESSES": 3,
    }
    return build_config(tmp_path, config | overrides)


def test_production_refuses_sqlite_with_several_web_processes(tmp_path):
    config = _production(tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with pytest.raises(RuntimeError, match="SQLite with 3 web processes"):
        create_app(config)


def test_production_refuses_per_process_login_limits_with_several_web_processes(tmp_path):
    config = _production(tmp_path, REDIS_URL=None, RATELIMIT_STORAGE_URI="memory://")
    with pytest.raises(RuntimeError, match=r"no REDIS_URL with 3 web processes.*multiplied by 3"):
        create_app(config)


def test_production_accepts_postgresql_and_redis_with_several_processes_or_sqlite_with_one(tmp_path):
    check_settings(_production(tmp_path, MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png"))
    one = _production(
        tmp_path,
        FITMI_WEB_PROCESSES=1,
        SQLALCHEMY_DATABASE_URI="sqlite:///x.sqlite3",
        RATELIMIT_STORAGE_URI="memory://",
        MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
    )
    check_settings(one)


def test_outside_production_unsafe_settings_are_logged_instead(tmp_path, caplog):
    config = _production(
        tmp_path,
        FITMI_ENV="development",
        SQLALCHEMY_DATABASE_URI="sqlite:///x.sqlite3",
        RATELIMIT_STORAGE_URI="memory://",
    )
    with caplog.at_level(logging.WARNING, logger="app.ops"):
        check_settings(config)
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "SQLite with 3 web processes" in messages and "no REDIS_URL" in messages


def test_production_warns_about_the_public_openstreetmap_tile_server(tmp_path, caplog):
    config = _production(tmp_path)
    with caplog.at_level(logging.WARNING, logger="app.ops"):
        check_settings(config)
    assert "usage policy" in caplog.text


def test_production_warns_about_a_public_geocoder_asked_with_the_default_user_agent(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="app.ops"):
        check_settings(_production(tmp_path, GEOCODER="nominatim"))
        check_settings(_production(tmp_path, GEOCODER="nominatim", GEOCODER_USER_AGENT="Coop (it@coop.example)"))
    warned = [r.getMessage() for r in caplog.records if "GEOCODER" in r.getMessage()]
    assert len(warned) == 1 and "GEOCODER_USER_AGENT" in warned[0]


def test_an_unknown_geocoder_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="GEOCODER must be nominatim or photon"):
        create_app(_production(tmp_path, GEOCODER="google"))


def test_the_web_process_count_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("FITMI_WEB_PROCESSES", raising=False)
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    assert build_config(tmp_path, {"SECRET_KEY": "x"})["FITMI_WEB_PROCESSES"] == 4
    monkeypatch.setenv("FITMI_WEB_PROCESSES", "2")
    assert build_config(tmp_path, {"SECRET_KEY": "x"})["FITMI_WEB_PROCESSES"] == 2


def test_the_gunicorn_settings_tell_the_app_their_worker_count(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("FITMI_WEB_PROCESSES", "1")
    settings = runpy.run_path(str(REPO / "gunicorn.conf.py"))
    assert settings["workers"] == 3 and os.environ["FITMI_WEB_PROCESSES"] == "3"
    assert settings["preload_app"] is False
