"""The plain-English wording of a programme's rules, shared by admin and public pages."""

from __future__ import annotations

import datetime

import pytest

from clusters.models import Place, Sector
from programmes.describe import (
    describe_range,
    eligibility_lines,
    format_money,
    related_programmes,
)
from programmes.models import Programme, ProgrammeRelation, Stage


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (None, ""),
        (0, "£0"),
        (500, "£500"),
        (25_000, "£25,000"),
        (999_999, "£999,999"),
        (1_000_000, "£1m"),
        (2_500_000, "£2.5m"),
        (1_250_000, "£1.25m"),
        (5_000_000, "£5m"),
        (120_000_000, "£120m"),
        (1_200_000_000, "£1.2bn"),
    ],
)
def test_format_money_writes_pounds_as_uk_readers_do(amount, expected):
    assert format_money(amount) == expected


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (None, None, "any"),
        (10, None, "10 or more"),
        (None, 249, "up to 249"),
        (10, 249, "10 to 249"),
        (50, 50, "50"),
        (1000, 12_400, "1,000 to 12,400"),
    ],
)
def test_describe_range_states_open_and_closed_ends(low, high, expected):
    assert describe_range(low, high) == expected


def test_describe_range_formats_money_ends():
    assert describe_range(25_000, 5_000_000, show=format_money) == "£25,000 to £5m"


def make_programme(name: str, **fields) -> Programme:
    return Programme.objects.create(
        name=name,
        slug=name.lower().replace(" ", "-"),
        summary="A test programme.",
        documents_read_on=datetime.date(2025, 1, 1),
        last_verified=datetime.date(2025, 1, 1),
        **fields,
    )


@pytest.mark.django_db
def test_eligibility_lines_list_every_criterion():
    programme = make_programme(
        "Scale Fund",
        employees_min=10,
        employees_max=249,
        turnover_min=1_000_000,
        amount_min=25_000,
        amount_max=5_000_000,
        growth=Programme.Growth.SCALEUP,
        audience=Programme.Audience.WOMEN_LEADERS,
        eligibility_note="Must be VAT registered.",
    )
    programme.places.add(
        Place.objects.create(slug="wmca", name="West Midlands Combined Authority", kind="lep-area")
    )
    programme.stages.add(Stage.objects.create(slug="established", name="Established"))
    assert eligibility_lines(programme) == [
        "Where: West Midlands Combined Authority",
        "Sectors: any",
        "Business stage: Established",
        "Employees: 10 to 249",
        "Turnover: £1m or more",
        "Growth: scaleups by the OECD measure",
        "Audience: women leaders and managers",
        "Funding per business: £25,000 to £5m",
        "Also: Must be VAT registered.",
    ]


@pytest.mark.django_db
def test_eligibility_lines_leave_out_money_when_none_is_offered():
    programme = make_programme("Leaders Course")
    programme.sectors.add(
        Sector.objects.create(slug="b", name="Batteries"),
        Sector.objects.create(slug="a", name="Aerospace"),
    )
    lines = eligibility_lines(programme)
    assert "Sectors: Aerospace, Batteries" in lines
    assert "Employees: any" in lines
    assert "Growth: any business" in lines
    # Geography is always stated in the catalogue, so an empty list is a gap, not "anywhere".
    assert lines[0].startswith("Where: not stated")
    assert not any(line.startswith("Funding per business") for line in lines)


@pytest.mark.django_db
def test_related_programmes_read_from_both_ends():
    old = make_programme("Old Scheme")
    new = make_programme("New Scheme")
    umbrella = make_programme("Umbrella")
    ProgrammeRelation.objects.create(
        programme=old, related=umbrella, kind=ProgrammeRelation.Kind.PART_OF
    )
    ProgrammeRelation.objects.create(
        programme=old, related=new, kind=ProgrammeRelation.Kind.SUCCEEDED_BY
    )
    assert [(link.label, link.programme) for link in related_programmes(old)] == [
        ("Succeeded by", new),
        ("Part of", umbrella),
    ]
    assert [(link.label, link.programme) for link in related_programmes(new)] == [("Replaces", old)]
    assert [(link.label, link.programme) for link in related_programmes(umbrella)] == [
        ("Includes", old)
    ]
