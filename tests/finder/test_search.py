"""run_search: the page of results and the near misses each read with their own count,
pages that do not exist, and facet counts read only when a page shows them."""

from __future__ import annotations

import pytest
from django.core.paginator import Paginator

from finder.search import Search
from programmes.eligibility import BusinessProfile
from programmes.models import Programme
from tests.factories import make_geography, make_programme, make_support_type

pytestmark = pytest.mark.django_db

HOME = "/"
API = "/api/match/"


@pytest.fixture
def many() -> None:
    """45 programmes in Coventry's combined authority (three pages of results; the first
    serves a cluster) and 12 for D2N2 only (near misses for a Coventry business), some
    offering grants."""
    places = make_geography()
    make_support_type("grant")
    make_support_type("loan")
    for number in range(45):
        make_programme(
            slug=f"wm-{number:02}",
            name=f"West Midlands {number:02}",
            places=[places["west-midlands-combined-authority"]],
            support_types=["grant"] if number % 3 == 0 else ["loan"],
            clusters=["a-cluster"] if number == 0 else [],
        )
    for number in range(12):
        make_programme(
            slug=f"d2n2-{number:02}",
            name=f"D2N2 {number:02}",
            places=[places["d2n2"]],
            support_types=["grant"],
        )


def search_for(client, **params):
    response = client.get(HOME, {"location": "coventry", **params})
    assert response.status_code == 200
    return response.context["search"]


def names(results) -> list[str]:
    return [result.programme.name for result in results]


def test_run_search_counts_every_result_and_near_miss_not_only_those_shown(client, many) -> None:
    search = search_for(client)

    assert search.count == 45
    assert len(search.results) == 20
    assert search.near_miss_count == 12
    assert len(search.near_misses) == 10
    assert search.page.paginator.num_pages == 3


def test_run_search_counts_after_the_support_filter(client, many) -> None:
    search = search_for(client, support="grant")

    assert search.count == 15  # every third West Midlands programme
    assert search.near_miss_count == 12
    assert all(r.programme.slug.startswith("wm-") for r in search.results)


def test_run_search_pages_follow_the_ranking(client, many) -> None:
    pages = [search_for(client, page=str(number)) for number in (1, 2, 3)]

    shown = [name for search in pages for name in names(search.results)]
    assert shown == [f"West Midlands {number:02}" for number in range(45)]
    assert [search.page.number for search in pages] == [1, 2, 3]
    assert all(search.count == 45 for search in pages)


@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("4", 3),  # past the last page: the last page
        ("99999999999999999999999", 3),  # beyond any offset the database takes
        ("0", 1),  # below 1: the first page, the nearest
        ("-2", 1),
        ("two", 1),  # not a number: the first page
        ("2.5", 1),
        ("", 1),
    ],
)
def test_run_search_turns_a_page_that_does_not_exist_into_the_nearest(
    client, many, asked, shown
) -> None:
    search = search_for(client, page=asked)

    assert search.page.number == shown
    assert search.count == 45
    expected = 20 if shown < 3 else 5
    assert len(search.results) == expected


def test_run_search_with_no_results_still_counts_near_misses(client, many) -> None:
    Programme.objects.filter(slug__startswith="wm-").delete()

    search = search_for(client, page="2")

    assert search.count == 0
    assert search.page.number == 1
    assert search.results == []
    assert search.near_miss_count == 12


def test_run_search_facet_counts_ignore_the_support_asked_for(client, many) -> None:
    search = search_for(client, support="grant")

    assert search.support_counts() == {"grant": 15, "loan": 30}


def test_api_search_shown_before_reads_only_the_catalogue_version(
    client, many, django_assert_num_queries, settings
) -> None:
    # The queries of the search itself: the answer cache (finder/cache.py) is off.
    settings.FINDER_SEARCH_CACHE_SECONDS = 0
    # Fills the vocabulary cache, and the index with the programmes it shows.
    client.get(API, {"location": "coventry"})
    # The lists and their lengths come from the index, the programmes from its memory
    # of those shown (see tests/finder/test_views.py for a first showing).
    with django_assert_num_queries(1):
        response = client.get(API, {"location": "coventry"})
    assert response.json()["count"] == 45


def _shown_by_rule(current: int, last: int) -> list[int | None]:
    """The pagination rule, page by page: first, last, current and its neighbours as
    numbers; the pages two away from the current one as an ellipsis (None)."""
    shown: list[int | None] = []
    for number in range(1, last + 1):
        if number in (1, last, current) or abs(number - current) == 1:
            shown.append(number)
        elif abs(number - current) == 2:
            shown.append(None)
    return shown


@pytest.mark.parametrize("last", range(1, 13))
def test_search_page_links_follow_the_pagination_rule(last) -> None:
    paginator = Paginator(range(last * 20), 20)
    for current in range(1, last + 1):
        search = Search(
            profile=BusinessProfile(),
            page=paginator.page(current),
            results=[],
            near_misses=[],
            near_miss_count=0,
            found=None,
        )
        assert search.page_links == _shown_by_rule(current, last), (current, last)


def test_home_shows_pagination_around_the_current_page(client, many) -> None:
    html = client.get(HOME, {"location": "coventry", "page": "2"}).content.decode()

    assert 'aria-label="Page 1"' in html
    assert 'aria-label="Page 2" aria-current="page"' in html
    assert 'aria-label="Page 3"' in html
    assert "govuk-pagination__item--ellipses" not in html
    assert 'rel="prev"' in html and 'rel="next"' in html


def test_home_pagination_links_carry_each_searchs_own_query(client, many, settings) -> None:
    """The pagination is kept per page number and number of pages, and the query put in
    afterwards: two searches with as many pages each link to their own."""
    settings.FINDER_SEARCH_CACHE_SECONDS = 0
    first = client.get(HOME, {"location": "coventry", "page": "2"}).content.decode()
    second = client.get(HOME, {"location": "coventry", "q": "West Midlands", "page": "2"})
    second = second.content.decode()

    assert 'href="?location=coventry&amp;page=3#results"' in first
    assert 'href="?location=coventry&amp;q=West+Midlands&amp;page=3#results"' in second
    assert "q=West" not in first
    # The link to the same results as data carries the query too, page included.
    assert "/api/match/?location=coventry&amp;q=West+Midlands&amp;page=2" in second
