"""The monthly report: rendered as a PDF whose figures are the database's (the fixture's November)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from app.errors import ValidationError
from app.reports import monthly
from tests.app.conftest import run_cli


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages))


def test_the_pdf_holds_the_months_figures_the_chain_and_the_method(month):
    report = monthly.build(date(2026, 11, 1))
    text = _text(monthly.render_pdf(report))
    assert "Rapporto mensile della filiera tessile — 11/2026" in text
    assert "333,2 kg" in text  # 300 kg weighed + 35 % of 95 kg estimated (November only; 50 kg were October's)
    assert "200 · 100 · 30 kg" in text  # reuse · recycling · disposal of the November session
    assert report.kpis.households == 2 and re.search(r"Nuclei serviti 2 3 persone", text)
    assert "Bilancio della filiera" in text and "Pesato in impianto" in text and "Note di metodo" in text
    assert "ISTAT" in text and "WRAP" in text


def test_a_month_is_asked_as_yyyy_mm():
    assert monthly.parse_month("2026-11") == date(2026, 11, 1)
    for bad in ("11/2026", "2026-13", "1999-01", "", None):
        with pytest.raises(ValidationError, match="AAAA-MM"):
            monthly.parse_month(bad)


def test_the_command_writes_the_pdf_and_the_page_downloads_it(app, month, tmp_path, client, login_as):
    out = tmp_path / "novembre.pdf"
    result = run_cli(app, "reports", "monthly", "--month", "2026-11", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "2 svuotamenti, 333.2 kg" in result.output
    assert run_cli(app, "reports", "monthly", "--month", "novembre").exit_code != 0
    nowhere = run_cli(app, "reports", "monthly", "--month", "2026-11", "--out", str(tmp_path / "manca" / "r.pdf"))
    assert nowhere.exit_code == 1 and "Impossibile scrivere" in nowhere.output  # a message, not a traceback
    login_as("coordinator")
    response = client.get("/reports/monthly.pdf?month=2026-11")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "fitmi_rapporto_mensile_2026-11.pdf" in response.headers["Content-Disposition"]
    assert client.get("/reports/monthly.pdf?month=2026-99").status_code == 422
    assert "/reports/monthly.pdf?month=" in client.get("/reports/kpi").get_data(as_text=True)
