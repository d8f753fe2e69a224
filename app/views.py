"""The one way a view saves a validated form: call a service, commit once, or show the error."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect
from wtforms import Field, FieldList

from app.errors import DomainError
from app.extensions import db
from app.forms import FlaskForm

T = TypeVar("T")


def save_form(
    form: FlaskForm, save: Callable[[], object], done_message: str | Callable[[Any], str], next_url: str
) -> Any | None:
    """Run ``save`` if the form is valid; commit and redirect, or attach the domain error to its field.

    ``done_message`` may be a function of what ``save`` returned (a message that tells what was done).

    Returns the redirect response on success, None when the form must be shown again.
    """
    if not form.validate_on_submit():
        return None
    try:
        result = save()
    except DomainError as error:
        db.session.rollback()
        field = form_field(form, error.field)
        if field is not None:
            field.errors = [*field.errors, error.message]
            for item in form:  # a list of sub-forms keeps a copy of its rows' errors, taken when it validated
                if isinstance(item, FieldList):
                    item.errors = [entry.errors for entry in item.entries]
        else:
            form.form_errors.append(error.message)
        return None
    db.session.commit()
    flash(done_message(result) if callable(done_message) else done_message, "success")
    return redirect(next_url)


def form_field(form: FlaskForm, path: str | None) -> Any | None:
    """The field a service error names: ``weight_kg``, or a path into a list of sub-forms ``lines[1].weight_kg``."""
    target: Any = form
    for part in re.findall(r"[^.\[\]]+", path or ""):
        try:
            target = target[int(part)] if part.isdigit() else getattr(target, part)
        except (AttributeError, IndexError, TypeError):
            return None
    return target if isinstance(target, Field) else None


def form_status(form: FlaskForm) -> int:
    """422 when the form came back with errors, so tests and clients can tell."""
    return 422 if form.errors or form.form_errors else 200


def form_values(data_class: type[T], form: FlaskForm, **overrides: Any) -> T:
    """Build a service's input dataclass from the form fields of the same names.

    ``overrides`` supply values that need converting; an empty field falls back to the
    dataclass default, or to "" for text fields without one.
    """
    values: dict[str, Any] = {}
    for item in dataclasses.fields(data_class):  # type: ignore[arg-type]
        if item.name in overrides:
            values[item.name] = overrides[item.name]
            continue
        field = getattr(form, item.name, None)
        if field is None:
            continue
        value = field.data
        if value is None and item.default is dataclasses.MISSING and item.default_factory is dataclasses.MISSING:
            value = ""
        if value is not None:
            values[item.name] = value
    return data_class(**values)
