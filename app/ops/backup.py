"""Database backups: ``pg_dump -Fc`` / ``pg_restore`` for PostgreSQL, the online backup API for SQLite."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(Exception):
    """A backup or restore that could not be done, with the reason."""


def create_backup(database_url: str, path: Path) -> None:
    """Write a consistent copy of the database to ``path`` while the app keeps running."""
    url = make_url(database_url)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_file(url), path)
        elif url.get_backend_name() == "postgresql":
            _run_pg("pg_dump", url, "--format=custom", f"--file={path}")
        else:
            raise BackupError(f"Database non supportato: {url.get_backend_name()}.")
    except (OSError, sqlite3.Error) as error:  # a folder that cannot be made, a file that cannot be written
        raise BackupError(f"Impossibile scrivere la copia in {path}: {error}.") from error


def restore_backup(database_url: str, path: Path) -> None:
    """Replace the database's contents with the backup at ``path`` (stop the web processes and workers first)."""
    if not path.is_file():
        raise BackupError(f"Nessuna copia in {path}.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_backup(path)
        _sqlite_copy(path, _sqlite_file(url))
    elif url.get_backend_name() == "postgresql":
        # One transaction: a restore that fails half-way leaves the database as it was.
        options = ("--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction")
        try:
            _run_pg("pg_restore", url, *options, "--exit-on-error", str(path))
        except BackupError as error:
            raise BackupError(f"{path}: {error}") from error
    else:
        raise BackupError(f"Database non supportato: {url.get_backend_name()}.")


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Un database SQLite in memoria non si può copiare.")
    return Path(url.database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Page-by-page copy through SQLite's online backup API: consistent even while others write."""
    if not source.is_file():
        raise BackupError(f"Nessun database SQLite in {source}.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def _check_sqlite_backup(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} non è un database SQLite ({error}).") from error
    if not ok or "alembic_version" not in tables:
        raise BackupError(f"{path} non è una copia integra di FIT-MI.")


def _run_pg(tool: str, url: URL, *args: str) -> None:
    """Run a PostgreSQL client tool; the password travels in the environment, never on the command line."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} non trovato: installa gli strumenti client di PostgreSQL (postgresql-client).")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run([tool, f"--dbname={target}", *args], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{tool} non riuscito (codice {done.returncode}): {done.stderr.strip()[-2000:]}")
