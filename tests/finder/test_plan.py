"""The support plan (finder/plan.py): picked from the results, kept in the address,
printable and downloadable as CSV; bad input answers 400 and names the problem."""

from __future__ import annotations

import csv
import datetime
import html as html_module
import io
import re

import pytest
from django.urls import reverse

from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    places = make_geography()
    fund = make_programme(
        slug="coventry-fund",
        name="Coventry Fund",
        places=[places["coventry"]],
        support_types=["grant"],
        amount_max=50_000,
        opens_on=datetime.date(2026, 1, 5),
        closes_on=datetime.date(2099, 3, 31),
        cohort_starts_on=datetime.date(2099, 5, 1),
        dates_note="Rounds open twice a year.",
        how_to_apply="Apply on the fund's website.",
        website="https://fund.example.org/",
    )
    growth = make_programme(
        slug="growth-course",
        name="Growth Course",
        places=[places["west-midlands"]],
        support_types=["leadership"],
        employees_min=10,
    )
    east = make_programme(slug="east-only", name="East Only", places=[places["east-midlands"]])
    return {"fund": fund, "growth": growth, "east": east}


def plan_url(query: str) -> str:
    return f"{reverse('finder:plan')}?{query}"


def test_results_page_offers_every_programme_shown_to_pick_without_javascript(
    client, catalogue
) -> None:
    response = client.get("/", {"location": "coventry", "employees": "5"})
    html = response.content.decode()
    form = re.search(r'<form method="get" action="/plan/".*?</form>', html, re.S).group(0)
    # The search goes with the picks, as hidden fields in the finder's order.
    assert '<input type="hidden" name="location" value="coventry">' in form
    assert '<input type="hidden" name="employees" value="5">' in form
    # The match and the near misses (Growth Course wants 10 employees; East Only is
    # elsewhere) can all be picked.
    picks = re.findall(r'name="pick" type="checkbox" value="([^"]+)"', form)
    assert picks == ["coventry-fund", "growth-course", "east-only"]


def test_plan_shows_answers_verdicts_reasons_dates_and_next_steps(client, catalogue) -> None:
    response = client.get(
        plan_url("location=coventry&employees=5&funding=20k&pick=coventry-fund&pick=growth-course")
    )
    assert response.status_code == 200
    html = response.content.decode()
    text = html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))
    assert "Where is your business? Coventry" in text
    assert "How many employees do you have? 5" in text
    assert "How much funding are you looking for? £20,000" in text
    assert "What is your annual turnover? Not given" in text
    # In the order picked, each with its verdict, reasons, dates and next step.
    assert text.index("Coventry Fund") < text.index("Growth Course")
    assert "Verdict Eligible" in text
    assert "Verdict Nearly a match: misses one rule" in text
    assert "Opens 5 January 2026" in text
    assert "Closes 31 March 2099" in text
    assert "Cohort starts 1 May 2099" in text
    assert "About the dates Rounds open twice a year." in text
    assert "Next step Apply on the fund's website." in text
    assert "https://fund.example.org/" in html
    assert "Does not meet:" in text and "10" in text
    # Links are whole addresses, for paper; the plan's own address is on it.
    assert 'href="http://testserver/programmes/coventry-fund/"' in html
    assert (
        "http://testserver/plan/?location=coventry&amp;employees=5&amp;funding=20k&amp;pick=coventry-fund&amp;pick=growth-course"
        in html
    )
    # The print styles are loaded; the print button only appears with JavaScript.
    assert "css/plan.css" in html
    assert "data-print hidden" in html


def test_plan_csv_has_answers_and_a_row_per_programme(client, catalogue) -> None:
    response = client.get(
        reverse("finder:plan-csv")
        + "?location=coventry&funding=20000&q=%3DHYPERLINK(1)&pick=coventry-fund"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.match(
        r'attachment; filename="support-plan-\d{4}-\d\d-\d\d\.csv"',
        response["Content-Disposition"],
    )
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert ["Where is your business?", "Coventry"] in rows
    # What was typed cannot run as a spreadsheet formula.
    assert ["Anything else?", "'=HYPERLINK(1)"] in rows
    header = rows.index(
        [
            "Programme",
            "URL",
            "Verdict",
            "Status",
            "Opens",
            "Closes",
            "Cohort starts",
            "About the dates",
            "Next step",
            "Reasons",
        ]
    )
    row = rows[header + 1]
    assert row[:8] == [
        "Coventry Fund",
        "http://testserver/programmes/coventry-fund/",
        "Eligible",
        "Open",
        "2026-01-05",
        "2099-03-31",
        "2099-05-01",
        "Rounds open twice a year.",
    ]
    assert row[8] == "Apply on the fund's website."
    assert row[9] == (
        "Met: Open to businesses in Coventry; that is where you are.\n"
        "Met: Offers up to £50,000 per business; you are looking for £20,000."
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("location=coventry", "Choose at least one programme from your results for your plan"),
        ("pick=no-such-thing", "There is no programme “no-such-thing”"),
        ("employees=-4&pick=coventry-fund", "The number of employees must be 0 or more"),
        ("location=atlantis&pick=coventry-fund", "Choose where your business is from the list"),
    ],
)
def test_plan_with_bad_input_answers_400_naming_the_problem(
    client, catalogue, query, message
) -> None:
    for name in ("finder:plan", "finder:plan-csv"):
        response = client.get(f"{reverse(name)}?{query}")
        assert response.status_code == 400
        assert message in response.content.decode()
        assert response.content.decode().count("<title>Error: ") == 1


def test_plan_refuses_more_picks_than_it_holds(client, catalogue) -> None:
    from finder.plan import MOST_PICKS

    picks = "&".join(f"pick=programme-x{number}" for number in range(MOST_PICKS + 1))
    for number in range(MOST_PICKS + 1):
        make_programme(slug=f"programme-x{number}")
    response = client.get(plan_url(picks))
    assert response.status_code == 400
    assert f"Choose at most {MOST_PICKS} programmes" in response.content.decode()


def test_plan_shows_a_programme_picked_twice_once(client, catalogue) -> None:
    response = client.get(plan_url("pick=coventry-fund&pick=coventry-fund"))
    assert response.status_code == 200
    assert response.content.decode().count('id="programme-coventry-fund"') == 1
