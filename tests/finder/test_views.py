"""The finder page and /api/match/ with their own small catalogue: valid and invalid
input, the JSON contract, and a query count that holds whatever the number of results."""

from __future__ import annotations

import re

import pytest
from django.http import QueryDict
from django.urls import reverse, set_script_prefix

from finder.forms import PostcodeField
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


@pytest.fixture
def catalogue() -> dict:
    places = make_geography()
    make_sector("manufacturing")
    make_stage("established")
    equity = make_support_type("equity", name="Equity investment")
    make_support_type("grant", name="Grants")
    fund = make_programme(
        slug="co-invest",
        name="Co-Invest",
        places=[places["west-midlands-combined-authority"]],
        support_types=[equity],
        amount_max=1_000_000,
    )
    d2n2 = make_programme(
        slug="d2n2-only", name="D2N2 Only", places=[places["d2n2"]], support_types=["grant"]
    )
    old = make_programme(slug="old", name="Old Scheme", status="closed", support_types=["grant"])
    old.relations.create(related=d2n2, kind="succeeded-by")
    make_programme(
        slug="everyone",
        name="Everyone",
        support_types=["grant"],
        employees_min=10,
        clusters=["a-cluster"],
    )
    return {"fund": fund, "d2n2": d2n2, "old": old}


def test_home_without_a_search_shows_the_form_and_no_results(client, catalogue) -> None:
    response = client.get(HOME)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Where is your business?" in html
    assert "programmes match" not in html
    assert response.context["search"] is None


def test_home_offers_each_place_and_sector_once_with_one_empty_option(client, catalogue) -> None:
    html = client.get(HOME).content.decode()

    assert html.count("Choose a place") == 1
    assert html.count("Choose a sector") == 1
    assert html.count('value="coventry"') == 1


def test_home_search_shows_results_near_misses_and_reasons(client, catalogue) -> None:
    response = client.get(HOME, {"location": "coventry", "funding": "3000000", "employees": "25"})

    assert response.status_code == 200
    search = response.context["search"]
    assert [r.programme.slug for r in search.results] == ["everyone"]
    assert {r.programme.slug for r in search.near_misses} == {"co-invest", "d2n2-only"}
    html = response.content.decode()
    assert "1 programme fits your business</h2>" in html
    assert "Nearly a match: 2 programmes" in html
    assert "you are looking for £3m" in html
    assert "<title>1 programme found" in html


def test_home_hides_closed_programmes_unless_asked_and_names_the_successor(
    client, catalogue
) -> None:
    hidden = client.get(HOME, {"location": "ashfield"})
    shown = client.get(HOME, {"location": "ashfield", "include_closed": "1"})

    assert "old" not in [r.programme.slug for r in hidden.context["search"].results]
    slugs = [r.programme.slug for r in shown.context["search"].results]
    assert "old" in slugs
    html = shown.content.decode()
    assert "This programme has closed." in html
    assert 'href="/programmes/d2n2-only/">D2N2 Only</a> instead' in html


def test_home_support_narrows_results_and_counts_each_kind(client, catalogue) -> None:
    response = client.get(HOME, {"location": "coventry", "employees": "25", "support": "equity"})

    assert [r.programme.slug for r in response.context["search"].results] == ["co-invest"]
    html = response.content.decode()
    assert "Equity investment (1)" in html
    assert "Grants (1)" in html  # "everyone": the grant the business did not tick


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"location": "atlantis"}, "location", "Choose where your business is from the list"),
        ({"employees": "-5"}, "employees", "The number of employees must be 0 or more"),
        (
            {"employees": "twelve"},
            "employees",
            "Enter the number of employees as a whole number, like 12",
        ),
        (
            {"turnover": "1e9"},
            "turnover",
            "Enter your turnover in pounds, like 250000, £250,000, 250k or 1.5m",
        ),
        (
            {"funding": "1,5"},
            "funding",
            "Enter the funding you are looking for with commas only between thousands and a "
            "point for decimals, like 250000, £250,000, 250k or 1.5m",
        ),
        (
            {"funding": "1.2.3"},
            "funding",
            "Enter the funding you are looking for in pounds, like 250000, £250,000, 250k or 1.5m",
        ),
        (
            {"turnover_3y_ago": "£1,500.50"},
            "turnover_3y_ago",
            "Enter your turnover three years ago in whole pounds, like 250000, £250,000, 250k "
            "or 1.5m",
        ),
        ({"funding": "-£5"}, "funding", "The funding you are looking for must be 0 or more"),
        (
            {"funding": "99999999999999999999"},
            "funding",
            "The funding you are looking for must be 1,000,000,000,000 or less",
        ),
        ({"support": "magic"}, "support", "Choose support types from the list"),
        (
            {"include_closed": "maybe"},
            "include_closed",
            "Include closed programmes must be 1 (yes) or 0 (no)",
        ),
        ({"sector": "x" * 500}, "sector", "Choose your sector from the list"),
        ({"q": "x" * 201}, "q", "Words to search for must be 200 characters or less"),
        ({"q": "nul\x00byte"}, "q", "Words to search for cannot contain a null character"),
        (
            {"postcode": "CV1 2AB" * 4},
            "postcode",
            "Enter a postcode like CV1 2AB, or the first part of one like CV7",
        ),
        (
            {"postcode": "CV1\x002AB"},
            "postcode",
            "Enter a postcode like CV1 2AB, or the first part of one like CV7",
        ),
    ],
)
def test_home_bad_input_answers_400_with_summary_linking_to_the_field(
    client, catalogue, params, field, message
) -> None:
    response = client.get(HOME, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error: " in html
    assert "There is a problem" in html
    anchor = f"#id_{field}_0" if field == "support" else f"#id_{field}"
    assert f'href="{anchor}"' in html
    assert message in html
    assert response.context["search"] is None


def test_home_repeated_single_valued_parameter_is_an_error_not_a_guess(client, catalogue) -> None:
    response = client.get(f"{HOME}?employees=5&employees=50")

    assert response.status_code == 400
    assert "Give only one answer to “How many employees do you have”" in response.content.decode()


def test_home_accepts_pounds_and_commas_and_ignores_unknown_parameters(client, catalogue) -> None:
    response = client.get(
        HOME, {"funding": "£3,000,000", "location": "coventry", "utm_source": "x"}
    )

    assert response.status_code == 200
    assert response.context["search"].profile.funding == 3_000_000


@pytest.mark.parametrize(
    ("typed", "pounds"),
    [
        ("£1.5m", 1_500_000),
        ("1.5 million", 1_500_000),
        ("2m", 2_000_000),
        ("250k", 250_000),
        ("£1,500,000", 1_500_000),
        ("1500000.00", 1_500_000),
        ("1.2bn", 1_200_000_000),
        ("0.5K", 500),
    ],
)
def test_home_reads_money_as_people_write_it(client, catalogue, typed, pounds) -> None:
    response = client.get(HOME, {"turnover": typed, "funding": typed})

    assert response.status_code == 200
    profile = response.context["search"].profile
    assert (profile.turnover, profile.funding) == (pounds, pounds)


def test_home_funding_of_zero_means_not_looking_for_money(client, catalogue) -> None:
    # A turnover of 0 is a figure (a business not yet selling); funding of 0 is "none".
    response = client.get(HOME, {"turnover": "0", "funding": "0", "location": "coventry"})

    profile = response.context["search"].profile
    assert (profile.turnover, profile.funding) == (0, None)
    api = client.get("/api/match/", {"funding": "0", "location": "coventry"}).json()
    assert not [r for r in api["near_misses"] for x in r["reasons"] if x["criterion"] == "funding"]


def test_home_page_number_out_of_range_shows_the_last_page(client, catalogue) -> None:
    response = client.get(HOME, {"location": "coventry", "page": "99"})

    assert response.status_code == 200
    assert response.context["search"].page.number == 1


def test_api_match_answers_the_product_contract(client, catalogue) -> None:
    response = client.get(API, {"location": "coventry", "funding": "3000000", "employees": "25"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"checked", "count", "results", "near_misses", "ask_first", "postcode"}
    assert body["postcode"] is None  # none given
    assert body["checked"] is None  # no programme= asked about
    assert body["ask_first"] == []  # no front door in this catalogue
    assert body["count"] == 1
    (result,) = body["results"]
    assert result["slug"] == "everyone"
    assert result["url"] == "http://testserver/programmes/everyone/"
    assert result["status"] == "open"
    assert result["match"] == "eligible"
    assert {"criterion", "outcome", "text"} == set(result["reasons"][0])
    assert set(result) == {
        "slug",
        "name",
        "url",
        "status",
        "status_confirmed",
        "evidence_year",
        "match",
        "summary",
        "reasons",
        "eligibility_note",
        "how_to_apply",
        "fit",
        "successors",
    }
    near = {item["slug"]: item for item in body["near_misses"]}
    assert set(near) == {"co-invest", "d2n2-only"}
    assert all(item["match"] == "near-miss" for item in near.values())
    funding = next(r for r in near["co-invest"]["reasons"] if r["criterion"] == "funding")
    assert funding["outcome"] == "unmet"
    assert "up to £1m" in funding["text"] and "£3m" in funding["text"]


def test_api_match_possible_when_a_criterion_is_unknown(client, catalogue) -> None:
    body = client.get(API, {"location": "coventry"}).json()

    everyone = next(item for item in body["results"] if item["slug"] == "everyone")
    assert everyone["match"] == "possible"
    employees = next(r for r in everyone["reasons"] if r["criterion"] == "employees")
    assert employees["outcome"] == "unknown"


def test_api_match_closed_programme_names_its_successor(client, catalogue) -> None:
    body = client.get(API, {"include_closed": "true"}).json()

    old = next(item for item in body["results"] if item["slug"] == "old")
    assert old["status"] == "closed"
    assert [s["slug"] for s in old["successors"]] == ["d2n2-only"]


def test_api_match_bad_input_answers_400_with_every_error(client, catalogue) -> None:
    response = client.get(
        API, {"location": "atlantis", "employees": "-1", "support": ["equity", "magic"]}
    )

    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "location": ["Choose where your business is from the list"],
            "employees": ["The number of employees must be 0 or more"],
            "support": ["Choose support types from the list"],
        }
    }


def test_api_match_without_parameters_lists_every_visible_programme(client, catalogue) -> None:
    body = client.get(API).json()

    assert body["count"] == 3  # everything but the closed scheme
    assert {item["slug"] for item in body["results"]} == {"co-invest", "d2n2-only", "everyone"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_finder_urls_only_answer_safe_methods(client, catalogue, method) -> None:
    for url in (HOME, API):
        assert getattr(client, method)(url).status_code == 405


def _finder_queries(client, django_assert_num_queries, count: int) -> None:
    params = {
        "location": "coventry",
        "employees": "25",
        "funding": "500000",
        "support": ["equity", "grant"],
    }
    # The form's choices and the place containment table are read once per process
    # (finder/vocabulary.py), and so is the index of the catalogue (finder/index.py)
    # until the catalogue changes; this first search fills both.
    client.get(HOME, params)
    # The queries of one search, whatever the number of results:
    #  1    the catalogue version (is the index still current?)
    # The lists, their lengths, the facet counts and what the cards show of each
    # programme come from the index, read when it was built.
    with django_assert_num_queries(count):
        response = client.get(HOME, params)
    assert response.status_code == 200


def test_home_query_count_does_not_grow_with_the_results(
    client, catalogue, django_assert_num_queries, settings
) -> None:
    # The queries of the search itself: the answer cache (finder/cache.py) is off.
    settings.FINDER_SEARCH_CACHE_SECONDS = 0
    _finder_queries(client, django_assert_num_queries, 1)
    places = make_geography()
    for number in range(30):
        make_programme(
            slug=f"more-{number}",
            places=[places["coventry"]],
            support_types=["equity", "grant"],
            sectors=["manufacturing"],
            stages=["established"],
            providers=["a-provider"],
            clusters=["a-cluster"],
            amount_max=100_000 if number % 2 else None,
        ).relations.create(related=catalogue["fund"], kind="part-of")
    _finder_queries(client, django_assert_num_queries, 1)


def test_home_programmes_shown_recently_cost_no_query(
    client, catalogue, django_assert_num_queries, settings
) -> None:
    """The index holds every programme's rules and what a card shows of them until the
    catalogue changes: a search without words reads only the catalogue version."""
    settings.FINDER_SEARCH_CACHE_SECONDS = 0
    params = {"location": "coventry", "support": "equity"}
    first = client.get(HOME, params)
    with django_assert_num_queries(1):
        again = client.get(HOME, params)
    assert again.content == first.content
    catalogue["fund"].name = "Renamed fund"
    catalogue["fund"].save()
    assert b"Renamed fund" in client.get(HOME, params).content


def test_home_url_carries_the_whole_search(client, catalogue) -> None:
    query = "location=coventry&support=equity&support=grant&employees=25"
    response = client.get(f"{HOME}?{query}")

    html = response.content.decode()
    assert 'value="25"' in html
    assert 'value="equity" checked' in html or 'checked value="equity"' in html or "checked" in html
    # The link carries the same parameters (the page writes them in the form's order).
    link = re.search(r'href="' + reverse("finder:api-match") + r'\?([^"]*)"', html)
    assert link is not None
    linked = sorted(QueryDict(link.group(1).replace("&amp;", "&")).lists())
    assert linked == sorted(QueryDict(query).lists())


def test_finder_pages_set_no_cookie(client, catalogue) -> None:
    """Answers are public and cached: no page of the finder may make a CSRF token (or
    anything else) that puts a cookie on the response. Each is asked twice, so the form
    is also made from kept pieces."""
    for query in ("", "location=coventry&employees=25", "employees=abc"):
        for _ in range(2):
            response = client.get(f"{HOME}?{query}")
            assert response.cookies == {}, query
            assert "Cookie" not in response.get("Vary", ""), query


def test_home_links_to_the_api_under_the_script_prefix_it_is_served_at(
    client, catalogue, settings
) -> None:
    # A site served under a prefix links under it, and the same site at the root does
    # not. (Each page worked out afresh: the answer cache is for one prefix per process.)
    settings.FINDER_SEARCH_CACHE_SECONDS = 0
    query = "location=coventry"
    try:
        for prefix in ("/finder", "", "/other"):
            # What the WSGI handler does with SCRIPT_NAME (the test client does not).
            set_script_prefix(f"{prefix}/")
            html = client.get(f"{HOME}?{query}").content.decode()
            assert f'href="{prefix}/api/match/?{query}"' in html, prefix
    finally:
        set_script_prefix("/")


def test_home_result_cards_escape_what_the_catalogue_and_the_business_say(
    client, catalogue
) -> None:
    # The cards are rendered with Jinja2 (finder/templatetags/finder_cards.py): its
    # autoescaping must hold for catalogue text and for the reasons quoting answers.
    make_programme(
        slug="markup",
        name="<b>Bold</b> & Co",
        summary='<script>alert("x")</script>',
        places=["coventry"],
    )
    html = client.get(HOME, {"location": "coventry", "q": "Bold"}).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co</a>" in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "Mentions “Bold”" in html


def headings(html: str) -> list[str]:
    return re.findall(r'<h2 class="govuk-heading-l"[^>]*>(.*?)</h2>', html)


def test_home_heading_counts_what_the_list_holds(client, catalogue) -> None:
    # Nothing said about the business: the programmes are listed, not said to match.
    listed = client.get(HOME, {"include_closed": "0"}).content.decode()
    assert headings(listed)[0] == "3 programmes listed"
    assert "You have not told us about your business yet" in listed
    # Only "check with an adviser": they might fit.
    might = client.get(HOME, {"location": "coventry"}).content.decode()
    assert headings(might)[0] == "2 programmes might fit your business"
    # Some of each.
    both = client.get(HOME, {"location": "coventry", "employees": "25"}).content.decode()
    assert headings(both)[0] == "1 programme fits your business, and 1 more might"


def test_home_pagination_links_land_on_the_results(client, catalogue) -> None:
    for number in range(25):
        make_programme(slug=f"extra-{number:02}", name=f"Extra {number:02}")
    html = client.get(HOME, {"location": "coventry"}).content.decode()
    links = re.findall(r'class="govuk-link govuk-pagination__link" href="([^"]+)"', html)
    assert links and all(link.endswith("#results") for link in links)


def test_home_growth_box_only_when_growth_matters(client, catalogue) -> None:
    plain = client.get(HOME, {"location": "coventry"}).content.decode()
    assert "Your growth" not in plain
    figures = client.get(HOME, {"location": "coventry", "employees_3y_ago": "12"})
    assert "Your growth" in figures.content.decode()
    make_programme(slug="scaleups", name="Scaleups", growth="scaleup")
    depends = client.get(HOME, {"location": "coventry"}).content.decode()
    assert "Your growth" in depends


def test_home_checks_one_programme_however_it_fares(client, catalogue) -> None:
    response = client.get(
        HOME, {"programme": "d2n2-only", "location": "coventry", "funding": "3000000"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert headings(html)[0] == "Does D2N2 Only fit your business?"
    checked = html[html.index('id="checked"') : html.index("</ol>")]
    assert "Nearly a match" in checked
    assert "Coventry is outside that area" in checked
    # Two rules failed: shown all the same, as not a match.
    fund = client.get(HOME, {"programme": "co-invest", "location": "ashfield", "funding": "3m"})
    checked = fund.content.decode()
    checked = checked[checked.index('id="checked"') : checked.index("</ol>")]
    assert "Not a match" in checked
    assert checked.count("govuk-warning-text__text") == 2
    body = client.get(API, {"programme": "co-invest", "location": "ashfield"}).json()
    assert body["checked"]["slug"] == "co-invest"
    assert body["checked"]["match"] == "near-miss"
    assert client.get(API, {"location": "ashfield"}).json()["checked"] is None


def test_home_refuses_a_programme_that_does_not_exist(client, catalogue) -> None:
    response = client.get(HOME, {"programme": "no-such-thing", "location": "coventry"})
    assert response.status_code == 400
    assert "There is no programme “no-such-thing”" in response.content.decode()
    body = client.get(API, {"programme": "no-such-thing"}).json()
    assert body["errors"]["programme"] == [
        "There is no programme “no-such-thing”: find it in the programmes A to Z"
    ]
    assert client.get(API, {"programme": "<b>"}).status_code == 400
    # Text that could be no programme's slug gets one message, not Django's own.
    for slug in ("a\x00b", "x" * 101, "x\x00" * 60):
        assert client.get(API, {"programme": slug}).json()["errors"]["programme"] == [
            "There is no such programme: find it in the programmes A to Z"
        ]


def test_home_text_that_is_no_postcode_gets_one_message(client, catalogue) -> None:
    for text in ("CV1\x002AB", "CV1 2AB" * 4, "CV1\x00" * 10):
        assert client.get(API, {"postcode": text}).json()["errors"]["postcode"] == [
            "Enter a postcode like CV1 2AB, or the first part of one like CV7"
        ]
    # Spaces around a postcode are not counted against its length.
    assert PostcodeField().clean("  CV1 2AB" + " " * 20).text == "CV1 2AB"


def test_programme_page_checks_that_programme_in_the_finder(client, catalogue) -> None:
    html = client.get(reverse("programmes:detail", args=["co-invest"])).content.decode()
    assert 'href="/?programme=co-invest" role="button"' in html


def test_near_miss_card_has_no_empty_other_rules_heading(client, catalogue) -> None:
    html = client.get(HOME, {"location": "coventry", "funding": "3000000"}).content.decode()
    # Co-Invest misses on funding and meets its place: "The other rules" lists the place.
    # D2N2 Only misses on its place and has no other rule: no heading over nothing.
    assert html.count("The other rules") == 1
