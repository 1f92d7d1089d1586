"""Fuzzing the finder and /api/match/ with hypothesis: arbitrary query strings, on the real
catalogue, must answer 200 or 400 — never a server error — and both addresses must agree,
since they read the same parameters through the same form (PRODUCT.md §4).

The query strings are built raw, so they can hold what a browser would never send: NUL,
invalid UTF-8 and lone surrogates as percent-escapes, right-to-left text, numbers of
thousands of digits, negative and fractional numbers, repeated keys, keys without values,
empty keys, unknown keys and every known key at once.
"""

from __future__ import annotations

import json
from urllib.parse import quote, quote_plus

from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.figures import record

MAX_EXAMPLES = 300

KNOWN_KEYS = [
    "location",
    "sector",
    "stage",
    "employees",
    "turnover",
    "funding",
    "support",
    "q",
    "employees_3y_ago",
    "turnover_3y_ago",
    "include_closed",
    "page",
]

# Real values, so that some searches get past validation and run (PRODUCT.md §3 slugs).
REAL_VALUES = [
    "coventry",
    "birmingham",
    "derby",
    "nottingham",
    "ashfield",
    "west-midlands",
    "east-midlands",
    "united-kingdom",
    "technology",
    "manufacturing",
    "pre-start",
    "start-up",
    "established",
    "grant",
    "loan",
    "equity",
    "leadership",
    "accelerator",
    "digital-adoption",
    "export",
    "1",
    "0",
    "yes",
    "off",
    "battery",
]

# Byte sequences that are not valid UTF-8, or are valid but hostile.
NASTY_ESCAPES = [
    "%00",  # NUL
    "%ED%A0%80",  # a lone high surrogate, UTF-8 encoded (invalid)
    "%ED%BF%BF",  # a lone low surrogate
    "%C0%80",  # an overlong NUL
    "%FF%FE",  # never valid in UTF-8
    "%E2%80%AE",  # RIGHT-TO-LEFT OVERRIDE
    "%E2%80%8F",  # RIGHT-TO-LEFT MARK
    "%EF%BB%BF",  # byte order mark
    "%F0%9F%92%A9",  # a four-byte character
    "%",  # a broken escape
    "%G1",
    "%E2%82",  # a truncated character
]


def _percent_encode_all(data: bytes) -> str:
    return "".join(f"%{byte:02X}" for byte in data)


numbers = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.integers(min_value=0, max_value=10**13).map(lambda n: f"£{n:,}"),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=1, max_value=6000).map(lambda n: "9" * n),  # huge
    # Either side of Python's 4,300-digit limit on int() of a string.
    st.sampled_from([4299, 4300, 4301, 5000]).map(lambda n: "1" * n),
    st.integers(min_value=1, max_value=6000).map(lambda n: "0" * n + "7"),
    st.sampled_from(
        ["-0", " 12 ", "1e309", "NaN", "\u0663", "\uff11\uff12", "12\u00a0000", "0x1F", "+5"]
    ),
)

# One piece of a value, already encoded for a query string.
pieces = st.one_of(
    st.text(max_size=30).map(lambda text: quote(text, safe="")),
    st.text(max_size=30).map(quote_plus),
    st.text(alphabet="\u05d0\u05d1\u0627\u0644\u202e\u200f ab1", max_size=20).map(
        lambda text: quote(text, safe="")
    ),
    st.binary(max_size=24).map(_percent_encode_all),
    st.sampled_from(NASTY_ESCAPES),
    st.sampled_from(REAL_VALUES),
    numbers.map(lambda text: quote(text, safe="")),
    st.integers(min_value=200, max_value=20_000).map(lambda n: "x" * n),  # very long
)
values = st.lists(pieces, min_size=0, max_size=3).map("".join)

keys = st.one_of(
    st.sampled_from(KNOWN_KEYS),
    st.sampled_from(KNOWN_KEYS).map(str.upper),
    st.text(max_size=12).map(lambda text: quote(text, safe="")),
    st.sampled_from(NASTY_ESCAPES),
)


@st.composite
def query_strings(draw) -> str:
    """A raw query string: pairs, bare keys, empty keys, repeats, sometimes every
    known key at once, joined by & (and now and then ;)."""
    parts = []
    if draw(st.booleans()):
        parts += [f"{key}={draw(values)}" for key in KNOWN_KEYS]
    for key, value, shape in draw(
        st.lists(st.tuples(keys, values, st.sampled_from(["pair", "bare", "empty-key"])))
    ):
        parts.append({"pair": f"{key}={value}", "bare": key, "empty-key": f"={value}"}[shape])
    parts = draw(st.permutations(parts))
    return draw(st.sampled_from(["&", "&", "&&", ";"])).join(parts)


def check_answers(client: Client, query: str) -> None:
    """The rules every answer must keep, whatever was asked."""
    page = client.get(f"/?{query}")
    api = client.get(f"/api/match/?{query}")

    assert page.status_code in (200, 400), (query, page.status_code)
    assert api.status_code in (200, 400), (query, api.status_code)
    # Same parameters, same form: the page and the API agree on what was valid.
    assert page.status_code == api.status_code, query

    body = json.loads(api.content)
    if api.status_code == 400:
        assert list(body) == ["errors"], body
        errors = body["errors"]
        assert isinstance(errors, dict) and errors, body
        for field, messages in errors.items():
            assert isinstance(field, str)
            assert messages and all(isinstance(message, str) for message in messages)
        # The page names the problems too, in the GOV.UK error summary.
        assert b"govuk-error-summary" in page.content
    else:
        assert {"count", "results", "near_misses"} <= set(body), body
        assert isinstance(body["count"], int)


def test_fuzz_finder_and_api_answer_200_or_400(real_catalogue) -> None:
    client = Client()
    ran = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,  # nothing written into the work tree
        print_blob=True,  # a failure prints how to reproduce it
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
    )
    @given(query=query_strings())
    # Found while writing this test: a number longer than Python's 4,300-digit limit for
    # int() was a server error.
    @example(query="employees=" + "9" * 5000)
    @example(query="turnover=" + "0" * 5000 + "12")
    @example(query="q=%ED%A0%80&location=%00&sector=%FF")
    @example(query="location=coventry&location=derby&support=equity&support=equity")
    @example(query="page=-1&employees=-0&funding=%C2%A3-5")
    def run(query: str) -> None:
        ran.append(query)
        check_answers(client, query)

    run()

    record("fuzz examples run (each against / and /api/match/)", len(ran))
    assert len(ran) >= MAX_EXAMPLES, f"hypothesis ran only {len(ran)} examples"
