"""The cache of finder answers (finder/cache.py): a repeated search costs no query and
gives the same bytes; the key splits on what decides the answer and on nothing else;
a catalogue change is seen at once; errors are never kept. Each test runs twice: with the
answers in memory and in a real Redis."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finder import cache
from finder.models import CatalogueVersion
from programmes.models import Programme
from tests.factories import (
    make_geography,
    make_programme,
    make_sector,
    make_stage,
    make_support_type,
)

pytestmark = pytest.mark.django_db

HOME = "/"
API = "/api/match/"
SEARCH = "?location=coventry&support=equity&support=grant"


@pytest.fixture(autouse=True, params=["memory", "redis"])
def answer_cache(request, settings) -> str:
    """Every test here runs with the answers in each process's memory (the default) and in
    a real Redis (REDIS_URL; skipped, saying why, where there is no redis-server)."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        settings.CACHES = {
            alias: {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": f"test-{alias}",
            }
            for alias in ("default", "finder")
        }
        caches[cache.CACHE_ALIAS].clear()
    return request.param


@pytest.fixture
def catalogue() -> dict:
    places = make_geography()
    make_sector("manufacturing")
    make_stage("established")
    equity = make_support_type("equity", name="Equity investment")
    grant = make_support_type("grant", name="Grants")
    fund = make_programme(
        slug="co-invest",
        name="Co-Invest",
        places=[places["west-midlands-combined-authority"]],
        support_types=[equity],
    )
    # Enough grants for a second page of results (20 a page).
    grants = [
        make_programme(slug=f"grant-{n:02}", name=f"Grant {n:02}", support_types=[grant])
        for n in range(25)
    ]
    return {"fund": fund, "grants": grants}


def _get(client, url: str, **extra):
    response = client.get(url, **extra)
    assert response.status_code == 200, response.content[:500]
    return response


@pytest.mark.parametrize("view", [HOME, API])
def test_search_cache_repeat_reads_only_the_version_and_same_content(
    client, catalogue, django_assert_num_queries, view
) -> None:
    first = _get(client, view + SEARCH)
    assert first[cache.HEADER] == "miss"
    # One query: the catalogue version, part of the key.
    with django_assert_num_queries(1):
        second = _get(client, view + SEARCH)
    assert second[cache.HEADER] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert b"Co-Invest" in second.content


@pytest.mark.parametrize("view", [HOME, API])
@pytest.mark.parametrize(
    "same",
    [
        "?support=grant&location=coventry&support=equity",  # another order
        "?location=coventry&support=grant&support=equity",  # support in another order
        "?location=coventry&support=equity&support=grant&utm_source=mail",  # ignored
        "?location=coventry&support=equity&support=grant&support=grant",  # repeated
        "?location=coventry&support=equity&support=grant&page=1",  # the first page named
        "?location=coventry&support=equity&support=grant&page=01",  # ...written otherwise
        "?location=coventry&support=equity&support=grant&page=first",  # not a number
        "?location=coventry&support=equity&support=grant&page=0",  # below the first
    ],
)
def test_search_cache_same_search_written_differently_hits(
    client, catalogue, django_assert_num_queries, view, same
) -> None:
    first = _get(client, view + SEARCH)
    with django_assert_num_queries(1):  # the catalogue version
        again = _get(client, view + same)
    assert again[cache.HEADER] == "hit"
    assert again.content == first.content


def test_search_cache_page_echoes_only_search_parameters(client, catalogue) -> None:
    """The cached page must be the page every request sharing its key would get: so it
    never carries a parameter the search ignores (here in its link to the API)."""
    response = _get(client, HOME + "?utm_source=mail&support=grant&location=coventry")
    assert b"utm_source" not in response.content
    assert b"?location=coventry&amp;support=grant" in response.content


@pytest.mark.parametrize(
    ("first", "other"),
    [
        (HOME + SEARCH, HOME + "?location=coventry&support=grant"),  # another profile
        (HOME + "?support=grant", HOME + "?support=grant&page=2"),  # another page
        (API + "?support=grant", API + "?support=grant&page=2"),
        (HOME + SEARCH, API + SEARCH),  # HTML and JSON
        # The page echoes what was typed, so typed differently is another page.
        (HOME + "?turnover=25000", HOME + "?turnover=%C2%A325%2C000"),
    ],
)
def test_search_cache_different_answers_miss(client, catalogue, first, other) -> None:
    one = _get(client, first)
    two = _get(client, other)
    assert one[cache.HEADER] == "miss"
    assert two[cache.HEADER] == "miss"
    assert one.content != two.content


def test_search_cache_api_splits_on_host(client, catalogue, django_assert_num_queries) -> None:
    """The API's ``url`` fields are absolute, so another host is another answer."""
    first = _get(client, API + SEARCH)
    second = _get(client, API + SEARCH, HTTP_HOST="localhost")
    assert second[cache.HEADER] == "miss"
    urls = [result["url"] for result in second.json()["results"]]
    assert urls and all(url.startswith("http://localhost/") for url in urls)
    assert all(r["url"].startswith("http://testserver/") for r in first.json()["results"])
    with django_assert_num_queries(1):  # the catalogue version
        assert _get(client, API + SEARCH, HTTP_HOST="localhost").content == second.content


@pytest.mark.parametrize("bad", [HOME + "?employees=-3", API + "?employees=lots"])
def test_search_cache_never_keeps_an_error(client, catalogue, monkeypatch, bad) -> None:
    kept = []
    finder_cache = caches[cache.CACHE_ALIAS]
    real_set = finder_cache.set
    monkeypatch.setattr(
        finder_cache, "set", lambda key, *a, **k: kept.append(key) or real_set(key, *a, **k)
    )
    for _ in range(2):
        response = client.get(bad)
        assert response.status_code == 400
        assert cache.HEADER not in response
    assert kept == []


def test_search_cache_programme_edit_is_seen_at_once(client, catalogue) -> None:
    for view in (HOME, API):
        assert b"Co-Invest" in _get(client, view + SEARCH).content
    fund = catalogue["fund"]
    fund.name = "Co-Invest Renamed"
    fund.save()
    for view in (HOME, API):
        response = _get(client, view + SEARCH)
        assert response[cache.HEADER] == "miss"
        assert b"Co-Invest Renamed" in response.content


def test_search_cache_link_and_delete_are_seen_at_once(client, catalogue) -> None:
    assert _get(client, API + "?support=equity").json()["count"] == 1
    catalogue["fund"].support_types.clear()  # a many-to-many change
    assert _get(client, API + "?support=equity").json()["count"] == 0
    assert _get(client, API + "?support=grant").json()["count"] == 25
    catalogue["grants"][0].delete()
    assert _get(client, API + "?support=grant").json()["count"] == 24


def test_search_cache_vocabulary_edit_is_seen_at_once(client, catalogue) -> None:
    assert b"Grants (" in _get(client, HOME + SEARCH).content
    grant = catalogue["grants"][0].support_types.get()
    grant.name = "Grants and loans"
    grant.save()
    assert b"Grants and loans (" in _get(client, HOME + SEARCH).content


def test_search_cache_edit_bumps_again_at_commit(catalogue, django_capture_on_commit_callbacks):
    """An answer another thread worked out before the edit committed is not kept."""
    with django_capture_on_commit_callbacks() as callbacks:
        Programme.objects.filter(slug="co-invest").get().save()
    before = cache.catalogue_version()
    for callback in callbacks:
        callback()
    assert cache.catalogue_version() != before


def test_search_cache_load_catalogue_bumps_version() -> None:
    before = cache.catalogue_version()
    call_command("load_catalogue", verbosity=0)
    assert cache.catalogue_version() != before


def test_search_cache_generate_catalogue_bumps_version(catalogue, client) -> None:
    """generate_catalogue writes in bulk, which sends no signal: it says so itself."""
    count = _get(client, API).json()["count"]
    before = cache.catalogue_version()
    call_command("generate_catalogue", programmes=3, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert cache.catalogue_version() != before
    response = _get(client, API)
    assert response[cache.HEADER] == "miss"
    assert response.json()["count"] >= count


def test_search_cache_lost_version_never_reuses_old_answers(client, catalogue) -> None:
    """A version whose row is lost (a database flushed, say) starts again at a fresh
    number, not at one that answers were already stored under."""
    _get(client, API + SEARCH)
    CatalogueVersion.objects.all().delete()
    assert _get(client, API + SEARCH)[cache.HEADER] == "miss"


@override_settings(FINDER_SEARCH_CACHE_SECONDS=0)
@pytest.mark.parametrize("view", [HOME, API])
def test_search_cache_zero_seconds_turns_it_off(client, catalogue, view) -> None:
    first = _get(client, view + SEARCH)
    with CaptureQueriesContext(connection) as queries:
        second = _get(client, view + SEARCH)
    assert len(queries) > 0
    assert cache.HEADER not in first
    assert cache.HEADER not in second
    assert second.content == first.content


@pytest.mark.parametrize("view", [HOME, API])
def test_search_cache_another_day_is_another_answer(client, catalogue, monkeypatch, view) -> None:
    """A programme's status depends on the date, so the date is in the key."""
    days = iter([datetime.date(2026, 3, 1), datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)])
    today = [next(days)]
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today[0])
    assert _get(client, view + SEARCH)[cache.HEADER] == "miss"
    today[0] = next(days)
    assert _get(client, view + SEARCH)[cache.HEADER] == "hit"
    today[0] = next(days)
    assert _get(client, view + SEARCH)[cache.HEADER] == "miss"


def test_search_cache_unbound_page_is_not_cached(client, catalogue) -> None:
    """The finder before any search is cheap and not a search: it is never kept."""
    assert cache.HEADER not in _get(client, HOME)
    assert cache.HEADER not in _get(client, HOME + "?page=2")


def test_search_cache_keeps_no_answer_larger_than_an_entry(client, catalogue, settings) -> None:
    """Entries have a size limit, so that their number bounds the cache's memory
    (finder/settings.py, FINDER_SEARCH_CACHE_MB)."""
    settings.FINDER_SEARCH_CACHE_ENTRY_BYTES = 1_000  # a results page is several KB

    first, again = _get(client, HOME + SEARCH), _get(client, HOME + SEARCH)

    assert (first.get(cache.HEADER), again.get(cache.HEADER)) == (None, None)
    assert again.content == first.content
    settings.FINDER_SEARCH_CACHE_ENTRY_BYTES = 64 * 1024
    assert _get(client, HOME + SEARCH)[cache.HEADER] == "miss"
    assert _get(client, HOME + SEARCH)[cache.HEADER] == "hit"
