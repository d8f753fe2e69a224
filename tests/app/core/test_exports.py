"""The one CSV writer of every export: text that would run as a formula is escaped, numbers are not."""

from __future__ import annotations

from decimal import Decimal

from app.core.exports import csv_text, neutralise, restore


def test_text_starting_like_a_formula_gets_a_leading_apostrophe() -> None:
    for text in ("=1+1", "+39 02 1234", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text and restore(neutralise(text)) == text
    assert neutralise("Via Torino 2") == "Via Torino 2" and restore("'apostrofo") == "'apostrofo"


def test_negative_numbers_written_by_the_app_stay_numbers() -> None:
    text = csv_text(["kg", "delta", "rettifica", "nota"], [[-0.5, -2, Decimal("-1.250"), "-2"]])
    assert text.splitlines()[1] == "-0,5;-2;-1,250;'-2"
