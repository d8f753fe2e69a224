"""``flask reports monthly --month YYYY-MM [--out FILE]``: the monthly report as a PDF."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask.cli import AppGroup

from app.core.clock import local_today
from app.errors import DomainError
from app.reports import monthly

reports_group = AppGroup("reports", help="Rapporti: il rapporto mensile in PDF.")


@reports_group.command("monthly")
@click.option("--month", default=None, help="AAAA-MM (predefinito: il mese scorso).")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File PDF da scrivere."
)
def monthly_command(month: str | None, out: Path | None) -> None:
    """Write the monthly report of the Città metropolitana (every operator) as an Italian PDF."""
    try:
        first = monthly.parse_month(month or (local_today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))
    except DomainError as error:
        raise click.BadParameter(error.message, param_hint="--month") from error
    report = monthly.build(first)
    path = out or Path(monthly.filename(first))
    try:
        path.write_bytes(monthly.render_pdf(report))
    except OSError as error:
        raise click.ClickException(f"Impossibile scrivere {path}: {error.strerror or error}.") from error
    figures = monthly.context_numbers(report)
    click.echo(
        f"Rapporto di {first:%m/%Y} scritto in {path}: {figures['pickups']} svuotamenti, {figures['kg']} kg, "
        f"{figures['households']} nuclei serviti, {figures['unexplained']} differenze non spiegate."
    )
