"""One finder search, shared by the page and the JSON API: the programmes that match a
valid profile, explained, with near misses and facet counts.

Whatever the size of the catalogue, a search reads one page of results and at most
``NEAR_MISSES_SHOWN`` near misses from the database, then explains only those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window, prefetch_related_objects

from finder.filters import FinderFilterSet
from programmes.eligibility import BusinessProfile, Match, match_programme
from programmes.models import Programme, ProgrammeRelation
from programmes.querysets import match_detail_lookups

PAGE_SIZE = 20
NEAR_MISSES_SHOWN = 10
MAX_DIRECT_PAGE = 10_000


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
    # The profile's matches before the support it asked for narrows them; the facet
    # counts are read from it only when a page shows them (the JSON API never does).
    profile_matches: QuerySet = field(repr=False)

    @property
    def count(self) -> int:
        return self.page.paginator.count

    @cached_property
    def support_counts(self) -> dict[str, int]:
        """How many programmes the business matches for each kind of support, before
        the support it asked for narrows them: the counts shown beside each choice."""
        rows = (
            self.profile_matches.eligible_or_possible()
            .order_by()
            .values("support_types__slug")
            .annotate(programmes=Count("pk", distinct=True))
        )
        return {row["support_types__slug"]: row["programmes"] for row in rows}


class CountedPaginator(Paginator):
    """A paginator told its count, which the page's own query has already read."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def run_search(filterset: FinderFilterSet, page_number: str | None) -> Search:
    """Run a search for a valid FilterSet. ``page_number`` may be anything the user
    typed: a page that does not exist shows the nearest one.

    Two queries decide the lists, each also counting its whole list (a window count,
    computed in the same pass over the catalogue that sorts it); then one query per
    kind of detail explains the programmes shown.
    """
    profile = filterset.profile
    matched = filterset.qs
    page = _results_page(matched.eligible_or_possible(), page_number)
    page_list = list(page.object_list)
    near_list = list(_with_total(matched.near_misses())[:NEAR_MISSES_SHOWN])
    near_count = near_list[0].listed if near_list else 0
    prefetch_related_objects(page_list + near_list, *match_detail_lookups())
    return Search(
        profile=profile,
        page=page,
        results=[Result(p, match_programme(p, profile)) for p in page_list],
        near_misses=[Result(p, match_programme(p, profile)) for p in near_list],
        near_miss_count=near_count,
        profile_matches=filterset.profile_matches,
    )


def _with_total(queryset: QuerySet) -> QuerySet:
    """Annotate ``listed``: how many rows the whole list has, however it is sliced."""
    return queryset.annotate(listed=Window(Count("pk")))


def _results_page(results: QuerySet, page_number: str | None) -> Page:
    """The page of results asked for, read with the number of results in one query.

    A page that exists (the usual case: page 1, or a "next" link) costs that one query.
    Anything else — not a number, below 1, past the last page — is counted first and
    left to ``Paginator.get_page`` to turn into the nearest page, as before.
    """
    try:
        number = int(page_number) if page_number is not None else 1
    except ValueError:
        number = None
    # (A number past any real catalogue goes the long way too: the database refuses an
    # offset beyond a 64-bit integer.)
    if number is not None and 1 <= number <= MAX_DIRECT_PAGE:
        start = (number - 1) * PAGE_SIZE
        rows = list(_with_total(results)[start : start + PAGE_SIZE])
        if rows or number == 1:
            paginator = CountedPaginator(results, PAGE_SIZE, count=rows[0].listed if rows else 0)
            return Page(rows, number, paginator)
    paginator = CountedPaginator(results, PAGE_SIZE, count=results.count())
    return paginator.get_page(page_number)
