"""One finder search, shared by the page and the JSON API: the programmes that match a
valid profile, explained, with near misses and facet counts.

Whatever the size of the catalogue, a search reads one page of results and at most
``NEAR_MISSES_SHOWN`` near misses from the database, then explains only those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

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

    Two narrow queries decide the lists — the ids of the page of results and of the
    near misses shown, each with the size of its whole list (a window count, taken in
    the pass over the catalogue that sorts it) — then one query reads those programmes
    and one per kind of detail explains them.
    """
    profile = filterset.profile
    matched = filterset.qs
    page, page_ids = _results_page(matched.eligible_or_possible(), page_number)
    near_ids, near_count = _ranked_ids(matched.near_misses(), 0, NEAR_MISSES_SHOWN)
    shown = _programmes(page_ids + near_ids)
    page.object_list = [shown[pk] for pk in page_ids]
    near_list = [shown[pk] for pk in near_ids]
    return Search(
        profile=profile,
        page=page,
        results=[Result(p, match_programme(p, profile)) for p in page.object_list],
        near_misses=[Result(p, match_programme(p, profile)) for p in near_list],
        near_miss_count=near_count,
        profile_matches=filterset.profile_matches,
    )


def _ranked_ids(ranked: QuerySet, start: int, stop: int) -> tuple[list[int], int]:
    """The ids from ``start`` to ``stop`` of a ranked list, and how long the whole list
    is. Only the id leaves the database: the ranking is computed there for every
    programme, but no row is widened with text it would only sort and throw away."""
    rows = list(ranked.annotate(listed=Window(Count("pk"))).values_list("pk", "listed")[start:stop])
    return [pk for pk, _ in rows], (rows[0][1] if rows else 0)


def _programmes(ids: list[int]) -> dict[int, Programme]:
    """The programmes shown, with everything explaining a match reads."""
    return Programme.objects.filter(pk__in=ids).prefetch_related(*match_detail_lookups()).in_bulk()


def _results_page(results: QuerySet, page_number: str | None) -> tuple[Page, list[int]]:
    """The page of results asked for and the ids on it, read with the number of results
    in one query.

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
        ids, count = _ranked_ids(results, start, start + PAGE_SIZE)
        if ids or number == 1:
            return Page(ids, number, CountedPaginator(results, PAGE_SIZE, count=count)), ids
    page = CountedPaginator(results, PAGE_SIZE, count=results.count()).get_page(page_number)
    if not page.paginator.count:
        return page, []
    ids, _ = _ranked_ids(results, page.start_index() - 1, page.end_index())
    return page, ids
