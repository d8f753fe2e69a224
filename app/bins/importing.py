"""Importing bins: a preview listing every row's errors, kept server-side, then an all-or-nothing commit."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from app.auth.models import Organisation, OrganisationKind, User
from app.bins import formats
from app.bins.formats import Dialect, FileFormatError, RawRow
from app.bins.models import Bin, BinImportPreview
from app.bins.services import apply_bin, ensure_can_edit
from app.bins.validation import BinData, check_bin, normalise
from app.core.clock import utcnow
from app.core.inputs import LARGEST_DECIMAL, excerpt
from app.core.policy import Permission, can
from app.errors import NotFoundError, ValidationError
from app.extensions import db
from app.i18n import fmt_number

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_KEEP = timedelta(hours=24)


@dataclass
class ImportRow:
    line: int
    data: BinData | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, reason)
    action: str = ""  # create | update
    comune: str = ""  # the comune found from the point, shown in the preview
    notes: list[str] = field(default_factory=list)  # what was read differently from what was written


@dataclass
class Preview:
    filename: str
    rows: list[ImportRow]
    file_error: tuple[int, str] | None = None
    token: str = ""

    @property
    def error_count(self) -> int:
        return sum(len(r.errors) for r in self.rows) + (1 if self.file_error else 0)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and self.error_count == 0

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


def max_bytes() -> int:
    return int(current_app.config.get("BIN_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def size_label() -> str:
    """The upload limit as a person reads it (kB or MB, Italian decimals)."""
    limit = max_bytes()
    if limit < 1024 * 1024:
        return f"{limit // 1024} kB"
    return f"{limit / 1024 / 1024:.1f}".replace(".", ",").removesuffix(",0") + " MB"


def _read(filename: str, content: bytes) -> tuple[Dialect, list[RawRow]]:
    if len(content) > max_bytes():
        raise FileFormatError(
            _("Il file supera la dimensione massima di %(size)s: dividilo in più file.", size=size_label())
        )
    suffix = Path(filename.lower()).suffix
    if suffix in (".geojson", ".json"):
        return Dialect(",", "."), formats.read_geojson(content)
    if suffix in (".csv", ".txt"):
        return formats.read_csv(content)
    raise FileFormatError(_("Formato non supportato: carica un file .csv o .geojson."))


def _operator_of(cells: dict[str, Any], user: User, row: ImportRow) -> int:
    name = str(cells.get("operatore") or "").strip()
    if not can(user, Permission.SEE_ALL_OPERATORS):
        if name and name.lower() != user.organisation.name.lower():
            row.errors.append(("operatore", _("Puoi importare solo contenitori della tua organizzazione.")))
        return user.organisation_id
    if not name:
        row.errors.append(("operatore", _("Indica l'operatore (nome dell'organizzazione).")))
        return 0
    query = select(Organisation.id).where(
        func.lower(Organisation.name) == name.lower(), Organisation.kind == OrganisationKind.OPERATOR
    )
    found = db.session.scalar(query)
    if found is None:
        known = db.session.scalars(
            select(Organisation.name).where(Organisation.kind == OrganisationKind.OPERATOR).order_by(Organisation.name)
        )
        message = _(
            "Operatore sconosciuto: «%(name)s». Operatori ammessi: %(names)s.",
            name=excerpt(name),
            names=", ".join(known),
        )
        row.errors.append(("operatore", message))
    return found or 0


def _number(cells: dict[str, Any], column: str, dialect: Dialect, row: ImportRow, integer: bool) -> Any:
    value = cells.get(column, "")
    if value in ("", None):
        row.errors.append((column, _("Valore mancante.")))
        return 0
    try:
        number = formats.parse_number(value, dialect, integer=integer)
    except ValueError:
        example = "330,5" if dialect.decimal == "," else "330.5"
        row.errors.append((column, _("Numero non valido «%(v)s» (es. %(ex)s).", v=excerpt(value), ex=example)))
        return 0
    if abs(number) >= LARGEST_DECIMAL:  # 5,000 nines: no bin measure, and too long to round
        row.errors.append((column, _("Numero troppo grande.")))
        return 0
    if not integer:
        return float(number)
    whole = int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if whole != number:  # litres and kg of a bin are whole numbers: 330,5 is read as 331
        row.notes.append(
            _(
                "%(column)s: %(value)s arrotondato a %(whole)s.",
                column=column,
                value=excerpt(value),
                whole=fmt_number(whole, 0),
            )
        )
    return whole


def _word(text: str, words: dict[str, str], column: str, row: ImportRow) -> str:
    """The stored value of a word column (stream, status), or an error naming the words it accepts."""
    value = formats.word_value(words, text)
    if value not in words:
        message = _(
            "Valore non ammesso «%(v)s»: scrivi uno di %(words)s.", v=excerpt(text), words=formats.allowed_words(words)
        )
        row.errors.append((column, message))
    return value


def _row_data(raw: RawRow, dialect: Dialect, user: User) -> ImportRow:
    row = ImportRow(raw.line, errors=list(raw.errors))
    if row.errors and not raw.errors[0][0]:  # the row's cells are shifted: reading them would only add noise
        return row
    cells = raw.cells
    refused = {column for column, _message in raw.errors}  # a NUL: already an error, and no query may carry it
    text = {
        c: "" if c in refused else str(cells.get(c) if cells.get(c) is not None else "").strip()
        for c in formats.COLUMNS
    }
    row.data = normalise(
        BinData(
            code=text["codice"],
            operator_id=_operator_of(cells, user, row),
            street_type=text["tipo_via"],
            street_name=text["nome_via"],
            civic_number=text["civico"],
            cap=text["cap"],
            lon=_number(cells, "lon", dialect, row, integer=False),
            lat=_number(cells, "lat", dialect, row, integer=False),
            capacity_l=_number(cells, "capacita_l", dialect, row, integer=True),
            full_weight_kg=_number(cells, "peso_pieno_kg", dialect, row, integer=True),
            stream=_word(text["flusso"] or "riuso", formats.STREAM_WORDS, "flusso", row),
            eer_code=text["codice_eer"],
            status=_word(text["stato"] or "attivo", formats.STATUS_WORDS, "stato", row),
            access_notes=text["note_accesso"],
            service_hours=text["orari_servizio"],
            stated_comune=text["comune"],
        )
    )
    return row


def _existing(data: BinData) -> Bin | None:
    return db.session.scalar(select(Bin).where(Bin.operator_id == data.operator_id, Bin.code == data.code))


def _validate(rows: list[ImportRow]) -> None:
    """Check each row as the form would, find duplicates in the file, and say whether each row creates or updates."""
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        if row.data is None:
            continue
        existing = _existing(row.data) if row.data.operator_id else None
        if existing is not None:
            row.data = BinData(**{**asdict(row.data), "outside_area_override": existing.outside_area_override})
        row.action = "update" if existing else "create"
        comune, problems = check_bin(row.data)
        row.comune = comune.name if comune is not None else ""
        known = {column for column, _m in row.errors}
        for problem in problems:
            column = formats.FIELD_COLUMNS.get(problem.field, problem.field)
            if column not in known:  # a number already reported as unreadable is not reported again
                row.errors.append((column, problem.message))
        key = (row.data.operator_id, row.data.code)
        if key in seen:
            message = _(
                "Codice %(code)s ripetuto nel file (già alla riga %(line)d).",
                code=excerpt(row.data.code),
                line=seen[key],
            )
            row.errors.append(("codice", message))
        seen.setdefault(key, row.line)


def build_preview(filename: str, content: bytes, user: User) -> Preview:
    """Read and check an uploaded file without writing anything; keep it server-side when it is clean."""
    try:
        dialect, raw_rows = _read(filename, content)
    except FileFormatError as error:
        return Preview(filename, [], (error.line, error.message))
    rows = [_row_data(raw, dialect, user) for raw in raw_rows]
    _validate(rows)
    preview = Preview(filename, rows)
    if not rows:
        preview.file_error = (0, _("Il file non contiene righe di dati."))
    if preview.ok:
        preview.token = _store(preview, user)
    return preview


def _store(preview: Preview, user: User) -> str:
    """Keep a clean preview in the database (any web process, on any machine, can confirm it)."""
    db.session.execute(delete(BinImportPreview).where(BinImportPreview.created_at < utcnow() - _KEEP))
    token = secrets.token_urlsafe(24)
    rows = json.dumps([[r.line, asdict(r.data)] for r in preview.rows])
    db.session.add(BinImportPreview(token=token, user_id=user.id, filename=preview.filename, rows_json=rows))
    db.session.flush()
    return token


def _load(token: str, user: User) -> BinImportPreview:
    stored = db.session.get(BinImportPreview, token) if _TOKEN.match(token) else None
    if stored is None or stored.user_id != user.id or stored.created_at < utcnow() - _KEEP:
        raise NotFoundError(_("Anteprima scaduta o già importata: carica di nuovo il file."))
    return stored


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    filename: str


def commit_import(token: str, user: User) -> ImportResult:
    """Write every previewed row or none: the rows are checked again against the database as it is now."""
    stored = _load(token, user)
    rows = [ImportRow(line, BinData(**values)) for line, values in json.loads(stored.rows_json)]
    _validate(rows)
    if any(r.errors for r in rows):
        raise ValidationError(_("I dati sono cambiati dopo l'anteprima: nessuna riga importata, ricarica il file."))
    created = 0
    for row in rows:
        assert row.data is not None
        ensure_can_edit(user, row.data.operator_id)
        existing = _existing(row.data)
        created += existing is None
        apply_bin(row.data, user, existing, action="import")
    db.session.delete(stored)
    return ImportResult(created, len(rows) - created, stored.filename)
