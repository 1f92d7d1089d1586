"""One finder search, shared by the page and the JSON API: the programmes that match a
valid profile, explained, with near misses and facet counts.

The lists are decided over the in-memory index of the catalogue (finder/index.py);
then only the programmes shown — one page of results and at most ``NEAR_MISSES_SHOWN``
near misses — are made from the columns the index holds (it keeps those shown recently)
and explained, whatever the size of the catalogue.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator

from finder import index
from finder.filters import FinderFilterSet
from programmes.eligibility import BusinessProfile, Match, evaluate
from programmes.models import Programme, ProgrammeRelation

PAGE_SIZE = 20
NEAR_MISSES_SHOWN = 10


@dataclass(frozen=True)
class Result:
    """A programme with how it matches the business."""

    programme: Programme
    match: Match

    @property
    def successors(self) -> list[Programme]:
        return successors_of(self.programme)


def successors_of(programme: Programme) -> list[Programme]:
    """Where to go instead when the programme has closed."""
    return [
        relation.related
        for relation in programme.relations.all()
        if relation.kind == ProgrammeRelation.Kind.SUCCEEDED_BY
    ]


@dataclass
class Search:
    profile: BusinessProfile
    page: Page
    results: list[Result]
    near_misses: list[Result]
    near_miss_count: int
    # The whole search over the index; the facet counts are read from it only when a
    # page shows them (the JSON API never does).
    found: index.Found = field(repr=False)

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @property
    def page_links(self) -> list[int | None]:
        """The pagination, left to right: the first and last pages and those next to
        the current one as numbers, and None for the ellipsis standing in for the pages
        two away from it. Worked out from the few pages that can appear, so a search
        with hundreds of pages costs no more to show than one with three."""
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
    def support_counts(self) -> dict[str, int]:
        """How many programmes the business matches for each kind of support, before
        the support it asked for narrows them: the counts shown beside each choice."""
        return self.found.support_counts()


def run_search(
    filterset: FinderFilterSet,
    page_number: str | None,
    *,
    version: int,
    today: datetime.date,
) -> Search:
    """Run a search for a valid FilterSet over the index of the catalogue at
    ``version`` (``finder.cache.catalogue_version()``). ``page_number`` may be anything
    the user typed: a page that does not exist shows the nearest one.

    The index ranks every programme (asking the database only which programmes match
    words searched for, the first time they are searched for); then the programmes
    shown are made with their details from what the index read, with no query
    (``CatalogueIndex.programmes``), and explained.
    """
    profile = filterset.profile
    catalogue = index.current(version)
    found = catalogue.search(profile, today)
    # Ranked only as far as the page and the near misses shown reach.
    page = Paginator(found.result_ranking, PAGE_SIZE).get_page(page_number)
    page_ids = page.object_list.tolist()
    near_misses = found.near_miss_ranking
    near_ids = near_misses[:NEAR_MISSES_SHOWN].tolist()
    shown = catalogue.programmes(page_ids + near_ids)
    # (Every id comes from this index, which holds them all; the check is a guard.)
    page.object_list = [shown[pk] for pk in page_ids if pk in shown]
    near_list = [shown[pk] for pk in near_ids if pk in shown]
    return Search(
        profile=profile,
        page=page,
        results=[_explained(catalogue, p, profile, today) for p in page.object_list],
        near_misses=[_explained(catalogue, p, profile, today) for p in near_list],
        near_miss_count=len(near_misses),
        found=found,
    )


def _explained(
    catalogue: index.CatalogueIndex,
    programme: Programme,
    profile: BusinessProfile,
    today: datetime.date,
) -> Result:
    return Result(programme, evaluate(rules=catalogue.rules(programme, today), profile=profile))
