"""The queries of the pages that keep and follow a search: a few, however many
programmes they show (the finder's index answers the rest)."""

from __future__ import annotations

import pytest

from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.django_db

# Each page with its queries once the index and the vocabularies are warm. The catalogue
# version is read once, by the search's form (finder/vocabulary.py), and the index
# explaining the programmes is the one of that version.
PAGES = [
    # catalogue version (the form), the programmes' dates
    ("/plan/?location=coventry&pick=p-0&pick=p-1&pick=p-2", 2),
    ("/plan/csv/?location=coventry&pick=p-0&pick=p-1&pick=p-2", 2),
    # catalogue version (the form), the history of the programmes found
    ("/feeds/search.atom?location=coventry", 2),
    # catalogue version (the form), the programmes' dates, when each last changed
    ("/calendar/search.ics?location=coventry", 3),
    # the programme's dates, when it last changed
    ("/programmes/p-0/calendar.ics", 2),
    # the catalogue version: the search is checked against its vocabularies
    ("/alerts/?location=coventry", 1),
]


@pytest.mark.parametrize(("url", "queries"), PAGES)
def test_follow_page_queries_do_not_grow_with_the_programmes(
    client, django_assert_num_queries, url, queries
) -> None:
    places = make_geography()
    for number in range(3):
        make_programme(slug=f"p-{number}", places=[places["coventry"]], closes_on="2099-01-01")
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
    for number in range(3, 25):
        make_programme(slug=f"p-{number}", places=[places["coventry"]], closes_on="2099-01-01")
    client.get(url)
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
