"""One finder search, shared by the page and the JSON API: the programmes that match a
valid profile, explained, with near misses and facet counts.

Whatever the size of the catalogue, a search reads one page of results and at most
``NEAR_MISSES_SHOWN`` near misses from the database, then explains only those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, prefetch_related_objects

from finder.filters import FinderFilterSet
from programmes.eligibility import BusinessProfile, Match, match_programme
from programmes.models import Programme, ProgrammeRelation
from programmes.querysets import match_detail_lookups

PAGE_SIZE = 20
NEAR_MISSES_SHOWN = 10


@dataclass(frozen=True)
class Result:
    """A programme with how it matches the business."""

    programme: Programme
    match: Match

    @property
    def successors(self) -> list[Programme]:
        """Where to go instead when the programme has closed."""
        return [
            relation.related
            for relation in self.programme.relations.all()
            if relation.kind == ProgrammeRelation.Kind.SUCCEEDED_BY
        ]


@dataclass
class Search:
    profile: BusinessProfile
    page: Page
    results: list[Result]
    near_misses: list[Result]
    near_miss_count: int
    support_counts: dict[str, int] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.page.paginator.count


class CountedPaginator(Paginator):
    """A paginator told its count, so counting results and near misses is one query."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def run_search(filterset: FinderFilterSet, page_number: str | None) -> Search:
    """Run a search for a valid FilterSet. ``page_number`` may be anything the user
    typed: a page that does not exist shows the nearest one."""
    profile = filterset.profile
    matched = filterset.qs
    counts = matched.order_by().aggregate(
        results=Count("pk", filter=Q(failures=0)), near=Count("pk", filter=Q(failures=1))
    )
    paginator = CountedPaginator(matched.eligible_or_possible(), PAGE_SIZE, count=counts["results"])
    page = paginator.get_page(page_number)
    near_list = list(matched.near_misses()[:NEAR_MISSES_SHOWN])
    near_count = counts["near"]
    page_list = list(page.object_list)
    prefetch_related_objects(page_list + near_list, *match_detail_lookups())
    return Search(
        profile=profile,
        page=page,
        results=[Result(p, match_programme(p, profile)) for p in page_list],
        near_misses=[Result(p, match_programme(p, profile)) for p in near_list],
        near_miss_count=near_count,
        support_counts=support_counts(profile),
    )


def support_counts(profile: BusinessProfile) -> dict[str, int]:
    """How many programmes the business matches for each kind of support, before the
    support it asked for narrows them: the counts shown beside each choice."""
    rows = (
        Programme.objects.for_finder(profile)
        .eligible_or_possible()
        .order_by()
        .values("support_types__slug")
        .annotate(programmes=Count("pk", distinct=True))
    )
    return {row["support_types__slug"]: row["programmes"] for row in rows}
