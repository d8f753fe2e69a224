"""The register's exports: RENTRI batches checked by the schema written here, and CSV."""

from __future__ import annotations

import copy
import json

import pytest

from app.extensions import db
from app.reports import registers, rentri
from app.reports.registers import CorrectionData
from tests.app.reports.chain import build


@pytest.fixture
def entries(clock):
    chain = build(clock)
    entries = registers.annotate(chain.plant.id, None)
    db.session.commit()
    return entries


def test_the_register_of_the_small_chain_passes_the_schema(entries):
    [batch] = rentri.batches(entries)
    assert len(batch) == 4 and rentri.problems(batch) == []
    load, _drop, fir, goods = batch
    assert load["riferimenti"]["numero_registrazione"] == {"anno": 2026, "progressivo": 1}
    assert load["rifiuto"] == {
        "codice_eer": "200110",
        "provenienza": "U",
        "stato_fisico": "S",
        "quantita": {"valore": 400.0, "unita_misura": "kg"},
    }
    assert "art. 193 c.4" in load["annotazioni"] and "integrazione_fir" not in load
    assert fir["integrazione_fir"]["numero_fir"] == "FIR RX 123456/26"
    assert fir["rifiuto"]["destinato_attivita"] == "R3" and fir["trasportatore"]["num_iscrizione_albo"] == "MI/012345"
    assert goods["materiali"]["materiale"] == "TE" and "rifiuto" not in goods


def test_batches_hold_at_most_the_given_number_of_registrations(entries):
    assert [len(b) for b in rentri.batches(entries, size=3)] == [3, 1]
    assert rentri.BATCH_SIZE == 1000


def test_a_correction_points_at_the_registration_it_corrects(entries):
    fixed = registers.correct(entries[1].id, CorrectionData("99", "FIR AB 1/26", "Pesata errata"), None)
    body = rentri.movimento(fixed)
    assert body["riferimenti"]["numero_registrazione_rettifica"] == {"anno": 2026, "progressivo": 2}
    assert (
        body["riferimenti"]["data_ora_registrazione"]
        == rentri.movimento(entries[1])["riferimenti"]["data_ora_registrazione"]
    )
    assert rentri.problems([body]) == []


def _broken(batch, change):
    batch = copy.deepcopy(batch)
    change(batch)
    return [(p.path, p.message.split(" ")[0]) for p in rentri.problems(batch)]


def test_the_schema_refuses_invalid_registrations_and_says_where(entries):
    [batch] = rentri.batches(entries)
    assert _broken(batch, lambda b: b[0]["rifiuto"].update(codice_eer="20 01 10"))[0][0] == "[0].rifiuto.codice_eer"
    assert _broken(batch, lambda b: b[2].pop("integrazione_fir"))[0][0] == "[2]"
    assert _broken(batch, lambda b: b[2]["trasportatore"].update(codice_fiscale=""))[0][0] == (
        "[2].trasportatore.codice_fiscale"
    )
    assert _broken(batch, lambda b: b[3].update(rifiuto=b[0]["rifiuto"])) != []
    assert _broken(batch, lambda b: b[1]["riferimenti"].update(causale_operazione="X"))[0][0] == (
        "[1].riferimenti.causale_operazione"
    )
    assert rentri.problems(batch * 300) != []  # 1,200 registrations: more than one call takes


def test_a_partner_without_fiscal_code_is_listed_with_its_registration(clock):
    chain = build(clock)
    chain.fir_leg.carrier.fiscal_code = ""
    entries = registers.annotate(chain.plant.id, None)
    found = [(e.number, p.path) for e, p in rentri.batch_problems(entries)]
    assert found == [(3, "trasportatore.codice_fiscale")]


def test_the_csv_has_one_row_per_registration(entries):
    rows = list(rentri.csv_rows(entries))
    assert len(rows) == 4 and len(rows[0]) == len(rentri.CSV_HEADER)
    assert [r[rentri.CSV_HEADER.index("fir_non_richiesto")] for r in rows] == ["art. 193 c.4", "", "", ""]


def test_the_schema_file_is_valid_json_schema():
    schema = json.loads(rentri.SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["maxItems"] == 1000
