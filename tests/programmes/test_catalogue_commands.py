"""validate_catalogue, load_catalogue and export_catalogue on a small catalogue the
tests write themselves, including deliberately broken files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from clusters.models import Place
from finder.cache import catalogue_version
from programmes import catalogue
from programmes.catalogue import store
from programmes.models import CatalogueLoad, Programme

REGISTER = """\
# The source documents the catalogue cites. See README.md, "The catalogue files".

- slug: "review-2023"
  title: "A review"
  publisher: "An institute"
  year: 2023
  covers: "Programmes in the region."
"""

FILES = {
    "vocabularies/support-types.yaml": """\
# Support types, in the order the finder shows them. The slugs are public. See README.md, "The catalogue files".

- slug: "equity"
  name: "Equity investment"

- slug: "loan"
  name: "Loans"
""",
    "vocabularies/stages.yaml": """\
# Business stages, in the order the finder shows them. The slugs are public. See README.md, "The catalogue files".

- slug: "established"
  name: "Established"
""",
    "vocabularies/sectors.yaml": """\
# Sectors a business can pick from. Each slug is the slug of its name. See README.md, "The catalogue files".

- slug: "manufacturing"
  name: "Manufacturing"
""",
    "places.yaml": """\
# Places and the larger places that contain them. See README.md, "The catalogue files".

- slug: "united-kingdom"
  name: "United Kingdom"
  kind: "nation"

- slug: "west-midlands"
  name: "West Midlands"
  kind: "region"
  parents: ["united-kingdom"]

- slug: "coventry"
  name: "Coventry"
  kind: "local-authority"
  parents: ["west-midlands"]
""",
    "providers.yaml": """\
# Organisations that run or deliver programmes. See README.md, "The catalogue files".

- slug: "combined-authority"
  name: "A combined authority"
""",
    "statistics.yaml": (
        "# Scaleup statistics from the ScaleUp Institute's reviews. "
        'See README.md, "The catalogue files".\n'
    ),
    "clusters/batteries.yaml": """\
slug: "batteries"
name: "Batteries"
summary: "Battery making."
output_min_m: 850
output_max_m: 950
places: ["coventry"]
sources: ["review-2023"]
drivers:
  - "Demand for electric vehicles."
""",
    "programmes/co-investment-fund.yaml": """\
slug: "co-investment-fund"
name: "Co-Investment Fund"
summary: "Equity for growing firms."
description: |-
  First paragraph.

  Second paragraph.
providers: ["combined-authority"]
support_types: ["equity"]
fund_size: 25000000
amount_max: 1000000
status: "open"
opens_on: 2023-03-01
eligibility:
  places: ["west-midlands"]
  sectors: ["manufacturing"]
  employees_min: 10
  employees_max: 249
  growth: "scaleup"
clusters: ["batteries"]
related:
  - programme: "old-fund"
    kind: "succeeded-by"
outcomes:
  - text: "Launched with a £25m fund."
    source: "review-2023"
sources:
  - source: "review-2023"
    facts: "Fund size and limit."
documents_read_on: 2026-11-01
last_verified: 2026-11-01
""",
    "programmes/old-fund.yaml": """\
slug: "old-fund"
name: "Old Fund"
summary: "The fund before."
support_types: ["loan"]
status: "closed"
closes_on: 2021-07-31
eligibility:
  places: ["united-kingdom"]
sources:
  - source: "review-2023"
documents_read_on: 2026-11-01
last_verified: 2026-11-01
""",
}


def write_catalogue(root: Path, overrides: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Write the small catalogue under root, with some files replaced; return its paths."""
    fixtures = root / "fixtures"
    for name, text in {**FILES, **(overrides or {})}.items():
        path = fixtures / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    register = root / "register.yaml"
    register.write_text(REGISTER, encoding="utf-8")
    return fixtures, register


def run(command: str, fixtures: Path, register: Path, *extra: str, capsys=None) -> str:
    call_command(command, "--fixtures", str(fixtures), "--sources", str(register), *extra)
    return capsys.readouterr().out if capsys else ""


@pytest.fixture
def good(tmp_path: Path) -> tuple[Path, Path]:
    return write_catalogue(tmp_path)


def test_validate_catalogue_accepts_a_good_catalogue(good, capsys) -> None:
    out = run("validate_catalogue", *good, capsys=capsys)
    assert "The catalogue is valid" in out
    assert "2 programme" in out


@pytest.mark.django_db
def test_load_catalogue_loads_everything_and_records_the_load(good, capsys) -> None:
    out = run("load_catalogue", *good, capsys=capsys)

    fund = Programme.objects.get(slug="co-investment-fund")
    assert fund.fund_size == 25_000_000
    assert fund.amount_max == 1_000_000
    assert fund.employees_min == 10 and fund.employees_max == 249
    assert fund.growth == Programme.Growth.SCALEUP
    assert fund.description == "First paragraph.\n\nSecond paragraph."
    assert [p.slug for p in fund.places.all()] == ["west-midlands"]
    assert [s.slug for s in fund.sectors.all()] == ["manufacturing"]
    assert fund.relations.get().related.slug == "old-fund"
    assert fund.outcomes.get().text == "Launched with a £25m fund."
    assert Place.objects.get(slug="coventry").parents.get().slug == "west-midlands"
    assert "Loaded the catalogue: 12 added, 0 changed" in out
    record = CatalogueLoad.objects.get()
    assert record.added == 12
    assert any(name.endswith("co-investment-fund.yaml") for name in record.files)
    assert all(len(checksum) == 64 for checksum in record.files.values())


@pytest.mark.django_db
def test_load_catalogue_twice_changes_nothing(good, capsys) -> None:
    run("load_catalogue", *good)
    before = store.dump_catalogue()
    version = catalogue_version()

    out = run("load_catalogue", *good, capsys=capsys)

    assert "0 added, 0 changed, 0 removed, 12 unchanged" in out
    assert store.dump_catalogue() == before
    # Nothing changed, so every worker keeps its index and its cached answers.
    assert catalogue_version() == version


@pytest.mark.django_db
def test_load_catalogue_reports_what_changed(good, capsys) -> None:
    fixtures, _register = good
    run("load_catalogue", *good)
    path = fixtures / "programmes/old-fund.yaml"
    path.write_text(path.read_text().replace('"Old Fund"', '"The Old Fund"'))
    version = catalogue_version()

    out = run("load_catalogue", *good, capsys=capsys)

    assert "changed 1 programme: old-fund" in out
    assert catalogue_version() != version
    assert Programme.objects.get(slug="old-fund").name == "The Old Fund"


@pytest.mark.django_db
def test_load_catalogue_keeps_entries_missing_from_the_files_unless_pruned(good, capsys) -> None:
    fixtures, _register = good
    run("load_catalogue", *good)
    (fixtures / "programmes/co-investment-fund.yaml").unlink()

    out = run("load_catalogue", *good, capsys=capsys)
    assert "1 programme in the database but not in the files" in out
    assert Programme.objects.filter(slug="co-investment-fund").exists()

    out = run("load_catalogue", *good, "--prune", capsys=capsys)
    assert "removed 1 programme: co-investment-fund" in out
    assert not Programme.objects.filter(slug="co-investment-fund").exists()


@pytest.mark.django_db
def test_export_catalogue_after_load_leaves_the_files_as_they_were(good) -> None:
    fixtures, register = good
    before = {p: p.read_bytes() for p in fixtures.rglob("*.yaml")}
    run("load_catalogue", *good)

    run("export_catalogue", *good)

    after = {p: p.read_bytes() for p in fixtures.rglob("*.yaml")}
    assert after == before
    assert register.read_text() == REGISTER


@pytest.mark.django_db
def test_export_catalogue_writes_admin_edits_back_and_they_load_unchanged(good, capsys) -> None:
    fixtures, register = good
    run("load_catalogue", *good)
    fund = Programme.objects.get(slug="co-investment-fund")
    fund.amount_max = 2_000_000
    fund.save()
    Programme.objects.get(slug="old-fund").delete()

    out = run("export_catalogue", *good, capsys=capsys)

    text = (fixtures / "programmes/co-investment-fund.yaml").read_text()
    assert "amount_max: 2000000\n" in text
    assert "old-fund" not in text  # the relation went with the deleted programme
    assert not (fixtures / "programmes/old-fund.yaml").exists()
    assert "removed" in out
    result = catalogue.read(fixtures, register)
    assert result.ok, result.problems
    assert "0 added, 0 changed" in run("load_catalogue", *good, capsys=capsys)


@pytest.mark.django_db
def test_load_catalogue_refuses_to_overwrite_admin_edits_not_exported(
    good, capsys, django_user_model
) -> None:
    run("load_catalogue", *good)
    editor = django_user_model.objects.create_user("alice")
    fund = Programme.objects.get(slug="co-investment-fund")
    fund.amount_max = 2_000_000
    fund._history_user = editor  # as the admin records who saved it
    fund.save()
    loads = CatalogueLoad.objects.count()

    with pytest.raises(CommandError) as raised:
        run("load_catalogue", *good)

    assert raised.value.returncode == 1
    assert "1 admin edit would be overwritten by the files; nothing was changed" in str(
        raised.value
    )
    err = capsys.readouterr().err
    assert "programme 'co-investment-fund': changed in the admin by alice on" in err
    assert Programme.objects.get(slug="co-investment-fund").amount_max == 2_000_000
    assert CatalogueLoad.objects.count() == loads

    # Told to, it loads the files over the edit.
    run("load_catalogue", *good, "--overwrite-admin-edits")
    assert Programme.objects.get(slug="co-investment-fund").amount_max == 1_000_000


@pytest.mark.django_db
def test_load_catalogue_after_export_keeps_the_admin_edit(good, capsys) -> None:
    run("load_catalogue", *good)
    fund = Programme.objects.get(slug="co-investment-fund")
    fund.amount_max = 2_000_000
    fund.save()
    run("export_catalogue", *good)

    assert "0 added, 0 changed" in run("load_catalogue", *good, capsys=capsys)
    assert Programme.objects.get(slug="co-investment-fund").amount_max == 2_000_000


@pytest.mark.django_db
def test_load_catalogue_prune_refuses_to_delete_a_programme_added_in_the_admin(good) -> None:
    run("load_catalogue", *good)
    added = Programme.objects.get(slug="old-fund")
    added.pk = None
    added.slug = "added-in-the-admin"
    added.save()

    with pytest.raises(CommandError, match="1 admin edit would be overwritten"):
        run("load_catalogue", *good, "--prune")
    assert Programme.objects.filter(slug="added-in-the-admin").exists()
    # Without --prune it is only reported, and the load goes ahead.
    run("load_catalogue", *good)
    assert Programme.objects.filter(slug="added-in-the-admin").exists()


@pytest.mark.django_db
def test_export_catalogue_check_reports_differences_without_writing(good) -> None:
    fixtures, _register = good
    run("load_catalogue", *good)
    Programme.objects.filter(slug="old-fund").update(name="Renamed")
    path = fixtures / "programmes/old-fund.yaml"
    before = path.read_text()

    with pytest.raises(CommandError) as raised:
        run("export_catalogue", *good, "--check")

    assert raised.value.returncode == 1
    assert path.read_text() == before


PROGRAMME = FILES["programmes/co-investment-fund.yaml"]
BROKEN = {
    "malformed area code": (
        {
            "places.yaml": FILES["places.yaml"].replace(
                '  name: "West Midlands"\n', '  name: "West Midlands"\n  code: "E1200005"\n'
            )
        },
        "places.yaml",
        "entry 'west-midlands', field 'code': 'E1200005' is not an ONS area code (a letter "
        "and eight digits, like E08000026)",
    ),
    "area code given twice": (
        {
            "places.yaml": FILES["places.yaml"]
            .replace(
                '  name: "United Kingdom"\n', '  name: "United Kingdom"\n  code: "E12000005"\n'
            )
            .replace('  name: "West Midlands"\n', '  name: "West Midlands"\n  code: "E12000005"\n')
        },
        "places.yaml",
        "entry 'west-midlands', field 'code': 'E12000005' is already given to the place "
        "'united-kingdom'",
    ),
    "min above max": (
        {
            "programmes/co-investment-fund.yaml": PROGRAMME.replace(
                "employees_max: 249", "employees_max: 5"
            )
        },
        "programmes/co-investment-fund.yaml:17",  # the line of employees_min
        "entry 'co-investment-fund', field 'eligibility.employees_min': 10 is more than employees_max (5)",
    ),
    "unknown place": (
        {
            "programmes/co-investment-fund.yaml": PROGRAMME.replace(
                'places: ["west-midlands"]', 'places: ["atlantis"]'
            )
        },
        "programmes/co-investment-fund.yaml:15",
        "field 'eligibility.places': unknown place 'atlantis'",
    ),
    "misspelt place": (
        {
            "programmes/co-investment-fund.yaml": PROGRAMME.replace(
                'places: ["west-midlands"]', 'places: ["west-midland"]'
            )
        },
        "programmes/co-investment-fund.yaml:15",
        "unknown place 'west-midland'; did you mean 'west-midlands'?",
    ),
    "misspelt source": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                '- source: "review-2023"', '- source: "reveiw-2023"'
            )
        },
        "programmes/old-fund.yaml:10",
        "unknown source 'reveiw-2023'; did you mean 'review-2023'?",
    ),
    "a tab": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                "  places", "\tplaces"
            )
        },
        "programmes/old-fund.yaml:8",
        "is not valid YAML: a tab character; YAML indents with spaces only",
    ),
    "a colon in unquoted text": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                'summary: "The fund before."', "summary: The fund: before."
            )
        },
        "programmes/old-fund.yaml:3",
        "is not valid YAML: a colon where YAML did not expect one",
    ),
    "a line out of step": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                'status: "closed"', '   status: "closed"'
            )
        },
        "programmes/old-fund.yaml:5",
        "is not valid YAML: this line is indented differently",
    ),
    "duplicate slug": (
        {
            "places.yaml": FILES["places.yaml"]
            + '\n- slug: "coventry"\n  name: "Coventry"\n  kind: "county"\n'
        },
        "places.yaml",
        "entry 'coventry', field 'slug': 'coventry' is already used by the place at",
    ),
    "bad date": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                "2021-07-31", "2021-02-30"
            )
        },
        "programmes/old-fund.yaml:6",
        "field 'closes_on': 2021-02-30 is not a real date",
    ),
    "unquoted NO": (
        {
            "vocabularies/stages.yaml": FILES["vocabularies/stages.yaml"]
            + '\n- slug: NO\n  name: "Norway"\n'
        },
        "vocabularies/stages.yaml:6",
        "field 'slug': unquoted NO is read by YAML as false; write it in double quotes: \"NO\"",
    ),
    "number YAML would round": (
        {
            "statistics.yaml": """\
- slug: "area-2021"
  place: "coventry"
  source: "review-2023"
  data_year: 2021
  period_start: 2018
  period_end: 2021
  scaleups: 925
  scaleups_by_employment: 340
  scaleups_by_turnover: 760
  scaleups_by_both: 175
  density_change_per_100k: -1.10
  local_authorities: 7
  above_median_density_employment: 2
  above_median_density_turnover: 2
  above_median_trend_employment: 5
  above_median_trend_turnover: 6
"""
        },
        "statistics.yaml:11",
        "field 'density_change_per_100k': write decimals in double quotes",
    ),
    "invalid YAML": (
        {"programmes/old-fund.yaml": 'slug: "old-fund\nname: x\n'},
        "programmes/old-fund.yaml",
        "is not valid YAML",
    ),
    "missing required field": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                'status: "closed"\n', ""
            )
        },
        "programmes/old-fund.yaml",
        "field 'status': is required",
    ),
    "no sources and nothing said": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                'sources:\n  - source: "review-2023"\n', ""
            )
        },
        "programmes/old-fund.yaml:1",
        "field 'sources': is required: cite the documents its facts come from, or say in "
        "outside_documents that none of them does",
    ),
    "misspelt field": (
        {
            "programmes/old-fund.yaml": FILES["programmes/old-fund.yaml"].replace(
                "closes_on:", "closes_onn:"
            )
        },
        "programmes/old-fund.yaml:6",
        "field 'closes_onn': is not a field of a programme; did you mean 'closes_on'?",
    ),
    "file named after another slug": (
        {
            "programmes/old-funds.yaml": FILES["programmes/old-fund.yaml"].replace(
                '"old-fund"', '"old-funds-typo"'
            )
        },
        "programmes/old-funds.yaml",
        "the file must be named old-funds-typo.yaml to match its slug",
    ),
    "amount with a pound sign": (
        {
            "programmes/co-investment-fund.yaml": PROGRAMME.replace(
                "amount_max: 1000000", 'amount_max: "£1,000,000"'
            )
        },
        "programmes/co-investment-fund.yaml:11",
        "field 'amount_max': expected a whole number written as plain digits",
    ),
    "number too large for the database": (
        {
            "programmes/co-investment-fund.yaml": PROGRAMME.replace(
                "amount_max: 1000000", "amount_max: 9223372036854775808"
            )
        },
        "programmes/co-investment-fund.yaml:11",
        "field 'amount_max': must be 9,223,372,036,854,775,807 or less, found "
        "9,223,372,036,854,775,808",
    ),
    "employees beyond the column": (
        {
            "programmes/co-investment-fund.yaml": PROGRAMME.replace(
                "employees_max: 249", "employees_max: 3000000000"
            )
        },
        "programmes/co-investment-fund.yaml",
        "field 'eligibility.employees_max': must be 2,147,483,647 or less",
    ),
    "checked in the future": (
        {
            "programmes/old-fund.yaml": re.sub(
                r"last_verified: [0-9-]+",
                "last_verified: 2999-01-01",
                FILES["programmes/old-fund.yaml"],
            )
        },
        "programmes/old-fund.yaml",
        "field 'last_verified': 2999-01-01 is in the future",
    ),
}


@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_validate_catalogue_names_file_entry_and_field_of_each_problem(
    tmp_path, capsys, case
) -> None:
    overrides, where, message = case
    fixtures, register = write_catalogue(tmp_path, overrides)

    with pytest.raises(CommandError) as raised:
        run("validate_catalogue", fixtures, register)

    assert raised.value.returncode == 1
    err = capsys.readouterr().err
    assert f"fixtures/{where}" in err
    assert message in err


@pytest.mark.django_db
@pytest.mark.parametrize("case", BROKEN.values(), ids=BROKEN.keys())
def test_load_catalogue_with_a_broken_file_changes_nothing(tmp_path, capsys, case) -> None:
    good_fixtures, good_register = write_catalogue(tmp_path / "good")
    run("load_catalogue", good_fixtures, good_register)
    before = store.dump_catalogue()
    loads = CatalogueLoad.objects.count()
    overrides, _where, message = case
    (tmp_path / "good/programmes").mkdir(exist_ok=True)
    fixtures, register = write_catalogue(tmp_path / "broken", overrides)
    # Also change a good entry, to prove the good parts of a broken set are not loaded.
    path = fixtures / "providers.yaml"
    path.write_text(path.read_text().replace("A combined authority", "Renamed"))

    with pytest.raises(CommandError):
        run("load_catalogue", fixtures, register)

    assert message in capsys.readouterr().err
    assert store.dump_catalogue() == before
    assert CatalogueLoad.objects.count() == loads


def test_validate_catalogue_reports_a_bad_value_inside_a_section_once(tmp_path, capsys) -> None:
    """A section given with a bad value in it is not also said to be missing."""
    broken = PROGRAMME.replace('growth: "scaleup"', 'growth: "rocket"')
    fixtures, register = write_catalogue(tmp_path, {"programmes/co-investment-fund.yaml": broken})

    with pytest.raises(CommandError) as raised:
        run("validate_catalogue", fixtures, register)

    err = capsys.readouterr().err
    assert "field 'eligibility.growth': 'rocket' is not one of: any, potential-scaleup" in err
    assert "is required" not in err
    assert "1 problem in the catalogue files" in str(raised.value)


def test_validate_catalogue_checks_the_references_of_an_entry_with_a_bad_field(
    tmp_path, capsys
) -> None:
    """Every problem is named in one run (a bad date does not hide a misspelt place), once,
    in the order of the file's lines."""
    broken = PROGRAMME.replace("last_verified: 2026-11-01", "last_verified: 01/11/2026").replace(
        'places: ["west-midlands"]', 'places: ["west-midland", "west-midland"]'
    )
    fixtures, register = write_catalogue(tmp_path, {"programmes/co-investment-fund.yaml": broken})

    with pytest.raises(CommandError) as raised:
        run("validate_catalogue", fixtures, register)

    err = capsys.readouterr().err
    place = err.index("field 'eligibility.places': unknown place 'west-midland'")
    date = err.index("field 'last_verified': expected a date as YYYY-MM-DD, found '01/11/2026'")
    assert place < date
    assert err.count("unknown place 'west-midland'") == 1
    assert "field 'eligibility.places': 'west-midland' is listed twice" in err
    assert "3 problems in the catalogue files" in str(raised.value)


def test_validate_catalogue_flags_files_it_does_not_read(tmp_path, capsys) -> None:
    fixtures, register = write_catalogue(tmp_path, {"programmes/notes.yml": "x: 1\n"})

    with pytest.raises(CommandError):
        run("validate_catalogue", fixtures, register)

    assert "programmes/notes.yml: is not a catalogue file" in capsys.readouterr().err


def test_validate_catalogue_rejects_a_place_inside_itself(tmp_path, capsys) -> None:
    places = FILES["places.yaml"].replace(
        '  kind: "nation"\n', '  kind: "nation"\n  parents: ["coventry"]\n'
    )
    fixtures, register = write_catalogue(tmp_path, {"places.yaml": places})

    with pytest.raises(CommandError):
        run("validate_catalogue", fixtures, register)

    assert "a place cannot be inside itself" in capsys.readouterr().err
