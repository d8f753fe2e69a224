"""CSV downloads for spreadsheets: one writer for every export, safe against formula injection.

A text cell starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return would be run by Excel or
LibreOffice as a formula (``=HYPERLINK(…)`` in a bin's notes); it gets a leading ``'`` (OWASP's rule).
Numbers the app writes are passed as numbers and stay numbers, negative ones included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Response
from flask_babel import format_datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """Text that a spreadsheet shows as typed instead of running it as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def restore(text: str) -> str:
    """The text of a cell written by :func:`neutralise` (the bins import reads its own export back)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text


def _cell(value: Any, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # numbers: never escaped
        text = f"{value:.1f}" if isinstance(value, float) else str(value)
        return text.replace(".", decimal)
    if isinstance(value, datetime):
        return str(format_datetime(value, "dd/MM/yyyy HH:mm"))
    return neutralise(str(value))


def csv_text(header: Sequence[str], rows: Iterable[Iterable[Any]], separator: str = ";", decimal: str = ",") -> str:
    """A CSV with a BOM (Excel then reads UTF-8) and CRLF lines; numbers with ``decimal``, text neutralised."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value, decimal) for value in row])
    return "\ufeff" + buffer.getvalue()


def excel_csv(filename: str, header: Sequence[str], rows: Iterable[Iterable[Any]]) -> Response:
    """A download of ``rows`` under ``header`` for Italian Excel (semicolons, decimal commas)."""
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Iterable[Any]]]]) -> bytes:
    """An Excel workbook, one sheet per (title, header, rows): numbers stay numbers, text is neutralised."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if value is None or isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return str(format_datetime(value, "dd/MM/yyyy HH:mm"))
    return neutralise(str(value))


def excel_xlsx(filename: str, sheets: Iterable[tuple[str, Sequence[str], Iterable[Iterable[Any]]]]) -> Response:
    """A download of an Excel workbook (see :func:`xlsx_bytes`)."""
    return Response(
        xlsx_bytes(sheets),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
