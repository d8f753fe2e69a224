"""Bin factories and helpers for the bin tests."""

from __future__ import annotations

from typing import Any

import factory
import pytest
from sqlalchemy import func, select

from app.bins.formats import COLUMNS
from app.bins.models import Bin
from app.extensions import db
from tests.app import factories

HEADER = ";".join(COLUMNS)
# Real places: Piazza del Duomo (Milano), Piazza della Libertà (Sesto San Giovanni), Rho centre.
GOOD_ROWS = [
    "VS-001;;riuso;20 01 10;Via;Torino;2;20123;Milano;9,187900;45,463000;2000;250;attivo;;06:00-20:00",
    "VS-002;;riuso;200110;Piazza;della Libertà;1;20099;Sesto San Giovanni;9,234000;45,535500;2500;280;attivo;Comune;",
    "VS-003;;recupero_materia;200110;Via;Madonna;12/A;20017;Rho;9,040000;45,529000;3000;330;danneggiato;;",
]


class BinFactory(factories._Base):
    class Meta:
        model = Bin

    code = factory.Sequence(lambda n: f"MI-{n:04d}")
    operator = factory.SubFactory(factories.OrganisationFactory)
    street_type = "Via"
    street_name = "Giovanni Durando"
    civic_number = "10"
    cap = "20158"
    comune_code = factories.MILANO
    lon = 9.1619
    lat = 45.5037
    capacity_l = 2000
    full_weight_kg = 250


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = True) -> bytes:
    text = "\r\n".join([header, *rows]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def bin_count() -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Bin)) or 0


def upload(client: Any, content: bytes, filename: str = "contenitori.csv") -> Any:
    from io import BytesIO

    from tests.app.conftest import csrf_token

    token = csrf_token(client, "/bins/import")
    return client.post(
        "/bins/import",
        data={"csrf_token": token, "file": (BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


@pytest.fixture
def operator(login_as: Any) -> Any:
    """An operator user, logged in."""
    return login_as("operator")
