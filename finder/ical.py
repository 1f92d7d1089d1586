"""Calendars (iCalendar, RFC 5545, by the ``icalendar`` library) of the dates that matter
about programmes: when each opens, closes and starts its next cohort, as all-day events.

* ``/calendar/search.ics`` takes the finder's GET parameters: the dates of every programme
  the search finds (eligible or "check with an adviser"). A search that is not valid
  answers 400 naming each problem.
* ``/programmes/<slug>/calendar.ics``: one programme's dates.

Each event's UID is the programme's slug and the kind of date at the site's host
("made-smarter.closes@finder.example.org"), so a calendar that subscribed sees a moved
date as the same event moved, never as a second one. DTSTAMP is when the programme was
last changed (its history), so the same catalogue gives the same calendar.
"""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event, Timezone

from finder import follow
from programmes import changes

#: Each date a programme may give: the field, the UID's word for it, and what happens.
KINDS = (
    ("opens_on", "opens", "opens"),
    ("closes_on", "closes", "closes"),
    ("cohort_starts_on", "cohort-starts", "next cohort starts"),
)


def calendar(request: HttpRequest, name: str, programmes: list[follow.Dates]) -> bytes:
    """A calendar called ``name`` of the dates of ``programmes``."""
    host = request.get_host()
    stamps = changes.last_changed(dates.pk for dates in programmes)
    now = timezone.now()
    cal = Calendar()
    cal.add("prodid", "-//Scaleup Support Finder//Programme dates//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for dates in programmes:
        url = request.build_absolute_uri(reverse("programmes:detail", args=[dates.slug]))
        stamp = stamps.get(dates.pk, now).astimezone(datetime.UTC)
        for field, kind, happens in KINDS:
            day = getattr(dates, field)
            if day is None:
                continue
            event = Event()
            event.add("uid", f"{dates.slug}.{kind}@{host}")
            event.add("dtstamp", stamp)
            event.add("last-modified", stamp)
            event.add("dtstart", day)
            event.add("dtend", day + datetime.timedelta(days=1))
            event.add("summary", f"{dates.name} {happens}")
            about = f" {dates.dates_note}" if dates.dates_note else ""
            event.add(
                "description",
                f"{dates.name} {happens} on {changes.day(day)}.{about} Always check the "
                f"dates with the provider. More: {url}",
            )
            event.add("url", url)
            # An all-day reminder, not time the reader is busy.
            event.add("transp", "TRANSPARENT")
            cal.add_component(event)
    if not cal.walk("VEVENT"):
        # RFC 5545 wants at least one component in a calendar; with no dates to give,
        # the time zone the service's dates are in is the honest one.
        cal.add_component(
            Timezone.from_tzid(
                "Europe/London",
                first_date=datetime.date(now.year, 1, 1),
                last_date=datetime.date(now.year + 1, 1, 1),
            )
        )
    return cal.to_ical()


def _response(content: bytes, filename: str) -> HttpResponse:
    return HttpResponse(
        content,
        content_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@require_safe
def search_calendar(request: HttpRequest) -> HttpResponse:
    """The dates of the programmes the search in the query string finds."""
    form = follow.search_form(request.GET)
    if not form.is_valid():
        return follow.bad_search(form, "calendar")
    results = follow.everything(
        form.profile(), timezone.localdate(), version=form.words.version
    ).results
    slugs = [result.programme.slug for result in results]
    dates = follow.dates_of(slugs)
    ordered = [dates[slug] for slug in slugs if slug in dates]
    content = calendar(request, "Support programme dates for your search", ordered)
    return _response(content, "support-programme-dates.ics")


@require_safe
def programme_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """One programme's dates."""
    dates = follow.dates_of([slug]).get(slug)
    if dates is None:
        raise Http404("There is no programme with that address.")
    content = calendar(request, f"{dates.name}: dates", [dates])
    return _response(content, f"{slug}.ics")
