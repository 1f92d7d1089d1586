"""Small functions that build catalogue rows for tests.

Tests build exactly the data they assert on and never load the real fixtures (only the
tests *about* the catalogue do that). Each ``make_*`` function gets or creates by slug,
so a test can name the same place twice without tripping the unique constraint; related
rows can be given as instances or as slugs.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable

from django.utils import timezone

from clusters.models import Cluster, Place, Sector, Source
from programmes.models import Programme, Provider, Stage, SupportType

_numbers = itertools.count(1)


def _title(slug: str) -> str:
    return slug.replace("-", " ").title()


def make_place(
    slug: str,
    *,
    kind: str = Place.Kind.LOCAL_AUTHORITY,
    name: str | None = None,
    parents: Iterable[Place | str] = (),
    code: str = "",
) -> Place:
    """A place, inside ``parents`` (which are created as regions if new), with the GSS
    ``code`` given."""
    place, _ = Place.objects.get_or_create(
        slug=slug, defaults={"name": name or _title(slug), "kind": kind, "code": code}
    )
    for parent in parents:
        if isinstance(parent, str):
            parent = make_place(parent, kind=Place.Kind.REGION)
        place.parents.add(parent)
    return place


def make_geography() -> dict[str, Place]:
    """A small map of the Midlands, keyed by slug:

    united-kingdom (nation)
      england (nation)
        west-midlands (region)
          west-midlands-combined-authority (combined authority)
            coventry, birmingham (local authorities)
        east-midlands (region)
          d2n2 (LEP area)
            nottinghamshire (county, also in d2n2)
              ashfield (local authority)
    """
    uk = make_place("united-kingdom", kind=Place.Kind.NATION, name="United Kingdom")
    england = make_place("england", kind=Place.Kind.NATION, parents=[uk])
    west = make_place("west-midlands", kind=Place.Kind.REGION, parents=[england])
    east = make_place("east-midlands", kind=Place.Kind.REGION, parents=[england])
    wmca = make_place(
        "west-midlands-combined-authority",
        kind=Place.Kind.COMBINED_AUTHORITY,
        name="West Midlands Combined Authority",
        parents=[west],
    )
    d2n2 = make_place("d2n2", kind=Place.Kind.LEP_AREA, name="D2N2", parents=[east])
    notts = make_place("nottinghamshire", kind=Place.Kind.COUNTY, parents=[east, d2n2])
    places = [uk, england, west, east, wmca, d2n2, notts]
    places += [
        make_place("coventry", parents=[wmca]),
        make_place("birmingham", parents=[wmca]),
        make_place("ashfield", parents=[notts]),
    ]
    return {place.slug: place for place in places}


def make_sector(slug: str, *, name: str | None = None) -> Sector:
    sector, _ = Sector.objects.get_or_create(slug=slug, defaults={"name": name or _title(slug)})
    return sector


def make_stage(slug: str, *, name: str | None = None) -> Stage:
    stage, _ = Stage.objects.get_or_create(slug=slug, defaults={"name": name or _title(slug)})
    return stage


def make_support_type(slug: str, *, name: str | None = None) -> SupportType:
    support_type, _ = SupportType.objects.get_or_create(
        slug=slug, defaults={"name": name or _title(slug)}
    )
    return support_type


def make_provider(slug: str, *, name: str | None = None) -> Provider:
    provider, _ = Provider.objects.get_or_create(slug=slug, defaults={"name": name or _title(slug)})
    return provider


def make_cluster(slug: str, *, sectors: Iterable[Sector | str] = (), **fields) -> Cluster:
    cluster, _ = Cluster.objects.get_or_create(
        slug=slug, defaults={"name": _title(slug), "summary": "A cluster.", **fields}
    )
    cluster.sectors.add(*_rows(sectors, make_sector))
    return cluster


def _rows(items: Iterable, make) -> list:
    return [make(item) if isinstance(item, str) else item for item in items]


def make_programme(
    *,
    places: Iterable[Place | str] | None = None,
    sectors: Iterable[Sector | str] = (),
    stages: Iterable[Stage | str] = (),
    support_types: Iterable[SupportType | str] = (),
    providers: Iterable[Provider | str] = (),
    clusters: Iterable[Cluster | str] = (),
    evidence_year: int | None = -1,
    **overrides,
) -> Programme:
    """An open programme with a unique slug, serving the United Kingdom unless
    ``places`` says otherwise (the catalogue always states geography), with no other
    restriction unless the overrides set one. Strings name rows by slug; new places
    named that way are local authorities. It cites a source of this year, so its status
    is confirmed, unless ``evidence_year`` names another year (or None: no source)."""
    number = next(_numbers)
    fields = {
        "slug": f"programme-{number}",
        "name": f"Programme {number}",
        "summary": "Support for businesses.",
        "documents_read_on": datetime.date(2026, 1, 1),
        "last_verified": datetime.date(2026, 1, 1),
    }
    fields.update(overrides)
    programme = Programme.objects.create(**fields)
    if places is None:
        places = [make_place("united-kingdom", kind=Place.Kind.NATION, name="United Kingdom")]
    programme.places.add(*_rows(places, make_place))
    programme.sectors.add(*_rows(sectors, make_sector))
    programme.stages.add(*_rows(stages, make_stage))
    programme.support_types.add(*_rows(support_types, make_support_type))
    programme.providers.add(*_rows(providers, make_provider))
    programme.clusters.add(*_rows(clusters, make_cluster))
    if evidence_year is not None:
        year = timezone.localdate().year if evidence_year == -1 else evidence_year
        programme.programme_sources.create(source=make_source(year))
    return programme


def make_source(year: int) -> Source:
    """A source document of ``year``."""
    source, _ = Source.objects.get_or_create(
        slug=f"evidence-{year}",
        defaults={
            "title": f"Evidence of {year}",
            "publisher": "Tests",
            "year": year,
            "covers": ".",
        },
    )
    return source
