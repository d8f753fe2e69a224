"""Backup and restore drill: a backup restored into a fresh database has the same rows and ledger balances."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.ops.backup import BackupError, restore_backup
from app.stock import services as stock
from tests.app import factories
from tests.app.conftest import new_database, run_cli
from tests.app.sorting.helpers import closed_session, intake, reuse_b_fraction

KG_BALANCES = (
    "SELECT batch_id, fraction_id, kind, SUM(delta_kg) FROM kg_ledger "
    "GROUP BY batch_id, fraction_id, kind ORDER BY 1, 2, 3"
)
STOCK_BALANCES = (
    "SELECT item_id, location_id, SUM(on_hand_delta), SUM(reserved_delta) FROM stock_movement "
    "GROUP BY item_id, location_id ORDER BY 1, 2"
)
STOCK_CACHE = "SELECT item_id, location_id, on_hand, reserved FROM stock_balance ORDER BY 1, 2"


@pytest.fixture
def fresh_database_url(tmp_path: Path) -> Iterator[str]:
    """An empty database on the same server as the test database (a new SQLite file, or a new PostgreSQL db)."""
    with new_database(tmp_path / "restored.sqlite3", "fitmi_restore") as url:
        yield url


def _some_history() -> None:
    """Intake, a sorting session, stock received, reserved, issued: rows in both ledgers."""
    item, location = factories.StockItemFactory(), factories.StockLocationFactory()
    stock.receive_from_sorting(item, location, 10, reuse_b_fraction(), None)
    reservation = stock.reserve(item, location, 4)
    stock.issue_reserved(reservation, 3, counterparty="NF-00042")
    closed_session({"reuse_a": "300", "recycle_mixed": "690"})
    intake(gross="900", tare="400")
    factories.UserFactory(role="coordinator")
    db.session.commit()


def _snapshot(url: str) -> dict[str, object]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sorted(sa.inspect(conn).get_table_names())
            counts = {t: conn.execute(sa.text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in tables}  # noqa: S608
            kg = [tuple(r) for r in conn.execute(sa.text(KG_BALANCES))]
            pieces = [tuple(r) for r in conn.execute(sa.text(STOCK_BALANCES))]
            cache = [tuple(r) for r in conn.execute(sa.text(STOCK_CACHE))]
    finally:
        engine.dispose()
    return {"counts": counts, "kg": kg, "stock": pieces, "stock_cache": cache}


def test_a_restored_backup_has_the_same_rows_and_ledger_balances(app, tmp_path, fresh_database_url):
    _some_history()
    backup = tmp_path / "backups" / "fitmi.dump"

    result = run_cli(app, "backup", "create", str(backup))
    assert result.exit_code == 0, result.output
    restore_backup(fresh_database_url, backup)

    original, restored = (
        _snapshot(str(db.engine.url.render_as_string(hide_password=False))),
        _snapshot(fresh_database_url),
    )
    assert original["counts"]["kg_ledger"] > 0 and original["counts"]["stock_movement"] > 0
    assert original["kg"] and original["stock"]
    assert restored == original


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, fresh_database_url):
    junk = tmp_path / "not-a-backup.dump"
    junk.write_bytes(b"this is not a database")
    with pytest.raises(BackupError):
        restore_backup(fresh_database_url, junk)


def test_the_restore_command_asks_for_confirmation(app, tmp_path):
    backup = tmp_path / "fitmi.dump"
    backup.write_bytes(b"x")
    result = run_cli(app, "backup", "restore", str(backup))
    assert result.exit_code != 0 and "--yes" in result.output


def test_a_backup_that_cannot_be_written_is_refused_with_a_message(app, tmp_path):
    blocker = tmp_path / "un-file"
    blocker.write_text("x")
    result = run_cli(app, "backup", "create", str(blocker / "copia.dump"))
    assert result.exit_code == 1 and "Impossibile scrivere la copia" in result.output, result.output


def test_a_missing_or_broken_backup_is_refused_in_italian(app, tmp_path):
    junk = tmp_path / "copia.dump"
    junk.write_bytes(b"this is not a database")
    result = run_cli(app, "backup", "restore", str(junk), "--yes")
    assert result.exit_code == 1 and "copia.dump" in result.output
    assert any(w in result.output for w in ("non è", "non riuscito", "non trovato"))  # SQLite / pg_restore
