"""The Atom feed of a search (finder/feeds.py): the programmes it finds, the most
recently changed first, each entry saying what changed."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from programmes.models import Programme
from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def catalogue():
    places = make_geography()
    older = make_programme(slug="older-fund", name="Older Fund", places=[places["coventry"]])
    newer = make_programme(
        slug="newer-fund",
        name="Newer Fund",
        places=[places["west-midlands"]],
        status=Programme.Status.OPENING_SOON,
    )
    elsewhere = make_programme(slug="elsewhere", name="Elsewhere", places=[places["ashfield"]])
    return {"older": older, "newer": newer, "elsewhere": elsewhere}


def feed(client, query: str) -> ET.Element:
    response = client.get(f"{reverse('finder:feed')}?{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)


def test_feed_lists_what_the_search_finds_newest_change_first(client, catalogue) -> None:
    # The older fund changes last: it opens a closing date.
    catalogue["older"].closes_on = datetime.date(2099, 3, 31)
    catalogue["older"].save()

    root = feed(client, "location=coventry")
    assert root.findtext(f"{ATOM}title").startswith("Support programmes for your search")
    link = root.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert link == "http://testserver/?location=coventry"
    entries = root.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    # Ashfield's programme is not for a Coventry business.
    assert titles == [
        "Older Fund: Closing date set: 31 March 2099",
        "Newer Fund: New: opening soon",
    ]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href") == "http://testserver/programmes/older-fund/"
    assert first.findtext(f"{ATOM}id").startswith(
        "http://testserver/programmes/older-fund/#changed-"
    )
    summary = first.findtext(f"{ATOM}summary")
    assert "Closing date set: 31 March 2099" in summary
    assert "New: open" in summary
    assert first.findtext(f"{ATOM}updated") >= entries[1].findtext(f"{ATOM}updated")


def test_feed_entry_id_is_stable_until_the_programme_changes(client, catalogue) -> None:
    def ids() -> dict[str, str]:
        root = feed(client, "location=coventry")
        return {
            entry.find(f"{ATOM}link").get("href"): entry.findtext(f"{ATOM}id")
            for entry in root.findall(f"{ATOM}entry")
        }

    first = ids()
    assert ids() == first
    catalogue["newer"].status = Programme.Status.OPEN
    catalogue["newer"].save()
    after = ids()
    newer = "http://testserver/programmes/newer-fund/"
    assert after[newer] != first[newer]
    assert {url: id_ for url, id_ in after.items() if url != newer} == {
        url: id_ for url, id_ in first.items() if url != newer
    }


def test_results_page_links_to_its_feed(client, catalogue) -> None:
    html = client.get("/", {"location": "coventry", "page": "1"}).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Changes to these programmes (Atom)" href="/feeds/search.atom?location=coventry">'
    ) in html
    # The first visit, with nothing asked yet, has no search to follow.
    assert "application/atom+xml" not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("employees=lots", "employees: Enter the number of employees as a whole number, like 12"),
        ("location=atlantis", "location: Choose where your business is from the list"),
        ("employees=1&employees=2", "employees: Give only one answer"),
    ],
)
def test_feed_of_a_bad_search_answers_400_naming_the_problem(
    client, catalogue, query, message
) -> None:
    response = client.get(f"{reverse('finder:feed')}?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert message in response.content.decode()


def test_feed_says_when_a_status_is_not_confirmed(client, db) -> None:
    places = make_geography()
    make_programme(
        slug="old-news", name="Old News", places=[places["coventry"]], evidence_year=2019
    )
    root = feed(client, "location=coventry")
    [entry] = root.findall(f"{ATOM}entry")
    assert (
        "Status: Open (not confirmed: check with the provider that it still runs)."
        in entry.findtext(f"{ATOM}summary")
    )
