"""The finder's index: every programme's rules, held in each worker's memory with the
columns each criterion and ranking factor decides from, so that one search decides
every rule for every programme with a few array operations.

The rules themselves live in ``programmes.eligibility``: each criterion says how it
makes its columns and how it decides over them, next to how it explains itself for one
programme. This module only keeps the columns and adds the verdicts up.

Freshness: the index is built from the database the first time a search needs it and
kept with the catalogue version it was built at (``finder.cache.catalogue_version``, a
number stored in the database and changed with every catalogue change). Every search
reads the version first and rebuilds the index when it has moved, so an edit made in
any process is seen by every process at its next search.

A search asks the database one thing: the catalogue version. The words searched for
are matched here too (``programmes.eligibility.Words``), so they behave the same on
every database.
"""

from __future__ import annotations

import datetime
import gc
import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from clusters.models import Cluster, Place
from finder import cache, vocabulary
from programmes.eligibility import (
    COLUMNS,
    CRITERIA,
    FACTORS,
    STATUS,
    BusinessProfile,
    ClusterRule,
    PlaceRule,
    ProgrammeRules,
    Term,
    support_wanted,
)
from programmes.models import Programme, ProgrammeRelation, ProgrammeSource


@dataclass(frozen=True)
class Found:
    """One search over the index: for each programme (a row, in name order), how many
    criteria it fails, whether any is unknown, and its fit."""

    index: CatalogueIndex
    failures: np.ndarray  # int: criteria failed
    actionable: np.ndarray  # bool: every criterion failed is one the business can act on
    unknown: np.ndarray  # bool: some criterion unknown
    shown: np.ndarray  # bool: listed (or closed ones asked for) and matching the words
    offering: np.ndarray  # bool: offers a kind of support the user wants (all, if none)
    fit: np.ndarray  # int: ranking points

    @cached_property
    def matches(self) -> np.ndarray:
        """The profile's matches, before the support wanted narrows them."""
        return self.shown & (self.failures == 0)

    @cached_property
    def results(self) -> np.ndarray:
        """Programme ids of the main list (eligible or possible), in ranking order."""
        return self.ranked(self.matches & self.offering)

    @cached_property
    def eligible_count(self) -> int:
        """How many of the main list's programmes are eligible (no criterion unknown)."""
        return int((self.matches & self.offering & ~self.unknown).sum())

    @cached_property
    def near_misses(self) -> np.ndarray:
        """Programme ids failing exactly one criterion: those failing one the business
        could act on first, then in ranking order."""
        rows = self.shown & (self.failures == 1) & self.offering
        return self.ranked(rows, first=self.actionable)

    def ranked(self, rows: np.ndarray, first: np.ndarray | None = None) -> np.ndarray:
        """The ids of ``rows`` (those ``first`` before the rest), best fit first; on
        equal fit eligible before possible, then by name (the index's own order)."""
        positions = np.flatnonzero(rows)
        keys = [positions, self.unknown[positions], -self.fit[positions]]
        if first is not None:
            keys.append(~first[positions])
        return self.index.ids[positions[np.lexsort(keys)]]

    def support_counts(self) -> dict[str, int]:
        """How many of the profile's matches give each kind of support."""
        table = self.index.columns[support_wanted]
        counts = table.table[self.matches].sum(axis=0)
        return {slug: int(counts[column]) for slug, column in table.column.items()}


@dataclass(frozen=True)
class CatalogueIndex:
    """Every programme's rules in name order (so a row number is also the tie-breaking
    rank by name), with each criterion's and factor's columns."""

    version: int
    ids: np.ndarray
    rules: tuple[ProgrammeRules, ...]
    columns: dict  # by criterion or factor, what it made of the catalogue
    status: tuple[np.ndarray, ...]  # STATUS.columns
    #: The programmes that are the front door to support for a place, by its slug.
    front_doors: dict[str, tuple[Term, ...]]

    @cached_property
    def row_of(self) -> dict[int, int]:
        return {int(pk): row for row, pk in enumerate(self.ids)}

    @cached_property
    def pk_of(self) -> dict[str, int]:
        """Each programme's primary key by its slug."""
        return {rules.slug: int(pk) for rules, pk in zip(self.rules, self.ids, strict=True)}

    def search(self, profile: BusinessProfile, today: datetime.date) -> Found:
        """Decide every criterion for every programme."""
        failures = np.zeros(len(self.ids), dtype=np.int8)
        actionable = np.ones(len(self.ids), dtype=bool)
        unknown = np.zeros(len(self.ids), dtype=bool)
        for criterion in CRITERIA:
            verdicts = criterion.decide(self.columns[criterion], profile)
            failures += verdicts.unmet
            if not criterion.actionable:
                actionable &= ~verdicts.unmet
            unknown |= verdicts.unknown
        fit = sum(factor.points(self.columns[factor], profile, today) for factor in FACTORS)
        shown = (
            np.ones(len(self.ids), dtype=bool)
            if profile.include_closed
            else STATUS.listed(self.status, today)
        )
        offering = (
            self.columns[support_wanted].having(profile.support)
            if profile.support
            else np.ones(len(self.ids), dtype=bool)
        )
        return Found(self, failures, actionable, unknown, shown, offering, fit)

    def get(self, pk: int) -> ProgrammeRules:
        return self.rules[self.row_of[pk]]

    def front_doors_for(self, within: Collection[str]) -> tuple[Term, ...]:
        """Who a business lying wholly in the places ``within`` should ask first: the
        front doors of the nearest of them that has any (``Vocabulary.nearest``)."""
        nearest = vocabulary.current(self.version).nearest(within, self.front_doors)
        doors = {door for slug in nearest for door in self.front_doors[slug]}
        return tuple(sorted(doors, key=lambda door: door.name))

    @classmethod
    def build(cls, version: int) -> CatalogueIndex:
        """Read every programme's rules: one query for the programmes, one for their
        successors, one for the front doors, one per kind of link and one per vocabulary
        linked."""
        rows = list(Programme.objects.order_by("name", "pk").values_list("pk", *COLUMNS))
        linked = {
            "places": _linked("places", {p.pk: PlaceRule.of(p) for p in Place.objects.all()}),
            "sectors": _linked("sectors"),
            "stages": _linked("stages"),
            "support_types": _linked("support_types"),
            "providers": _linked("providers"),
            "clusters": _linked(
                "clusters",
                {c.pk: ClusterRule.of(c) for c in Cluster.objects.prefetch_related("sectors")},
            ),
        }
        evidence: dict[int, int] = {}
        for pk, year in ProgrammeSource.objects.values_list("programme_id", "source__year"):
            evidence[pk] = max(year, evidence.get(pk, 0))
        front_doors: dict[str, list[Term]] = {}
        for place, slug, name in Programme.front_door_for.through.objects.values_list(
            "place__slug", "programme__slug", "programme__name"
        ):
            front_doors.setdefault(place, []).append(Term(slug=slug, name=name))
        successors: dict[int, list[Term]] = {}
        for pk, slug, name in ProgrammeRelation.objects.filter(
            kind=ProgrammeRelation.Kind.SUCCEEDED_BY
        ).values_list("programme_id", "related__slug", "related__name"):
            successors.setdefault(pk, []).append(Term(slug=slug, name=name))
        rules = tuple(
            ProgrammeRules(
                **dict(zip(COLUMNS, row[1:], strict=True)),
                **{name: tuple(links.get(row[0], ())) for name, links in linked.items()},
                successors=tuple(successors.get(row[0], ())),
                evidence_year=evidence.get(row[0], 0),
            )
            for row in rows
        )
        return cls(
            version=version,
            ids=np.array([row[0] for row in rows], dtype=np.int64),
            rules=rules,
            columns={rule: rule.columns(rules) for rule in (*CRITERIA, *FACTORS)},
            status=STATUS.columns(rules),
            front_doors={place: tuple(doors) for place, doors in front_doors.items()},
        )


def _linked(name: str, things: dict | None = None) -> dict[int, list]:
    """Each programme's linked rows through the many-to-many field ``name``, made into
    rules once per linked row (``things``, by primary key; vocabulary terms by default),
    in the linked model's own order."""
    field = Programme._meta.get_field(name)
    model = field.related_model
    if things is None:
        things = {row.pk: Term.of(row) for row in model.objects.all()}
    position = {pk: i for i, pk in enumerate(things)}
    through = field.remote_field.through
    pairs = through.objects.values_list("programme_id", field.m2m_reverse_name())
    links: dict[int, list] = {}
    for programme, thing in sorted(pairs, key=lambda pair: position[pair[1]]):
        links.setdefault(programme, []).append(things[thing])
    return links


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


def warm_up() -> None:
    """Get a worker ready before its first request (gunicorn.conf.py's
    ``post_worker_init``; the benchmark does the same): build the index and read the
    vocabularies of the current catalogue, so that no request waits for them, then move
    everything the worker now holds out of the garbage collector's sight
    (``gc.freeze()``). Those objects live as long as the worker, and without that every
    full collection walks all of them again, in the middle of some request (README,
    "Performance"). A later index, after a catalogue change, is freed as usual: its
    objects form no cycles."""
    version = cache.catalogue_version()
    current(version)
    vocabulary.current(version)
    gc.collect()
    gc.freeze()


def clear() -> None:
    """Forget the index (the next search builds it again)."""
    global _current
    with _lock:
        _current = None
