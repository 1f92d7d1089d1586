"""Fuzzing the ways of keeping and following a search with hypothesis: arbitrary query
strings (the finder's own fuzzing strategy, plus picks) and arbitrary link tokens must
answer 200 or 400 (a missing programme's calendar 404) — never a server error — and
store nothing."""

from __future__ import annotations

from urllib.parse import quote

from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from finder.models import AlertSubscription
from tests.figures import record
from tests.finder.test_fuzz import NASTY_ESCAPES, query_strings, values

MAX_EXAMPLES = 100

picks = st.lists(
    st.one_of(
        st.sampled_from(["west-midlands-co-investment-fund", "made-smarter-west-midlands"]),
        values,
    ),
    max_size=4,
).map(lambda slugs: "&".join(f"pick={slug}" for slug in slugs))

SEARCH_PAGES = ["/feeds/search.atom", "/calendar/search.ics", "/alerts/"]
PLAN_PAGES = ["/plan/", "/plan/csv/"]

tokens = st.one_of(
    st.text(max_size=80).map(lambda text: quote(text, safe="")),
    st.sampled_from(NASTY_ESCAPES),
    st.sampled_from(["eyJlIjoiYSJ9:1abc:xyz", "a:b:c", ".eJyrVkpVslJKVKoFAA:1:x"]),
)


def test_fuzz_plan_feed_calendar_and_alerts_answer_200_or_400(real_catalogue) -> None:
    client = Client()
    ran = []

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
    )
    @given(query=query_strings(), picked=picks)
    @example(query="employees=" + "9" * 5000, picked="pick=%00")
    @example(query="location=coventry", picked="pick=" + "x" * 5000)
    def run(query: str, picked: str) -> None:
        ran.append(query)
        statuses = {url: client.get(f"{url}?{query}").status_code for url in SEARCH_PAGES}
        assert set(statuses.values()) <= {200, 400}, (query, statuses)
        # The same search, the same form: all valid, or all refused.
        assert len(set(statuses.values())) == 1, (query, statuses)
        for url in PLAN_PAGES:
            status = client.get(f"{url}?{query}&{picked}").status_code
            assert status in (200, 400), (url, query, picked, status)
            if statuses["/alerts/"] == 400:
                assert status == 400, (url, query, picked)

    run()
    record("fuzz examples run (each against the plan, feed, calendar, alerts)", len(ran))
    assert len(ran) >= MAX_EXAMPLES


def test_fuzz_alert_links_answer_400_and_store_nothing(db) -> None:
    client = Client()

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None)
    @given(token=tokens)
    def run(token: str) -> None:
        for name in ("confirm", "unsubscribe"):
            for method in (client.get, client.post):
                response = method(f"/alerts/{name}/{token}/")
                assert response.status_code in (400, 404), (name, token, response.status_code)

    run()
    assert AlertSubscription.objects.count() == 0
