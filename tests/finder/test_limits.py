"""Per-client rate limits on the finder page and /api/match/ (finder/limits.py): the
request over the limit answers 429 with Retry-After, a styled page for people and JSON for
the API; they count in the configured default cache, per client address."""

from __future__ import annotations

import json
import logging
from collections import Counter

import pytest
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.test import Client

from finder import health
from tests.factories import make_geography
from tests.figures import record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits_on(settings):
    # Off for the rest of the suite (tests/settings.py); these tests are about them.
    settings.FINDER_RATE_LIMITS = {"search": "3/m", "api": "2/m"}
    caches["default"].clear()
    health.FAILURES.clear()
    yield
    caches["default"].clear()


def test_search_page_over_the_limit_answers_styled_429(client: Client) -> None:
    for _ in range(3):
        assert client.get("/", REMOTE_ADDR="203.0.113.5").status_code == 200
    response = client.get("/", {"employees": "5"}, REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Sorry, there have been too many requests" in response.text
    assert f"Wait {response['Retry-After']} second" in response.text
    assert 'class="govuk-template__body"' in response.text
    # Another client is not held back.
    assert client.get("/", REMOTE_ADDR="203.0.113.6").status_code == 200


def test_api_over_the_limit_answers_json_429(client: Client) -> None:
    make_geography()
    for _ in range(2):
        assert (
            client.get(
                "/api/match/", {"location": "coventry"}, REMOTE_ADDR="203.0.113.7"
            ).status_code
            == 200
        )
    response = client.get("/api/match/", {"location": "coventry"}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    seconds = int(response["Retry-After"])
    assert json.loads(response.content) == {
        "errors": {"__all__": [f"Too many requests: try again in {seconds} seconds."]}
    }


def test_limits_are_per_view_group(client: Client) -> None:
    """The page and the API count separately: using up one leaves the other."""
    for _ in range(3):
        client.get("/", REMOTE_ADDR="203.0.113.8")
    assert client.get("/", REMOTE_ADDR="203.0.113.8").status_code == 429
    assert client.get("/api/match/", REMOTE_ADDR="203.0.113.8").status_code == 200


def test_no_rate_means_no_limit(client: Client, settings) -> None:
    settings.FINDER_RATE_LIMITS = {"search": None, "api": None}
    assert {client.get("/", REMOTE_ADDR="203.0.113.9").status_code for _ in range(10)} == {200}


def test_counts_are_kept_in_the_default_cache(client: Client) -> None:
    """So that a shared default cache (Redis) makes the count one for every server."""
    assert caches["default"]._cache == {}  # LocMemCache's own store: empty before
    client.get("/", REMOTE_ADDR="203.0.113.10")
    assert list(caches["default"]._cache.values()) != []


class BrokenCache(BaseCache):
    """A shared cache whose server does not answer."""

    def __init__(self, location, params):
        super().__init__(params)

    def add(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    def clear(self):
        pass


def test_unreachable_cache_lets_requests_through_and_logs_once(
    client: Client, settings, caplog
) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "tests.finder.test_limits.BrokenCache"},
    }
    with caplog.at_level(logging.ERROR, logger="finder.health"):
        statuses = {client.get("/", REMOTE_ADDR="203.0.113.11").status_code for _ in range(5)}
    assert statuses == {200}
    assert len(caplog.records) == 1
    assert "rate-limit cache: ConnectionError" in caplog.records[0].getMessage()


def test_burst_from_one_client(client: Client, settings) -> None:
    """A burst of 200 API requests from one address at the shipped 60 a minute."""
    settings.FINDER_RATE_LIMITS = {"search": "120/m", "api": "60/m"}
    statuses = Counter(
        client.get("/api/match/", REMOTE_ADDR="203.0.113.12").status_code for _ in range(200)
    )
    record("API burst of 200 from one client at 60/m: answered 429", statuses[429])
    # A window may end during the burst, and the next begins with a fresh count.
    assert statuses[200] in (60, 120)
    assert statuses[429] == 200 - statuses[200]


@pytest.mark.parametrize(
    ("raw", "rate"),
    [
        ("", "60/m"),
        ("30/m", "30/m"),
        ("1000/H", "1000/h"),
        ("5/10s", "5/10s"),
        ("0", None),
        ("off", None),
    ],
)
def test_rate_from_the_environment(monkeypatch, raw: str, rate: str | None) -> None:
    from finder.settings import env_rate

    monkeypatch.setenv("FINDER_RATE_LIMIT_API", raw)
    assert env_rate("FINDER_RATE_LIMIT_API", "60/m") == rate


@pytest.mark.parametrize("raw", ["60", "60/minute", "-1/m", "60/0m", "many"])
def test_rate_that_is_not_one_is_refused(monkeypatch, raw: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from finder.settings import env_rate

    monkeypatch.setenv("FINDER_RATE_LIMIT_API", raw)
    with pytest.raises(ImproperlyConfigured, match="is not a rate such as 60/m"):
        env_rate("FINDER_RATE_LIMIT_API", "60/m")
