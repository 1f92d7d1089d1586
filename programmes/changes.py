"""What changed about a programme, in words a business owner follows: new in the
catalogue, opened, closing date set or moved, closed.

Two readers share the wording here: the Atom feed of a search (finder/feeds.py), which
reads the changes from the programmes' history (django-simple-history keeps a row for
every save, by the admin or load_catalogue), and the email alerts (finder/alerts.py),
which compare what a subscriber was last sent with the search now.

A programme past its closing date is closed whatever its status field says
(``eligibility.status_on``); that is a change on the day after the closing date even
though nobody saved anything, and it is reported as one.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format

from programmes.eligibility import status_on
from programmes.models import Programme

#: The dates a business cares about, by field, in words.
DATES = {
    "opens_on": "opening date",
    "closes_on": "closing date",
    "cohort_starts_on": "cohort start date",
}


def day(value: datetime.date) -> str:
    """A date as the service writes it: 31 March 2026."""
    return date_format(value, "j F Y")


def status_change(before: str | None, after: str) -> str | None:
    """The change from status ``before`` (None: not in the catalogue) to ``after``, in
    words; None when it did not change."""
    if before == after:
        return None
    if before is None:
        return f"New: {Programme.Status(after).label.lower()}"
    return {
        Programme.Status.OPEN: "Opened",
        Programme.Status.OPENING_SOON: "Opening soon",
        Programme.Status.CLOSED: "Closed",
        Programme.Status.PROPOSED: "Proposed",
    }[Programme.Status(after)]


def date_change(
    field: str, before: datetime.date | None, after: datetime.date | None
) -> str | None:
    """The change to one of a programme's ``DATES``, in words; None when it did not
    change."""
    if before == after:
        return None
    what = DATES[field]
    if before is None:
        return f"{what.capitalize()} set: {day(after)}"
    if after is None:
        return f"{what.capitalize()} removed (it was {day(before)})"
    return f"{what.capitalize()} moved from {day(before)} to {day(after)}"


@dataclass(frozen=True)
class Change:
    """Something that happened to a programme, and when."""

    at: datetime.datetime
    text: str


def changes_between(previous, row) -> list[str]:
    """What changed from one history row (or None, before the programme existed) to the
    next, in words. Rows carry the status field; the status a reader saw is decided on
    the day of each row."""
    texts = []
    if previous is None:
        texts.append(status_change(None, row.status))
    else:
        shown_before = status_on(previous.status, previous.closes_on, previous.at.date())
        shown_now = status_on(row.status, row.closes_on, row.at.date())
        texts.append(status_change(shown_before, shown_now))
        texts.extend(
            date_change(field, getattr(previous, field), getattr(row, field)) for field in DATES
        )
    return [text for text in texts if text]


@dataclass(frozen=True)
class _Row:
    at: datetime.datetime
    status: str
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    cohort_starts_on: datetime.date | None


def history_of(
    programme_ids: Iterable[int], today: datetime.date | None = None
) -> dict[int, list[Change]]:
    """Every change to each programme of ``programme_ids``, oldest first, from its
    history (one query), with its passing its closing date, once that day is past on
    ``today``, as a closure. A programme with no history has no changes."""
    today = today or timezone.localdate()
    rows = (
        Programme.history.filter(id__in=list(programme_ids))
        .exclude(history_type="-")
        .order_by("id", "history_date", "history_id")
        .values("id", "history_date", "status", *DATES)
    )
    changes: dict[int, list[Change]] = {}
    previous: dict[int, _Row] = {}
    for values in rows:
        pk = values.pop("id")
        row = _Row(at=values.pop("history_date"), **values)
        for text in changes_between(previous.get(pk), row):
            changes.setdefault(pk, []).append(Change(at=row.at, text=text))
        previous[pk] = row
    for pk, row in previous.items():
        # Closed by its date, on the day after it, with no one saving anything.
        if row.closes_on and row.closes_on < today and row.status != Programme.Status.CLOSED:
            closed_at = timezone.make_aware(
                datetime.datetime.combine(
                    row.closes_on + datetime.timedelta(days=1), datetime.time()
                )
            )
            if closed_at > row.at:
                text = f"Closed: its closing date, {day(row.closes_on)}, has passed"
                changes.setdefault(pk, []).append(Change(at=closed_at, text=text))
    return changes


def last_changed(programme_ids: Iterable[int]) -> dict[int, datetime.datetime]:
    """When each programme of ``programme_ids`` was last saved, from its history (one
    query); those without history are left out."""
    rows = (
        Programme.history.filter(id__in=list(programme_ids))
        .order_by()
        .values("id")
        .annotate(last=Max("history_date"))
    )
    return {row["id"]: row["last"] for row in rows}
