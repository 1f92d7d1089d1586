"""The catalogue's questions as QuerySet methods: which programmes are open, where they
serve, what they offer, and which match words searched for.

Who a programme is for is decided in ``programmes.eligibility`` (and, for the whole
catalogue at once, by the finder's index over the same definitions), not here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import models
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Value,
    When,
)
from django.db.models.functions import Lower

from clusters.models import SlugQuerySet
from programmes.eligibility import (
    STATUS_CLOSED,
)


def match_detail_lookups() -> list[str | Prefetch]:
    """The related rows explaining a match needs: places, sectors, stages, support types,
    providers, clusters with their sectors, each programme's relations with the
    related programme (to point a closed programme to its successor), and its sources
    (how fresh the evidence is). For ``prefetch_related`` or
    ``prefetch_related_objects``."""
    # Imported here: programmes.models imports this module to build its manager.
    from programmes.models import ProgrammeRelation, ProgrammeSource

    return [
        "places",
        "sectors",
        "stages",
        "support_types",
        "providers",
        "clusters__sectors",
        Prefetch(
            "relations",
            queryset=ProgrammeRelation.objects.select_related("related").order_by(
                "kind", "related__name"
            ),
        ),
        Prefetch("programme_sources", queryset=ProgrammeSource.objects.select_related("source")),
    ]


class ProgrammeQuerySet(SlugQuerySet):
    """Programmes, in the words of the business rules."""

    # --- Vocabulary -------------------------------------------------------------------

    def offering(self, support_slugs: Iterable[str]) -> ProgrammeQuerySet:
        """Programmes giving at least one of these kinds of support."""
        through = self.model.support_types.through
        return self.filter(
            Exists(
                through.objects.filter(
                    programme=OuterRef("pk"), supporttype__slug__in=list(support_slugs)
                )
            )
        )

    def with_match_details(self) -> ProgrammeQuerySet:
        """Everything ``ProgrammeRules.from_programme`` reads, fetched in a fixed number
        of queries whatever the number of programmes (see ``match_detail_lookups``)."""
        return self.prefetch_related(*match_detail_lookups())

    # --- The public pages -------------------------------------------------------------

    def with_effective_status(self, today: datetime.date) -> ProgrammeQuerySet:
        """Annotate ``status_today``, the status a reader sees on ``today``: closed once
        the closing date has passed (closing today still counts as open), whatever the
        status field says; otherwise the status field.

        The SQL twin of ``Programme.effective_status``, for filtering and counting in
        the database; tests/programmes/test_effective_status.py checks they agree.
        """
        return self.annotate(
            status_today=Case(
                When(closes_on__lt=today, then=Value(STATUS_CLOSED)),
                default=F("status"),
                output_field=CharField(),
            )
        )

    def in_effective_status(self, status: str, today: datetime.date) -> ProgrammeQuerySet:
        """Programmes whose status on ``today`` is ``status`` (see
        ``with_effective_status``); every programme when ``status`` is empty."""
        programmes = self.with_effective_status(today)
        return programmes.filter(status_today=status) if status else programmes

    def count_by_effective_status(self, today: datetime.date) -> dict[str, int]:
        """How many programmes have each status on ``today``, in one query."""
        rows = (
            self.with_effective_status(today)
            .order_by()
            .values("status_today")
            .annotate(count=Count("pk"))
        )
        return {row["status_today"]: row["count"] for row in rows}

    def count_by_support_type(self) -> dict[str, int]:
        """How many of these programmes give each type of support (by slug), in one
        query. A programme giving several types counts once under each."""
        through = self.model.support_types.through
        rows = (
            through.objects.filter(programme__in=self.order_by().values("pk"))
            .order_by()
            .values("supporttype__slug")
            .annotate(count=Count("programme", distinct=True))
        )
        return {row["supporttype__slug"]: row["count"] for row in rows}

    def for_index(self) -> ProgrammeQuerySet:
        """The A to Z: every programme whatever its status (a closed one still answers
        "what happened to it?"), alphabetical ignoring case. One query; the list shows
        only each programme's own fields."""
        return self.order_by(Lower("name"), "slug")

    def for_detail(self) -> ProgrammeQuerySet:
        """Everything a programme's page shows, in a fixed number of queries however
        many places, providers, relations or sources it has: one for the programme and
        one for each of providers, delivery partners, support types, places, sectors,
        stages, clusters, outcomes, relations (with the related programme), inverse
        relations (with the programme at the other end) and sources."""
        # Imported here: programmes.models imports this module to build its manager.
        from programmes.models import ProgrammeRelation, ProgrammeSource

        return self.prefetch_related(
            "providers",
            "delivery_partners",
            "support_types",
            "places",
            "sectors",
            "stages",
            "clusters",
            "outcomes",
            Prefetch("relations", queryset=ProgrammeRelation.objects.select_related("related")),
            Prefetch(
                "inverse_relations",
                queryset=ProgrammeRelation.objects.select_related("programme"),
            ),
            Prefetch(
                "programme_sources", queryset=ProgrammeSource.objects.select_related("source")
            ),
        )


class ProgrammeManager(models.Manager.from_queryset(ProgrammeQuerySet)):
    """``Programme.objects``: the QuerySet vocabulary, and slugs as natural keys for
    fixtures."""

    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)
