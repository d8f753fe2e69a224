"""The import helps the person filling the file: decimal commas anywhere, allowed values named, comune shown,
a template to download."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from app.bins.formats import COLUMNS
from tests.app.bins.conftest import GOOD_ROWS, HEADER, bin_count, csv_bytes, upload


def _rows_table(html: str) -> str:
    return html.split('id="rows"', 1)[1].split("</table>", 1)[0]


def test_330_comma_5_is_read_in_an_italian_file_and_rounded_in_a_whole_column(client: Any, operator: Any) -> None:
    row = GOOD_ROWS[0].replace(";2000;250;", ";2000,0;330,5;")
    response = upload(client, csv_bytes(row))
    html = unescape(response.get_data(as_text=True))
    assert response.status_code == 200, html
    assert "peso_pieno_kg: 330,5 arrotondato a 331." in html
    assert ">331<" in _rows_table(html)


def test_330_comma_5_is_read_in_a_comma_separated_file_too(client: Any, operator: Any) -> None:
    cells = GOOD_ROWS[2].split(";")
    cells[9], cells[10], cells[12] = "9.04", "45.529", '"330,5"'  # a quoted decimal comma in a file with points
    response = upload(client, csv_bytes(",".join(cells), header=HEADER.replace(";", ","), bom=False))
    assert response.status_code == 200, unescape(response.get_data(as_text=True))
    assert ">331<" in _rows_table(response.get_data(as_text=True))


def test_errors_name_the_allowed_values(client: Any, operator: Any) -> None:
    row = GOOD_ROWS[0].replace(";riuso;", ";tessile;").replace(";attivo;", ";guasto;")
    response = upload(client, csv_bytes(row))
    assert response.status_code == 422
    html = unescape(response.get_data(as_text=True))
    assert "Valore non ammesso «tessile»: scrivi uno di «riuso», «recupero_materia»." in html
    assert "Valore non ammesso «guasto»: scrivi uno di «attivo», «danneggiato», «inaccessibile», «rimosso»." in html
    assert bin_count() == 0


def test_the_preview_shows_the_comune_of_each_row(client: Any, operator: Any) -> None:
    response = upload(client, csv_bytes(*GOOD_ROWS))
    comuni = re.findall(r'<td class="comune">([^<]*)</td>', _rows_table(response.get_data(as_text=True)))
    assert comuni == ["Milano", "Sesto San Giovanni", "Rho"]


def test_the_template_downloads_and_imports_as_it_is(client: Any, operator: Any) -> None:
    page = client.get("/bins/import").get_data(as_text=True)
    assert "/bins/import/modello.csv" in page and "Scarica il modello CSV" in page
    response = client.get("/bins/import/modello.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="modello_contenitori.csv"'
    text = response.get_data().decode("utf-8-sig")
    assert text.splitlines()[0] == ";".join(COLUMNS)
    assert "330,5" in text and operator.organisation.name in text
    preview = upload(client, response.get_data(), "modello_contenitori.csv")
    assert preview.status_code == 200, unescape(preview.get_data(as_text=True))
    assert "2 contenitori nuovi" in preview.get_data(as_text=True)
