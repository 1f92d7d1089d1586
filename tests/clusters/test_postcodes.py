"""Postcodes to local authorities (clusters/postcodes.py), read from the pinned ONS
postcode directory: how a postcode is read as people type it, and what the directory
says of full, partial, unknown, Scottish, Welsh, Northern Irish and offshore postcodes.
And the places file holds every Midlands authority with a code the directory knows."""

from __future__ import annotations

import pytest
import yaml
from django.conf import settings

from clusters import postcodes

COVENTRY = "E08000026"
SOLIHULL = "E08000029"
NORTH_WARWICKSHIRE = "E07000218"
NUNEATON_AND_BEDWORTH = "E07000219"


@pytest.mark.parametrize(
    ("typed", "text", "full"),
    [
        ("CV1 2AB", "CV1 2AB", True),
        ("cv12ab", "CV1 2AB", True),
        ("  Cv1   2aB ", "CV1 2AB", True),
        ("B1 1AA", "B1 1AA", True),
        ("SW1A 1AA", "SW1A 1AA", True),
        ("CV7", "CV7", False),
        ("cv7", "CV7", False),
        ("CV7 9", "CV7 9", False),
        ("CV10", "CV10", False),
    ],
)
def test_parse_reads_postcodes_as_people_type_them(typed: str, text: str, full: bool) -> None:
    postcode = postcodes.parse(typed)
    assert postcode is not None
    assert (postcode.text, postcode.full) == (text, full)


def test_parse_writes_the_prefix_as_the_directory_does() -> None:
    # The outward code is padded to four characters, then the inward code follows.
    assert postcodes.parse("B1 1AA").prefix == "B1  1AA"
    assert postcodes.parse("CV1 2AB").prefix == "CV1 2AB"
    assert postcodes.parse("CV10 7AB").prefix == "CV107AB"
    assert postcodes.parse("CV7").prefix == "CV7 "


@pytest.mark.parametrize("typed", ["", "hello", "CV", "12345", "CV1 2A", "CV1 2AB3", "C-V1"])
def test_parse_refuses_what_is_not_shaped_like_a_postcode(typed: str) -> None:
    assert postcodes.parse(typed) is None


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("CV1 2AB", (COVENTRY,)),  # central Coventry
        ("cv1 2ab", (COVENTRY,)),
        ("B1 1AA", ("E08000025",)),  # Birmingham
        ("LE1 1AA", ("E06000016",)),  # Leicester
        ("EH1 1AA", ("S12000036",)),  # Edinburgh: Scotland
        ("CF10 1AA", ("W06000015",)),  # Cardiff: Wales
        ("BT1 1AA", ("N09000003",)),  # Belfast: Northern Ireland
        ("JE2 3AB", ("L99999999",)),  # Jersey: the directory's code for the Channel Islands
    ],
)
def test_a_full_postcode_names_one_authority(typed: str, codes: tuple[str, ...]) -> None:
    assert postcodes.authorities(postcodes.parse(typed)) == codes


@pytest.mark.parametrize("typed", ["ZZ9 9ZZ", "CV1 9XX", "QQ1 1AA", "CV99"])
def test_a_postcode_the_directory_does_not_hold_names_none(typed: str) -> None:
    assert postcodes.authorities(postcodes.parse(typed)) == ()


def test_an_outward_code_names_every_authority_it_covers_part_of() -> None:
    found = postcodes.authorities(postcodes.parse("CV7"))
    # CV7 (Coventry's rural edge) reaches into its neighbours.
    assert {COVENTRY, SOLIHULL, NORTH_WARWICKSHIRE, NUNEATON_AND_BEDWORTH} <= set(found)
    assert list(found) == sorted(found)
    # Its sector CV7 9 covers fewer.
    assert set(postcodes.authorities(postcodes.parse("CV7 9"))) < set(found)


def test_an_outward_code_is_not_read_as_the_start_of_a_longer_one() -> None:
    # "CV1" is Coventry's centre; "CV10" (Nuneaton) must not be counted in it.
    assert postcodes.authorities(postcodes.parse("CV1")) == (COVENTRY,)


def places_file() -> list[dict]:
    return yaml.safe_load((settings.BASE_DIR / "fixtures" / "places.yaml").read_text())


def test_every_local_authority_in_the_places_file_has_a_code_the_directory_knows() -> None:
    postcodes.load_all()
    known = {code for letter in postcodes.letters() for code in letter.codes if code}
    authorities = [p for p in places_file() if p["kind"] == "local-authority"]
    assert authorities
    unknown = [(p["slug"], p.get("code")) for p in authorities if p.get("code") not in known]
    assert unknown == []


def test_the_places_file_holds_every_midlands_authority() -> None:
    """30 local authority districts in the West Midlands region and 35 in the East
    Midlands (ONS, since Northamptonshire's two unitary councils in 2021)."""
    places = {p["slug"]: p for p in places_file()}

    def region_of(slug: str) -> set[str]:
        found, todo = set(), [slug]
        while todo:
            for parent in places[todo.pop()].get("parents", []):
                found.add(parent)
                todo.append(parent)
        return found & {"west-midlands", "east-midlands"}

    authorities = [p["slug"] for p in places.values() if p["kind"] == "local-authority"]
    west = [slug for slug in authorities if region_of(slug) == {"west-midlands"}]
    east = [slug for slug in authorities if region_of(slug) == {"east-midlands"}]
    assert (len(west), len(east)) == (30, 35)


def test_every_area_of_the_places_file_is_made_of_listed_authorities() -> None:
    """A postcode in an authority the file does not list is placed in its nation only,
    outside every other listed area (``Vocabulary.postcode``): true only while each
    area between a nation and an authority is made of authorities the file lists."""
    places = places_file()
    children: dict[str, set[str]] = {}
    for place in places:
        for parent in place.get("parents", []):
            children.setdefault(parent, set()).add(place["slug"])
    kinds = {p["slug"]: p["kind"] for p in places}

    def authorities_in(slug: str) -> set[str]:
        found = set()
        for child in children.get(slug, ()):
            found |= {child} if kinds[child] == "local-authority" else authorities_in(child)
        return found

    areas = [p["slug"] for p in places if p["kind"] not in ("nation", "local-authority")]
    assert [slug for slug in areas if not authorities_in(slug)] == []
