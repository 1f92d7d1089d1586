"""What changed about a programme, from its history (programmes/changes.py)."""

from __future__ import annotations

import datetime

import pytest

from programmes import changes
from programmes.models import Programme
from tests.factories import make_programme

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (None, "open", "New: open"),
        ("opening-soon", "open", "Opened"),
        ("open", "closed", "Closed"),
        ("proposed", "opening-soon", "Opening soon"),
        ("open", "open", None),
    ],
)
def test_status_change_in_words(before, after, text) -> None:
    assert changes.status_change(before, after) == text


@pytest.mark.parametrize(
    ("before", "after", "text"),
    [
        (None, datetime.date(2027, 3, 31), "Closing date set: 31 March 2027"),
        (
            datetime.date(2027, 3, 31),
            datetime.date(2027, 6, 30),
            "Closing date moved from 31 March 2027 to 30 June 2027",
        ),
        (datetime.date(2027, 3, 31), None, "Closing date removed (it was 31 March 2027)"),
        (datetime.date(2027, 3, 31), datetime.date(2027, 3, 31), None),
    ],
)
def test_date_change_in_words(before, after, text) -> None:
    assert changes.date_change("closes_on", before, after) == text


def test_history_of_lists_each_change_oldest_first() -> None:
    programme = make_programme(status=Programme.Status.OPENING_SOON)
    programme.status = Programme.Status.OPEN
    programme.save()
    programme.save()  # saved again with nothing changed: no change to report
    programme.closes_on = datetime.date(2099, 3, 31)
    programme.save()
    programme.closes_on = datetime.date(2099, 6, 30)
    programme.cohort_starts_on = datetime.date(2099, 9, 1)
    programme.save()
    programme.status = Programme.Status.CLOSED
    programme.save()

    found = changes.history_of([programme.pk], datetime.date(2026, 12, 1))[programme.pk]
    assert [change.text for change in found] == [
        "New: opening soon",
        "Opened",
        "Closing date set: 31 March 2099",
        "Closing date moved from 31 March 2099 to 30 June 2099",
        "Cohort start date set: 1 September 2099",
        "Closed",
    ]
    assert [change.at for change in found] == sorted(change.at for change in found)


def test_history_of_counts_a_closing_date_passing_as_closing() -> None:
    programme = make_programme(closes_on=datetime.date(2026, 3, 31))
    before = changes.history_of([programme.pk], datetime.date(2026, 3, 31))[programme.pk]
    assert [change.text for change in before] == ["New: open"]

    # Created "today" in the test; look from a day after the closing date, as if the
    # programme had been in the catalogue since before it.
    programme.history.update(history_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    after = changes.history_of([programme.pk], datetime.date(2026, 4, 1))[programme.pk]
    assert [change.text for change in after] == [
        "New: open",
        "Closed: its closing date, 31 March 2026, has passed",
    ]
    assert after[-1].at.date() == datetime.date(2026, 4, 1)
