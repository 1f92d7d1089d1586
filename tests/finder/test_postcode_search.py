"""Find by postcode (issue 18), over the real catalogue and the pinned postcode
directory: a full postcode searches as its local authority does; a partial one spanning
several authorities leaves the place criterion unknown and names them; one outside the
Midlands still matches national programmes and not regional ones; bad or conflicting
input is refused next to the field, on the page and the API alike."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

API = "/api/match/"


def slugs(found: dict, kind: str = "results") -> list[str]:
    return [item["slug"] for item in found[kind]]


def geography(found: dict, slug: str) -> dict:
    for kind in ("results", "near_misses"):
        for item in found[kind]:
            if item["slug"] == slug:
                (reason,) = [r for r in item["reasons"] if r["criterion"] == "geography"]
                return {"list": kind, **reason}
    raise AssertionError(f"{slug} is not shown")


@pytest.mark.parametrize("typed", ["CV1 2AB", "cv12ab", " cv1  2AB "])
def test_a_full_postcode_searches_as_its_local_authority(
    client, real_catalogue, typed: str
) -> None:
    by_postcode = client.get(API, {"postcode": typed, "include_closed": "1"}).json()
    by_place = client.get(API, {"location": "coventry", "include_closed": "1"}).json()
    for kind in ("results", "near_misses"):
        assert [(i["slug"], i["match"], i["reasons"]) for i in by_postcode[kind]] == [
            (i["slug"], i["match"], i["reasons"]) for i in by_place[kind]
        ]
    assert by_postcode["ask_first"] == by_place["ask_first"]
    assert by_postcode["postcode"] == {
        "postcode": "CV1 2AB",
        "found": "CV1 2AB is in Coventry.",
        "places": [{"slug": "coventry", "name": "Coventry"}],
    }
    assert by_place["postcode"] is None


def test_a_partial_postcode_covering_several_authorities_is_unknown_and_names_them(
    client, real_catalogue
) -> None:
    found = client.get(API, {"postcode": "CV7"}).json()
    places = [place["slug"] for place in found["postcode"]["places"]]
    assert {"coventry", "solihull", "north-warwickshire", "nuneaton-and-bedworth"} <= set(places)
    assert found["postcode"]["found"].startswith(
        "CV7 covers parts of Coventry, North Warwickshire, Nuneaton and Bedworth"
    )
    reason = geography(found, "business-growth-west-midlands")
    assert reason["outcome"] == "unknown"
    assert reason["text"].startswith(
        "Open to businesses in West Midlands Combined Authority; CV7 covers parts of "
        "Coventry, North Warwickshire, Nuneaton and Bedworth"
    )
    assert reason["text"].endswith(
        "Solihull: check that your business is in West Midlands Combined Authority."
    )
    # All of CV7 lies in the West Midlands region: a programme for it is met.
    assert geography(found, "made-smarter-west-midlands")["outcome"] == "met"
    # None of it lies in D2N2.
    assert "big-house" not in slugs(found)


def test_a_partial_postcode_in_one_authority_is_that_authority(client, real_catalogue) -> None:
    found = client.get(API, {"postcode": "CV1"}).json()
    assert found["postcode"]["found"] == "CV1 is in Coventry."
    assert geography(found, "business-growth-west-midlands")["outcome"] == "met"


def test_a_postcode_outside_the_listed_areas_matches_national_programmes_only(
    client, real_catalogue
) -> None:
    # Leeds: England, in no region, county or authority the catalogue lists.
    found = client.get(API, {"postcode": "LS1 4AP", "include_closed": "1"}).json()
    assert found["postcode"] == {
        "postcode": "LS1 4AP",
        "found": "LS1 4AP is in England, outside the areas we list.",
        "places": [{"slug": "england", "name": "England"}],
    }
    assert geography(found, "help-to-grow-management")["outcome"] == "met"
    for item in found["results"]:
        reason = next(r for r in item["reasons"] if r["criterion"] == "geography")
        assert reason["outcome"] == "met", (item["slug"], reason)
    assert "business-growth-west-midlands" not in slugs(found)
    assert "made-smarter-west-midlands" not in slugs(found)


def test_a_scottish_postcode_finds_scottish_and_uk_programmes(client, real_catalogue) -> None:
    # Glasgow City, one of the councils of Glasgow City Region.
    glasgow = client.get(API, {"postcode": "G2 1DU"}).json()
    assert glasgow["postcode"]["found"] == "G2 1DU is in Glasgow City."
    assert geography(glasgow, "business-gateway")["outcome"] == "met"
    assert geography(glasgow, "innovation-accelerator")["outcome"] == "met"
    assert [door["slug"] for door in glasgow["ask_first"]] == ["business-gateway"]
    # Edinburgh: Scotland, outside Glasgow City Region.
    edinburgh = client.get(API, {"postcode": "EH1 1AA", "include_closed": "1"}).json()
    assert edinburgh["postcode"]["places"] == [{"slug": "scotland", "name": "Scotland"}]
    assert geography(edinburgh, "business-gateway")["outcome"] == "met"
    assert "innovation-accelerator" not in slugs(edinburgh)
    assert "business-growth-west-midlands" not in slugs(edinburgh)


def test_a_partial_postcode_across_a_border_names_the_nation(client, real_catalogue) -> None:
    found = client.get(API, {"postcode": "SY10"}).json()
    assert found["postcode"]["found"] == "SY10 covers parts of Shropshire and Wales."
    reason = geography(found, "made-smarter-west-midlands")
    assert reason["outcome"] == "unknown"
    assert "check that your business is in West Midlands" in reason["text"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"postcode": "hello"},
            "Enter a postcode like CV1 2AB, or the first part of one like CV7",
        ),
        (
            {"postcode": "ZZ9 9ZZ"},
            "We cannot find where the postcode ZZ9 9ZZ is: check it, or choose your area from the list",
        ),
        (
            {"postcode": "JE2 3AB"},
            "JE2 3AB is in the Channel Islands or the Isle of Man, which are not part of the "
            "UK: the programmes here are for UK businesses",
        ),
        (
            {"postcode": "CV1 2AB", "location": "coventry"},
            "Give a postcode or choose an area from the list, not both",
        ),
        ({"postcode": ["CV1 2AB", "B1 1AA"]}, "Give only one answer to “Postcode”"),
    ],
)
def test_bad_postcodes_are_refused_next_to_the_field(
    client, real_catalogue, params: dict, message: str
) -> None:
    api = client.get(API, params)
    assert api.status_code == 400
    assert api.json() == {"errors": {"postcode": [message]}}
    page = client.get("/", params)
    assert page.status_code == 400
    html = page.content.decode()
    assert 'href="#id_postcode"' in html  # the error summary links to the field
    assert 'id="id_postcode-error"' in html
    assert 'id="results"' not in html  # no search was run


def test_the_page_says_where_the_postcode_is_and_keeps_it_in_the_form(
    client, real_catalogue
) -> None:
    page = client.get("/", {"postcode": "cv7"})
    assert page.status_code == 200
    html = page.content.decode()
    assert '<p class="govuk-body" id="postcode-found">CV7 covers parts of Coventry' in html
    assert 'name="postcode" value="cv7"' in html
    # The place list stays, for choosing an area without a postcode or JavaScript.
    assert '<select name="location"' in html


def test_the_finder_page_loads_the_type_ahead_from_our_own_static_files(client, db) -> None:
    html = client.get("/").content.decode()
    assert '<script src="/static/js/accessible-autocomplete.min.js" defer></script>' in html
    assert '<script type="module" src="/static/js/place-search.js"></script>' in html
    assert 'href="/static/css/accessible-autocomplete.min.css"' in html


@pytest.mark.parametrize("postcode", ["CV7", "CV1 2AB", "LS1 4AP"])
def test_an_enquiry_by_postcode_shows_what_the_finder_shows(
    client, real_catalogue, django_user_model, postcode: str
) -> None:
    """The advisers' enquiry, given the client's postcode, runs the finder's own search:
    the same programmes in the same order, with the same reasons."""
    from finder.admin import enquiry_search
    from finder.models import Enquiry
    from tests.finder.advice_data import adviser_user, change_url

    enquiry = Enquiry.objects.create(business_name="Soho Foundry Ltd", postcode=postcode)
    enquiry.employees = 40
    enquiry.save()
    search = enquiry_search(enquiry)
    results, near_misses = search.results, search.near_misses
    public = client.get(API, {"postcode": postcode, "employees": "40"}).json()
    # The API pages its answer (20 results, the 10 closest near misses); the enquiry
    # lists up to 50 of each: the API's are its first.
    for shown, listed in ((results, public["results"]), (near_misses, public["near_misses"])):
        assert listed
        assert [
            (r.programme.slug, [(x.criterion, x.outcome.value, x.text) for x in r.match.reasons])
            for r in shown[: len(listed)]
        ] == [
            (item["slug"], [(x["criterion"], x["outcome"], x["text"]) for x in item["reasons"]])
            for item in listed
        ]
    client.force_login(adviser_user(django_user_model))
    page = client.get(change_url(enquiry)).content.decode()
    assert f'<p class="finder-postcode">{public["postcode"]["found"]}</p>' in page
