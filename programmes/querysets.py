"""The catalogue's questions as QuerySet methods: which programmes are open, where they
serve, what they offer, and — in one named query shape — which ones the finder shows.

``for_finder`` decides in the database what ``programmes.eligibility`` decides in
Python, so that a search never loads the whole catalogue; the pure engine then words the
reasons for the one page of results. The two must agree on every failure and unknown
(tests/programmes/test_querysets.py builds the same situations both ways).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, models
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone

from clusters.models import SlugQuerySet
from programmes.eligibility import (
    AUDIENCE_ANY,
    GROWTH_POTENTIAL_SCALEUP,
    GROWTH_SCALEUP,
    PLACE_KIND_RANK,
    STATUS_CLOSED,
    STATUS_OPEN,
    STATUS_OPENING_SOON,
    BusinessProfile,
)

# Ranking weights for ``fit_score``. Support the user asked for counts most; then a
# programme made for their sector (or serving a cluster that covers it); then how local
# it is; then being open now; then how well it matches the words searched for.
FIT_SUPPORT = 100  # per wanted support type the programme offers
FIT_SECTOR = 30  # the programme is restricted to the user's sector
FIT_CLUSTER = 20  # ...or serves a Plan for Growth cluster covering the user's sector
FIT_PLACE = 5  # per level of PLACE_KIND_RANK (local authority 5 ... nation 1)
FIT_OPEN = 10  # open now, rather than opening soon (or closed/proposed, when shown)
FIT_TEXT_NAME = 20  # SQLite: per searched word found in the name
FIT_TEXT_BODY = 10  # SQLite: per searched word found only in the summary or description
FIT_TEXT_RANK = 40  # PostgreSQL: multiplies SearchRank (usually between 0 and 1)

ONE = Value(1)
ZERO = Value(0)

#: Annotation names for each criterion's failure flag, in the order of CRITERIA.
FAILURE_FLAGS = (
    "geography_fails",
    "sector_fails",
    "stage_fails",
    "employees_fails",
    "turnover_fails",
    "growth_fails",
    "funding_fails",
)
#: Annotation names for each criterion's "restricted but not answered" flag.
UNKNOWN_FLAGS = (
    "geography_unknown",
    "sector_unknown",
    "stage_unknown",
    "employees_unknown",
    "turnover_unknown",
    "growth_unknown",
    "audience_unknown",
    "funding_unknown",
)


def _flag(condition: Q) -> Case:
    """1 where ``condition`` holds, else 0, so flags can be summed."""
    return Case(When(condition, then=ONE), default=ZERO, output_field=IntegerField())


def _not_past(today: datetime.date) -> Q:
    """The closing date, if any, is today or later: a programme past its closing date is
    closed whatever its status field says (``Programme.effective_status``)."""
    return Q(closes_on__isnull=True) | Q(closes_on__gte=today)


def _total(flags: dict[str, Case | Value]) -> F | Value:
    """The sum of the flags that can be non-zero for this profile. Flags fixed at 0
    (criteria the user's answers cannot fail) are left out to keep the SQL short."""
    total = None
    for name, flag in flags.items():
        if flag is ZERO:
            continue
        total = F(name) if total is None else total + F(name)
    return ZERO if total is None else total


def match_detail_lookups() -> list[str | Prefetch]:
    """The related rows explaining a match needs: places, sectors, stages, support types,
    providers, clusters with their sectors, and each programme's relations with the
    related programme (to point a closed programme to its successor). For
    ``prefetch_related`` or ``prefetch_related_objects``."""
    # Imported here: programmes.models imports this module to build its manager.
    from programmes.models import ProgrammeRelation

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
    ]


class ProgrammeQuerySet(SlugQuerySet):
    """Programmes, in the words of the business rules."""

    # --- Vocabulary -------------------------------------------------------------------

    def open(self, *, today: datetime.date | None = None) -> ProgrammeQuerySet:
        """Programmes taking applications now: status open and the closing date, if any,
        not yet passed (closing today still counts; see ``Programme.effective_status``).
        ``today`` defaults to today in London."""
        return self.filter(Q(status=STATUS_OPEN) & _not_past(today or timezone.localdate()))

    def visible(
        self, include_closed: bool = False, *, today: datetime.date | None = None
    ) -> ProgrammeQuerySet:
        """What the public sees by default: open and opening-soon programmes whose
        closing date, if any, has not passed. Closed and proposed programmes (and those
        past their closing date) are hidden unless the user asks for them
        (``include_closed``), and then everything is shown."""
        if include_closed:
            return self.all()
        return self.filter(
            Q(status__in=[STATUS_OPEN, STATUS_OPENING_SOON])
            & _not_past(today or timezone.localdate())
        )

    def serving(self, place_slugs: Iterable[str]) -> ProgrammeQuerySet:
        """Programmes open to businesses in at least one of these places.

        Pass a place *and the places containing it* (``Place.objects.containing``) to
        find everything a business there can use: a West Midlands programme serves
        Coventry because Coventry lies inside the West Midlands.
        """
        through = self.model.places.through
        return self.filter(
            Exists(
                through.objects.filter(programme=OuterRef("pk"), place__slug__in=list(place_slugs))
            )
        )

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

    # --- The finder -------------------------------------------------------------------

    def for_finder(
        self, profile: BusinessProfile, *, today: datetime.date | None = None
    ) -> ProgrammeQuerySet:
        """The finder's results for one business: every visible programme it is eligible
        for, could be eligible for, or misses by exactly one criterion, best fit first.

        Annotations (all integers except ``fit_score``, which is a float on PostgreSQL):

        * one ``<criterion>_fails`` flag per criterion (``FAILURE_FLAGS``) — 1 when the
          programme restricts it and the user's answer is outside the restriction:
          geography (the user gave a place the programme doesn't serve), sector, stage,
          employees and turnover (outside min/max, ends included), funding (amount
          sought below ``amount_min`` or above ``amount_max``) and growth ("scaleup"
          programmes, when the user's figures show they are not a scaleup);
        * one ``<criterion>_unknown`` flag per criterion (``UNKNOWN_FLAGS``) — 1 when the
          programme restricts it and the user didn't answer; audience is always unknown
          when restricted (the finder doesn't ask); a "potential-scaleup" programme is
          unknown unless the figures show a scaleup; a programme that names no places is
          unknown on geography;
        * ``failures`` and ``unknowns``, the sums; only ``failures <= 1`` is kept;
        * ``has_unknowns``: 0 for eligible, 1 for possible (or a near miss with unknowns);
        * ``support_wanted`` (wanted support types offered), ``sector_fit`` (2: made for
          the user's sector; 1: serves a cluster covering it; 0), ``place_rank`` (the most
          local of the programme's places containing the user, by ``PLACE_KIND_RANK``),
          ``text_rank`` (relevance to ``q``), and ``fit_score``, their weighted sum (see
          the FIT_* weights).

        When ``q`` is given, only programmes matching it are kept: PostgreSQL full-text
        search over name (weight A), summary (B) and description (C); elsewhere every
        word must appear in one of them (case-insensitive).

        Visibility follows ``visible(profile.include_closed, today=today)``, and only a
        programme open on ``today`` (default: today in London) scores as open.

        Order: ``failures`` (matches before near misses), then ``has_unknowns``
        (eligible before possible), then ``-fit_score``, then ``name``.
        """
        today = today or timezone.localdate()
        failure_flags = self._failure_flags(profile)
        unknown_flags = self._unknown_flags(profile)
        qs = self.visible(profile.include_closed, today=today)
        qs = qs.annotate(**failure_flags, **unknown_flags).annotate(
            failures=_total(failure_flags), unknowns=_total(unknown_flags)
        )
        qs = qs.filter(failures__lte=1).annotate(
            has_unknowns=_flag(Q(unknowns__gt=0)),
            support_wanted=self._support_wanted(profile),
            sector_fit=self._sector_fit(profile),
            place_rank=self._place_rank(profile),
            is_open=_flag(Q(status=STATUS_OPEN) & _not_past(today)),
        )
        qs = qs._search(profile.q)
        qs = qs.annotate(
            fit_score=F("support_wanted") * FIT_SUPPORT
            + self._sector_points(profile)
            + F("place_rank") * FIT_PLACE
            + F("is_open") * FIT_OPEN
            + F("text_rank")
        )
        return qs.order_by("failures", "has_unknowns", "-fit_score", "name")

    def eligible_or_possible(self) -> ProgrammeQuerySet:
        """Of ``for_finder``'s results, those failing no criterion: the main list."""
        return self.filter(failures=0)

    def near_misses(self) -> ProgrammeQuerySet:
        """Of ``for_finder``'s results, those failing exactly one criterion, shown apart
        with the reason."""
        return self.filter(failures=1)

    def with_match_details(self) -> ProgrammeQuerySet:
        """Everything ``ProgrammeRules.from_programme`` and a results page read, fetched
        in a fixed number of queries whatever the number of programmes (see
        ``match_detail_lookups``)."""
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

    # --- The pieces of for_finder -----------------------------------------------------

    def _links(self, field: str, **lookups) -> Q:
        """Whether the programme has a row in the ``field`` many-to-many table matching
        ``lookups``.

        Written as ``pk IN (uncorrelated subquery)`` rather than a correlated EXISTS:
        inside CASE, PostgreSQL can run an uncorrelated subquery once and hash it, where
        a correlated one runs per programme (and its cost estimate switches on JIT
        compilation, which alone took longer than the query on 3,000 programmes).
        """
        through = getattr(self.model, field).through
        return Q(pk__in=through.objects.filter(**lookups).values("programme_id"))

    def _failure_flags(self, profile: BusinessProfile) -> dict[str, Case | Value]:
        flags: dict[str, Case | Value] = dict.fromkeys(FAILURE_FLAGS, ZERO)
        if profile.location:
            flags["geography_fails"] = _flag(
                self._links("places")
                & ~self._links("places", place__slug__in=sorted(profile.location_within))
            )
        if profile.sector:
            flags["sector_fails"] = _flag(
                self._links("sectors") & ~self._links("sectors", sector__slug=profile.sector)
            )
        if profile.stage:
            flags["stage_fails"] = _flag(
                self._links("stages") & ~self._links("stages", stage__slug=profile.stage)
            )
        if profile.employees is not None:
            flags["employees_fails"] = _flag(
                Q(employees_min__gt=profile.employees) | Q(employees_max__lt=profile.employees)
            )
        if profile.turnover is not None:
            flags["turnover_fails"] = _flag(
                Q(turnover_min__gt=profile.turnover) | Q(turnover_max__lt=profile.turnover)
            )
        if profile.scaleup.result is False:
            flags["growth_fails"] = _flag(Q(growth=GROWTH_SCALEUP))
        if profile.funding is not None:
            flags["funding_fails"] = _flag(
                Q(amount_min__gt=profile.funding) | Q(amount_max__lt=profile.funding)
            )
        return flags

    def _unknown_flags(self, profile: BusinessProfile) -> dict[str, Case | Value]:
        def restricts_range(prefix: str) -> Q:
            return Q(**{f"{prefix}_min__isnull": False}) | Q(**{f"{prefix}_max__isnull": False})

        no_places = ~self._links("places")
        flags: dict[str, Case | Value] = {
            "geography_unknown": _flag(no_places) if profile.location else ONE,
            "sector_unknown": ZERO if profile.sector else _flag(self._links("sectors")),
            "stage_unknown": ZERO if profile.stage else _flag(self._links("stages")),
            "employees_unknown": (
                ZERO if profile.employees is not None else _flag(restricts_range("employees"))
            ),
            "turnover_unknown": (
                ZERO if profile.turnover is not None else _flag(restricts_range("turnover"))
            ),
            "audience_unknown": _flag(~Q(audience=AUDIENCE_ANY)),
            "funding_unknown": (
                ZERO if profile.funding is not None else _flag(restricts_range("amount"))
            ),
        }
        scaleup = profile.scaleup.result
        if scaleup is None:
            growth_unknown = _flag(Q(growth__in=[GROWTH_SCALEUP, GROWTH_POTENTIAL_SCALEUP]))
        elif scaleup is False:
            growth_unknown = _flag(Q(growth=GROWTH_POTENTIAL_SCALEUP))
        else:
            growth_unknown = ZERO
        flags["growth_unknown"] = growth_unknown
        return {name: flags[name] for name in UNKNOWN_FLAGS}

    def _support_wanted(self, profile: BusinessProfile) -> F | Value:
        """How many of the kinds of support the user wants the programme offers: one
        hashed membership test per kind wanted, not a count run per programme."""
        if not profile.support:
            return ZERO
        total = None
        for slug in sorted(profile.support):
            offered = _flag(self._links("support_types", supporttype__slug=slug))
            total = offered if total is None else total + offered
        return total

    def _sector_conditions(self, profile: BusinessProfile) -> tuple[Q, Q]:
        """Made for the user's sector; serving a cluster that covers it."""
        return (
            self._links("sectors", sector__slug=profile.sector),
            self._links("clusters", cluster__sectors__slug=profile.sector),
        )

    def _sector_fit(self, profile: BusinessProfile) -> Case | Value:
        if not profile.sector:
            return ZERO
        own, cluster = self._sector_conditions(profile)
        return Case(
            When(own, then=Value(2)),
            When(cluster, then=ONE),
            default=ZERO,
            output_field=IntegerField(),
        )

    def _sector_points(self, profile: BusinessProfile) -> Case | Value:
        """``sector_fit`` in ranking points, from the same conditions: written out again
        rather than read from ``sector_fit``, which SQL would evaluate once per WHEN."""
        if not profile.sector:
            return ZERO
        own, cluster = self._sector_conditions(profile)
        return Case(
            When(own, then=Value(FIT_SECTOR)),
            When(cluster, then=Value(FIT_CLUSTER)),
            default=ZERO,
            output_field=IntegerField(),
        )

    def _place_rank(self, profile: BusinessProfile) -> Case | Value:
        """The most local of the programme's places that contain the user's place, by
        ``PLACE_KIND_RANK``: tested level by level, most local first, each a hashed
        membership test rather than a sorted lookup run per programme."""
        if not profile.location:
            return ZERO
        within = sorted(profile.location_within)
        levels: dict[int, list[str]] = {}
        for kind, rank in PLACE_KIND_RANK.items():
            levels.setdefault(rank, []).append(kind)
        return Case(
            *(
                When(
                    self._links("places", place__slug__in=within, place__kind__in=kinds),
                    then=Value(rank),
                )
                for rank, kinds in sorted(levels.items(), reverse=True)
            ),
            default=ZERO,
            output_field=IntegerField(),
        )

    def _search(self, q: str) -> ProgrammeQuerySet:
        """Keep only programmes matching ``q`` and annotate ``text_rank``; without ``q``
        every programme stays and ranks 0 on text."""
        words = q.split()
        if not words:
            return self.annotate(text_rank=ZERO)
        if connection.vendor == "postgresql":
            # Imported here so that SQLite installs never load the PostgreSQL module.
            from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

            vector = (
                SearchVector("name", weight="A", config="english")
                + SearchVector("summary", weight="B", config="english")
                + SearchVector("description", weight="C", config="english")
            )
            query = SearchQuery(q, search_type="websearch", config="english")
            return (
                self.annotate(search=vector)
                .filter(search=query)
                .annotate(text_rank=SearchRank(vector, query) * FIT_TEXT_RANK)
            )

        # Fallback: each word must appear somewhere; a word in the name ranks above a
        # word only in the summary or description.
        matches = Q()
        score = ZERO
        for word in words:
            in_name = Q(name__icontains=word)
            in_body = Q(summary__icontains=word) | Q(description__icontains=word)
            matches &= in_name | in_body
            score = score + Case(
                When(in_name, then=Value(FIT_TEXT_NAME)),
                When(in_body, then=Value(FIT_TEXT_BODY)),
                default=ZERO,
                output_field=IntegerField(),
            )
        return self.filter(matches).annotate(text_rank=score)


class ProgrammeManager(models.Manager.from_queryset(ProgrammeQuerySet)):
    """``Programme.objects``: the QuerySet vocabulary, and slugs as natural keys for
    fixtures."""

    def get_by_natural_key(self, slug: str):
        return self.get(slug=slug)
