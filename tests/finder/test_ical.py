"""Calendars of programme dates (finder/ical.py): RFC 5545 by the icalendar library,
one all-day event per date, with UIDs that stay the same when a date moves."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.factories import make_geography, make_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    places = make_geography()
    fund = make_programme(
        slug="coventry-fund",
        name="Coventry Fund",
        places=[places["coventry"]],
        opens_on=datetime.date(2027, 1, 4),
        closes_on=datetime.date(2099, 3, 31),
        cohort_starts_on=datetime.date(2099, 5, 1),
        dates_note="Rounds open twice a year.",
    )
    undated = make_programme(slug="undated", name="Undated", places=[places["coventry"]])
    elsewhere = make_programme(
        slug="elsewhere",
        name="Elsewhere",
        places=[places["ashfield"]],
        closes_on=datetime.date(2099, 1, 1),
    )
    return {"fund": fund, "undated": undated, "elsewhere": elsewhere}


def read(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    # RFC 5545: lines end CRLF and are folded at 75 octets.
    assert all(line.endswith("\r") or line == "" for line in body.split("\n"))
    assert all(len(line.encode()) <= 76 for line in body.split("\n"))
    return Calendar.from_ical(response.content)


def events(cal: Calendar) -> dict[str, dict]:
    return {
        str(event["UID"]): {
            "summary": str(event["SUMMARY"]),
            "start": event.decoded("DTSTART"),
            "end": event.decoded("DTEND"),
            "stamp": event.decoded("DTSTAMP"),
            "url": str(event["URL"]),
            "description": str(event["DESCRIPTION"]),
        }
        for event in cal.walk("VEVENT")
    }


def test_search_calendar_has_each_date_of_each_programme_found(client, catalogue) -> None:
    cal = read(client.get(reverse("finder:calendar") + "?location=coventry"))
    assert cal["VERSION"] == "2.0"
    assert str(cal["PRODID"]) == "-//Scaleup Support Finder//Programme dates//EN"
    found = events(cal)
    # Only the programme found that has dates; Ashfield's is not for Coventry.
    assert set(found) == {
        "coventry-fund.opens@testserver",
        "coventry-fund.closes@testserver",
        "coventry-fund.cohort-starts@testserver",
    }
    closes = found["coventry-fund.closes@testserver"]
    assert closes["summary"] == "Coventry Fund closes"
    # All-day: a date, ending the next day.
    assert closes["start"] == datetime.date(2099, 3, 31)
    assert closes["end"] == datetime.date(2099, 4, 1)
    assert closes["url"] == "http://testserver/programmes/coventry-fund/"
    assert "Rounds open twice a year." in closes["description"]
    assert closes["stamp"].tzinfo is not None
    assert found["coventry-fund.cohort-starts@testserver"]["summary"] == (
        "Coventry Fund next cohort starts"
    )


def test_calendar_uid_stays_when_a_date_moves_and_the_stamp_follows_the_change(
    client, catalogue
) -> None:
    fund = catalogue["fund"]
    # Made a while ago (the calendar's times are whole seconds).
    fund.history.update(history_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    url = reverse("finder:programme-calendar", args=["coventry-fund"])
    before = events(read(client.get(url)))
    assert events(read(client.get(url))) == before  # the same catalogue, the same calendar
    fund.closes_on = datetime.date(2099, 6, 30)
    fund.save()
    after = events(read(client.get(url)))
    assert set(after) == set(before)
    uid = "coventry-fund.closes@testserver"
    assert after[uid]["start"] == datetime.date(2099, 6, 30)
    assert after[uid]["stamp"] > before[uid]["stamp"]


def test_calendar_with_no_dates_is_still_a_valid_calendar(client, catalogue) -> None:
    cal = read(client.get(reverse("finder:programme-calendar", args=["undated"])))
    assert cal.walk("VEVENT") == []
    # RFC 5545 asks for at least one component.
    assert [component.name for component in cal.subcomponents] == ["VTIMEZONE"]


def test_programme_page_links_to_its_calendar_only_when_it_has_dates(client, catalogue) -> None:
    html = client.get(reverse("programmes:detail", args=["coventry-fund"])).content.decode()
    assert (
        '<link rel="alternate" type="text/calendar" title="Coventry Fund: dates (iCalendar)" '
        'href="/programmes/coventry-fund/calendar.ics">'
    ) in html
    assert 'href="/programmes/coventry-fund/calendar.ics">Add these dates' in html
    html = client.get(reverse("programmes:detail", args=["undated"])).content.decode()
    assert "calendar.ics" not in html


def test_results_page_links_to_its_calendar(client, catalogue) -> None:
    html = client.get("/", {"location": "coventry"}).content.decode()
    assert (
        '<link rel="alternate" type="text/calendar" '
        'title="Their opening, closing and start dates (iCalendar)" '
        'href="/calendar/search.ics?location=coventry">'
    ) in html
    assert 'href="/calendar/search.ics?location=coventry">Add their' in html


def test_calendar_of_an_unknown_programme_is_404(client, catalogue) -> None:
    response = client.get(reverse("finder:programme-calendar", args=["no-such-thing"]))
    assert response.status_code == 404


def test_calendar_of_a_bad_search_answers_400_naming_the_problem(client, catalogue) -> None:
    response = client.get(reverse("finder:calendar") + "?turnover=lots&stage=teenage")
    assert response.status_code == 400
    text = response.content.decode()
    assert text.startswith("This calendar cannot be made: its search is not valid.")
    assert "turnover: Enter your turnover in pounds" in text
    assert "stage: Choose one of the stages listed" in text
