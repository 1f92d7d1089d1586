"""A next step on every programme (issue "A catalogue that says how fresh it is", item 4):
the programme's own way in when a source gives one, otherwise the front door of the
business's place, which is also the adviser a "Check with an adviser" card names. Over
the real catalogue, whose front doors are Business Growth West Midlands (the combined
authority, and Coventry) and CW Growth Hub (Coventry and Warwickshire)."""

from __future__ import annotations

import re

import pytest

from clusters.models import Place
from finder import vocabulary
from programmes.models import Programme
from tests.factories import make_place

pytestmark = pytest.mark.django_db

API = "/api/match/"
BGWM = "business-growth-west-midlands"
CW = "cw-growth-hub"


def ask_first(client, location: str) -> list[str]:
    response = client.get(API, {"location": location})
    assert response.status_code == 200
    return [door["slug"] for door in response.json()["ask_first"]]


@pytest.mark.parametrize(
    ("location", "doors"),
    [
        # The place's own front doors win over those of the places containing it.
        ("coventry", [BGWM, CW]),
        ("birmingham", [BGWM]),  # the combined authority's
        ("west-midlands-combined-authority", [BGWM]),
        ("warwick", [CW]),  # Warwickshire's
        ("warwickshire", [CW]),
        # Growth hubs our documents do not mention, marked as such.
        ("derby", ["d2n2-growth-hub"]),
        ("staffordshire", ["stoke-on-trent-and-staffordshire-growth-hub"]),
        ("cannock-chase", ["stoke-on-trent-and-staffordshire-growth-hub"]),
        ("glasgow-city-region", ["business-gateway"]),
        # None named for the place or any place containing it: none.
        ("wyre-forest", []),
        ("south-east-midlands", []),
        # A region holding front doors is not inside their areas.
        ("west-midlands", []),
    ],
)
def test_ask_first_names_the_front_doors_of_the_nearest_place(
    client, real_catalogue, location, doors
) -> None:
    assert ask_first(client, location) == doors


def cards(response) -> list[str]:
    return re.findall(
        r'<article class="app-result-card">.*?</article>', response.content.decode(), re.S
    )


def next_step(card: str) -> str:
    (found,) = re.findall(r"<strong>Next step:</strong>(.*?)</p>", card, re.S)
    return found


def test_a_card_without_a_way_in_names_the_front_door_with_a_link(client, real_catalogue) -> None:
    response = client.get("/", {"location": "birmingham", "support": "equity"})
    card = next(c for c in cards(response) if "West Midlands Co-Investment Fund" in c)
    step = next_step(card)
    assert '<a class="govuk-link" href="/programmes/business-growth-west-midlands/">' in step
    assert "how to apply" in step


def test_check_with_an_adviser_names_which_adviser(client, real_catalogue) -> None:
    response = client.get("/", {"location": "warwick"})
    possible = [c for c in cards(response) if "Check with an adviser" in c]
    assert possible
    for card in possible:
        step = next_step(card)
        assert "CW Growth Hub" in step, card
        assert "whether it fits your business" in step or "Not sure it fits?" in step


def test_a_programme_s_own_way_in_comes_first(client, real_catalogue) -> None:
    response = client.get("/", {"location": "birmingham", "support": "advice"})
    card = next(c for c in cards(response) if ">Business Growth West Midlands</a></h3>" in c)
    own = Programme.objects.get(slug=BGWM).how_to_apply
    assert own and next_step(card).strip().startswith(own)


def test_no_front_door_says_so_and_who_to_ask(client, real_catalogue) -> None:
    response = client.get("/", {"location": "wyre-forest"})
    steps = [next_step(card) for card in cards(response)]
    assert steps
    assert any("our sources do not say how to apply" in step for step in steps)
    assert all("local council" in step for step in steps if "how to apply:" in step)


def test_closed_programmes_have_no_next_step(client, real_catalogue) -> None:
    response = client.get("/", {"location": "derby", "include_closed": "1"})
    closed = [c for c in cards(response) if ">UpScaler</a></h3>" in c]
    assert closed and "Next step" not in closed[0]


def test_the_programme_page_lists_front_doors_where_it_runs(client, real_catalogue) -> None:
    page = client.get("/programmes/made-smarter-west-midlands/").content.decode()
    how = page[page.index("How to apply</h2>") : page.index('id="sources"')]
    assert "in Coventry:" in how and "in Warwickshire:" in how
    assert "in West Midlands Combined Authority:" in how
    # Staffordshire and Worcestershire have none in our sources.
    assert "elsewhere: the growth hub or business support team of your local council" in how


def test_the_programme_page_of_a_place_with_none(client, real_catalogue) -> None:
    page = client.get("/programmes/creative-content-skills-bootcamp/").content.decode()
    how = page[page.index("How to apply</h2>") : page.index('id="sources"')]
    # West Midlands: the front doors inside it, and the council elsewhere.
    assert "in Staffordshire:" in how
    assert "elsewhere: the growth hub or business support team of your local council" in how
    page = client.get("/programmes/big-house/").content.decode()
    how = page[page.index("How to apply</h2>") : page.index('id="sources"')]
    assert "in D2N2:" in how and "D2N2 Growth Hub" in how
    assert "elsewhere" not in how


def test_a_front_door_no_document_mentions_says_so(client, real_catalogue) -> None:
    page = client.get("/programmes/d2n2-growth-hub/").content.decode()
    assert "none of our source documents mentions it" in page
    body = client.get(API, {"location": "derby", "programme": "d2n2-growth-hub"}).json()
    assert body["checked"]["status_confirmed"] is False
    assert body["checked"]["evidence_year"] is None


def test_nearest_leaves_out_places_containing_another() -> None:
    make_place("england", kind=Place.Kind.NATION)
    make_place("region", kind=Place.Kind.REGION, parents=["england"])
    make_place("town", parents=["region"])
    places = vocabulary.current()
    assert places.nearest(places.containing("town"), {"england", "region", "town"}) == {"town"}
    assert places.nearest(places.containing("town"), {"england", "region"}) == {"region"}
    assert places.nearest(places.containing("region"), {"town"}) == frozenset()
    assert places.nearest(places.containing("town"), set()) == frozenset()


def test_facts_outside_the_documents_are_shown_as_such(client, real_catalogue) -> None:
    page = client.get(f"/programmes/{CW}/").content.decode()
    section = page[page.index('id="outside-documents"') :]
    assert "our sources do not confirm them" in section
    assert Programme.objects.get(slug=CW).outside_documents in section
