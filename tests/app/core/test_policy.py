"""Who may do what is decided in one place: app/core/policy.py."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.core.policy import RULES, Permission, Role, can, roles_with
from tests.app import factories

APP = Path(__file__).resolve().parents[3] / "app"
POLICY = APP / "core" / "policy.py"
ROLE_NAMES = {r.value for r in Role}
# A quoted role name, or ``….role`` compared, inside a Jinja expression or statement.
_JINJA = re.compile(r"{{.*?}}|{%.*?%}", re.S)
_QUOTED_ROLE = re.compile("['\"](" + "|".join(sorted(ROLE_NAMES)) + ")['\"]")
_ROLE_COMPARED = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot\s+in\b)")


def _is_role(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in ROLE_NAMES


def role_rules_in_python(source: str) -> list[int]:
    """Lines that decide access by role name: a ``.role`` comparison, a role name compared, listed or passed as role=.

    Role names used as something else (a blueprint ``"admin"``, a form field or dict key ``"operator"``,
    an organisation kind's own enum value) are not access rules and are not reported.
    """
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(isinstance(o, ast.Attribute) and o.attr == "role" for o in operands) or any(map(_is_role, operands)):
                lines.append(node.lineno)
        elif isinstance(node, ast.Tuple | ast.List | ast.Set) and any(map(_is_role, node.elts)):
            lines.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg == "role" and _is_role(node.value):
            lines.append(node.value.lineno)
    return sorted(lines)


def role_rules_in_template(text: str) -> list[str]:
    return [
        m.group(0)
        for m in _JINJA.finditer(text)
        if _QUOTED_ROLE.search(m.group(0)) or _ROLE_COMPARED.search(m.group(0))
    ]


def test_no_role_name_decides_access_outside_the_policy():
    found = {}
    for path in APP.rglob("*.py"):
        if path != POLICY and (lines := role_rules_in_python(path.read_text(encoding="utf-8"))):
            found[str(path.relative_to(APP))] = lines
    for path in (APP / "templates").rglob("*.html"):
        if hits := role_rules_in_template(path.read_text(encoding="utf-8")):
            found[str(path.relative_to(APP))] = hits
    assert found == {}, "ask app.core.policy.can(user, Permission.…) (templates: can('…')) instead"


@pytest.mark.parametrize(
    ("source", "caught"),
    [
        ('if user.role == "admin": pass', True),
        ("if user.role in PLANNERS: pass", True),
        ('STAFF = ("operator", "coordinator")', True),
        ('UserFactory(role="driver")', True),
        ('if "social_worker" != kind: pass', True),
        ('bp = Blueprint("admin", __name__)', False),
        ('query = {"operator": operator_id}', False),
        ('request.args.get("operator", "")', False),
        ('class OrganisationKind(enum.StrEnum):\n    OPERATOR = "operator"', False),
        ("kind = OrganisationKind.OPERATOR", False),
    ],
)
def test_the_scan_tells_access_rules_from_other_uses_of_the_words(source, caught):
    assert bool(role_rules_in_python(source)) is caught


@pytest.mark.parametrize(
    ("template", "caught"),
    [
        ("{% if current_user.role != 'social_worker' %}x{% endif %}", True),
        ("{% if current_user.role in roles %}x{% endif %}", True),
        ("{{ action('approve') if x == \"coordinator\" }}", True),
        ('<select name="operator" id="operator"></select>', False),
        ('<h1 data-role="{{ current_user.role }}">', False),
        ("{{ role_labels.get(u.role, u.role) }}", False),
        ("{% if can('plan_rounds') %}x{% endif %}", False),
    ],
)
def test_the_template_scan_reads_only_jinja_code(template, caught):
    assert bool(role_rules_in_template(template)) is caught


def test_every_permission_has_its_roles():
    assert set(RULES) == set(Permission)
    assert all(RULES.values())


def test_can_answers_from_the_rules_and_refuses_nobody():
    planner = factories.UserFactory(role=Role.COORDINATOR)
    driver = factories.UserFactory(role=Role.DRIVER)
    assert can(planner, Permission.PLAN_ROUNDS) and can(planner, "plan_rounds")
    assert not can(driver, Permission.PLAN_ROUNDS)
    assert can(driver, Permission.TAKE_ROUTES) and roles_with(Permission.TAKE_ROUTES) == {Role.DRIVER}
    assert not can(None, Permission.VIEW_BINS)
    with pytest.raises(ValueError):
        can(planner, "plan_everything")


def test_templates_ask_the_policy(client, login_as):
    login_as(Role.SOCIAL_WORKER)
    html = client.get("/stock/").get_data(as_text=True)
    assert "/stock/locations" not in html  # social workers see what is available, not where it lies
    client.get("/logout")
