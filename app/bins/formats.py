"""The bin file formats: CSV as Italian Excel writes it (or with ``,`` and ``.``) and GeoJSON."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _

from app.bins.models import BinStatus, Stream
from app.core import inputs
from app.core.exports import restore

# Column names in files (Italian, as a person in the office would write them), in export order.
COLUMNS = (
    "codice",
    "operatore",
    "flusso",
    "codice_eer",
    "tipo_via",
    "nome_via",
    "civico",
    "cap",
    "comune",
    "lon",
    "lat",
    "capacita_l",
    "peso_pieno_kg",
    "stato",
    "note_accesso",
    "orari_servizio",
)
EXPORT_COLUMNS = (*COLUMNS, "demo")  # "sì" on demo data; ignored when the file is imported again
REQUIRED = ("codice", "tipo_via", "nome_via", "cap", "lon", "lat", "capacita_l", "peso_pieno_kg")
ALIASES = {
    "code": "codice",
    "operator": "operatore",
    "stream": "flusso",
    "eer": "codice_eer",
    "eer_code": "codice_eer",
    "street_type": "tipo_via",
    "via": "nome_via",
    "street_name": "nome_via",
    "civic_number": "civico",
    "numero_civico": "civico",
    "comune_istat": "comune",
    "longitudine": "lon",
    "latitudine": "lat",
    "capacity_l": "capacita_l",
    "capacità_l": "capacita_l",
    "full_weight_kg": "peso_pieno_kg",
    "status": "stato",
    "access_notes": "note_accesso",
    "note": "note_accesso",
    "service_hours": "orari_servizio",
    "orari": "orari_servizio",
}
# Where a bin field comes from in a file, to name the column in an error.
FIELD_COLUMNS = {
    "code": "codice",
    "operator_id": "operatore",
    "stream": "flusso",
    "eer_code": "codice_eer",
    "street_type": "tipo_via",
    "street_name": "nome_via",
    "civic_number": "civico",
    "cap": "cap",
    "comune": "comune",
    "lon": "lon",
    "lat": "lat",
    "capacity_l": "capacita_l",
    "full_weight_kg": "peso_pieno_kg",
    "status": "stato",
    "access_notes": "note_accesso",
    "service_hours": "orari_servizio",
}
STREAM_WORDS = {Stream.REUSE: "riuso", Stream.MATERIAL_RECOVERY: "recupero_materia"}
STATUS_WORDS = {
    BinStatus.ACTIVE: "attivo",
    BinStatus.DAMAGED: "danneggiato",
    BinStatus.INACCESSIBLE: "inaccessibile",
    BinStatus.REMOVED: "rimosso",
}
MAX_ROWS = 5000
_IT_NUMBER = re.compile(r"^-?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?$")
_EN_NUMBER = re.compile(r"^-?(\d+|\d{1,3}(,\d{3})+)(\.\d+)?$")


class FileFormatError(Exception):
    """The file as a whole cannot be read; ``line`` says where (0 when nowhere in particular)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class RawRow:
    line: int
    cells: dict[str, Any]
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Dialect:
    """How numbers are written in the file: decimal comma with ``;`` (Italian Excel), else a point."""

    separator: str = ";"
    decimal: str = ","


def word_value(words: dict[str, str], text: str) -> str:
    """The stored value for an Italian word or for the stored value itself (any case, spaces or underscores)."""
    key = re.sub(r"[\s_]+", "_", text.strip().lower()).replace("_di_", "_")
    for value, word in words.items():
        if key in (word, str(value)):
            return str(value)
    return key


def parse_number(value: Any, dialect: Dialect, integer: bool = False) -> Decimal:
    """A number cell, ValueError if unreadable. ``1.200`` is twelve hundred in an integer column of an Italian
    file; a decimal comma (``330,5``) is read in any file where it cannot be a thousands separator."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        text = str(value).strip().replace("\u00a0", "").replace(" ", "")
        italian = _IT_NUMBER.match(text) and ("," in text or integer or "." not in text)
        english = _EN_NUMBER.match(text) and (dialect.decimal == "." or "," not in text)
        if italian and (dialect.decimal == "," or not english):
            text = text.replace(".", "").replace(",", ".")
        elif english:
            text = text.replace(",", "")
        else:
            raise ValueError(text)
        try:
            number = Decimal(text)
        except InvalidOperation as error:
            raise ValueError(text) from error
    if not number.is_finite():
        raise ValueError(value)
    return number


def allowed_words(words: dict[str, str]) -> str:
    """The words a column accepts, for an error message: «riuso», «recupero_materia»."""
    return ", ".join(f"«{word}»" for word in words.values())


def _column(name: str) -> str:
    key = re.sub(r"\s+", "_", name.strip().lower().lstrip("\ufeff"))
    return ALIASES.get(key, key)


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        if b"\x00" in content:  # not UTF-8 and with NUL bytes: binary, not old-Excel text
            return _not_text()
    try:
        return content.decode("cp1252")
    except UnicodeDecodeError:  # bytes that Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D)
        return _not_text()


def _not_text() -> str:
    raise FileFormatError(_("Il file non è un testo CSV (codifica non riconosciuta: salva come «CSV UTF-8»)."))


def _sniff(header: str) -> Dialect:
    if ";" in header:
        return Dialect(";", ",")
    if "," in header:
        return Dialect(",", ".")
    for other in ("\t", "|"):
        if other in header:
            shown = "TAB" if other == "\t" else other
            raise FileFormatError(
                _("Separatore «%(sep)s» non supportato: usa il punto e virgola (;) o la virgola (,).", sep=shown), 1
            )
    raise FileFormatError(_("Separatore non riconosciuto: usa il punto e virgola (;) o la virgola (,)."), 1)


def _refuse_bad_text(row: RawRow) -> None:
    """A cell the database cannot store (NUL, lone surrogate) is an error of its row, found at preview."""
    for column, value in row.cells.items():
        problem = inputs.text_problem(column) or (inputs.text_problem(value) if isinstance(value, str) else None)
        if problem:
            row.errors.append((column, problem))


def _check_header(columns: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise FileFormatError(_("Colonne mancanti nell'intestazione: %(cols)s.", cols=", ".join(missing)), 1)
    repeated = sorted({c for c in columns if c and columns.count(c) > 1})
    if repeated:
        raise FileFormatError(_("Colonne ripetute nell'intestazione: %(cols)s.", cols=", ".join(repeated)), 1)


def read_csv(content: bytes) -> tuple[Dialect, list[RawRow]]:
    """Rows of a CSV file keyed by column; a row with the wrong number of cells gets an error."""
    text = _decode(content)
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileFormatError(_("Il file è vuoto o manca la riga di intestazione."), 1)
    dialect = _sniff(lines[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.separator, strict=True)
    try:
        columns = [_column(c) for c in next(reader)]
        _check_header(columns)
        rows = [_csv_row(reader.line_num, cells, columns) for cells in reader if any(c.strip() for c in cells)]
    except csv.Error as error:
        raise FileFormatError(
            _("CSV non valido (virgolette non chiuse o caratteri non ammessi)."), reader.line_num
        ) from error
    if len(rows) > MAX_ROWS:
        raise FileFormatError(_("Troppe righe: al massimo %(n)d per file.", n=MAX_ROWS))
    for row in rows:
        _refuse_bad_text(row)
    return dialect, rows


def _csv_row(line: int, cells: list[str], columns: list[str]) -> RawRow:
    # A cell our own export escaped ('=…) is read back as it was typed.
    row = RawRow(line, dict(zip(columns, (restore(c.strip()) for c in cells), strict=False)))
    if len(cells) != len(columns):
        message = _(
            "La riga ha %(got)d campi invece di %(want)d: controlla il separatore e le virgole decimali.",
            got=len(cells),
            want=len(columns),
        )
        row.errors.append(("", message))
    return row


def read_geojson(content: bytes) -> list[RawRow]:
    """Point features of a GeoJSON FeatureCollection; the point gives lon/lat."""
    try:
        document = json.loads(content.decode("utf-8-sig"))
        features = document["features"] if document.get("type") == "FeatureCollection" else None
    except (UnicodeDecodeError, ValueError, AttributeError, KeyError, TypeError, RecursionError):
        features = None
    if not isinstance(features, list):
        raise FileFormatError(_("GeoJSON non valido: serve una FeatureCollection di punti."))
    if len(features) > MAX_ROWS:
        raise FileFormatError(_("Troppe righe: al massimo %(n)d per file.", n=MAX_ROWS))
    return [_feature_row(n, feature) for n, feature in enumerate(features, start=1)]


def _feature_row(n: int, feature: Any) -> RawRow:
    props = feature.get("properties") if isinstance(feature, dict) else None
    cells = {_column(k): v for k, v in props.items() if v is not None} if isinstance(props, dict) else {}
    row = RawRow(n, {k: v for k, v in cells.items() if k not in ("lon", "lat")})
    if props is not None and not isinstance(props, dict):
        row.errors.append(("", _("Le proprietà dell'elemento devono essere un oggetto con i campi del contenitore.")))
    _refuse_bad_text(row)
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) and geometry.get("type") == "Point" else None
    if isinstance(coords, list) and len(coords) >= 2:
        row.cells["lon"], row.cells["lat"] = coords[0], coords[1]
    else:
        row.errors.append(("lon", _("Geometria mancante o non di tipo punto.")))
    return row
