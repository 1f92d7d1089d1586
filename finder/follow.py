"""What the ways of keeping and following a search share: the support plan
(finder/plan.py), the Atom feed (finder/feeds.py), the calendar (finder/ical.py) and the
email alerts (finder/alerts.py).

Each reads the finder's own GET parameters through the finder's own form
(``BusinessProfileForm``), so a search means the same everywhere, and bad input is
refused the same way: every problem named, HTTP 400, nothing stored.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.http import HttpResponse, QueryDict
from django.template.loader import render_to_string

from finder import cache, index
from finder.forms import BusinessProfileForm
from finder.search import Result, explain
from programmes.eligibility import BusinessProfile, Term
from programmes.models import Programme

#: Parameters of the ways of following a search that are not part of the search.
NOT_SEARCH = ("page", "pick")


def search_form(query: QueryDict, version: int | None = None) -> BusinessProfileForm:
    """The finder's form over ``query``: always bound, so an empty query is the search
    for everything listed (as the API reads it). ``version``: the catalogue version
    already read, if it has been (else the form reads it)."""
    return BusinessProfileForm(query, version=version)


def search_query(query: QueryDict, form: BusinessProfileForm) -> str:
    """The search's own parameters, in the finder's fixed order, as a query string
    without "?" (no page, no picks): the finder's address for the same search is
    ``/?`` followed by it."""
    canonical = cache.canonical_query(query, form.fields).copy()
    canonical.pop("page", None)
    return canonical.urlencode()


def errors_in_words(form: BusinessProfileForm) -> list[str]:
    """Every problem with the search, naming the parameter it is in."""
    return [f"{name}: {message}" for name, messages in form.errors.items() for message in messages]


def bad_search(form: BusinessProfileForm, what: str) -> HttpResponse:
    """HTTP 400 for a feed or calendar asked for with a search that is not valid: plain
    text naming each problem (a feed reader or calendar shows the text, not a page)."""
    text = render_to_string(
        "finder/bad_search.txt", {"what": what, "errors": errors_in_words(form)}
    )
    return HttpResponse(text, status=400, content_type="text/plain; charset=utf-8")


@dataclass(frozen=True)
class Everything:
    """Every programme a search finds, not one page of them: its matches (eligible or
    possible) in ranking order and all its near misses, each explained."""

    profile: BusinessProfile
    results: list[Result]
    near_misses: list[Result]
    front_doors: tuple[Term, ...]


def everything(profile: BusinessProfile, today: datetime.date, *, version: int) -> Everything:
    """The whole answer to ``profile`` on ``today``, from the finder's index at the
    catalogue ``version`` the search's form was read at (``form.words.version``): the
    same decisions as its results page, unpaged."""
    catalogue = index.current(version)
    found = catalogue.search(profile, today)
    return Everything(
        profile=profile,
        results=[explain(catalogue, pk, profile, today) for pk in found.results],
        near_misses=[explain(catalogue, pk, profile, today) for pk in found.near_misses],
        front_doors=catalogue.front_doors_for(profile.location_within),
    )


def explained(
    profile: BusinessProfile, slugs: list[str], today: datetime.date, *, version: int
) -> tuple[list[Result], tuple[Term, ...]]:
    """The programmes ``slugs`` (known ones, in the order given) as ``profile`` matches
    them on ``today`` at the catalogue ``version``, and who that business should ask
    first."""
    catalogue = index.current(version)
    results = [
        explain(catalogue, catalogue.pk_of[slug], profile, today)
        for slug in slugs
        if slug in catalogue.pk_of
    ]
    return results, catalogue.front_doors_for(profile.location_within)


@dataclass(frozen=True)
class Dates:
    """The dates of a programme that matter to a business, as the catalogue gives them."""

    pk: int
    slug: str
    name: str
    opens_on: datetime.date | None
    closes_on: datetime.date | None
    cohort_starts_on: datetime.date | None
    dates_note: str
    website: str

    def listed(self) -> list[tuple[str, datetime.date]]:
        """The dates given, in words: what happens, and when."""
        named = [
            ("Opens", self.opens_on),
            ("Closes", self.closes_on),
            ("Cohort starts", self.cohort_starts_on),
        ]
        return [(label, day) for label, day in named if day is not None]


def dates_of(slugs: list[str]) -> dict[str, Dates]:
    """The dates of the programmes ``slugs``, by slug: one query however many."""
    rows = Programme.objects.filter(slug__in=slugs).values(
        "pk", "slug", "name", "opens_on", "closes_on", "cohort_starts_on", "dates_note", "website"
    )
    return {row["slug"]: Dates(**row) for row in rows}
