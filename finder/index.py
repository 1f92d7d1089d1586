"""The finder's index: the eligibility rules of every programme in the catalogue, held
in each worker's memory as columns of numbers, so that a search decides every criterion
for every programme with a few array operations instead of a pass over the database.

It is the in-memory twin of ``Programme.objects.for_finder`` (programmes/querysets.py),
which stays the reference: the same failure and unknown flags, the same ranking, the
same order (tests/finder/test_index.py checks the two agree on generated catalogues).
The pure engine (``programmes.eligibility``) still words the reasons for the programmes
shown.

Freshness: the index is built from the database the first time a search needs it and
kept with the catalogue version it was built at (``finder.cache.catalogue_version``, a
number stored in the database and changed with every catalogue change). Every search
reads the version first and rebuilds the index when it has moved, so an edit made in
any process is seen by every process at its next search.

Only the free-text part of a search (``q``) still asks the database, in one query, so
that it keeps the database's own text search (full-text search with ranking on
PostgreSQL).
"""

from __future__ import annotations

import datetime
import functools
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from django.db import router

from clusters.models import Cluster, Place, Sector
from programmes.eligibility import (
    AUDIENCE_ANY,
    GROWTH_POTENTIAL_SCALEUP,
    GROWTH_SCALEUP,
    LINKED,
    PLACE_KIND_RANK,
    STATUS_OPEN,
    STATUS_OPENING_SOON,
    BusinessProfile,
    ProgrammeRules,
)
from programmes.models import Programme, ProgrammeRelation, Stage, SupportType
from programmes.querysets import (
    FIT_CLUSTER,
    FIT_OPEN,
    FIT_PLACE,
    FIT_SECTOR,
    FIT_SUPPORT,
)

# Stand-ins for an empty minimum or maximum: no answer (0 or more, at most
# finder.filters.MAX_POUNDS) is below the one or above the other, so an unrestricted end
# never fails.
NO_MINIMUM = -1
NO_MAXIMUM = np.iinfo(np.int64).max
# Stand-in for "no closing date": a day no search is ever made on.
NEVER = datetime.date.max.toordinal()

# How many text searches each index keeps the answers to (oldest forgotten first).
TEXT_SEARCHES_KEPT = 64
# How many answers' columns (``CatalogueIndex._kept``) each index keeps.
ANSWERS_KEPT = 512
# Whole fit points, as kept per answer and added up by a search: the most a search can
# add up fits (every kind of support, FIT_SUPPORT each, and the rest), in half the
# memory of a float. Only the text rank, a fraction, makes a search's fit a float.
POINTS = np.int32
# How many programmes, read with their details for a page of results, each index keeps
# (least recently shown forgotten first).
PROGRAMMES_KEPT = 4_000

STATUS_CODES = {STATUS_OPEN: 0, STATUS_OPENING_SOON: 1}  # any other status: 2
GROWTH_CODES = {GROWTH_SCALEUP: 1, GROWTH_POTENTIAL_SCALEUP: 2}  # any other: 0


@dataclass(frozen=True)
class Links:
    """One many-to-many link of every programme as a table of booleans: a row per
    programme (in index order), a column per linked thing. ``things`` are the linked
    rows themselves, in their model's own order, and ``columns`` maps each one's slug to
    its column."""

    things: tuple
    table: np.ndarray  # bool: a row per programme, a column per thing

    @cached_property
    def columns(self) -> dict[str, int]:
        return {thing.slug: column for column, thing in enumerate(self.things)}

    def of(self, row: int) -> list:
        """What the programme in ``row`` is linked to, in the model's order (as its
        ``.all()`` would list them)."""
        return [self.things[column] for column in np.flatnonzero(self.table[row])]

    @cached_property
    def any(self) -> np.ndarray:
        """The programmes linked to at least one thing: those that restrict it."""
        return self.table.any(axis=1)

    @cached_property
    def by_column(self) -> np.ndarray:
        """The table turned about, a row per thing: each thing's programmes lie
        together in memory, which makes reading one quick."""
        return np.ascontiguousarray(self.table.T)

    def column(self, slug: str | None) -> np.ndarray:
        """The programmes linked to ``slug``; none when the index does not know it (a
        vocabulary newer than the index, for the instant before the index is rebuilt)."""
        index = self.columns.get(slug) if slug else None
        if index is None:
            return np.zeros(len(self.table), dtype=bool)
        return self.by_column[index]

    def any_of(self, slugs) -> np.ndarray:
        """The programmes linked to at least one of ``slugs``."""
        return self.count_of(slugs) > 0

    def count_of(self, slugs) -> np.ndarray:
        """How many of ``slugs`` each programme is linked to (slugs the index does not
        know count for none)."""
        indexes = sorted(self.columns[slug] for slug in slugs if slug in self.columns)
        return self.by_column[indexes].sum(axis=0, dtype=np.int64)

    @cached_property
    def packed(self) -> np.ndarray:
        """``by_column`` with eight programmes to a byte."""
        return np.packbits(self.by_column, axis=1)

    def count_among(self, rows: np.ndarray) -> list[int]:
        """How many of ``rows`` (bool, a row per programme) are linked to each thing,
        in column order: counted eight programmes to a byte, a bit each."""
        both = self.packed & np.packbits(rows)
        return np.bitwise_count(both).sum(axis=1, dtype=np.int64).tolist()


@dataclass(frozen=True)
class Found:
    """One search over the index. Positions are rows of the index; ``ranked`` turns a
    set of rows into programme ids, best fit first. Some of its arrays are columns the
    index keeps for every search giving the same answers: read them, never change them
    in place."""

    index: CatalogueIndex
    failures: np.ndarray  # int, per programme: criteria failed (only 0 or 1 are kept)
    kept: np.ndarray  # bool: visible, matching q, and failing at most one criterion
    offering: np.ndarray  # bool: offers a kind of support the user wants (all, if none)
    has_unknowns: np.ndarray  # bool
    fit_score: np.ndarray  # whole points (POINTS); a float once words are searched for

    @cached_property
    def matches(self) -> np.ndarray:
        """The profile's matches, before the support wanted narrows them."""
        return self.kept & (self.failures == 0)

    @cached_property
    def results(self) -> np.ndarray:
        """Programme ids of the main list (eligible or possible), in ranking order."""
        return self.result_ranking[:]

    @cached_property
    def near_misses(self) -> np.ndarray:
        """Programme ids failing exactly one criterion, in ranking order."""
        return self.near_miss_ranking[:]

    @property
    def result_ranking(self) -> Ranking:
        """``results``, ranked only as far as it is read (a page of them, say)."""
        return Ranking(self, self.matches & self.offering)

    @property
    def near_miss_ranking(self) -> Ranking:
        """``near_misses``, ranked only as far as it is read."""
        return Ranking(self, self.kept & (self.failures == 1) & self.offering)

    def ranked(self, rows: np.ndarray, limit: int | None = None) -> np.ndarray:
        """The ids of ``rows``, ordered as ``for_finder`` orders them: eligible before
        possible, then best fit, then name (the index's own order). With ``limit``,
        only the first ``limit`` of them: the rest are not sorted."""
        positions = np.flatnonzero(rows)
        if limit is not None and limit <= 0:
            return self.index.ids[:0]
        if limit is not None and limit < len(positions):
            positions = self._best(positions, limit)
        order = np.lexsort((positions, -self.fit_score[positions], self.has_unknowns[positions]))
        return self.index.ids[positions[order][:limit]]

    def _best(self, positions: np.ndarray, limit: int) -> np.ndarray:
        """Of ``positions``, those that can rank in the first ``limit``: the eligible
        before any possible, and of each, those with a fit at least the ``limit``-th
        best (ties included; sorting then decides between them)."""
        unknown = self.has_unknowns[positions]
        eligible = positions[~unknown]
        if len(eligible) >= limit:
            return self._best_fits(eligible, limit)
        return np.concatenate(
            (eligible, self._best_fits(positions[unknown], limit - len(eligible)))
        )

    def _best_fits(self, positions: np.ndarray, limit: int) -> np.ndarray:
        if len(positions) <= limit:
            return positions
        fit = self.fit_score[positions]
        cut = len(fit) - limit
        return positions[fit >= np.partition(fit, cut)[cut]]

    def support_counts(self) -> dict[str, int]:
        """How many of the profile's matches give each kind of support."""
        support = self.index.support
        counts = support.count_among(self.matches)
        return {slug: counts[column] for slug, column in support.columns.items()}


class Ranking:
    """Ids of some rows of a search in ranking order (``Found.ranked``), as a sequence
    whose slices from the start are ranked only as far as they reach: a page shows 20 of
    perhaps thousands. Its length is known without ranking any. What a ``Paginator``
    needs."""

    def __init__(self, found: Found, rows: np.ndarray) -> None:
        self.found = found
        self.rows = rows
        self._count = int(np.count_nonzero(rows))

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, item: slice) -> np.ndarray:
        if not isinstance(item, slice):
            raise TypeError("a ranking is read a slice at a time")
        start, stop, step = item.indices(self._count)
        if step != 1:
            return self.found.ranked(self.rows)[item]
        return self.found.ranked(self.rows, limit=max(stop, 0))[start:stop]


@dataclass(frozen=True)
class CatalogueIndex:
    """Every programme's rules, a row per programme in name order (so a row number is
    also the tie-breaking rank by name)."""

    version: int
    ids: np.ndarray
    # Each programme's columns as read (``attnames`` in the model's order), in index
    # order, and its relations to other programmes, by id: what a page shows.
    attnames: tuple[str, ...]
    records: list[tuple] = field(repr=False, compare=False)
    relations: dict[int, list[ProgrammeRelation]] = field(repr=False, compare=False)
    status: np.ndarray  # STATUS_CODES
    closes_on: np.ndarray  # date ordinal, NEVER when none
    employees_min: np.ndarray
    employees_max: np.ndarray
    turnover_min: np.ndarray
    turnover_max: np.ndarray
    amount_min: np.ndarray
    amount_max: np.ndarray
    growth: np.ndarray  # GROWTH_CODES
    audience_any: np.ndarray  # bool
    places: Links
    place_rank: np.ndarray  # per place column: PLACE_KIND_RANK of its kind
    sectors: Links
    clusters: Links
    cluster_sectors: Links  # sectors covered by a cluster the programme serves
    stages: Links
    support: Links
    # Text searches answered, by words searched for (see _text_columns).
    _texts: dict = field(default_factory=dict, repr=False, compare=False)
    # What each answer chosen from a list decides, and each day (see ``search``).
    _answers: dict = field(default_factory=dict, repr=False, compare=False)
    # Programmes shown, with their details, by id (see programmes()).
    _shown: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    # Guards both memories: a threaded server (runserver) searches from several threads.
    _memory: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def size(self) -> int:
        return len(self.ids)

    def search(self, profile: BusinessProfile, today: datetime.date) -> Found:
        """Decide every criterion for every programme.

        What an answer chosen from a list decides — a place, a sector, a stage, the kinds
        of support wanted — is the same for every business giving it, and so is what
        the questions left unanswered make unknown, and what the day makes open: each is
        worked out once and kept (``_kept``), so a search mostly adds up kept columns."""
        failures = np.zeros(self.size, dtype=np.int8)  # at most one per criterion
        # Whole points, then the text rank added once, as the database adds them.
        fit = self._day(today).open_points.copy()
        if profile.location:
            place = self._place(profile.location_within)
            failures += place.fails
            fit += place.points
        if profile.sector:
            sector = self._sector(profile.sector)
            failures += sector.fails
            fit += sector.points
        if profile.stage:
            failures += self._stage(profile.stage).fails
        for value, low, high in (
            (profile.employees, self.employees_min, self.employees_max),
            (profile.turnover, self.turnover_min, self.turnover_max),
            (profile.funding, self.amount_min, self.amount_max),
        ):
            if value is not None:
                failures += (low > value) | (high < value)
        scaleup = profile.scaleup.result
        if scaleup is False:
            failures += self.growth == GROWTH_CODES[GROWTH_SCALEUP]

        kept = failures <= 1
        if not profile.include_closed:
            kept &= self._day(today).listed
        if profile.support:
            support = self._support(profile.support)
            offering = support.offering
            fit += support.points
        else:
            offering = self._everything
        if profile.q.split():
            matching, text = self._text_columns(profile.q)
            kept &= matching
            fit = fit + text  # a float: the rank is a fraction on PostgreSQL
        answered = (
            bool(profile.location),
            bool(profile.sector),
            bool(profile.stage),
            profile.employees is None,
            profile.turnover is None,
            profile.funding is None,
            scaleup,
        )
        return Found(
            index=self,
            failures=failures,
            kept=kept,
            offering=offering,
            has_unknowns=self._unknown(answered),
            fit_score=fit,
        )

    # What one answer, or the day, decides for every programme: kept per answer (a few
    # hundred places, sectors and stages at most; sets of support chosen from a short
    # list) and per day. Never changed once made: a search adds them into its own.

    def _kept(self, memory: dict, key, make):
        known = memory.get(key)
        if known is None:
            known = make()
            with self._memory:
                if len(memory) >= ANSWERS_KEPT:
                    memory.pop(next(iter(memory)), None)
                memory[key] = known
        return known

    def _place(self, within: frozenset[str]) -> _Answer:
        """For a business in the places ``within`` (its place and those containing it):
        the programmes naming places, none of them among ``within``, fail; the others
        gain fit by how local the most local of their places among them is
        (PLACE_KIND_RANK)."""

        def make() -> _Answer:
            places = self.places
            columns = sorted(places.columns[slug] for slug in within if slug in places.columns)
            if columns:
                rank = (places.table[:, columns] * self.place_rank[columns]).max(axis=1)
            else:
                rank = np.zeros(self.size, dtype=np.int64)
            return _Answer(
                fails=places.any & ~places.any_of(within), points=(rank * FIT_PLACE).astype(POINTS)
            )

        return self._kept(self._answers, ("place", within), make)

    def _sector(self, slug: str) -> _Answer:
        """Programmes naming sectors fail unless one is ``slug``; fit for the sector
        itself, or for a cluster covering it."""

        def make() -> _Answer:
            own = self.sectors.column(slug)
            cluster = self.cluster_sectors.column(slug)
            return _Answer(
                fails=self.sectors.any & ~own,
                points=np.where(own, FIT_SECTOR, np.where(cluster, FIT_CLUSTER, 0)).astype(POINTS),
            )

        return self._kept(self._answers, ("sector", slug), make)

    def _stage(self, slug: str) -> _Answer:
        def make() -> _Answer:
            return _Answer(fails=self.stages.any & ~self.stages.column(slug))

        return self._kept(self._answers, ("stage", slug), make)

    def _support(self, wanted: frozenset[str]) -> _Support:
        """The programmes offering any of the kinds of support ``wanted``, with fit
        for each they offer."""

        def make() -> _Support:
            count = self.support.count_of(wanted)
            return _Support(offering=count > 0, points=(count * FIT_SUPPORT).astype(POINTS))

        return self._kept(self._answers, ("support", wanted), make)

    def _day(self, today: datetime.date) -> _Day:
        """Which programmes are listed on ``today`` without asking for closed ones (open
        or opening soon, not past their closing date), and the fit of those open."""

        def make() -> _Day:
            not_past = self.closes_on >= today.toordinal()
            is_open = (self.status == STATUS_CODES[STATUS_OPEN]) & not_past
            return _Day(
                listed=(self.status <= STATUS_CODES[STATUS_OPENING_SOON]) & not_past,
                open_points=(is_open * FIT_OPEN).astype(POINTS),
            )

        return self._kept(self._answers, ("day", today), make)

    def _unknown(self, answered: tuple) -> np.ndarray:
        """The programmes with a criterion unknown for a business that answered
        ``answered`` says it did (place, sector, stage; employees, turnover and
        funding left blank; the scaleup test's result): the same for every business
        answering alike."""

        def make() -> np.ndarray:
            located, sector, stage, *blank, scaleup = answered
            # Geography: a programme naming no places is unknown, answer or not.
            if not located:
                return np.ones(self.size, dtype=bool)
            unknown = ~self.places.any | ~self.audience_any
            if not sector:
                unknown |= self.sectors.any
            if not stage:
                unknown |= self.stages.any
            ranges = (
                (self.employees_min, self.employees_max),
                (self.turnover_min, self.turnover_max),
                (self.amount_min, self.amount_max),
            )
            for missing, (low, high) in zip(blank, ranges, strict=True):
                if missing:
                    unknown |= (low != NO_MINIMUM) | (high != NO_MAXIMUM)
            if scaleup is False:
                unknown |= self.growth == GROWTH_CODES[GROWTH_POTENTIAL_SCALEUP]
            elif scaleup is None:
                unknown |= self.growth != 0
            return unknown

        return self._kept(self._answers, ("unknown", answered), make)

    @cached_property
    def _everything(self) -> np.ndarray:
        return np.ones(self.size, dtype=bool)

    def programmes(self, ids: list[int]) -> dict[int, Programme]:
        """The programmes with these ids, with everything explaining a match and a
        results page read (what ``match_detail_lookups`` prefetches): those shown
        recently from memory, the others made from the columns the index read (see
        ``_read``), with no query. They are this version of the catalogue, like the
        index: a programme deleted since the version was read is still shown by a search
        that read it, as the whole page is of that version. Treat them as read-only. An
        id the index does not hold is left out."""
        shown = self._shown
        found = {}
        with self._memory:
            for pk in ids:
                entry = shown.get(pk)
                if entry is not None:
                    shown.move_to_end(pk)
                    found[pk] = entry.programme
        missing = [pk for pk in ids if pk not in found]
        if missing:
            read = self._read(missing)
            with self._memory:
                for programme in read:
                    shown[programme.pk] = _Shown(programme)
                    found[programme.pk] = programme
                while len(shown) > PROGRAMMES_KEPT:
                    shown.popitem(last=False)
        return found

    def _read(self, ids: list[int]) -> list[Programme]:
        """Make these programmes from the columns the index read, as the database would
        have loaded them, with their relations to other programmes; and give each the
        places, sectors, stages, support types and clusters the index already holds, as
        ``prefetch_related`` would have: their ``.all()`` then lists
        them, in the same order, without a query. (Everything else about a linked row —
        ``.filter()`` or ``.count()`` on it — is not for the finder's read-only use.)"""
        links = {
            name: (Programme._meta.get_field(name).related_model, table)
            for name, table in self.links.items()
        }
        database = router.db_for_read(Programme)
        row_of = self._row_of_id
        read = []
        for pk in ids:
            row = row_of.get(pk)
            if row is None:
                continue
            programme = Programme.from_db(database, self.attnames, self.records[row])
            cache = {name: _listing(model, table.of(row)) for name, (model, table) in links.items()}
            cache["relations"] = _listing(ProgrammeRelation, self.relations.get(pk, []))
            programme._prefetched_objects_cache = cache
            read.append(programme)
        return read

    def forget(self) -> None:
        """Drop what the index remembers of past searches — the programmes shown and the
        text searches answered — keeping the index itself: the next search reads them
        from the database as a first search would (the benchmark counts those
        queries)."""
        with self._memory:
            self._shown.clear()
            self._texts.clear()

    def rules(self, programme: Programme, today: datetime.date) -> ProgrammeRules:
        """``ProgrammeRules.from_programme`` for a programme from ``programmes()``,
        worked out once a day (its status depends on the date)."""
        entry = self._shown.get(programme.pk)
        if entry is None or entry.programme is not programme:
            return ProgrammeRules.from_programme(programme, today=today)
        if entry.day != today:
            row = self._row_of_id[programme.pk]
            linked = {
                name: tuple(rules[column] for column in np.flatnonzero(links.table[row]))
                for name, (links, rules) in self._linked_rules.items()
            }
            entry.rules = ProgrammeRules.from_programme(programme, today=today, linked=linked)
            entry.day = today
        return entry.rules

    @property
    def links(self) -> dict[str, Links]:
        """Each of a programme's many-to-many links, by the field's name."""
        return {
            "places": self.places,
            "sectors": self.sectors,
            "stages": self.stages,
            "support_types": self.support,
            "clusters": self.clusters,
        }

    @cached_property
    def _linked_rules(self) -> dict[str, tuple[Links, tuple]]:
        """For each link the rules take (``eligibility.LINKED``), its table and every
        linked row as a rule, in column order: made once, shared by every programme's
        rules (they are immutable), without a related manager per programme."""
        return {
            name: (self.links[name], tuple(make(thing) for thing in self.links[name].things))
            for name, make in LINKED.items()
        }

    def _text_columns(self, q: str) -> tuple[np.ndarray, np.ndarray]:
        """The programmes matching the words ``q`` and their text rank, as columns.

        Asked of the database, so that the words mean what they mean in ``for_finder``
        (PostgreSQL's full-text search, with its stemming and ranking; elsewhere every
        word somewhere in the text). The answer depends only on ``q`` and the
        catalogue, so the index keeps the last ``TEXT_SEARCHES_KEPT`` of them."""
        columns = self._texts.get(q)
        if columns is not None:
            return columns
        matching = np.zeros(self.size, dtype=bool)
        text = np.zeros(self.size, dtype=float)
        row_of = self._row_of_id
        found = Programme.objects.all()._search(q).order_by().values_list("pk", "text_rank")
        for pk, rank in found:
            row = row_of.get(pk)
            if row is not None:
                matching[row] = True
                text[row] = float(rank)
        with self._memory:
            if len(self._texts) >= TEXT_SEARCHES_KEPT:
                self._texts.pop(next(iter(self._texts)), None)
            self._texts[q] = (matching, text)
        return matching, text

    @cached_property
    def _row_of_id(self) -> dict[int, int]:
        return {int(pk): row for row, pk in enumerate(self.ids)}

    # --- Building -----------------------------------------------------------------------

    @classmethod
    def build(cls, version: int) -> CatalogueIndex:
        """Read every programme from the database: one query for the programmes' columns,
        one for their relations to each other and one per kind of link."""
        # Every column of every programme: the rules are made from some, and the
        # programmes a page shows are made from all (``_read``), without a query.
        attnames = tuple(field.attname for field in Programme._meta.concrete_fields)
        records = list(Programme.objects.order_by("name", "pk").values_list(*attnames))
        # Each column, by name, in index order.
        values = zip(*records, strict=True) if records else [()] * len(attnames)
        column = dict(zip(attnames, values, strict=True))
        relations: dict[int, list[ProgrammeRelation]] = {}
        for relation in ProgrammeRelation.objects.select_related("related").order_by(
            "kind", "related__name"
        ):
            relations.setdefault(relation.programme_id, []).append(relation)
        size = len(records)
        ids = np.array(column["id"], dtype=np.int64)
        row_of = {pk: row for row, pk in enumerate(column["id"])}

        def numbers(values, empty: int) -> np.ndarray:
            return np.array([empty if v is None else v for v in values], dtype=np.int64)

        def links(field: str, things) -> Links:
            """The programmes' links to ``things`` (every row of the linked model, in
            its own order) through the many-to-many field ``field``."""
            things = tuple(things)
            column_of = {thing.pk: column for column, thing in enumerate(things)}
            through = getattr(Programme, field).through
            target = Programme._meta.get_field(field).m2m_reverse_name()
            table = np.zeros((size, len(things)), dtype=bool)
            for programme, thing in through.objects.values_list("programme_id", target):
                table[row_of[programme], column_of[thing]] = True
            return Links(things=things, table=table)

        places = links("places", Place.objects.all())
        sectors = links("sectors", Sector.objects.all())
        clusters = links("clusters", Cluster.objects.prefetch_related("sectors"))
        # The sectors each programme's clusters cover: programmes x clusters, times
        # clusters x sectors.
        covered = np.zeros((len(clusters.things), len(sectors.things)), dtype=bool)
        for row, cluster in enumerate(clusters.things):
            for sector in cluster.sectors.all():
                covered[row, sectors.columns[sector.slug]] = True
        cluster_sectors = (clusters.table.astype(np.int64) @ covered.astype(np.int64)) > 0
        return cls(
            version=version,
            ids=ids,
            attnames=attnames,
            records=records,
            relations=relations,
            status=np.array([STATUS_CODES.get(s, 2) for s in column["status"]], dtype=np.int8),
            closes_on=np.array(
                [NEVER if d is None else d.toordinal() for d in column["closes_on"]], dtype=np.int64
            ),
            employees_min=numbers(column["employees_min"], NO_MINIMUM),
            employees_max=numbers(column["employees_max"], NO_MAXIMUM),
            turnover_min=numbers(column["turnover_min"], NO_MINIMUM),
            turnover_max=numbers(column["turnover_max"], NO_MAXIMUM),
            amount_min=numbers(column["amount_min"], NO_MINIMUM),
            amount_max=numbers(column["amount_max"], NO_MAXIMUM),
            growth=np.array([GROWTH_CODES.get(g, 0) for g in column["growth"]], dtype=np.int8),
            audience_any=np.array([a == AUDIENCE_ANY for a in column["audience"]], dtype=bool),
            places=places,
            place_rank=np.array([PLACE_KIND_RANK.get(p.kind, 0) for p in places.things]),
            sectors=sectors,
            clusters=clusters,
            cluster_sectors=Links(things=sectors.things, table=cluster_sectors),
            stages=links("stages", Stage.objects.all()),
            support=links("support_types", SupportType.objects.all()),
        )


def _listing(model, rows: list):
    """A QuerySet of ``model`` already read, holding ``rows``: what ``prefetch_related``
    leaves on an instance for each relation. Its query is an empty one, shared by every
    listing of the model (a QuerySet copies its query before changing it), so anything
    but reading the listing finds nothing rather than asking the database for every
    row, and thousands of kept programmes do not each carry their own."""
    listing = model._default_manager._queryset_class(model=model, query=_empty_query(model))
    listing._result_cache = rows
    listing._prefetch_done = True
    return listing


@functools.cache
def _empty_query(model):
    return model._default_manager.none().query


@dataclass(frozen=True)
class _Answer:
    """What one answer decides for every programme: whether it fails the criterion,
    and the fit it adds."""

    fails: np.ndarray  # bool
    points: np.ndarray | None = None  # POINTS


@dataclass(frozen=True)
class _Support:
    offering: np.ndarray  # bool
    points: np.ndarray  # POINTS


@dataclass(frozen=True)
class _Day:
    listed: np.ndarray  # bool: open or opening soon, and not past its closing date
    open_points: np.ndarray  # FIT_OPEN for those open (POINTS)


@dataclass
class _Shown:
    """A programme kept for showing, with its rules as on ``day``."""

    programme: Programme
    day: datetime.date | None = None
    rules: ProgrammeRules | None = None


# --- The current index --------------------------------------------------------------

_lock = threading.Lock()
_current: CatalogueIndex | None = None


def current(version: int) -> CatalogueIndex:
    """The index of the catalogue at ``version`` (``finder.cache.catalogue_version()``),
    built now if this process holds none for that version."""
    global _current
    index = _current
    if index is not None and index.version == version:
        return index
    with _lock:
        if _current is None or _current.version != version:
            _current = CatalogueIndex.build(version)
        return _current


def clear() -> None:
    """Forget the index (the next search builds it again)."""
    global _current
    with _lock:
        _current = None
