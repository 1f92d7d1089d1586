"""A programme's status as a reader sees it: its closing date beats its status field.

``Programme.effective_status`` is the rule; ``ProgrammeQuerySet.with_effective_status``
is the same rule in SQL. Each case is checked both ways, so the two cannot drift apart.
"""

from __future__ import annotations

import datetime

import pytest

from programmes.models import Programme
from tests.factories import make_programme

TODAY = datetime.date(2026, 6, 15)
YESTERDAY = datetime.date(2026, 6, 14)
TOMORROW = datetime.date(2026, 6, 16)

Status = Programme.Status

CASES = [
    # status field, closes_on, what the reader sees
    (Status.OPEN, None, Status.OPEN),
    (Status.OPEN, TOMORROW, Status.OPEN),
    (Status.OPEN, TODAY, Status.OPEN),  # the closing day itself still counts as open
    (Status.OPEN, YESTERDAY, Status.CLOSED),
    (Status.OPENING_SOON, None, Status.OPENING_SOON),
    (Status.OPENING_SOON, YESTERDAY, Status.CLOSED),
    (Status.CLOSED, None, Status.CLOSED),
    (Status.CLOSED, TOMORROW, Status.CLOSED),  # closed early: the status field stands
    (Status.PROPOSED, None, Status.PROPOSED),
    (Status.PROPOSED, YESTERDAY, Status.CLOSED),
]


@pytest.mark.parametrize(("status", "closes_on", "expected"), CASES)
def test_effective_status_lets_a_passed_closing_date_close_the_programme(
    status, closes_on, expected
) -> None:
    programme = Programme(status=status, closes_on=closes_on)
    assert programme.effective_status(TODAY) == expected


@pytest.mark.django_db
def test_effective_status_agrees_with_its_sql_twin() -> None:
    made = {
        make_programme(status=status, closes_on=closes_on).pk: expected
        for status, closes_on, expected in CASES
    }
    annotated = Programme.objects.with_effective_status(TODAY)
    assert {p.pk: p.status_today for p in annotated} == made
    for programme in annotated:
        assert programme.effective_status(TODAY) == programme.status_today


@pytest.mark.django_db
def test_effective_status_counts_and_filters_in_the_database() -> None:
    for status, closes_on, _ in CASES:
        make_programme(status=status, closes_on=closes_on)
    counts = Programme.objects.count_by_effective_status(TODAY)
    assert counts == {"open": 3, "opening-soon": 1, "closed": 5, "proposed": 1}
    closed = Programme.objects.in_effective_status(Status.CLOSED, TODAY)
    assert closed.count() == 5
    assert Programme.objects.in_effective_status("", TODAY).count() == len(CASES)


def test_effective_status_defaults_to_today() -> None:
    assert Programme(
        status=Status.OPEN, closes_on=datetime.date(2000, 1, 1)
    ).effective_status() == (Status.CLOSED)
