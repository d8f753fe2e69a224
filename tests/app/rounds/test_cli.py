"""``flask rounds plan``: headless planning for cron."""

from __future__ import annotations

import pytest
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


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--time-limit", "-5", "non è tra 1 e 300"),
        ("--time-limit", "nan", "non è tra 1 e 300"),
        ("--time-limit", "inf", "non è tra 1 e 300"),
        ("--threshold", "7", "non è tra 0.1 e 1.5"),
        ("--threshold", "nan", "non è tra 0.1 e 1.5"),
        ("--seed", "99999999999999999999", "--seed"),
        ("--site", "²", "Impianto di selezione «²»"),
        ("--site", "9" * 30, "0 corrispondenze"),
        ("--vehicles", "XX,,", "Veicoli sconosciuti: XX."),
    ],
)
def test_rounds_plan_command_refuses_bad_choices_with_a_message_and_saves_nothing(
    app, world, option, value, message
) -> None:
    # The web form bounds these; the command line took them as typed, and the solver failed with a traceback.
    args = {"--date": world.tomorrow.isoformat(), "--site": "Impianto Pantano", "--time-limit": "1"} | {option: value}
    result = run_cli(app, "rounds", "plan", *(x for pair in args.items() for x in pair))

    assert result.exit_code in (1, 2) and message in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db.session.scalar(select(func.count()).select_from(RoundPlan)) == 0
