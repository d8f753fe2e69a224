"""Hypothesis strategies of hostile but plausible input, shared by the fuzz tests."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded so that each fuzz test takes seconds on either database; derandomized so that CI never flakes.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HUGE_INTS = st.sampled_from([0, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30])
WEIRD_TEXT = st.sampled_from(
    [
        "",
        " ",
        "a\x00b",
        "\x00",
        "\ud800",
        "x\udfffy",
        "x" * 3000,
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-23:59",
        "2026-02-30T08:00:00+01:00",
        "2026-03-14",
        "NaN",
        "-Infinity",
        "1e999999",
        "99999999999",
        "9" * 5000,
        "²",
        "-1",
        "riuso",
        "active",
        "015146",
        "comma",
        "en",
        "VS-0123",
        "Città 💩",
        "%",
        "' OR 1=1 --",
    ]
)
TEXT = WEIRD_TEXT | st.text(max_size=12) | HUGE_INTS.map(str)
SCALARS = st.none() | st.booleans() | HUGE_INTS | st.integers() | st.floats() | TEXT
ANY_JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3), max_leaves=6
)
RAW_BODIES = st.sampled_from(
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000, "", "{", "null", "[]", '"\\ud800"', "\x00"]
)


def query_string(params: dict[str, str]) -> str:
    """Percent-encoded as a client would, lone surrogates included (as the invalid UTF-8 they become)."""
    return "&".join(f"{quote(k)}={quote(v.encode('utf-8', 'surrogatepass'))}" for k, v in params.items())
