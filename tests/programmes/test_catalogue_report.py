"""Keeping the catalogue true: the catalogue_report command and the admin's "needs
review" filter, which ask the same questions (programmes.review)."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from programmes import review
from programmes.models import Programme
from tests.factories import make_place, make_programme

pytestmark = pytest.mark.django_db


def make(name: str, **fields) -> Programme:
    """A programme needing no review unless ``fields`` say otherwise: checked as current
    today, with a source of this year and a way in."""
    fields.setdefault("slug", name.lower().replace(" ", "-"))
    fields.setdefault("last_verified", timezone.localdate())
    fields.setdefault("how_to_apply", "Apply on its website.")
    return make_programme(name=name, **fields)


@pytest.fixture
def programmes() -> dict[str, Programme]:
    today = timezone.localdate()
    return {
        "fresh": make("Fresh Fund", closes_on=today + datetime.timedelta(days=30)),
        "stale": make("Stale Scheme", last_verified=review.months_before(today, 7)),
        # Verified 5 months ago: stale only when asking for 4 months.
        "five": make("Five Month Grant", last_verified=review.months_before(today, 5)),
        "lapsed": make("Lapsed Loan", closes_on=today - datetime.timedelta(days=1)),
        "soon": make(
            "Soon Programme",
            status=Programme.Status.OPENING_SOON,
            closes_on=today - datetime.timedelta(days=10),
        ),
        # Closing today is still open; closed after its date is as it should be.
        "today": make("Closes Today", closes_on=today),
        "closed": make(
            "Closed Properly",
            status=Programme.Status.CLOSED,
            closes_on=today - datetime.timedelta(days=90),
        ),
        "both": make(
            "Stale And Lapsed",
            last_verified=review.months_before(today, 12),
            closes_on=today - datetime.timedelta(days=5),
        ),
    }


def report(*args: str, capsys) -> str:
    call_command("catalogue_report", *args)
    return capsys.readouterr().out


def section(out: str, heading: str) -> list[str]:
    """The slugs listed under the line starting with ``heading``."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    slugs = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        slugs.append(line.split(":")[0].strip())
    return slugs


def test_catalogue_report_lists_stale_and_lapsed_programmes(programmes, capsys):
    out = report(capsys=capsys)
    cutoff = review.months_before(timezone.localdate(), 6)
    assert (
        f"Not checked against current information since {cutoff:%-d %B %Y} (6 months): 2\n" in out
    )
    assert section(out, "Not checked") == ["stale-and-lapsed", "stale-scheme"]
    assert section(out, "Still marked open") == [
        "lapsed-loan",
        "soon-programme",
        "stale-and-lapsed",
    ]
    assert "Still marked open or opening soon after its closing date: 3\n" in out
    # A programme with several reasons counts once.
    assert "4 programmes of 8 need review." in out


def test_catalogue_report_months_option(programmes, capsys):
    out = report("--months", "4", capsys=capsys)
    assert "(4 months)" in out
    assert section(out, "Not checked") == ["five-month-grant", "stale-and-lapsed", "stale-scheme"]


def test_catalogue_report_with_nothing_to_review(capsys):
    make("Fresh Fund")
    out = report(capsys=capsys)
    assert "None of the 1 programmes need review." in out
    assert section(out, "Not checked") == []


def test_catalogue_report_never_checked_old_evidence_no_way_in_outside_facts(capsys):
    today = timezone.localdate()
    make("Never Checked", last_verified=None)
    make("Old Evidence", evidence_year=today.year - 3)
    make("Old But Closed", evidence_year=today.year - 3, status=Programme.Status.CLOSED)
    make("No Way In", how_to_apply="")
    door = make("Front Door", places=["town"], how_to_apply="")
    door.front_door_for.add(make_place("town"))
    make("Through The Door", places=["town"], how_to_apply="")
    make("Outside Facts", outside_documents="The website address.")
    out = report(capsys=capsys)
    assert section(out, "Not checked") == ["never-checked"]
    assert "never-checked: Never Checked (never checked)" in out
    assert section(out, "Open or opening soon on old evidence") == ["old-evidence"]
    assert f"(open, latest evidence {today.year - 3})" in out
    assert section(out, "No way in") == ["no-way-in"]
    assert section(out, "Has facts not from the source documents") == ["outside-facts"]
    assert "outside-facts: Outside Facts (The website address.)" in out
    # Every reason, oldest evidence first.
    summary = section(out, "Oldest evidence first")
    assert summary[0] == "old-evidence (evidence " + str(today.year - 3) + ")"
    assert "4 programmes of 7 need review." in out


def test_catalogue_report_leaves_out_benchmark_programmes(capsys):
    make("Generated", last_verified=datetime.date(2000, 1, 1), is_generated=True)
    out = report(capsys=capsys)
    assert "generated" not in out


@pytest.mark.parametrize("bad", ["0", "-1", "six", "2.5"])
def test_catalogue_report_rejects_a_bad_months_value(bad):
    with pytest.raises(CommandError, match="--months: must be a whole number of months"):
        call_command("catalogue_report", "--months", bad)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2025, 8, 31), 6, datetime.date(2025, 2, 28)),
        (datetime.date(2024, 8, 31), 6, datetime.date(2024, 2, 29)),
        (datetime.date(2025, 3, 15), 6, datetime.date(2024, 9, 15)),
        (datetime.date(2025, 1, 1), 12, datetime.date(2024, 1, 1)),
    ],
)
def test_review_months_before_clamps_to_the_month_end(day, months, expected):
    assert review.months_before(day, months) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("any", {"Stale Scheme", "Lapsed Loan", "Soon Programme", "Stale And Lapsed"}),
        ("not-verified", {"Stale Scheme", "Stale And Lapsed"}),
        ("past-closing", {"Lapsed Loan", "Soon Programme", "Stale And Lapsed"}),
        ("unconfirmed", set()),
        ("no-next-step", set()),
    ],
)
def test_admin_needs_review_filter(admin_client, programmes, value, expected):
    response = admin_client.get(reverse("admin:programmes_programme_changelist"), {"review": value})
    assert response.status_code == 200
    assert {str(obj) for obj in response.context["cl"].result_list} == expected
