"""Public pages for the Plan for Growth clusters and for places."""

from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from clusters.models import Cluster, ClusterPoint, Place, ScaleupStatistics
from finder import cache, vocabulary
from finder import index as finder_index
from finder.pages import breadcrumbs, finder_url
from programmes.describe import describe_jobs, describe_output
from programmes.eligibility import BusinessProfile, geography
from programmes.models import Programme

# Broadest first: the order places are listed in, and how "narrower" is judged.
KIND_ORDER: list[str] = list(Place.Kind.values)
# A business can act on these now or soon; closed and proposed ones are listed apart.
CURRENT_STATUSES = frozenset({Programme.Status.OPEN, Programme.Status.OPENING_SOON})


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The Plan for Growth clusters, each with the growth it could bring."""
    clusters = [
        (cluster, describe_output(cluster), describe_jobs(cluster))
        for cluster in Cluster.objects.for_index()
    ]
    return render(
        request,
        "clusters/index.html",
        {"clusters": clusters, "breadcrumbs": breadcrumbs(("Growth clusters", None))},
    )


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One cluster: its growth opportunity, where it is, who leads it, what it asks for,
    and the programmes serving it."""
    cluster = get_object_or_404(Cluster.objects.for_detail(), slug=slug)
    points: dict[str, list[str]] = {kind: [] for kind in ClusterPoint.Kind.values}
    for point in cluster.points.all():
        points[point.kind].append(point.text)
    return render(
        request,
        "clusters/detail.html",
        {
            "cluster": cluster,
            "output": describe_output(cluster),
            "jobs": describe_jobs(cluster),
            "points": points,
            "breadcrumbs": breadcrumbs(
                ("Growth clusters", reverse("clusters:index")), (cluster.name, None)
            ),
        },
    )


def group_by_region(places: Iterable[Place]) -> list[tuple[str, list[Place]]]:
    """Places under the region they lie in ("West Midlands", "East Midlands"), broadest
    kind first and then by name; places in no region (nations, and areas the catalogue
    places directly in a nation) come last under "Nations and other areas".

    Reads each place's ``parents`` through ``.all()``: prefetch them (``for_index``).
    """
    places = list(places)
    parents = {place.pk: list(place.parents.all()) for place in places}

    def regions_of(place: Place) -> set[str]:
        found: set[str] = set()
        seen: set[int] = set()
        todo = [place]
        while todo:
            current = todo.pop()
            if current.pk in seen:  # a loop in bad data must not hang the page
                continue
            seen.add(current.pk)
            if current.kind == Place.Kind.REGION:
                found.add(current.name)
                continue
            todo.extend(parents.get(current.pk, ()))
        return found

    groups: dict[str, list[Place]] = {}
    others: list[Place] = []
    for place in places:
        regions = regions_of(place)
        if not regions:
            others.append(place)
        for region in regions:
            groups.setdefault(region, []).append(place)

    def order(place: Place) -> tuple[int, str]:
        return (KIND_ORDER.index(place.kind), place.name)

    result = [(region, sorted(groups[region], key=order)) for region in sorted(groups)]
    if others:
        result.append(("Nations and other areas", sorted(others, key=order)))
    return result


@require_safe
def place_index(request: HttpRequest) -> HttpResponse:
    """Every place in the catalogue, grouped by the region it lies in."""
    return render(
        request,
        "clusters/place_index.html",
        {
            "groups": group_by_region(Place.objects.for_index()),
            "breadcrumbs": breadcrumbs(("Places", None)),
        },
    )


@require_safe
def place(request: HttpRequest, slug: str) -> HttpResponse:
    """One place, seen from a business there: the areas it is part of, the clusters
    there, the programmes it can use and the scaleup statistics for its area.

    The programmes are those the finder's geography criterion (``eligibility.geography``)
    finds for a business there: met for a programme for the place or any place
    containing it (Coventry lists programmes for Coventry, the combined authority, the
    West Midlands, England and the United Kingdom); unknown for one for only part of
    the place (the West Midlands page lists the Coventry programme), listed last.
    Programmes open now (or opening soon) come first; closed and proposed ones are
    listed apart, because a closed one may point to its successor and a proposed one
    may yet run.
    """
    try:
        within = Place.objects.containing(slug)
    except Place.DoesNotExist as missing:
        raise Http404(str(missing)) from missing
    today = timezone.localdate()
    places = {p.slug: p for p in Place.objects.filter(slug__in=within)}
    place = places.pop(slug)
    # Narrowest first: Coventry is in the combined authority, the region, England, the UK.
    above = sorted(places.values(), key=lambda p: (-KIND_ORDER.index(p.kind), p.name))
    inside = Place.objects.inside(slug)

    version = cache.catalogue_version()
    catalogue = finder_index.current(version)
    places_named = catalogue.columns[geography].any
    verdicts = geography.decide(
        catalogue.columns[geography],
        BusinessProfile(**vocabulary.current(version).location(slug)),
    )
    met = set(catalogue.ids[places_named & ~verdicts.unmet & ~verdicts.unknown].tolist())
    partly = set(catalogue.ids[places_named & verdicts.unknown].tolist())
    current, other, local = [], [], []
    for programme in Programme.objects.filter(pk__in=met | partly).order_by("name"):
        if programme.pk in partly:
            local.append(programme)
        elif programme.effective_status(today) in CURRENT_STATUSES:
            current.append(programme)
        else:
            other.append(programme)
    return render(
        request,
        "clusters/place.html",
        {
            "place": place,
            "above": above,
            "children": place.children.all(),
            "clusters": Cluster.objects.located_in(inside),
            "current_programmes": current,
            "other_programmes": other,
            "local_programmes": local,
            "statistics": ScaleupStatistics.objects.for_places(within),
            "finder_link": finder_url(location=slug),
            "breadcrumbs": breadcrumbs(
                ("Places", reverse("clusters:place-index")), (place.name, None)
            ),
        },
    )
