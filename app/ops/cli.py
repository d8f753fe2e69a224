"""``flask backup create PATH`` / ``flask backup restore PATH``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from app.extensions import db
from app.ops.backup import BackupError, create_backup, restore_backup

backup_group = AppGroup("backup", help="Copia di sicurezza e ripristino del database configurato.")


def _database_url() -> str:
    return str(current_app.config["SQLALCHEMY_DATABASE_URI"])


@backup_group.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Back up the database to PATH (PostgreSQL: pg_dump custom format; SQLite: a database file)."""
    try:
        create_backup(_database_url(), path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Copia scritta in {path} ({path.stat().st_size} byte).")


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Conferma: il contenuto attuale del database viene sostituito.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the database's contents with the backup PATH; stop the web processes and workers first."""
    if not yes:
        raise click.UsageError("Il ripristino sostituisce tutti i dati: ripeti con --yes.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection of ours may hold the database during the restore
    try:
        restore_backup(_database_url(), path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo("Ripristino completato. Poi: flask db upgrade (se il codice è più recente della copia).")
