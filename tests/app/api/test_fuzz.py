"""Fuzz: every operation of the OpenAPI document, with valid and hostile values mixed, never gives a server error."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.api.openapi import openapi_document
from tests.app.hostile import ANY_JSON, FUZZ, HUGE_INTS, RAW_BODIES, TEXT, query_string

DOCUMENT = openapi_document()
OPERATIONS = [(path, method) for path, item in DOCUMENT["paths"].items() for method in item]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    if "$ref" not in node:
        return node
    found: Any = DOCUMENT
    for part in node["$ref"].removeprefix("#/").split("/"):
        found = found[part]
    return found


def _valid(schema: dict[str, Any], name: str, known: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A value the schema allows (the fixtures' real ids for the names they know)."""
    if name in known:
        return st.just(known[name])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type", "string")
    kind = next(k for k in kind if k != "null") if isinstance(kind, list) else kind
    if kind == "integer":
        return st.integers(schema.get("minimum", -3), schema.get("maximum", 1000))
    if kind == "number":
        return st.floats(schema.get("minimum", -3), 800, allow_nan=False)
    if kind == "array":
        return st.lists(_valid(schema.get("items", {}), "", known), max_size=3)
    if schema.get("format") == "date-time":
        moments = st.datetimes(datetime(2020, 1, 1), datetime.now() - timedelta(minutes=10), timezones=st.just(UTC))
        return moments.map(datetime.isoformat)
    return st.text(max_size=min(schema.get("maxLength", 20), 20))


def _mixed(schema: dict[str, Any], name: str, known: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly valid (so that some requests get through to the database), sometimes anything at all."""
    valid = _valid(schema, name, known)
    return st.one_of(valid, valid, valid, ANY_JSON)


def _body(operation: dict[str, Any], known: dict[str, Any]) -> st.SearchStrategy[str]:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    fields = {n: _mixed(s, n, known) for n, s in schema["properties"].items()}
    objects = st.fixed_dictionaries({}, optional=fields)
    complete = st.fixed_dictionaries({n: _valid(s, n, known) for n, s in schema["properties"].items()})
    extra = st.dictionaries(TEXT, ANY_JSON, max_size=2)
    documents = st.one_of(complete, objects, objects, st.builds(lambda a, b: {**a, **b}, objects, extra), ANY_JSON)
    return documents.map(json.dumps) | RAW_BODIES


def _request(operation: dict[str, Any], path: str, known: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    parts: dict[str, st.SearchStrategy[Any]] = {"headers": st.just({})}
    path_values, query = {}, {}
    for parameter in map(_resolve, operation.get("parameters", [])):
        value = _mixed(parameter["schema"], parameter["name"], known)
        if parameter["in"] == "path":
            values = st.one_of(value, value, HUGE_INTS)
            path_values[parameter["name"]] = values.map(lambda v: quote(str(v), safe=""))
        elif parameter["in"] == "query":
            query[parameter["name"]] = (value | TEXT).map(str)
        elif parameter["in"] == "header":
            printable = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=110)
            uuids = st.uuids().map(str)
            keys = st.one_of(uuids, uuids, uuids, printable, st.sampled_from(["", " ", "clé", "x" * 101]))
            parts["headers"] = st.fixed_dictionaries({parameter["name"]: keys})
    parts["url"] = st.fixed_dictionaries(path_values).map(lambda values: path.format(**values))
    parts["query"] = st.fixed_dictionaries({}, optional=query).map(query_string)
    if "requestBody" in operation:
        parts["body"] = _body(operation, known)
    return st.fixed_dictionaries(parts)


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m.upper()} {p}" for p, m in OPERATIONS])
@FUZZ
@given(data=st.data())
def test_every_api_operation_answers_hostile_input_without_a_server_error(client, token, bin_, path, method, data):
    operation = DOCUMENT["paths"][path][method]
    known = {"bin_id": bin_.id, "operator_id": bin_.operator_id, "bin_code": bin_.code}
    sent = data.draw(_request(operation, path, known), label="request")
    headers = {"Authorization": f"Bearer {token}", **sent["headers"]}
    body = sent.get("body")
    kwargs = {"data": body.encode("utf-8", "surrogatepass"), "content_type": "application/json"} if body else {}
    response = client.open(f"{sent['url']}?{sent['query']}", method=method.upper(), headers=headers, **kwargs)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if response.status_code >= 400:
        error = response.get_json()["error"]
        assert error["code"] and error["message"]
