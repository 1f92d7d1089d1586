"""The catalogue's vocabularies as the finder needs them on every request — the place,
sector, stage and support-type choices of the form, and which places contain which —
read from the database once per process and kept while the catalogue stays as it is.

They change only when content staff load the catalogue or edit it in the admin, yet the
form reads all four lists and the place containment table on every search. So they are
kept with the catalogue version they were read at (``finder.cache.catalogue_version``,
which any catalogue change, in any process, moves), as the index of the catalogue is:
a request that finds the version moved reads them again. A place added or renamed,
whichever process or app server saved it, is in the next search's form.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils.choices import BaseChoiceIterator

from clusters import postcodes
from clusters.models import Place, Sector
from finder import cache
from programmes.eligibility import Term, _and_list
from programmes.models import Stage, SupportType

# The first letters of the postcode directory's codes for the Channel Islands (L) and the
# Isle of Man (M): Crown dependencies, not part of the UK.
OFFSHORE = "LM"

# Place kinds in the order a business owner looks for them, with the group labels the
# location list shows.
PLACE_GROUPS = [
    (Place.Kind.LOCAL_AUTHORITY, "Local authority areas"),
    (Place.Kind.COUNTY, "Counties"),
    (Place.Kind.COMBINED_AUTHORITY, "Combined authorities"),
    (Place.Kind.LEP_AREA, "Local enterprise partnership areas"),
    (Place.Kind.REGION, "Regions"),
    (Place.Kind.NATION, "Nations"),
]

Choices = tuple[tuple[str, str], ...]


class FormChoices(BaseChoiceIterator):
    """A form field's choices, already in Django's canonical form: (value, label) pairs, or
    (group, pairs). A field takes an iterator of Django's own kind as it is, where it
    would check and copy a list for each new form: 0.7 ms of CPU a search, for the four
    fields of the finder's form (README, "Performance")."""

    def __init__(self, choices) -> None:
        self.choices = tuple(choices)

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)


@dataclass(frozen=True)
class Vocabulary:
    """One reading of the vocabularies. Immutable: requests share it."""

    #: The catalogue version they were read at.
    version: int
    places: tuple[tuple[str, Choices], ...]
    sectors: Choices
    stages: Choices
    #: Each stage's description, shown as the hint of its choice.
    stage_hints: dict[str, str]
    support_types: Choices
    parents: dict[str, frozenset[str]]
    #: The broader sectors of each sector that has any (automotive: manufacturing).
    broader: dict[str, frozenset[str]]
    #: The place of each GSS code the catalogue gives (E08000026: coventry).
    codes: dict[str, str]
    #: Each nation by the first letter of its areas' codes (E: england; K: the UK).
    nations: dict[str, str]

    @cached_property
    def labels(self) -> dict[str, dict[str, str]]:
        """The name of each choice by slug, under the form field offering it."""
        return {
            "location": {slug: name for _, options in self.places for slug, name in options},
            "sector": dict(self.sectors),
            "stage": dict(self.stages),
        }

    @cached_property
    def form_choices(self) -> dict[str, FormChoices]:
        """The choices of each choice field of the finder's form, under its name."""
        return {
            "location": FormChoices([("", "Choose a place"), *self.places]),
            "sector": FormChoices([("", "Choose a sector"), *self.sectors]),
            "stage": FormChoices(self.stages),
            "support": FormChoices(self.support_types),
        }

    @cached_property
    def children(self) -> dict[str, frozenset[str]]:
        """The places directly inside each place."""
        children: dict[str, set[str]] = {}
        for child, parents in self.parents.items():
            for parent in parents:
                children.setdefault(parent, set()).add(child)
        return {parent: frozenset(slugs) for parent, slugs in children.items()}

    def inside(self, slug: str) -> frozenset[str]:
        """Every place inside this one, however indirectly (not the place itself)."""
        return _reach(slug, self.children) - {slug}

    def overlapping(self, slug: str) -> frozenset[str]:
        """Every place sharing part of this place's area without containing all of it:
        the places inside it, and those containing some of them (a LEP area reaching
        into a county, say)."""
        inside = self.inside(slug)
        shared = set(inside)
        for place in inside:
            shared |= self.containing(place)
        return frozenset(shared) - self.containing(slug)

    def location(self, slug: str | None) -> dict[str, object]:
        """What a business in the place ``slug`` (or in none) tells the finder about its
        place: ``BusinessProfile``'s location fields."""
        if not slug:
            return {}
        return {
            "location": slug,
            "location_name": self.labels["location"].get(slug),
            **self._area([slug]),
        }

    def _area(self, listed: Collection[str], nations: Collection[str] = ()) -> dict[str, object]:
        """Where a business is, for matching, when it is in one of the places ``listed``
        (not known which) or in one of ``nations`` outside every place listed there:
        within the places containing all of them; the places inside any listed one
        lie inside its area; those sharing part of any listed one overlap it. For one
        place, that place's containment (``containing``, ``inside``, ``overlapping``)."""
        within = frozenset.intersection(*(self.containing(place) for place in [*listed, *nations]))
        inside = frozenset().union(*({place} | self.inside(place) for place in listed))
        reached = frozenset().union(
            *(self.containing(place) | self.overlapping(place) for place in listed)
        )
        return {
            "location_within": within,
            "location_inside": inside - within,
            "location_overlapping": reached - within,
        }

    def postcode(self, postcode: postcodes.Postcode) -> dict[str, object]:
        """What a business at ``postcode`` tells the finder about its place, as
        ``location`` does for a place chosen from the list, with the postcode and a
        sentence saying where it is (``postcode_found``).

        A postcode in a local authority the catalogue lists is in that place. One in an
        authority it does not list is in its nation (the first letter of the code: E
        England, W Wales, S Scotland, N Northern Ireland; the UK if the nation is not
        listed) and in none of the places the catalogue lists inside it — true because
        each of those is made up of listed local authorities (tests/clusters/
        test_postcodes.py holds the shipped catalogue to it). A partial postcode
        covering several authorities is in one of them, not known which. Raises
        ``ValidationError`` for a postcode the directory does not hold, or one outside
        the UK or outside every listed place."""
        codes = postcodes.authorities(postcode)
        if not codes:
            raise ValidationError(
                f"We cannot find where the postcode {postcode.text} is: check it, or choose "
                "your area from the list",
                code="unknown",
            )
        listed = sorted({self.codes[code] for code in codes if code in self.codes})
        elsewhere = sorted(
            {self._nation_of(code) for code in codes if code not in self.codes} - {None}
        )
        if not listed and not elsewhere:
            if all(code[0] in OFFSHORE for code in codes):
                raise ValidationError(
                    f"{postcode.text} is in the Channel Islands or the Isle of Man, which are "
                    "not part of the UK: the programmes here are for UK businesses",
                    code="outside",
                )
            raise ValidationError(
                f"We cannot tell which of our places {postcode.text} is in: choose your area "
                "from the list",
                code="unplaced",
            )
        names = self.labels["location"]
        parts = [*listed, *elsewhere]
        said = {
            "postcode": postcode.text,
            "postcode_places": tuple(Term(slug=part, name=names[part]) for part in parts),
        }
        if len(listed) == 1 and not elsewhere:
            found = f"{postcode.text} is in {names[listed[0]]}."
            return {**self.location(listed[0]), **said, "postcode_found": found}
        covers = (
            *(names[p] for p in listed),
            # "Wales" beside Shropshire; "other places in England" beside High Peak.
            *(
                f"other places in {names[n]}"
                if any(n in self.containing(p) for p in listed)
                else names[n]
                for n in elsewhere
            ),
        )
        if len(parts) == 1:
            found = f"{postcode.text} is in {names[parts[0]]}, outside the areas we list."
        else:
            found = f"{postcode.text} covers parts of {_and_list(covers)}."
        return {
            "location": postcode.text,
            "location_name": postcode.text,
            **self._area(listed, elsewhere),
            "location_covers": covers if len(parts) > 1 else (),
            **said,
            "postcode_found": found,
        }

    def _nation_of(self, code: str) -> str | None:
        """The listed nation an area code lies in, by its first letter, or the United
        Kingdom (a place coded K...) when that nation is not listed; None outside the
        UK."""
        if code[0] in OFFSHORE:
            return None
        return self.nations.get(code[0]) or self.nations.get("K")

    def sector(self, slug: str | None) -> dict[str, object]:
        """What a business in the sector ``slug`` (or in none) tells the finder about
        its sector: ``BusinessProfile``'s sector fields."""
        if not slug:
            return {}
        return {
            "sector": slug,
            "sector_name": self.labels["sector"].get(slug),
            "sector_within": _reach(slug, self.broader),
        }

    def nearest(self, within: Collection[str], marked: Collection[str]) -> frozenset[str]:
        """The places of ``marked`` among ``within`` (the places a business lies wholly
        in, as ``containing`` gives them), nearest first: those containing another of
        them are left out. For Coventry, with front doors set for Coventry, the combined
        authority and England, gives Coventry."""
        found = frozenset(within) & frozenset(marked)
        return frozenset(
            place
            for place in found
            if not any(place in self.containing(other) for other in found - {place})
        )

    def containing(self, slug: str) -> frozenset[str]:
        """The slug of this place and of every place containing it, however indirectly
        (as ``Place.objects.containing``, without a query)."""
        return _reach(slug, self.parents)


def _reach(slug: str, links: dict[str, frozenset[str]]) -> frozenset[str]:
    """``slug`` and every place (or sector) reached from it by ``links``, however
    indirectly."""
    found = {slug}
    todo = [slug]
    while todo:
        # ``found`` guards against a loop in bad data (A inside B inside A).
        for other in links.get(todo.pop(), ()):
            if other not in found:
                found.add(other)
                todo.append(other)
    return frozenset(found)


_lock = threading.Lock()
_current: Vocabulary | None = None


def current(version: int | None = None) -> Vocabulary:
    """The vocabularies of the catalogue at ``version`` (``cache.catalogue_version()``:
    read now when not given), read from the database if this process holds none for it."""
    global _current
    if version is None:
        version = cache.catalogue_version()
    vocabulary = _current
    if vocabulary is not None and vocabulary.version == version:
        return vocabulary
    with _lock:
        if _current is None or _current.version != version:
            _current = read(version)
        return _current


def clear(**kwargs) -> None:
    """Forget the vocabularies; the next request reads them again."""
    global _current
    _current = None


def read(version: int) -> Vocabulary:
    """Read the vocabularies from the database (six queries), as at ``version``."""
    places = Place.objects.order_by("name").values_list("kind", "slug", "name", "code")
    groups = []
    for kind, label in PLACE_GROUPS:
        options = tuple((slug, name) for place_kind, slug, name, _ in places if place_kind == kind)
        if options:
            groups.append((label, options))
    stages = Stage.objects.order_by("position").values_list("slug", "name", "description")
    return Vocabulary(
        version=version,
        places=tuple(groups),
        sectors=tuple(Sector.objects.order_by("name").values_list("slug", "name")),
        stages=tuple((slug, name) for slug, name, _ in stages),
        stage_hints={slug: hint for slug, _, hint in stages if hint},
        support_types=tuple(
            SupportType.objects.order_by("position", "name").values_list("slug", "name")
        ),
        parents=_edges(
            Place.parents.through.objects.values_list("from_place__slug", "to_place__slug")
        ),
        broader=_edges(
            Sector.broader.through.objects.values_list("from_sector__slug", "to_sector__slug")
        ),
        codes={code: slug for _, slug, _, code in places if code},
        nations={
            # K: the United Kingdom as a whole.
            code[0]: slug
            for kind, slug, _, code in places
            if kind == Place.Kind.NATION and code
        },
    )


def _edges(pairs) -> dict[str, frozenset[str]]:
    """(from, to) pairs as the set of ``to`` for each ``from``."""
    edges: dict[str, set[str]] = {}
    for start, end in pairs:
        edges.setdefault(start, set()).add(end)
    return {start: frozenset(ends) for start, ends in edges.items()}
