"""The kilogram ledger: validated weights, lot balances derived from rows, guarded withdrawals."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app.auth.models import User
from app.errors import ConflictError, ValidationError
from app.extensions import db
from app.i18n import fmt_number
from app.sorting.models import Fraction, KgEntry

TENTH = Decimal("0.1")
MAX_KG = Decimal("100000")


def to_kg(value: object, field: str, *, allow_zero: bool = False) -> Decimal:
    """A weight in kg to 0,1 kg; negative, NaN, infinite or absurd values raise ValidationError."""
    try:
        kg = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("Peso non valido."), field=field) from None
    if not kg.is_finite():
        raise ValidationError(_("Peso non valido: deve essere un numero finito di kg."), field=field)
    if kg < 0 or (kg == 0 and not allow_zero):
        raise ValidationError(_("Il peso deve essere maggiore di zero."), field=field)
    if kg > MAX_KG:
        raise ValidationError(_("Peso non plausibile (oltre 100.000 kg)."), field=field)
    return kg.quantize(TENTH, rounding=ROUND_HALF_UP)


def percent_setting(name: str, default: str) -> Decimal:
    """A tolerance in percent from the app config (``SORTING_LOSS_TOLERANCE_PERCENT`` …)."""
    return Decimal(str(current_app.config.get(name, default)))


def post(kind: str, delta_kg: Decimal, user: User | None = None, **lot: object) -> KgEntry:
    """Append one ledger row (``batch_id=``, ``fraction_id=`` or ``session_id=`` name the lot)."""
    entry = KgEntry(kind=kind, delta_kg=delta_kg, user_id=user.id if user else None, **lot)
    db.session.add(entry)
    return entry


def fraction_balance_kg(fraction_id: int) -> Decimal:
    """Kilograms of a fraction still at the plant: the sum of its ledger rows."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(KgEntry.delta_kg), 0)).where(KgEntry.fraction_id == fraction_id)
    )
    return Decimal(total).quantize(TENTH)


def batch_balance_kg(batch_id: int) -> Decimal:
    """Kilograms of a batch not yet sorted."""
    total = db.session.scalar(select(func.coalesce(func.sum(KgEntry.delta_kg), 0)).where(KgEntry.batch_id == batch_id))
    return Decimal(total).quantize(TENTH)


def check_withdrawal(fraction: Fraction, kg: Decimal) -> None:
    """Lock a fraction's row; refuse kilos of an open session or more than what is left."""
    db.session.execute(select(Fraction.id).where(Fraction.id == fraction.id).with_for_update())
    if fraction.session.is_open:
        raise ConflictError(
            _("La sessione di selezione del lotto %(lot)s non è ancora chiusa.", lot=fraction.lot_code),
            field="fraction_id",
        )
    left = fraction_balance_kg(fraction.id)
    if kg > left:
        raise ConflictError(
            _(
                "Il lotto %(lot)s ha solo %(left)s kg disponibili (richiesti %(kg)s kg).",
                lot=fraction.lot_code,
                left=fmt_number(left),
                kg=fmt_number(kg),
            ),
            field="weight_kg",
        )


def withdraw_from_fraction(fraction: Fraction, kg: Decimal, kind: str, user: User | None) -> KgEntry:
    """Take kg out of a closed fraction under a row lock; refuse more than what is left.

    What took the kilos (a shipment line, a stock movement) points at the returned row.
    """
    check_withdrawal(fraction, kg)
    entry = post(kind, -kg, user, fraction_id=fraction.id, session_id=fraction.session_id)
    db.session.flush()
    return entry
