"""Configuration defaults and environment overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    """Folder of the project's shared reference data (read-only, never copied)."""
    return Path(os.environ.get("FITMI_SHARED", REPO_ROOT.parent / "shared"))


def _development_secret(instance_path: Path) -> str:
    """Generate the development secret once and keep it in instance/."""
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


OSM_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap contributors</a>'


DEFAULT_USER_AGENT = "FIT-MI Logistics (Città metropolitana di Milano)"


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None


def _positive_env(name: str, default: int) -> int:
    value = _int_env(name, default)
    if value < 1:
        raise RuntimeError(f"{name} must be at least 1, not {value}")
    return value


def _percent_env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip().replace(",", ".")
    try:
        if value and not 0 <= float(value) <= 100:
            raise ValueError
    except ValueError:
        raise RuntimeError(f"{name} must be a percentage between 0 and 100, not {value!r}") from None
    return value or default


def _chain_settings() -> dict[str, Any]:
    """Tolerances of the chain: intake against its pickups, sorting loss, days a load may stay on a truck."""
    return {
        "INTAKE_PICKUP_TOLERANCE_PERCENT": _percent_env("INTAKE_PICKUP_TOLERANCE_PERCENT", "10"),
        "SORTING_LOSS_TOLERANCE_PERCENT": _percent_env("SORTING_LOSS_TOLERANCE_PERCENT", "2"),
        "CHAIN_TRANSIT_DAYS": _int_env("CHAIN_TRANSIT_DAYS", 2),
    }


def _geocoder_settings() -> dict[str, Any]:
    """Address search: none by default; Nominatim or Photon at the site's choice (see README, «Ricerca indirizzi»)."""
    return {
        "GEOCODER": os.environ.get("GEOCODER", "").strip().lower(),
        "GEOCODER_URL": os.environ.get("GEOCODER_URL", "").strip(),
        "GEOCODER_USER_AGENT": os.environ.get("GEOCODER_USER_AGENT")
        or "FIT-MI Logistics (Città metropolitana di Milano)",
        "GEOCODER_MIN_DELAY_S": float(os.environ.get("GEOCODER_MIN_DELAY_S", "1") or 1),
        "GEOCODER_TIMEOUT_S": float(os.environ.get("GEOCODER_TIMEOUT_S", "5") or 5),
        "GEOCODER_CACHE_DAYS": _int_env("GEOCODER_CACHE_DAYS", 30),
        # Searches a signed-in user may make (forms): the cache answers repeats without asking the server.
        "GEOCODER_RATE_LIMIT": os.environ.get("GEOCODER_RATE_LIMIT", "20 per minute;300 per day"),
    }


def _deployment_settings(env: str) -> dict[str, Any]:
    """How the app is served: processes, proxies, map tiles, logs, health thresholds."""
    return {
        # gunicorn.conf.py exports its worker count; other servers can set WEB_CONCURRENCY.
        "FITMI_WEB_PROCESSES": _int_env("FITMI_WEB_PROCESSES", _int_env("WEB_CONCURRENCY", 1)),
        "FITMI_TRUSTED_PROXIES": _int_env("FITMI_TRUSTED_PROXIES", 0),
        "FITMI_LOG_FORMAT": os.environ.get("FITMI_LOG_FORMAT") or ("json" if env == "production" else "kv"),
        "MAP_TILE_URL": os.environ.get("MAP_TILE_URL") or OSM_TILE_URL,
        "MAP_TILE_ATTRIBUTION": os.environ.get("MAP_TILE_ATTRIBUTION") or OSM_ATTRIBUTION,
        "HEALTH_QUEUE_MAX_WAIT_S": _int_env("HEALTH_QUEUE_MAX_WAIT_S", 900),
    }


def build_config(instance_path: Path, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Settings from the environment (then ``overrides``), with defaults for embedded SQLite."""
    overrides = overrides or {}
    env = overrides.get("FITMI_ENV") or os.environ.get("FITMI_ENV", "development")
    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if env != "development":
            raise RuntimeError(f"SECRET_KEY must be set outside development (FITMI_ENV={env})")
        secret = _development_secret(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'fitmi.sqlite3'}"
    redis_url = os.environ.get("REDIS_URL") or None
    config: dict[str, Any] = {
        "FITMI_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per minute;30 per hour"),
        # Citizens' reports from a bin's public page: per address, per address at one bin, per bin.
        "PUBLIC_REPORT_LIMIT_PER_IP": os.environ.get("PUBLIC_REPORT_LIMIT_PER_IP", "10 per hour"),
        "PUBLIC_REPORT_LIMIT_PER_IP_AND_BIN": os.environ.get("PUBLIC_REPORT_LIMIT_PER_IP_AND_BIN", "2 per hour"),
        "PUBLIC_REPORT_LIMIT_PER_BIN": os.environ.get("PUBLIC_REPORT_LIMIT_PER_BIN", "20 per hour"),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 10 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "SESSION_LIFETIME_S": int(os.environ.get("SESSION_LIFETIME_S", 12 * 3600)),
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "it",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
        "LANGUAGES": ("it", "en"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "GIS_SHARED_DIR": str(shared_dir()),
        "GIS_COMUNI_FILE": os.environ.get("GIS_COMUNI_FILE") or None,
        "ROAD_NETWORK_FILE": os.environ.get("ROAD_NETWORK_FILE") or None,
        "GIS_CACHE_DIR": os.environ.get("GIS_CACHE_DIR", str(REPO_ROOT / "gis_data" / "cache")),
        # Collection trucks unload at the sorting plant, then drive home empty (False: they end at the plant).
        "ROUNDS_END_EMPTY": os.environ.get("ROUNDS_END_EMPTY", "1") != "0",
        # Searches a planning job runs at once, one core each (round plans and «Pianifica la settimana»).
        "ROUNDS_SOLVER_WORKERS": _positive_env("ROUNDS_SOLVER_WORKERS", 1),
        # Minutes during which a driver may take back a stop marked «Fatto» or «Salta» on the phone.
        "DRIVER_UNDO_MINUTES": _int_env("DRIVER_UNDO_MINUTES", 5),
        **_deployment_settings(env),
        **_chain_settings(),
        **_geocoder_settings(),
    }
    config.update(overrides)
    return config
