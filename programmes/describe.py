"""Plain-English wording for a programme's rules and links, shared by the admin and the
public programme pages so staff and business owners read the same sentences.

The wording follows the catalogue's rule for eligibility: a criterion left empty means
"no restriction" and is said as "any", except geography, which the catalogue always
states (a UK-wide programme names the United Kingdom), so an empty list of places is
reported as missing data rather than as "anywhere".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from django.db.models import F

from clusters.models import Cluster, Place
from finder import vocabulary
from programmes import eligibility
from programmes.eligibility import MILLION, format_count
from programmes.models import Programme, ProgrammeRelation


def format_money(amount: int | None) -> str:
    """An amount of pounds as UK readers write it (£25,000, £5m, £2.5m); "" for none.
    The finder's reasons use the same wording (``eligibility.format_money``)."""
    if amount is None:
        return ""
    return eligibility.format_money(amount)


def describe_range(
    low: int | None,
    high: int | None,
    *,
    show: Callable[[int], str] = format_count,
    unrestricted: str = "any",
) -> str:
    """A min/max pair as words: "10 to 249", "10 or more", "up to 249"; both ends
    missing means no restriction, said as ``unrestricted``."""
    return eligibility.describe_range(low, high, show=show) or unrestricted


def format_amount_range(programme: Programme) -> str:
    """The money one business can get, or "" when the programme states no amount."""
    if programme.amount_min is None and programme.amount_max is None:
        return ""
    return describe_range(programme.amount_min, programme.amount_max, show=format_money)


def describe_output(cluster: Cluster) -> str:
    """A cluster's extra output as the profiles write it: "£220m to £320m" (stored in
    £m, so 1,000 or more reads as billions: "£1.2bn"), or "" when none is given."""
    return describe_range(
        cluster.output_min_m,
        cluster.output_max_m,
        show=lambda millions: format_money(millions * MILLION),
        unrestricted="",
    )


def describe_jobs(cluster: Cluster) -> str:
    """A cluster's extra jobs: "3,400 to 3,700", or "" when none is given."""
    return describe_range(cluster.jobs_min, cluster.jobs_max, unrestricted="")


def _names(items) -> str:
    return ", ".join(str(item) for item in items)


GROWTH_WORDING: dict[str, str] = {
    Programme.Growth.ANY: "any business",
    Programme.Growth.POTENTIAL_SCALEUP: "scaleups and businesses with the potential to scale",
    Programme.Growth.SCALEUP: "scaleups by the OECD measure",
}

AUDIENCE_WORDING: dict[str, str] = {
    Programme.Audience.ANY: "anyone",
    Programme.Audience.WOMEN_LEADERS: "women leaders and managers",
}


class Criterion(NamedTuple):
    """One line of a programme's eligibility: what is asked about, and the requirement.

    ``places`` carries the places themselves for the "Where" line, so a public page can
    link them; it is empty on every other line.
    """

    label: str
    text: str
    places: tuple[Place, ...] = ()


def eligibility_criteria(programme: Programme) -> list[Criterion]:
    """The programme's eligibility as a checklist, one criterion per line.

    Every criterion is listed, unrestricted ones as "any", so a reader can tell "no
    restriction" from "we forgot to say". Funding per business is listed only when the
    programme offers money. Reads places, sectors and stages through ``.all()`` so a
    prefetched queryset costs no further queries.
    """
    places = tuple(programme.places.all())
    sectors = list(programme.sectors.all())
    stages = list(programme.stages.all())
    criteria = [
        Criterion("Where", _names(places), places)
        if places
        else Criterion("Where", "not stated — check with the provider"),
        Criterion("Sectors", _names(sectors) if sectors else "any"),
        Criterion("Business stage", _names(stages) if stages else "any"),
        Criterion("Employees", describe_range(programme.employees_min, programme.employees_max)),
        Criterion(
            "Turnover",
            describe_range(programme.turnover_min, programme.turnover_max, show=format_money),
        ),
        Criterion("Growth", GROWTH_WORDING.get(programme.growth, programme.get_growth_display())),
        Criterion(
            "Audience",
            AUDIENCE_WORDING.get(programme.audience, programme.get_audience_display()),
        ),
    ]
    amount = format_amount_range(programme)
    if amount:
        criteria.append(Criterion("Funding per business", amount))
    if programme.rules_known == programme.RulesKnown.PARTLY:
        criteria.append(Criterion("Rules", "only partly known: our sources leave some of them out"))
    if programme.eligibility_note:
        criteria.append(Criterion("Also", programme.eligibility_note))
    return criteria


def eligibility_lines(programme: Programme) -> list[str]:
    """The eligibility checklist as plain "Criterion: requirement" lines (for the admin)."""
    return [f"{criterion.label}: {criterion.text}" for criterion in eligibility_criteria(programme)]


class RelatedProgramme(NamedTuple):
    """One line of "Successors and related": how ``programme`` stands to the one shown."""

    label: str
    programme: Programme


# How a relation reads from the other end: if A is succeeded by B, B replaces A.
INVERSE_WORDING: dict[str, str] = {
    ProgrammeRelation.Kind.SUCCEEDED_BY: "Replaces",
    ProgrammeRelation.Kind.PART_OF: "Includes",
    ProgrammeRelation.Kind.DELIVERED_THROUGH: "Delivers",
}


def related_programmes(programme: Programme) -> list[RelatedProgramme]:
    """Every programme linked to this one, from both ends of each relation.

    Successors come first because a closed programme's most useful fact is what
    replaced it; then what it is part of or delivered through; then the reverse links.
    Prefetch ``relations__related`` and ``inverse_relations__programme`` when listing
    many programmes; otherwise each link costs a query.
    """
    order = list(ProgrammeRelation.Kind)
    forward = sorted(
        programme.relations.all(),
        key=lambda rel: (order.index(rel.kind), rel.related.name),
    )
    backward = sorted(
        programme.inverse_relations.all(),
        key=lambda rel: (order.index(rel.kind), rel.programme.name),
    )
    return [RelatedProgramme(rel.get_kind_display(), rel.related) for rel in forward] + [
        RelatedProgramme(INVERSE_WORDING[rel.kind], rel.programme) for rel in backward
    ]


def front_door_map() -> dict[str, list[Programme]]:
    """The programmes that are a place's front door, by the place's slug. One query."""
    doors: dict[str, list[Programme]] = {}
    for door in Programme.objects.filter(front_door_for__isnull=False).annotate(
        door_for=F("front_door_for__slug")
    ):
        doors.setdefault(door.door_for, []).append(door)
    return doors


def front_doors(
    places: list[Place], doors: dict[str, list[Programme]]
) -> tuple[list[tuple[str, list[Programme]]], bool]:
    """Who a business should ask first, wherever a programme serving ``places`` runs:
    for each place with front doors (``doors``, from ``front_door_map``) that lies in or
    contains one of ``places``, its name and its front doors; and whether every one of
    ``places`` has front doors of its own or a containing place's
    (``Vocabulary.nearest``)."""
    places_vocabulary = vocabulary.current()
    names = places_vocabulary.labels["location"]
    reached: set[str] = set()
    covered = True
    for place in places:
        nearest = places_vocabulary.nearest(places_vocabulary.containing(place.slug), doors)
        covered = covered and bool(nearest)
        reached |= nearest | (places_vocabulary.inside(place.slug) & doors.keys())
    found = [
        (names.get(slug, slug), sorted(doors[slug], key=lambda door: door.name)) for slug in reached
    ]
    return sorted(found, key=lambda pair: pair[0]), covered
