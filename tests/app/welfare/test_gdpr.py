"""``flask gdpr export|erase`` and retention: erasure keeps anonymous statistics."""

from __future__ import annotations

import json
from datetime import timedelta

from app.core.clock import local_today
from app.extensions import db
from app.welfare.models import Household, HouseholdIdentity, IdentityAccessLog
from tests.app import factories
from tests.app.conftest import run_cli


def test_export_prints_everything_held_and_is_logged(app, household):
    result = run_cli(app, "gdpr", "export", household.code)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["identity"]["name"] == "Famiglia Esposito Gennaro"
    assert [m["label"] for m in data["members"]] == ["Figlio 1", "Figlia 2"]
    assert db.session.query(IdentityAccessLog).filter_by(purpose="export").count() == 1


def test_erase_removes_identity_and_keeps_statistics(app, household):
    result = run_cli(app, "gdpr", "erase", household.code, "--yes")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    kept = db.session.get(Household, household.id)
    assert kept.status == "anonymised" and kept.comune_code == factories.MILANO
    assert db.session.get(HouseholdIdentity, household.id) is None
    assert [(m.label, m.gender, m.clothing_size) for m in kept.members] == [
        ("#1", "bambino", "8 anni"),
        ("#2", "bambina", "5 anni"),
    ]
    assert "Esposito" not in run_cli(app, "gdpr", "export", household.code).output


def test_unknown_code_gets_a_clear_message(app):
    result = run_cli(app, "gdpr", "erase", "MI-ZZZZZ", "--yes")
    assert result.exit_code != 0 and "Nessun nucleo familiare con il codice MI-ZZZZZ" in result.output


def test_a_long_unknown_code_is_quoted_by_its_start(app):
    result = run_cli(app, "gdpr", "export", "MI-" + "Z" * 5_000)
    assert result.exit_code != 0 and "MI-" + "Z" * 37 + "…" in result.output and "Z" * 41 not in result.output


def test_households_past_retention_are_anonymised(app, household):
    household.retention_until = local_today() - timedelta(days=1)
    fresh = factories.HouseholdFactory(office=household.office)
    db.session.commit()
    result = run_cli(app, "welfare", "anonymise-expired")
    assert result.exit_code == 0 and household.code in result.output and fresh.code not in result.output
    db.session.expire_all()
    assert db.session.get(HouseholdIdentity, household.id) is None
    assert db.session.get(HouseholdIdentity, fresh.id) is not None
