"""The client summary an adviser prints or downloads for a client (finder/summary.py)."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finder.admin import enquiry_search
from finder.models import Enquiry
from programmes.eligibility import Level
from tests.finder.advice_data import (
    adviser_user,
    change_url,
    editor_user,
    make_catalogue,
    make_enquiry,
    make_programme,
    make_referral,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return make_catalogue()


@pytest.fixture
def adviser(django_user_model):
    return adviser_user(django_user_model)


@pytest.fixture
def editor(django_user_model):
    return editor_user(django_user_model)


REFERRAL_HEADER = [
    "Referral",
    "Status",
    "Referred on",
    "Outcome on",
    "Amount secured (£)",
    "Jobs expected",
    "Notes",
]


def summary_url(enquiry: Enquiry) -> str:
    return reverse("admin:finder_enquiry_summary", args=[enquiry.pk])


def csv_url(enquiry: Enquiry) -> str:
    return reverse("admin:finder_enquiry_summary_csv", args=[enquiry.pk])


def programmes_in(html: str) -> dict[str, str]:
    """Programme slug -> the HTML of its entry on the summary, in the page's order."""
    found = re.findall(
        r'<article class="client-summary__programme" aria-labelledby="programme-([^"]+)">'
        r"(.*?)</article>",
        html,
        re.S,
    )
    return dict(found)


def answers_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr><th scope="row">([^<]+)</th><td>([^<]*)</td></tr>', html))


def csv_of(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_client_summary_urls_are_the_briefed_addresses(catalogue):
    enquiry = make_enquiry(catalogue)
    assert summary_url(enquiry) == f"/admin/finder/enquiry/{enquiry.pk}/summary/"
    assert csv_url(enquiry) == f"/admin/finder/enquiry/{enquiry.pk}/summary.csv"


def test_client_summary_linked_from_the_enquiry_page(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    client.force_login(adviser)
    html = client.get(change_url(enquiry)).content.decode()
    tools = html.split('<ul class="object-tools">')[1].split("</ul>")[0]
    assert f'<a href="{summary_url(enquiry)}">Client summary</a>' in tools
    assert "History" in tools  # the admin's own tools are still there


def test_client_summary_shows_the_answers_blank_ones_as_not_given(client, adviser, catalogue):
    enquiry = make_enquiry(
        catalogue,
        phone="",
        stage=catalogue.established,
        turnover=2_000_000,
        led_by_women=False,
        free_text="batteries",
    )
    client.force_login(adviser)
    response = client.get(summary_url(enquiry))
    assert response.status_code == 200
    answers = answers_in(response.content.decode())
    assert answers == {
        "Business name": "Brindley Widgets Ltd",
        "Contact": "Ada Brindley",
        "Email": "ada@brindley.example",
        "Phone": "Not given",
        "Where": "Birmingham",
        "Sector": "Manufacturing",
        "Stage": "Established",
        "Led by women": "No",
        "Employees": "40",
        "Turnover": "£2,000,000",
        "Funding sought": "£500,000",
        "Support wanted": "Grant, Leadership",
        "Employees three years ago": "Not given",
        "Turnover three years ago": "Not given",
        "What they are looking for": "batteries",
    }


def test_client_summary_where_from_a_postcode(client, adviser, catalogue):
    catalogue.birmingham.code = "E08000025"
    catalogue.birmingham.save()
    enquiry = make_enquiry(catalogue, location=None, postcode="B1 1AA", led_by_women=None)
    client.force_login(adviser)
    answers = answers_in(client.get(summary_url(enquiry)).content.decode())
    assert answers["Where"] == "B1 1AA: B1 1AA is in Birmingham."
    assert answers["Led by women"] == "Not given"


def test_client_summary_lists_the_enquiry_page_s_programmes_in_its_order(
    client, adviser, catalogue
):
    # More programmes than the standard catalogue, ranked apart by what the client wants.
    for number, support in enumerate([catalogue.grant, catalogue.leadership, catalogue.grant]):
        programme = make_programme(f"Extra {number}", amount_max=1_000_000)
        programme.places.add(catalogue.region)
        programme.support_types.add(support)
    enquiry = make_enquiry(catalogue, employees=None)
    search = enquiry_search(enquiry)
    results, near_misses = search.results, search.near_misses
    assert len(results) >= 3 and near_misses  # the test compares something

    client.force_login(adviser)
    html = client.get(summary_url(enquiry)).content.decode()
    recommended, nearly = html.split('id="near-misses"')
    assert list(programmes_in(recommended)) == [result.programme.slug for result in results]
    assert list(programmes_in(nearly)) == [result.programme.slug for result in near_misses]


def test_client_summary_gives_each_programme_its_verdict_reasons_and_next_step(
    client, adviser, catalogue
):
    catalogue.growth_grant.how_to_apply = "Apply online at growth-grant.example."
    catalogue.growth_grant.save()
    front_door = make_programme("Birmingham Growth Hub")
    front_door.places.add(catalogue.birmingham)
    front_door.front_door_for.add(catalogue.birmingham)
    enquiry = make_enquiry(catalogue, employees=None)
    client.force_login(adviser)
    html = client.get(summary_url(enquiry)).content.decode()
    programmes = programmes_in(html)

    grant = programmes["growth-grant"]
    assert '<a href="http://testserver/programmes/growth-grant/">Growth Grant</a>' in grant
    # Employees not given: only possible, and the rule says what is unknown.
    assert f'<dd data-level="possible">{Level.POSSIBLE.label}</dd>' in grant
    assert '<tr data-outcome="unknown"><th scope="row">Unknown</th>' in grant
    assert '<tr data-outcome="met"><th scope="row">Met</th><td>Open to businesses in' in grant
    # No source document dates it, so its status is not confirmed, as its card says.
    assert "<dd>Open (not confirmed: check with the provider that it still runs)</dd>" in grant
    # Its own way in, and the front door to ask whether it fits, linked in full.
    step = re.search(r'<dd class="client-summary__next-step">(.*?)</dd>', grant, re.S)[1]
    assert step.startswith("Apply online at growth-grant.example. Not sure it fits? Ask ")
    assert (
        '<a class="govuk-link" href="http://testserver/programmes/birmingham-growth-hub/">'
        "Birmingham Growth Hub</a>" in step
    )

    leaders = programmes["digital-leaders"]
    assert f">{Level.NEAR_MISS.label}</dd>" in leaders
    assert (
        '<tr data-outcome="unmet"><th scope="row">Not met</th>'
        "<td>For businesses in Digital; you are in Manufacturing.</td></tr>" in leaders
    )
    # No way in of its own: ask the front door, as the finder's card says.
    step = re.search(r'<dd class="client-summary__next-step">(.*?)</dd>', leaders, re.S)[1]
    assert step.startswith("Ask <a ") and step.endswith("Birmingham Growth Hub</a> how to apply.")


def test_client_summary_lists_the_referrals_and_who_prepared_it(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    make_referral(
        enquiry,
        catalogue.growth_grant,
        status="accepted",
        referred_on="2025-03-01",
        outcome_on="2025-04-02",
        notes="Introduced to the grant team.",
    )
    make_referral(enquiry, catalogue.nottingham_fund, status="suggested")
    adviser.first_name, adviser.last_name = "Sam", "Adviser"
    adviser.save()
    client.force_login(adviser)
    html = client.get(summary_url(enquiry)).content.decode()
    referrals = html.split('id="referrals"')[1]
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", referrals, re.S)
    assert [name for name, _ in rows] == ["Growth Grant", "Nottingham Fund"]
    grant = rows[0][1]
    for shown in ("Accepted", "1 March 2025", "2 April 2025", "Introduced to the grant team."):
        assert shown in grant
    assert "Suggested" in rows[1][1] and "Not given" in rows[1][1]
    today = timezone.localdate()
    assert f"Prepared on {today.day} {today:%B %Y} by Sam Adviser." in html


def test_client_summary_is_plain_printable_html(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    make_referral(enquiry, catalogue.growth_grant)
    client.force_login(adviser)
    response = client.get(summary_url(enquiry))
    html = response.content.decode()
    # One h1, then headings in order with no level skipped.
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", html)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))
    # The print stylesheet and script are files: the CSP allows nothing inline.
    assert '<link rel="stylesheet" href="/static/css/client-summary.css">' in html
    assert '<script src="/static/js/print-button.js" defer></script>' in html
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_client_summary_refused_to_content_editors(client, editor, catalogue):
    enquiry = make_enquiry(catalogue)
    client.force_login(editor)
    assert client.get(change_url(enquiry)).status_code == 403  # as the enquiry itself
    assert client.get(summary_url(enquiry)).status_code == 403
    assert client.get(csv_url(enquiry)).status_code == 403


def test_client_summary_sends_anonymous_users_to_log_in(client, catalogue):
    enquiry = make_enquiry(catalogue)
    response = client.get(summary_url(enquiry))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    "path",
    [
        "/admin/finder/enquiry/{}/summary/",
        "/admin/finder/enquiry/{}/summary.csv",
        "/admin/finder/enquiry/nonsense/summary/",
    ],
)
def test_client_summary_of_an_unknown_enquiry_is_not_found(client, adviser, catalogue, path):
    missing = make_enquiry(catalogue).pk + 1
    client.force_login(adviser)
    assert client.get(path.format(missing)).status_code == 404


def test_client_summary_csv_downloads_answers_programmes_and_referrals(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue, employees=None, turnover=2_000_000)
    make_referral(
        enquiry, catalogue.growth_grant, status="referred", referred_on="2025-03-01", notes="Sent."
    )
    client.force_login(adviser)
    response = client.get(csv_url(enquiry))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="brindley-widgets-ltd-client-summary-{today}.csv"'
    )
    assert "no-cache" in response["Cache-Control"]  # personal data: never kept by a cache
    rows = csv_of(response)
    assert rows[:3] == [
        ["Client summary", "Brindley Widgets Ltd"],
        ["Prepared on", today],
        ["Prepared by", "adviser"],
    ]
    answers = {row[0]: row[1] for row in rows[4 : rows.index([], 4)]}
    assert answers["Question"] == "Answer"
    assert answers["Employees"] == "Not given"
    assert answers["Turnover"] == "£2,000,000"
    assert answers["Where"] == "Birmingham"

    header = ["Programme", "URL", "Verdict", "Status", "Next step", "Reasons"]
    start = rows.index(header) + 1
    programmes = rows[start : rows.index([], start)]
    search = enquiry_search(enquiry)
    results, near_misses = search.results, search.near_misses
    assert [row[0] for row in programmes] == [
        result.programme.name for result in (*results, *near_misses)
    ]
    grant = programmes[0]
    assert grant[:4] == [
        "Growth Grant",
        "http://testserver/programmes/growth-grant/",
        Level.POSSIBLE.label,
        "Open (not confirmed: check with the provider that it still runs)",
    ]
    # No front door in this catalogue: the card's words for that, in plain text.
    assert grant[4] == (
        "Our sources do not say how to apply: ask the growth hub or business support "
        "team of your local council."
    )
    reasons = grant[5].split("\n")
    assert reasons[0].startswith("Met: Open to businesses in West Midlands Combined Authority")
    assert any(reason.startswith("Unknown: ") for reason in reasons)

    referrals = rows[rows.index(REFERRAL_HEADER) + 1 :]
    assert referrals == [["Growth Grant", "Referred", "2025-03-01", "", "", "", "Sent."]]


def test_client_summary_csv_neutralises_formulas_typed_by_people(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue, business_name='=HYPERLINK("http://evil.example","x")')
    make_referral(enquiry, catalogue.growth_grant, notes="+44 121 000 0000 -- call first")
    make_referral(enquiry, catalogue.digital_leaders, notes="@adviser check")
    client.force_login(adviser)
    response = client.get(csv_url(enquiry))
    rows = csv_of(response)
    assert rows[0] == ["Client summary", '\'=HYPERLINK("http://evil.example","x")']
    assert ["Business name", '\'=HYPERLINK("http://evil.example","x")'] in rows
    notes = [row[-1] for row in rows[rows.index(REFERRAL_HEADER) + 1 :]]
    assert sorted(notes) == ["'+44 121 000 0000 -- call first", "'@adviser check"]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # The file name keeps only the letters and digits of the name.
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="hyperlinkhttpevilexamplex-client-summary-{today}.csv"'
    )


def test_client_summary_query_count_does_not_grow_with_referrals(
    client, adviser, catalogue, django_assert_num_queries
):
    enquiry = make_enquiry(catalogue)
    make_referral(enquiry, catalogue.growth_grant)
    # Made now: a change to the catalogue rebuilds the finder's index at the next search.
    programmes = [make_programme(f"Referred {number}") for number in range(8)]
    client.force_login(adviser)
    url = summary_url(enquiry)
    client.get(url)  # warm caches that are not per request (content types, the index)

    with CaptureQueriesContext(connection) as few:
        client.get(url)

    for number, programme in enumerate(programmes):
        make_referral(enquiry, programme, status="referred", notes=f"Note {number}")
    # Whatever the number of referrals, 8: the session, the user, the user's own and its
    # groups' permissions, the enquiry with its location, sector, stage, creator and
    # count of referrals, its support types, the catalogue version (the search is over
    # the in-memory index), and the referrals with their programmes in one query.
    assert len(few) == 8
    with django_assert_num_queries(8):
        response = client.get(url)
    assert response.content.decode().count("Note ") == 8


def test_client_summary_shows_what_each_referral_achieved(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    make_referral(
        enquiry,
        catalogue.growth_grant,
        status="completed",
        referred_on=datetime.date(2026, 1, 5),
        outcome_on=datetime.date(2026, 3, 1),
        amount_secured=250_000,
        jobs_expected=1,
    )
    client.force_login(adviser)
    page = client.get(summary_url(enquiry)).content.decode()
    assert "£250,000 secured; 1 job expected" in page
    rows = list(csv.reader(io.StringIO(client.get(csv_url(enquiry)).content.decode())))
    assert ["Growth Grant", "Completed", "2026-01-05", "2026-03-01", "250000", "1", ""] in rows
