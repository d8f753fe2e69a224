"""Fuzz: hostile values posted into every field of every form a role reaches never give a server error.

From each demo role's home page the test follows the links (one page per address shape: ``/rounds/12`` and
``/rounds/13`` count once), reads every ``method="post"`` form with its fields as the page fills them, and posts it
once per field and hostile value, with only that field changed. Any answer is fine but a server error: a message,
a redirect, a 400. On PostgreSQL this also catches numbers that overflow an ``integer`` column.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlparse

import pytest
from sqlalchemy import select

from app.auth.models import Organisation
from app.demo import DEMO, USERS, build_demo
from app.extensions import db, limiter
from tests.app import factories
from tests.app.conftest import login

# Digits int() refuses, a number too long to convert, one past a database integer, a grid cell made by hand.
HOSTILE = ["²", "9" * 5000, "2147483648", "0:abc"]
# Downloads and the log-out are not pages with forms; the log-in form has tests of its own.
SKIP = ("/logout", "/login", "/static/", ".csv", ".json", ".geojson", ".pdf", ".xlsx", ".zip", "/export", "/label")
MAX_PAGES = 150


class _Page(HTMLParser):
    """The links of a page and its post forms, each field with the values the page gives it."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[tuple[str, dict[str, list[str]]]] = []
        self._fields: dict[str, list[str]] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self._fields = {} if a.get("method", "").lower() == "post" else None
            if self._fields is not None:
                self.forms.append((a.get("action", ""), self._fields))
        elif self._fields is None or not name:
            if tag == "option" and self._fields is not None and self._select:
                self._option(a)
        elif tag in ("input", "textarea"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self._fields.setdefault(name, []).extend([a.get("value", "on")] if "checked" in a else [])
            elif kind not in ("submit", "button", "file"):
                self._fields[name] = [a.get("value", "")]
        elif tag == "select":
            self._select = name
            self._fields[name] = []

    def _option(self, a: dict[str, str]) -> None:
        assert self._fields is not None and self._select is not None
        values = self._fields[self._select]
        if "selected" in a:
            values[:] = [a.get("value", "")]
        elif not values:
            values.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._fields = None
        elif tag == "select":
            self._select = None


def _crawl(client: Any) -> list[tuple[str, dict[str, list[str]]]]:
    """The post forms reachable from the home page: (address to post to, fields)."""
    queue, seen_shapes, form_shapes, forms = ["/"], set(), set(), []
    while queue and len(seen_shapes) < MAX_PAGES:
        url = queue.pop(0)
        shape = re.sub(r"/\d+", "/N", url.split("?")[0])
        if shape in seen_shapes or any(s in url for s in SKIP):
            continue
        seen_shapes.add(shape)
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        page = _Page()
        page.feed(response.get_data(as_text=True))
        for href in page.links:
            target = urlparse(urljoin(url, href))
            if target.netloc in ("", "localhost") and target.path.startswith("/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
        for action, fields in page.forms:
            target = urljoin(url, action or url)
            if any(s in target for s in SKIP):
                continue
            form_shape = (re.sub(r"/\d+", "/N", target), tuple(sorted(fields)))
            if form_shape not in form_shapes:  # a form repeated on every row of a table is posted once
                form_shapes.add(form_shape)
                forms.append((target, fields))
    return forms


@pytest.mark.slow
def test_hostile_values_in_any_form_never_give_a_server_error(app) -> None:
    build_demo()  # once for every role (it takes half a minute): each role's posts change the data the next sees
    failures, reached = [], 0
    try:
        for role in sorted({u[0] for u in USERS}):
            organisation = next(u[3] for u in USERS if u[0] == role)
            where = Organisation.name == f"{organisation} {DEMO}"
            user = factories.UserFactory(role=role, organisation=db.session.scalar(select(Organisation).where(where)))
            db.session.commit()
            client = app.test_client()
            app.config["WTF_CSRF_ENABLED"] = True
            limiter.reset()  # the previous role's posts count against this address's rate limits
            assert login(client, user.email).status_code == 302
            app.config["WTF_CSRF_ENABLED"] = False  # the token is tested elsewhere; here it would double the requests
            forms = _crawl(client)
            reached += len(forms)
            for action, fields in forms:
                for name in fields:
                    for value in HOSTILE:
                        response = client.post(action, data={**fields, name: [value]})
                        if response.status_code >= 500:
                            failures.append(f"{role}: {action} {name}={value[:12]!r}: {response.status_code}")
                        # a post that ended the session would leave every later one at the log-in page
                        assert "/login" not in response.headers.get("Location", ""), (role, action, name)
    finally:
        app.config["WTF_CSRF_ENABLED"] = True
    assert reached > 50, "few forms reached: the crawl is broken"
    assert failures == []
