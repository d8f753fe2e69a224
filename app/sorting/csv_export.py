"""CSV files that Excel opens correctly in Italy: semicolons, decimal commas, UTF-8 with BOM."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Response
from flask_babel import format_datetime


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return f"{value:.1f}".replace(".", ",") if isinstance(value, float) else str(value).replace(".", ",")
    if isinstance(value, datetime):
        return str(format_datetime(value, "dd/MM/yyyy HH:mm"))
    return str(value)


def excel_csv(filename: str, header: list[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A download of ``rows`` under ``header`` for Italian Excel."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
