"""One finder search, shared by the finder page, ``/api/match/`` and the advisers'
enquiries: the programmes that match a business, explained, with near misses and facet
counts.

Every programme is decided over the in-memory index of the catalogue (finder/index.py);
then only the programmes shown — a page of results and the closest near misses — are
explained, criterion by criterion, by the same rules (``programmes.eligibility``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from finder import cache, index
from programmes.eligibility import BusinessProfile, Match, ProgrammeRules, Term, evaluate
from programmes.models import Programme

PAGE_SIZE = 20
NEAR_MISSES_SHOWN = 10


@dataclass(frozen=True)
class Result:
    """A programme with how it matches the business, its status on the day and whether
    that status rests on recent evidence (``eligibility.confirmed``)."""

    pk: int
    programme: ProgrammeRules
    match: Match
    status: Programme.Status
    confirmed: bool = True

    @property
    def unconfirmed(self) -> bool:
        """Said to be open or opening soon, on evidence too old to confirm it: shown as
        "Status not confirmed", with whom to check (the card, the client summary)."""
        upcoming = (Programme.Status.OPEN, Programme.Status.OPENING_SOON)
        return self.status in upcoming and not self.confirmed


@dataclass
class Search:
    profile: BusinessProfile
    page: Page
    results: list[Result]
    near_misses: list[Result]
    near_miss_count: int
    found: index.Found
    #: The one programme the business asked about (``programme=``), however it fares.
    checked: Result | None = None
    #: Who the business should ask first, for its place (``CatalogueIndex.front_doors_for``).
    front_doors: tuple[Term, ...] = ()

    @property
    def checked_results(self) -> list[Result]:
        """The programme asked about, as a list of cards (empty when none was)."""
        return [self.checked] if self.checked else []

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def eligible_count(self) -> int:
        """How many programmes of the main list are "Eligible"."""
        return self.found.eligible_count

    @property
    def possible_count(self) -> int:
        """How many are "Check with an adviser"."""
        return self.count - self.eligible_count

    @property
    def shows_growth(self) -> bool:
        """Whether to tell the business about the OECD scaleup measure: it gave growth
        figures, or a programme shown depends on them."""
        return self.profile.gave_growth_figures or any(
            reason.criterion == "growth"
            for result in (*self.results, *self.near_misses)
            for reason in result.match.reasons
        )

    @property
    def page_links(self) -> list[int | None]:
        """The pagination, left to right: the first and last pages and those next to
        the current one as numbers, and None for the ellipsis standing in for the pages
        two away from it."""
        current, last = self.page.number, self.page.paginator.num_pages
        candidates = {1, last, *range(current - 2, current + 3)}
        links: list[int | None] = []
        for number in sorted(n for n in candidates if 1 <= n <= last):
            if abs(number - current) == 2 and number not in (1, last):
                links.append(None)
            else:
                links.append(number)
        return links

    @property
    def pickable(self) -> list[ProgrammeRules]:
        """The programmes a business can pick for its support plan from this page of
        results: the one it asked about, the results and the near misses shown, each
        once, in that order."""
        shown = [*self.checked_results, *self.results, *self.near_misses]
        unique = {result.programme.slug: result.programme for result in shown}
        return list(unique.values())

    def support_counts(self) -> dict[str, int]:
        """How many programmes the business matches for each kind of support, before
        the support it asked for narrows them: the counts shown beside each choice."""
        return self.found.support_counts()


def run_search(
    profile: BusinessProfile,
    *,
    today: datetime.date,
    page: str | int | None = None,
    page_size: int = PAGE_SIZE,
    near_misses_shown: int | None = NEAR_MISSES_SHOWN,
    version: int | None = None,
    programme: str = "",
) -> Search:
    """Search the catalogue at ``version`` (as it is now, by default) for ``profile``
    on ``today``; with ``programme`` (a slug), that programme's verdict too; the closest
    ``near_misses_shown`` near misses (all with None). ``page``
    may be anything the user typed: a page that does not exist shows the nearest one."""
    if version is None:
        version = cache.catalogue_version()
    catalogue = index.current(version)
    found = catalogue.search(profile, today)
    paged = Paginator(found.results, page_size).get_page(page)
    near_misses = found.near_misses

    def explained(pk) -> Result:
        return explain(catalogue, pk, profile, today)

    results = [explained(pk) for pk in paged.object_list]
    return Search(
        profile=profile,
        page=paged,
        results=results,
        near_misses=[explained(pk) for pk in near_misses[:near_misses_shown]],
        near_miss_count=len(near_misses),
        found=found,
        checked=explained(catalogue.pk_of[programme]) if programme in catalogue.pk_of else None,
        front_doors=catalogue.front_doors_for(profile.location_within),
    )


def explain(
    catalogue: index.CatalogueIndex, pk, profile: BusinessProfile, today: datetime.date
) -> Result:
    """How the programme ``pk`` of ``catalogue`` matches ``profile`` on ``today``, criterion
    by criterion: a result card, a support plan's entry, an alert's comparison."""
    rules = catalogue.get(int(pk))
    return Result(
        pk=int(pk),
        programme=rules,
        match=evaluate(rules=rules, profile=profile, today=today),
        status=Programme.Status(rules.status_on(today)),
        confirmed=rules.confirmed_on(today),
    )
