"""Moving catalogue entries between their YAML form and the database.

``dump`` turns a database row into exactly the data its file holds, and ``load`` compares
each file entry with that dump: an entry whose dump already equals the file is left
untouched. So loading twice changes nothing, and export after load gives back the files.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction

from clusters.models import Cluster, ClusterPoint, Place, ScaleupStatistics, Sector, Source
from programmes import history
from programmes.catalogue import spec
from programmes.catalogue.reader import Catalogue
from programmes.catalogue.spec import Kind
from programmes.models import (
    Outcome,
    Programme,
    ProgrammeRelation,
    ProgrammeSource,
    Provider,
    Stage,
    SupportType,
)

# Values that mean "no restriction" and are left out of the files.
OMITTED_DEFAULTS: dict[str, object] = {"growth": "any", "audience": "any", "rules_known": "all"}
RELATION_ORDER = {kind: index for index, kind in enumerate(ProgrammeRelation.Kind.values)}


def _prune(data: dict) -> dict:
    """Drop empty values, so an empty field and a missing one are the same thing."""
    pruned = {}
    for key, value in data.items():
        if value is None or value == "" or value == [] or value == {}:
            continue
        if OMITTED_DEFAULTS.get(key) == value:
            continue
        if isinstance(value, dict):
            value = _prune(value)
            if not value:
                continue
        pruned[key] = value
    return pruned


def normalise(kind: Kind, data: dict) -> dict:
    """Put an entry's data in the one canonical form both files and database reach:
    slug lists sorted, relations by kind then programme, sources by slug."""
    data = _prune(data)
    for fld in kind.fields:
        value = data.get(fld.key)
        if value is None:
            continue
        if fld.type == spec.REFS:
            data[fld.key] = sorted(value)
        elif fld.type == spec.OBJECT:
            inner = dict(value)
            for sub in fld.fields:
                if sub.type == spec.REFS and sub.key in inner:
                    inner[sub.key] = sorted(inner[sub.key])
            data[fld.key] = inner
    if kind is spec.PROGRAMME:
        if "related" in data:
            data["related"] = sorted(
                data["related"], key=lambda r: (RELATION_ORDER[r["kind"]], r["programme"])
            )
        if "sources" in data:
            data["sources"] = sorted(data["sources"], key=lambda s: s["source"])
    return data


def _slugs(manager) -> list[str]:
    return sorted(obj.slug for obj in manager.all())


def _scalars(obj: models.Model, keys: list[str]) -> dict:
    return {key: getattr(obj, key) for key in keys}


@dataclass
class Refs:
    """Slug look-ups for entries already in the database, refreshed kind by kind."""

    cache: dict[str, dict[str, models.Model]] = field(default_factory=dict)

    def refresh(self, kind: Kind) -> None:
        self.cache[kind.name] = {obj.slug: obj for obj in kind.model.objects.all()}

    def get(self, kind_name: str, slug: str) -> models.Model:
        return self.cache[kind_name][slug]

    def many(self, kind_name: str, slugs: list[str] | None) -> list[models.Model]:
        return [self.cache[kind_name][slug] for slug in slugs or []]


@dataclass
class Adapter:
    """How one kind of entry maps onto its models."""

    kind: Kind
    scalar_keys: list[str]
    queryset: Callable[[], models.QuerySet]
    dump_extra: Callable[[models.Model], dict]
    apply_extra: Callable[[models.Model, dict, Refs], None]
    # Relations to entries of the same kind, set once every entry of the kind exists.
    apply_late: Callable[[models.Model, dict, Refs], None] | None = None
    positioned: bool = False

    def dump(self, obj: models.Model) -> dict:
        data = _scalars(obj, self.scalar_keys)
        data.update(self.dump_extra(obj))
        return normalise(self.kind, data)

    def dump_all(self) -> dict[str, dict]:
        return {obj.slug: self.dump(obj) for obj in self.queryset()}


def _no_extra(obj: models.Model) -> dict:
    return {}


def _apply_nothing(obj: models.Model, data: dict, refs: Refs) -> None:
    return None


def _set_m2m(manager, objs: list[models.Model]) -> None:
    manager.set(objs)


# --- places -----------------------------------------------------------------------


def _place_parents(obj: Place, data: dict, refs: Refs) -> None:
    _set_m2m(obj.parents, refs.many("place", data.get("parents")))


def _broader_sectors(obj: Sector, data: dict, refs: Refs) -> None:
    _set_m2m(obj.broader, refs.many("sector", data.get("broader")))


# --- statistics -------------------------------------------------------------------


def _statistics_dump(obj: ScaleupStatistics) -> dict:
    return {"place": obj.place.slug, "source": obj.source.slug}


def _statistics_apply_fk(obj: ScaleupStatistics, data: dict, refs: Refs) -> None:
    obj.place = refs.get("place", data["place"])
    obj.source = refs.get("source", data["source"])


# --- clusters ---------------------------------------------------------------------


def _cluster_dump(obj: Cluster) -> dict:
    data = {
        "places": _slugs(obj.places),
        "sectors": _slugs(obj.sectors),
        "sources": _slugs(obj.sources),
    }
    points = sorted(obj.points.all(), key=lambda point: point.position)
    for key, point_kind in spec.CLUSTER_POINT_KEYS.items():
        data[key] = [point.text for point in points if point.kind == point_kind]
    return data


def _cluster_apply(obj: Cluster, data: dict, refs: Refs) -> None:
    _set_m2m(obj.places, refs.many("place", data.get("places")))
    _set_m2m(obj.sectors, refs.many("sector", data.get("sectors")))
    _set_m2m(obj.sources, refs.many("source", data.get("sources")))
    obj.points.all().delete()
    ClusterPoint.objects.bulk_create(
        ClusterPoint(cluster=obj, kind=point_kind, position=position, text=text)
        for key, point_kind in spec.CLUSTER_POINT_KEYS.items()
        for position, text in enumerate(data.get(key, []))
    )


# --- programmes -------------------------------------------------------------------

ELIGIBILITY_SCALARS = [
    "employees_min",
    "employees_max",
    "turnover_min",
    "turnover_max",
    "growth",
    "audience",
    "rules_known",
    "note",
]


def _eligibility_attr(key: str) -> str:
    return spec.ELIGIBILITY_ATTRS.get(key, key)


def _programme_dump(obj: Programme) -> dict:
    eligibility = {key: getattr(obj, _eligibility_attr(key)) for key in ELIGIBILITY_SCALARS}
    eligibility.update(
        places=_slugs(obj.places), sectors=_slugs(obj.sectors), stages=_slugs(obj.stages)
    )
    return {
        "providers": _slugs(obj.providers),
        "delivery_partners": _slugs(obj.delivery_partners),
        "support_types": _slugs(obj.support_types),
        "front_door_for": _slugs(obj.front_door_for),
        "eligibility": eligibility,
        "clusters": _slugs(obj.clusters),
        "related": [
            {"programme": relation.related.slug, "kind": relation.kind}
            for relation in obj.relations.all()
        ],
        "outcomes": [
            _prune(
                {"text": outcome.text, "source": outcome.source.slug if outcome.source else None}
            )
            for outcome in sorted(obj.outcomes.all(), key=lambda outcome: outcome.position)
        ],
        "sources": [
            _prune({"source": link.source.slug, "facts": link.facts})
            for link in obj.programme_sources.all()
        ],
    }


def _programme_set_eligibility_scalars(obj: Programme, data: dict) -> None:
    eligibility = data.get("eligibility", {})
    for key in ELIGIBILITY_SCALARS:
        attr = _eligibility_attr(key)
        default = obj._meta.get_field(attr).get_default()
        setattr(obj, attr, eligibility.get(key, OMITTED_DEFAULTS.get(key, default)))


def _programme_apply(obj: Programme, data: dict, refs: Refs) -> None:
    eligibility = data.get("eligibility", {})
    _set_m2m(obj.providers, refs.many("provider", data.get("providers")))
    _set_m2m(obj.delivery_partners, refs.many("provider", data.get("delivery_partners")))
    _set_m2m(obj.support_types, refs.many("support-type", data.get("support_types")))
    _set_m2m(obj.front_door_for, refs.many("place", data.get("front_door_for")))
    _set_m2m(obj.places, refs.many("place", eligibility.get("places")))
    _set_m2m(obj.sectors, refs.many("sector", eligibility.get("sectors")))
    _set_m2m(obj.stages, refs.many("stage", eligibility.get("stages")))
    _set_m2m(obj.clusters, refs.many("cluster", data.get("clusters")))
    obj.outcomes.all().delete()
    Outcome.objects.bulk_create(
        Outcome(
            programme=obj,
            position=position,
            text=item["text"],
            source=refs.get("source", item["source"]) if "source" in item else None,
        )
        for position, item in enumerate(data.get("outcomes", []))
    )
    obj.programme_sources.all().delete()
    ProgrammeSource.objects.bulk_create(
        ProgrammeSource(
            programme=obj, source=refs.get("source", item["source"]), facts=item.get("facts", "")
        )
        for item in data.get("sources", [])
    )


def _programme_relations(obj: Programme, data: dict, refs: Refs) -> None:
    obj.relations.all().delete()
    ProgrammeRelation.objects.bulk_create(
        ProgrammeRelation(
            programme=obj, related=refs.get("programme", item["programme"]), kind=item["kind"]
        )
        for item in data.get("related", [])
    )


def _plain_keys(kind: Kind, exclude: tuple[str, ...] = ()) -> list[str]:
    """The fields stored as plain columns of the kind's own model."""
    plain = (
        spec.STR,
        spec.TEXT,
        spec.SLUG,
        spec.INT,
        spec.DECIMAL,
        spec.DATE,
        spec.URL,
        spec.CHOICE,
    )
    return [fld.key for fld in kind.fields if fld.type in plain and fld.key not in exclude]


ADAPTERS: dict[str, Adapter] = {
    "source": Adapter(
        spec.SOURCE, _plain_keys(spec.SOURCE), Source.objects.all, _no_extra, _apply_nothing
    ),
    "support-type": Adapter(
        spec.SUPPORT_TYPE,
        _plain_keys(spec.SUPPORT_TYPE),
        lambda: SupportType.objects.order_by("position", "slug"),
        _no_extra,
        _apply_nothing,
        positioned=True,
    ),
    "stage": Adapter(
        spec.STAGE,
        _plain_keys(spec.STAGE),
        lambda: Stage.objects.order_by("position", "slug"),
        _no_extra,
        _apply_nothing,
        positioned=True,
    ),
    "sector": Adapter(
        spec.SECTOR,
        _plain_keys(spec.SECTOR),
        lambda: Sector.objects.prefetch_related("broader").order_by("name", "slug"),
        lambda obj: {"broader": _slugs(obj.broader)},
        _apply_nothing,
        apply_late=_broader_sectors,
    ),
    "place": Adapter(
        spec.PLACE,
        _plain_keys(spec.PLACE),
        lambda: Place.objects.prefetch_related("parents"),
        lambda obj: {"parents": _slugs(obj.parents)},
        _apply_nothing,
        apply_late=_place_parents,
    ),
    "provider": Adapter(
        spec.PROVIDER,
        _plain_keys(spec.PROVIDER),
        lambda: Provider.objects.order_by("name", "slug"),
        _no_extra,
        _apply_nothing,
    ),
    "statistics": Adapter(
        spec.STATISTICS,
        _plain_keys(spec.STATISTICS),
        lambda: ScaleupStatistics.objects.select_related("place", "source").order_by("slug"),
        _statistics_dump,
        _apply_nothing,
    ),
    "cluster": Adapter(
        spec.CLUSTER,
        _plain_keys(spec.CLUSTER),
        lambda: Cluster.objects.prefetch_related("places", "sectors", "sources", "points").order_by(
            "slug"
        ),
        _cluster_dump,
        _cluster_apply,
    ),
    "programme": Adapter(
        spec.PROGRAMME,
        _plain_keys(spec.PROGRAMME),
        lambda: (
            Programme.objects.filter(is_generated=False)
            .prefetch_related(
                "providers",
                "delivery_partners",
                "support_types",
                "front_door_for",
                "places",
                "sectors",
                "stages",
                "clusters",
                "relations__related",
                "outcomes__source",
                "programme_sources__source",
            )
            .order_by("slug")
        ),
        _programme_dump,
        _programme_apply,
        apply_late=_programme_relations,
    ),
}

# Foreign keys that must be set before the row is first saved.
BEFORE_SAVE: dict[str, Callable[[models.Model, dict, Refs], None]] = {
    "statistics": _statistics_apply_fk,
}


@dataclass(frozen=True)
class AdminEdit:
    """A change made in the database by someone, not by load_catalogue."""

    kind: str
    slug: str
    who: str
    when: datetime.datetime


def unexported_edits(catalogue: Catalogue, *, prune: bool = False) -> list[AdminEdit]:
    """The entries a load would overwrite (or, with ``prune``, delete) whose latest change
    in the database was made by someone rather than by load_catalogue: edits made in the
    admin and not exported to the files since. Kinds without history (sources, places,
    providers, vocabularies, statistics) cannot tell and are not checked."""
    edits = []
    for kind in spec.KINDS:
        if not hasattr(kind.model, "history"):
            continue
        entries = catalogue.entries[kind.name]
        for slug, held in ADAPTERS[kind.name].dump_all().items():
            overwritten = slug in entries and normalise(kind, entries[slug].data) != held
            if not (overwritten or (prune and slug not in entries)):
                continue
            latest = kind.model.history.filter(slug=slug).order_by("-history_date").first()
            if latest is not None and latest.history_change_reason != history.LOADED:
                who = latest.history_user.get_username() if latest.history_user else "someone"
                edits.append(AdminEdit(kind.name, slug, who, latest.history_date))
    return edits


@dataclass
class LoadReport:
    added: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    not_in_files: dict[str, list[str]] = field(default_factory=dict)
    removed: dict[str, list[str]] = field(default_factory=dict)

    @property
    def total_added(self) -> int:
        return sum(len(slugs) for slugs in self.added.values())

    @property
    def total_changed(self) -> int:
        return sum(len(slugs) for slugs in self.changed.values())


@transaction.atomic
def load(catalogue: Catalogue, *, prune: bool = False) -> LoadReport:
    """Write a checked catalogue to the database in one transaction.

    Entries whose database form already equals the file are not touched. Entries in the
    database but not in the files are reported, and deleted only with ``prune`` (the
    programmes generate_catalogue makes for benchmarks are never touched).
    """
    if not catalogue.ok:
        raise ValueError("refusing to load a catalogue with problems")
    report = LoadReport()
    refs = Refs()
    late: list[tuple[Adapter, models.Model, dict]] = []
    for kind in spec.KINDS:
        adapter = ADAPTERS[kind.name]
        entries = catalogue.entries[kind.name]
        current = adapter.dump_all()
        existing = {obj.slug: obj for obj in kind.model.objects.all()}
        refs.refresh(kind)
        added, changed = [], []
        for position, (slug, entry) in enumerate(entries.items()):
            wanted = normalise(kind, entry.data)
            if adapter.positioned:
                needs_move = slug in existing and existing[slug].position != position
            else:
                needs_move = False
            if current.get(slug) == wanted and not needs_move:
                continue
            obj = existing.get(slug) or kind.model(slug=slug)
            for key in adapter.scalar_keys:
                setattr(obj, key, wanted.get(key, _default(kind.model, key)))
            if kind is spec.PROGRAMME:
                _programme_set_eligibility_scalars(obj, wanted)
            if adapter.positioned:
                obj.position = position
            if kind.name in BEFORE_SAVE:
                BEFORE_SAVE[kind.name](obj, wanted, refs)
            obj.full_clean(
                validate_unique=False, validate_constraints=False, exclude=_m2m_names(kind)
            )
            obj.save()
            adapter.apply_extra(obj, wanted, refs)
            if adapter.apply_late:
                late.append((adapter, obj, wanted))
            (changed if slug in existing else added).append(slug)
        refs.refresh(kind)
        for adapter_late, obj, wanted in late:
            if adapter_late is adapter:
                adapter.apply_late(obj, wanted, refs)
        missing = sorted(set(existing) - set(entries))
        if kind is spec.PROGRAMME:
            generated = set(
                Programme.objects.filter(is_generated=True).values_list("slug", flat=True)
            )
            missing = [slug for slug in missing if slug not in generated]
        if missing and prune:
            kind.model.objects.filter(slug__in=missing).delete()
            report.removed[kind.name] = missing
        elif missing:
            report.not_in_files[kind.name] = missing
        report.added[kind.name] = added
        report.changed[kind.name] = changed
        report.unchanged[kind.name] = len(entries) - len(added) - len(changed)
    return report


def _default(model: type, key: str):
    model_field = model._meta.get_field(key)
    if model_field.null:
        return None
    return model_field.get_default()


def _m2m_names(kind: Kind) -> list[str]:
    return [f.name for f in kind.model._meta.many_to_many]


def dump_catalogue() -> dict[str, dict[str, dict]]:
    """The whole catalogue from the database, by kind name then slug, in file order."""
    return {kind.name: ADAPTERS[kind.name].dump_all() for kind in spec.KINDS}
