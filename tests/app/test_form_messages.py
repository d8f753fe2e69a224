"""WTForms' own messages reach the user in the page's language, also those its Italian catalogue lacks."""

from __future__ import annotations

from pathlib import Path

import wtforms
from babel.messages.pofile import read_po
from werkzeug.datastructures import MultiDict
from wtforms import FieldList, FormField, IntegerField, SelectField, SelectMultipleField, TimeField
from wtforms import Form as PlainForm

from app.forms import WTFORMS_GAPS, FlaskForm, choices

#: Untranslated in WTForms' Italian catalogue but never shown to a user: a programming error.
NEVER_SHOWN = {"Choices cannot be None."}


class _Form(FlaskForm):
    class Meta:
        csrf = False

    days = SelectMultipleField(choices=choices([("1", "lunedì"), ("2", "martedì")]))
    at = TimeField()
    count = IntegerField()


def _errors(app, lang: str) -> dict[str, list[str]]:
    with app.test_request_context(f"/?lang={lang}"):
        form = _Form(formdata=MultiDict([("days", "1"), ("days", "9"), ("at", "25:99"), ("count", "tre")]))
        assert not form.validate()
        return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


def test_wtforms_messages_missing_from_its_italian_catalogue_are_shown_in_italian(app) -> None:
    errors = _errors(app, "it")

    assert errors["days"] == ["Scelta non valida per questo campo: '9'."]
    assert errors["at"] == ["Non è un orario valido."]
    assert errors["count"] == ["Non è una valore intero valido"]  # WTForms' own Italian, as before


def test_the_same_messages_in_english(app) -> None:
    errors = _errors(app, "en")

    assert errors["days"] == ["Not a valid choice for this field: '9'."]
    assert errors["at"] == ["Not a valid time."]
    assert errors["count"] == ["Not a valid integer value."]


def test_a_whole_number_beyond_a_database_integer_is_refused_on_every_form(app) -> None:
    with app.test_request_context("/?lang=it"):
        for value, valid in (("2147483647", True), ("2147483648", False), ("-2147483649", False)):
            form = _Form(formdata=MultiDict([("days", "1"), ("at", "08:00"), ("count", value)]))
            assert form.validate() is valid
            assert form.errors == ({} if valid else {"count": ["Numero fuori dall'intervallo ammesso."]})


class _Row(PlainForm):
    pieces = IntegerField()


class _Leg(FlaskForm):
    class Meta:
        csrf = False

    partner_id = SelectField(coerce=int, validate_choice=False)
    rows = FieldList(FormField(_Row), min_entries=1)


def test_a_select_of_ids_and_rows_of_a_form_are_held_to_a_database_integer_too(app) -> None:
    with app.test_request_context("/?lang=it"):
        fine = _Leg(formdata=MultiDict([("partner_id", "7"), ("rows-0-pieces", "3")]))
        far_id = _Leg(formdata=MultiDict([("partner_id", "2147483648"), ("rows-0-pieces", "3")]))
        far_row = _Leg(formdata=MultiDict([("partner_id", "7"), ("rows-0-pieces", "2147483648")]))

        assert fine.validate()
        assert not far_id.validate() and far_id.partner_id.errors == ["Numero fuori dall'intervallo ammesso."]
        assert not far_row.validate()
        assert far_row.rows.entries[0].form.pieces.errors == ["Numero fuori dall'intervallo ammesso."]


def test_every_form_of_the_app_is_built_on_the_app_s_form() -> None:
    """A form built on Flask-WTF's own class would miss the Italian messages and the integer range."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    direct = [
        str(path.relative_to(app_dir))
        for path in app_dir.rglob("*.py")
        if path.name != "forms.py" or path.parent != app_dir
        if "from flask_wtf import FlaskForm" in path.read_text(encoding="utf-8")
    ]
    assert direct == []


def test_every_message_wtforms_leaves_untranslated_in_italian_has_ours() -> None:
    po = Path(wtforms.__file__).parent / "locale" / "it" / "LC_MESSAGES" / "wtforms.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    untranslated = set()
    for message in catalog:
        texts = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.id and (message.fuzzy or not all(texts)):
            untranslated.add(message.id if isinstance(message.id, str) else message.id[0])

    assert untranslated - NEVER_SHOWN == set(WTFORMS_GAPS)
