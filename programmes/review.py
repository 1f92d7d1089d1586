"""Which catalogue entries content staff should look at again.

A programme needs review when nobody has checked it against its sources for
``REVIEW_MONTHS`` months, or when it still says it is open (or opening soon) although
its closing date has passed. The admin's "needs review" filter and the
``catalogue_report`` command both ask these questions, so they always agree.
"""

from __future__ import annotations

import calendar
import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from programmes.models import Programme

REVIEW_MONTHS = 6

# Statuses that claim a business can still apply, or soon will.
STILL_OFFERED = [Programme.Status.OPEN, Programme.Status.OPENING_SOON]


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` calendar months earlier; the 31st of a shorter month
    becomes that month's last day (six months before 31 August is 28 or 29 February)."""
    month_index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(month_index, 12)
    month += 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def verified_cutoff(
    *, months: int = REVIEW_MONTHS, today: datetime.date | None = None
) -> datetime.date:
    """The earliest ``last_verified`` date that still counts as recent."""
    return months_before(today or timezone.localdate(), months)


def not_recently_verified(*, months: int = REVIEW_MONTHS, today: datetime.date | None = None) -> Q:
    """Programmes last checked against their sources before the cut-off."""
    return Q(last_verified__lt=verified_cutoff(months=months, today=today))


def offered_after_closing(*, today: datetime.date | None = None) -> Q:
    """Programmes still marked open or opening soon although their closing date has
    passed (closing today still counts as open)."""
    return Q(status__in=STILL_OFFERED, closes_on__lt=today or timezone.localdate())


def needs_review(
    queryset: QuerySet[Programme],
    *,
    months: int = REVIEW_MONTHS,
    today: datetime.date | None = None,
) -> QuerySet[Programme]:
    """Programmes that are either not recently verified or offered after closing."""
    return queryset.filter(
        not_recently_verified(months=months, today=today) | offered_after_closing(today=today)
    )
