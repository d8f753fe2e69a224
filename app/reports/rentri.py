"""The register in RENTRI's shape: batches of ``POST /operatore/{registro}/movimenti`` bodies, their check, CSV.

The product prepares these files; sending them (with the plant's RENTRI registration and certificate)
is the operator's act, and the legal register is the one kept with RENTRI.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from app.reports.models import Cause, RegisterEntry
from app.reports.registers import registered_on

BATCH_SIZE = 1000  # RENTRI takes at most 1,000 registrations per call
SCHEMA_FILE = Path(__file__).with_name("schemas") / "rentri_movimenti.schema.json"
NO_FIR_NOTE = "Trasporto senza FIR: raccolta del servizio pubblico dai contenitori (art. 193 c.4 D.Lgs. 152/2006)"
GOODS_NOTE = "Indumenti preparati per il riutilizzo, usciti come prodotto con DDT"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _subject(name: str, fiscal_code: str) -> dict[str, Any]:
    return {"denominazione": name, "codice_fiscale": fiscal_code}


def movimento(entry: RegisterEntry) -> dict[str, Any]:
    """One registration as RENTRI's ``MovimentoModel``."""
    refs: dict[str, Any] = {
        "numero_registrazione": {"anno": entry.year, "progressivo": entry.number},
        "data_ora_registrazione": _iso(registered_on(entry)),
        "causale_operazione": entry.cause,
    }
    if entry.corrects is not None:
        refs["numero_registrazione_rettifica"] = {"anno": entry.corrects.year, "progressivo": entry.corrects.number}
    body: dict[str, Any] = {"riferimenti": refs}
    quantity = {"valore": float(entry.weight_kg), "unita_misura": "kg"}
    if entry.cause == Cause.MATERIALS:
        body["materiali"] = {"materiale": entry.material, "descrizione_materiale": GOODS_NOTE, "quantita": quantity}
    else:
        waste: dict[str, Any] = {
            "codice_eer": entry.eer_code,
            "provenienza": entry.origin,
            "stato_fisico": entry.physical_state,
            "quantita": quantity,
        }
        if entry.rd_operation:
            waste["destinato_attivita"] = entry.rd_operation
        body["rifiuto"] = waste
    if entry.fir_number:
        body["integrazione_fir"] = {"numero_fir": entry.fir_number, "data_inizio_trasporto": _iso(entry.operation_at)}
    if entry.cause == Cause.TO_THIRD_PARTY:
        body["trasportatore"] = _subject(entry.carrier_name, entry.carrier_fiscal_code) | {
            "num_iscrizione_albo": entry.carrier_albo_number
        }
        body["destinatario"] = _subject(entry.destination_name, entry.destination_fiscal_code) | {
            "num_autorizzazione": entry.destination_authorisation
        }
    notes = [text for text in (entry.note, NO_FIR_NOTE if entry.fir_exempt else "") if text]
    if entry.cause == Cause.MATERIALS and entry.ddt_number:
        notes.append(f"DDT {entry.ddt_number} — {entry.destination_name}")
    if notes:
        body["annotazioni"] = "; ".join(notes)[:500]
    return body


def batches(entries: Sequence[RegisterEntry], size: int = BATCH_SIZE) -> list[list[dict[str, Any]]]:
    """The register as request bodies of at most ``size`` registrations each, in number order."""
    bodies = [movimento(entry) for entry in entries]
    return [bodies[i : i + size] for i in range(0, len(bodies), size)]


@cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@dataclass(frozen=True)
class Problem:
    """One reason a batch would not pass the schema: where (JSON path) and what."""

    path: str
    message: str


def _path(parts: Sequence[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def problems(batch: Any) -> list[Problem]:
    """What in ``batch`` the schema refuses (empty: the batch is valid), with each error's path."""
    errors = sorted(_validator().iter_errors(batch), key=lambda e: [str(p) for p in e.absolute_path])
    return [Problem(_path(list(error.absolute_path)), error.message) for error in errors]


def batch_problems(entries: Sequence[RegisterEntry]) -> Iterator[tuple[RegisterEntry, Problem]]:
    """Each entry whose registration the schema refuses, with the problem (paths inside the registration)."""
    for entry in entries:
        for problem in problems([movimento(entry)]):
            yield entry, Problem(problem.path.removeprefix("[0]").lstrip("."), problem.message)


CSV_HEADER = (
    "anno",
    "progressivo",
    "data_registrazione",
    "carico_scarico",
    "causale_operazione",
    "rettifica_di",
    "data_operazione",
    "codice_eer",
    "provenienza",
    "stato_fisico",
    "quantita_kg",
    "operazione_rd",
    "materiale",
    "numero_fir",
    "fir_non_richiesto",
    "numero_ddt",
    "trasportatore",
    "trasportatore_codice_fiscale",
    "iscrizione_albo",
    "destinatario",
    "destinatario_codice_fiscale",
    "autorizzazione_destinatario",
    "annotazioni",
)


def csv_rows(entries: Sequence[RegisterEntry]) -> Iterator[list[Any]]:
    """The register as CSV rows under :data:`CSV_HEADER` (Italian Excel: the writer sets separators)."""
    for e in entries:
        yield [
            e.year,
            e.number,
            registered_on(e),
            "carico" if e.direction == "load" else "scarico",
            e.cause,
            e.corrects.code if e.corrects is not None else "",
            e.operation_at,
            e.eer_code,
            e.origin,
            e.physical_state,
            e.weight_kg,
            e.rd_operation,
            e.material,
            e.fir_number,
            "art. 193 c.4" if e.fir_exempt else "",
            e.ddt_number,
            e.carrier_name,
            e.carrier_fiscal_code,
            e.carrier_albo_number,
            e.destination_name,
            e.destination_fiscal_code,
            e.destination_authorisation,
            e.note,
        ]
