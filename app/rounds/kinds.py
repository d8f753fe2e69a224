"""What differs between kinds of plan (collection, delivery): choosing the stops and what publishing means.

The rounds domain plans, saves, edits and publishes every kind the same way; a domain that brings its
own stops (welfare deliveries) registers a :class:`KindRules` here, so rounds never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _

from app.errors import ValidationError

if TYPE_CHECKING:
    from app.auth.models import User
    from app.rounds.models import RoundPlan
    from app.rounds.services import PlanParams, Prepared


def _nothing(_plan: RoundPlan, _user: User | None) -> None:
    return None


@dataclass(frozen=True)
class KindRules:
    """``check`` refuses bad choices before a job is queued; ``prepare`` reads the stops (the only reads of a
    plan); ``on_publish`` runs inside the publishing transaction and may refuse it with a ``DomainError``."""

    check: Callable[[PlanParams], Any]
    prepare: Callable[[PlanParams], Prepared]
    on_publish: Callable[[RoundPlan, User | None], None] = _nothing


_KINDS: dict[str, KindRules] = {}


def register(name: str, rules: KindRules) -> None:
    _KINDS[name] = rules


def get(name: str) -> KindRules:
    if name not in _KINDS:
        raise ValidationError(_("Tipo di piano sconosciuto: %(kind)s", kind=name))
    return _KINDS[name]
