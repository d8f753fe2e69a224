"""Commands: ``flask gdpr export|erase CODE`` and ``flask welfare anonymise-expired``."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from app.errors import DomainError
from app.extensions import db
from app.welfare import gdpr
from app.welfare.privacy import household_by_code


@click.group("gdpr", cls=AppGroup, help="GDPR: esportazione e cancellazione dei dati di un nucleo.")
def gdpr_group() -> None:
    pass


@gdpr_group.command("export")
@click.argument("code")
def export_command(code: str) -> None:
    """Print as JSON everything held on the household CODE."""
    try:
        data = gdpr.export(code)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@gdpr_group.command("erase")
@click.argument("code")
@click.option("--yes", is_flag=True, help="Non chiedere conferma.")
def erase_command(code: str, yes: bool) -> None:
    """Erase the personal data of household CODE, keeping anonymous statistics."""
    if not yes:
        click.confirm(f"Cancellare i dati personali del nucleo {code}?", abort=True)
    try:
        gdpr.erase(household_by_code(code))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Dati personali del nucleo {code} cancellati; restano i dati statistici anonimi.")


@click.group("welfare", cls=AppGroup, help="Redistribuzione ai nuclei familiari.")
def welfare_group() -> None:
    pass


@welfare_group.command("anonymise-expired")
def anonymise_expired_command() -> None:
    """Anonymise the households past their retention date."""
    codes = gdpr.anonymise_expired()
    db.session.commit()
    click.echo(f"Nuclei anonimizzati: {len(codes)}" + (f" ({', '.join(codes)})" if codes else ""))
