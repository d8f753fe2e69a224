"""``flask rounds plan``: headless planning for cron."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.rounds.models import RoundPlan
from tests.app.conftest import run_cli


def test_rounds_plan_command_saves_a_plan_and_prints_a_summary(app, world) -> None:
    plates = ",".join(v.plate for v in world.vehicles)

    result = run_cli(
        app,
        "rounds",
        "plan",
        "--date",
        world.tomorrow.isoformat(),
        "--site",
        "Impianto Pantano",
        "--vehicles",
        plates,
        "--time-limit",
        "1",
    )

    assert result.exit_code == 0, result.output
    assert f"del {world.tomorrow:%d/%m/%Y}" in result.output
    assert "contenitori" in result.output
    assert db.session.scalar(select(func.count()).select_from(RoundPlan)) == 1


def test_rounds_plan_command_explains_an_unknown_plant(app, world) -> None:
    result = run_cli(app, "rounds", "plan", "--date", world.tomorrow.isoformat(), "--site", "Nessuno")

    assert result.exit_code != 0
    assert "Impianto di selezione «Nessuno»" in result.output
