"""Which programmes content staff should look at again, and why.

The admin's "needs review" filter, the ``catalogue_report`` command and the About page
all ask ``findings``, so they always agree. A programme needs review when:

* nobody has checked it against current information from its provider (its website, a
  call) in ``REVIEW_MONTHS`` months, or ever (``last_verified``);
* it still says it is open (or opening soon) although its closing date has passed;
* it says it is open (or opening soon) on evidence too old to confirm it
  (``eligibility.confirmed``: the finder says "Status not confirmed");
* a business cannot tell how to take it up: it has no ``how_to_apply`` and some of its
  places have no front door (``describe.front_doors``);
* some of its facts, or its providers' or places', are not from the source documents
  (``outside_documents``).

Programmes made by ``generate_catalogue`` for benchmarks are left out.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from programmes.describe import front_door_map, front_doors
from programmes.eligibility import LISTED, confirmed
from programmes.models import Programme

REVIEW_MONTHS = 6

# Why a programme needs review: each reason's key (the admin filter's value) and label.
NOT_VERIFIED = "not-verified"
PAST_CLOSING = "past-closing"
UNCONFIRMED = "unconfirmed"
NO_NEXT_STEP = "no-next-step"
OUTSIDE_DOCUMENTS = "outside-documents"
REASONS: dict[str, str] = {
    NOT_VERIFIED: f"Not checked against current information in {REVIEW_MONTHS} months",
    PAST_CLOSING: "Still marked open or opening soon after its closing date",
    UNCONFIRMED: "Open or opening soon on old evidence: status not confirmed",
    NO_NEXT_STEP: "No way in: no how to apply, and no front door for some of its places",
    OUTSIDE_DOCUMENTS: "Has facts not from the source documents",
}


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


@dataclass(frozen=True)
class Finding:
    """A programme that needs review, the reasons (keys of ``REASONS``) and the year of
    its newest source."""

    programme: Programme
    reasons: tuple[str, ...]

    @property
    def evidence_year(self) -> int:
        return self.programme.evidence_year


def findings(
    programmes: Iterable[Programme] | None = None,
    *,
    months: int = REVIEW_MONTHS,
    today: datetime.date | None = None,
) -> list[Finding]:
    """The programmes (every catalogue programme by default) that need review, oldest
    evidence first, then by name. A fixed number of queries."""
    today = today or timezone.localdate()
    if programmes is None:
        programmes = Programme.objects.all()
    if isinstance(programmes, QuerySet):
        programmes = programmes.filter(is_generated=False).prefetch_related(
            "programme_sources__source", "providers", "delivery_partners", "places"
        )
    cutoff = verified_cutoff(months=months, today=today)
    doors = front_door_map()
    found = []
    for programme in programmes:
        reasons = []
        if programme.last_verified is None or programme.last_verified < cutoff:
            reasons.append(NOT_VERIFIED)
        offered = programme.status in LISTED
        # Past its closing date a programme is closed (eligibility.status_on).
        if offered and programme.effective_status(today) == Programme.Status.CLOSED:
            reasons.append(PAST_CLOSING)
        elif offered and not confirmed(programme.evidence_year, today):
            reasons.append(UNCONFIRMED)
        if (
            offered
            and not programme.how_to_apply
            and not front_doors(list(programme.places.all()), doors)[1]
        ):
            reasons.append(NO_NEXT_STEP)
        if any(
            thing.outside_documents
            for thing in (
                programme,
                *programme.providers.all(),
                *programme.delivery_partners.all(),
                *programme.places.all(),
            )
        ):
            reasons.append(OUTSIDE_DOCUMENTS)
        if reasons:
            found.append(Finding(programme, tuple(reasons)))
    return sorted(found, key=lambda f: (f.evidence_year, f.programme.name.lower()))


def needs_review(
    queryset: QuerySet[Programme], reason: str | None = None, **kwargs
) -> QuerySet[Programme]:
    """``queryset`` narrowed to the programmes that need review (for ``reason`` only,
    when given: a key of ``REASONS``)."""
    flagged = [
        finding.programme.pk
        for finding in findings(queryset, **kwargs)
        if reason is None or reason in finding.reasons
    ]
    return queryset.filter(pk__in=flagged)
