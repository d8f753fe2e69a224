"""Importing bins: a preview listing every row's error, then an all-or-nothing commit."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from app.bins import importing
from app.bins.models import AuditEntry, Bin, BinImportPreview
from app.bins.services import apply_bin
from app.errors import ValidationError
from app.extensions import db
from tests.app import factories
from tests.app.bins.conftest import GOOD_ROWS, HEADER, bin_count, csv_bytes, upload
from tests.app.conftest import login, post_form

_TOKEN = re.compile(r'name="token" type="hidden" value="([^"]+)"')


def _confirm(client, html):
    token = _TOKEN.search(html).group(1)
    return post_form(client, "/bins/import/confirm", {"token": token}, form_url="/bins/import")


def test_clean_italian_excel_csv_is_previewed_then_imported_with_comuni_from_boundaries(client, operator):
    response = upload(client, csv_bytes(*GOOD_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "3 contenitori nuovi" in html and "Conferma importazione" in html
    assert bin_count() == 0
    response = _confirm(client, html)
    assert response.status_code == 302
    bins = {b.code: b for b in db.session.scalars(select(Bin))}
    assert {b.comune.name for b in bins.values()} == {"Milano", "Sesto San Giovanni", "Rho"}
    assert bins["VS-001"].operator_id == operator.organisation_id
    assert bins["VS-003"].civic_number == "12/A" and bins["VS-003"].status == "damaged"
    assert bins["VS-001"].lon == pytest.approx(9.1879)


def test_comma_separated_csv_with_decimal_points_and_no_bom_is_read_too(client, operator):
    rows = [r.replace(",", ".").replace(";", ",") for r in GOOD_ROWS]
    response = upload(client, csv_bytes(*rows, header=HEADER.replace(";", ","), bom=False))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "3 contenitori nuovi" in response.get_data(as_text=True)


def _row_errors(response):
    html = response.get_data(as_text=True)
    body = html.split('id="row-errors"', 1)[1].split("</table>", 1)[0]
    cells = re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", body)
    return [(int(line), field, unescape(reason)) for line, field, reason in cells]


def test_preview_lists_every_error_of_every_row_with_line_and_field_and_writes_nothing(client, operator):
    bad = "VS-009;;riuso;200110;Via;Torino;;2012;Milano;9,1879;45,4630;20;250;attivo;;6-20"
    response = upload(client, csv_bytes(GOOD_ROWS[0], bad))
    assert response.status_code == 422
    errors = _row_errors(response)
    assert {(line, field) for line, field, _reason in errors} == {(3, "cap"), (3, "capacita_l"), (3, "orari_servizio")}
    assert "Conferma importazione" not in response.get_data(as_text=True)
    assert bin_count() == 0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"codice;tipo_via\n", "Colonne mancanti nell'intestazione"),
        (HEADER.encode() + b'\n"VS-1;;riuso\n', "CSV non valido"),
        (HEADER.replace(";", "\t").encode() + b"\n", "Separatore «TAB» non supportato"),
        (b"", "Il file è vuoto"),
        (b"\x00\x01\x02\xff" * 10, "non è un testo CSV"),
    ],
    ids=["missing-columns", "malformed-quotes", "wrong-separator", "empty", "binary"],
)
def test_unreadable_files_get_an_italian_message_and_change_nothing(client, operator, content, message):
    response = upload(client, content)
    assert response.status_code == 422
    assert message in unescape(response.get_data(as_text=True))
    assert bin_count() == 0


def test_decimal_commas_in_a_comma_separated_file_are_reported_on_their_line(client, operator):
    header = HEADER.replace(";", ",")
    row = GOOD_ROWS[0].replace(";", ",")  # 9,187900 becomes two cells
    response = upload(client, csv_bytes(row, header=header))
    assert response.status_code == 422
    [(line, _field, reason)] = _row_errors(response)
    assert line == 2 and "18 campi invece di 16" in reason and "virgole decimali" in reason
    assert bin_count() == 0


def test_a_code_repeated_in_the_file_is_refused_on_its_second_line(client, operator):
    response = upload(client, csv_bytes(GOOD_ROWS[0], GOOD_ROWS[1].replace("VS-002", "vs-001")))
    assert ("codice", "Codice VS-001 ripetuto nel file (già alla riga 2).") in [
        (f, r) for _l, f, r in _row_errors(response)
    ]
    assert bin_count() == 0


def test_unknown_comune_is_named_in_the_error(client, operator):
    response = upload(client, csv_bytes(GOOD_ROWS[0].replace(";Milano;", ";Milano Marittima;")))
    assert _row_errors(response) == [(2, "comune", "Comune sconosciuto: «Milano Marittima».")]
    assert bin_count() == 0


def test_swapped_latitude_and_longitude_get_a_hint(client, operator):
    response = upload(client, csv_bytes(GOOD_ROWS[0].replace("9,187900;45,463000", "45,463000;9,187900")))
    [(line, field, reason)] = _row_errors(response)
    assert (line, field) == (2, "lon") and "Latitudine e longitudine sembrano invertite." in reason
    assert bin_count() == 0


def test_a_point_outside_the_metro_area_is_refused(client, operator):
    bergamo = GOOD_ROWS[0].replace("9,187900;45,463000", "9,670000;45,698000").replace(";Milano;", ";;")
    response = upload(client, csv_bytes(bergamo))
    [(line, field, reason)] = _row_errors(response)
    assert (line, field) == (2, "lon") and "fuori dall'area servita" in reason
    assert bin_count() == 0


def test_a_file_over_the_size_limit_is_refused_before_reading(app, client, operator, monkeypatch):
    monkeypatch.setitem(app.config, "BIN_IMPORT_MAX_BYTES", 1024)
    response = upload(client, csv_bytes(*(GOOD_ROWS * 20)))
    assert response.status_code == 422
    assert "Il file supera la dimensione massima di 1 kB" in response.get_data(as_text=True)
    assert bin_count() == 0


def test_html_in_notes_is_kept_as_text_and_escaped_in_the_preview(client, operator):
    row = GOOD_ROWS[0].replace(";attivo;;", ";attivo;<script>alert('x')</script>;")
    response = upload(client, csv_bytes(row))
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    _confirm(client, html)
    assert db.session.scalar(select(Bin.access_notes)) == "<script>alert('x')</script>"


def test_reimport_updates_by_code_instead_of_duplicating_and_is_audited(client, operator):
    _confirm(client, upload(client, csv_bytes(*GOOD_ROWS)).get_data(as_text=True))
    moved = GOOD_ROWS[0].replace("2000;250", "3000;330")
    response = upload(client, csv_bytes(moved))
    assert "0 contenitori nuovi, 1 da aggiornare" in response.get_data(as_text=True)
    _confirm(client, response.get_data(as_text=True))
    assert bin_count() == 3
    bin_ = db.session.scalar(select(Bin).where(Bin.code == "VS-001"))
    assert bin_.capacity_l == 3000
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == bin_.id)).all()
    assert sorted(actions) == ["import", "import"]


def test_commit_writes_nothing_when_the_data_changed_after_the_preview(client, operator):
    html = upload(client, csv_bytes(*GOOD_ROWS)).get_data(as_text=True)
    operator.organisation.kind = "social_services"  # the organisation can no longer own bins
    db.session.commit()
    response = _confirm(client, html)
    assert response.status_code == 302
    assert "nessuna riga importata" in client.get(response.location).get_data(as_text=True)
    assert bin_count() == 0


def test_a_failure_on_the_last_row_leaves_no_row_written(client, operator, monkeypatch):
    html = upload(client, csv_bytes(*GOOD_ROWS)).get_data(as_text=True)
    calls = []

    def failing_apply(data, user, bin_, action=None, reason=""):
        calls.append(data.code)
        if len(calls) == len(GOOD_ROWS):
            raise ValidationError("Errore simulato.")
        return apply_bin(data, user, bin_, action=action, reason=reason)

    monkeypatch.setattr(importing, "apply_bin", failing_apply)
    _confirm(client, html)
    assert len(calls) == 3
    assert bin_count() == 0


def test_a_preview_token_cannot_be_used_by_another_user(app, client, operator):
    html = upload(client, csv_bytes(*GOOD_ROWS)).get_data(as_text=True)
    colleague = factories.UserFactory(role="operator", organisation=operator.organisation)
    db.session.commit()
    other_client = app.test_client()
    login(other_client, colleague.email)
    response = _confirm(other_client, html)
    assert response.status_code == 302
    assert bin_count() == 0


def test_an_operator_cannot_import_bins_for_another_organisation(client, operator):
    response = upload(client, csv_bytes(GOOD_ROWS[0].replace("VS-001;;", "VS-001;AMSA;")))
    assert _row_errors(response) == [(2, "operatore", "Puoi importare solo contenitori della tua organizzazione.")]


def test_a_coordinator_names_the_operator_of_each_row(client, login_as):
    login_as("coordinator")
    amsa = factories.OrganisationFactory(name="AMSA")
    db.session.commit()
    rows = [GOOD_ROWS[0].replace("VS-001;;", "VS-001;amsa;"), GOOD_ROWS[1].replace("VS-002;;", "VS-002;Ignota;")]
    response = upload(client, csv_bytes(*rows))
    [(line, column, reason)] = _row_errors(response)
    assert (line, column) == (3, "operatore")
    assert reason.startswith("Operatore sconosciuto: «Ignota». Operatori ammessi: AMSA, ")  # the names it accepts
    response = upload(client, csv_bytes(rows[0]))
    _confirm(client, response.get_data(as_text=True))
    assert db.session.scalar(select(Bin.operator_id)) == amsa.id


def test_geojson_points_are_imported_with_their_properties(client, operator):
    feature = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [9.1879, 45.463]},
        "properties": {
            "codice": "VS-100",
            "tipo_via": "Via",
            "nome_via": "Torino",
            "civico": "2",
            "cap": "20123",
            "capacita_l": 2000,
            "peso_pieno_kg": 250,
        },
    }
    content = json.dumps({"type": "FeatureCollection", "features": [feature, {"type": "Feature", "properties": {}}]})
    response = upload(client, content.encode(), filename="contenitori.geojson")
    errors = _row_errors(response)
    assert (2, "lon", "Geometria mancante o non di tipo punto.") in errors
    assert all(line == 2 for line, _f, _r in errors)


@pytest.mark.parametrize("properties", [5, "VS-100", [1, 2]])
def test_a_feature_whose_properties_are_not_an_object_is_refused_on_its_line(client, operator, properties):
    point = {"type": "Point", "coordinates": [9.1879, 45.463]}
    content = json.dumps(
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": point, "properties": properties}]}
    )
    response = upload(client, content.encode(), filename="contenitori.geojson")
    assert response.status_code == 422
    assert (1, "–", "Le proprietà dell'elemento devono essere un oggetto con i campi del contenitore.") in _row_errors(
        response
    )
    assert bin_count() == 0


def test_a_file_that_is_neither_utf8_nor_windows_1252_gets_an_italian_message(client, operator):
    content = (HEADER + "\r\n" + GOOD_ROWS[0] + "\r\n").encode("cp1252") + b"\x81\r\n"  # 0x81: unmapped in cp1252
    response = upload(client, content)
    assert response.status_code == 422
    assert "non è un testo CSV" in unescape(response.get_data(as_text=True))
    assert bin_count() == 0


def test_a_nul_character_in_a_cell_is_refused_at_preview_with_line_and_column(client, operator):
    row = GOOD_ROWS[0].replace("attivo;;", "attivo;cancello\x00;")
    response = upload(client, csv_bytes(GOOD_ROWS[1], row))
    assert response.status_code == 422
    [(line, field, reason)] = _row_errors(response)
    assert (line, field) == (3, "note_accesso") and "NUL" in reason
    assert "Conferma importazione" not in response.get_data(as_text=True)
    assert bin_count() == 0


def test_a_preview_is_kept_in_the_database_so_any_web_process_can_confirm_it(app, client, operator, tmp_path):
    app.instance_path, instance = str(tmp_path), app.instance_path  # nothing may be written on the local disk
    try:
        html = upload(client, csv_bytes(*GOOD_ROWS)).get_data(as_text=True)
        stored = db.session.scalars(select(BinImportPreview)).one()
        assert stored.user_id == operator.id and json.loads(stored.rows_json)[0][0] == 2
        assert _confirm(client, html).status_code == 302
    finally:
        app.instance_path = instance
    assert bin_count() == 3
    assert db.session.scalars(select(BinImportPreview)).all() == []
    assert list(tmp_path.iterdir()) == []


def test_a_preview_older_than_a_day_is_refused_and_purged_by_the_next_upload(client, operator):
    html = upload(client, csv_bytes(*GOOD_ROWS)).get_data(as_text=True)
    stale = db.session.scalars(select(BinImportPreview)).one()
    stale.created_at -= timedelta(hours=25)
    stale_token = stale.token
    db.session.commit()

    assert _confirm(client, html).status_code == 302
    assert bin_count() == 0
    upload(client, csv_bytes(*GOOD_ROWS))
    assert stale_token not in {p.token for p in db.session.scalars(select(BinImportPreview))}


def test_a_number_too_large_for_a_bin_is_refused_on_its_line(client, operator):
    cells = GOOD_ROWS[0].split(";")
    cells[HEADER.split(";").index("capacita_l")] = "9" * 5000
    html = unescape(upload(client, csv_bytes(";".join(cells), GOOD_ROWS[1])).get_data(as_text=True))
    assert "Numero troppo grande." in html and "Conferma importazione" not in html
    assert bin_count() == 0


@pytest.mark.parametrize("column", ["capacita_l", "flusso", "stato", "comune"])
def test_an_unreadable_value_is_quoted_in_its_message_not_echoed_whole(client, operator, column):
    cells = dict(zip(HEADER.split(";"), GOOD_ROWS[0].split(";"), strict=True))
    cells[column] = "sbagliato" * 400
    html = unescape(upload(client, csv_bytes(";".join(cells.values()))).get_data(as_text=True))
    assert "«" + ("sbagliato" * 5)[:40] + "…»" in html  # its start, to find it in the file
    assert "sbagliato" * 6 not in html
    assert bin_count() == 0


HOSTILE_CELLS = ["²", "9" * 5000, "2147483648", "-2147483649", "1e999", "NaN", "-inf", "\x00", "x" * 3000, "💩 %s"]


def test_hostile_values_in_any_cell_are_refused_or_imported_never_a_server_error(client, operator):
    # Each cell of a good row in turn, each value: a preview (with or without errors), then its confirmation.
    failures = []
    for column in HEADER.split(";"):
        for value in HOSTILE_CELLS:
            cells = dict(zip(HEADER.split(";"), GOOD_ROWS[0].split(";"), strict=True))
            cells[column] = value
            preview = upload(client, csv_bytes(";".join(cells.values())))
            token = _TOKEN.search(preview.get_data(as_text=True))
            confirmed = _confirm(client, preview.get_data(as_text=True)) if token else None
            if preview.status_code >= 500 or (confirmed is not None and confirmed.status_code >= 500):
                failures.append((column, value[:12]))
    assert not failures
