"""generate_catalogue: synthetic programmes for benchmarks, on top of the real
vocabularies, replacing (never adding to) an earlier run and leaving the real catalogue
alone."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from clusters.models import Place
from programmes.catalogue.store import dump_catalogue
from programmes.models import Programme
from tests.factories import (
    make_geography,
    make_programme,
    make_provider,
    make_sector,
    make_stage,
    make_support_type,
)

pytestmark = pytest.mark.django_db

SUPPORT = ["grant", "loan", "equity", "advice", "mentoring", "export"]


@pytest.fixture
def vocabulary() -> None:
    """A small version of what load_catalogue loads: places, sectors, stages, support
    types and a provider."""
    make_geography()
    for slug in ["automotive", "aerospace", "retail", "technology"]:
        make_sector(slug)
    for slug in ["pre-start", "start-up", "established"]:
        make_stage(slug)
    for slug in SUPPORT:
        make_support_type(slug)
    make_provider("a-growth-hub")


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_catalogue", *args, stdout=out)
    return out.getvalue()


def generated() -> Programme:
    return Programme.objects.filter(is_generated=True)


def test_generate_catalogue_creates_n_marked_programmes(vocabulary) -> None:
    output = generate("--programmes", "25")

    programmes = generated().prefetch_related("places", "support_types")
    assert programmes.count() == 25
    assert sorted(p.slug for p in programmes) == [f"generated-{n:05d}" for n in range(1, 26)]
    for programme in programmes:
        assert programme.places.all(), programme.slug  # geography is always stated
        assert 1 <= len(programme.support_types.all()) <= 3, programme.slug
    assert "Generated 25 of 25 programmes" in output


def test_generate_catalogue_reports_progress_per_thousand(vocabulary) -> None:
    output = generate("--programmes", "2500")

    assert generated().count() == 2500
    for line in ["1,000 of 2,500", "2,000 of 2,500", "2,500 of 2,500"]:
        assert line in output


def test_generate_catalogue_second_run_replaces_the_first(vocabulary) -> None:
    generate("--programmes", "30")
    output = generate("--programmes", "12")

    assert generated().count() == 12
    assert set(generated().values_list("slug", flat=True)) == {
        f"generated-{n:05d}" for n in range(1, 13)
    }
    assert "Removed 30 generated programmes" in output
    # The links of the deleted programmes went with them.
    through = Programme.places.through
    assert through.objects.count() == through.objects.filter(programme__in=generated()).count()


def test_generate_catalogue_same_seed_gives_same_programmes(vocabulary) -> None:
    def snapshot() -> list[tuple]:
        return list(
            generated()
            .order_by("slug")
            .values_list("slug", "name", "status", "amount_max", "employees_max", "growth")
        )

    generate("--programmes", "40", "--seed", "7")
    first = snapshot()
    generate("--programmes", "40", "--seed", "7")
    assert snapshot() == first
    generate("--programmes", "40", "--seed", "8")
    assert snapshot() != first


def test_generate_catalogue_spreads_over_the_vocabularies(vocabulary) -> None:
    generate("--programmes", "600")
    programmes = generated()

    statuses = Counter(programmes.values_list("status", flat=True))
    assert set(statuses) == set(Programme.Status.values)
    assert statuses[Programme.Status.OPEN] > 600 / 2  # mostly open

    place_kinds = Counter(programmes.values_list("places__kind", flat=True))
    assert place_kinds[Place.Kind.LOCAL_AUTHORITY] == max(place_kinds.values())
    assert place_kinds[Place.Kind.NATION] > 0  # some UK-wide
    assert place_kinds[Place.Kind.REGION] > 0
    assert place_kinds[Place.Kind.COMBINED_AUTHORITY] > 0

    unrestricted = programmes.filter(sectors=None).count()
    assert 600 / 2 < unrestricted < 600  # most take any sector, some do not

    assert programmes.filter(amount_max__isnull=False, amount_min__isnull=False).exists()
    assert programmes.filter(employees_max__isnull=False).exists()
    assert programmes.filter(turnover_min__isnull=False).exists()
    assert programmes.filter(stages__isnull=False).exists()
    assert set(programmes.values_list("growth", flat=True)) == set(Programme.Growth.values)
    # Money ranges only where the programme gives money.
    assert not programmes.filter(amount_max__isnull=False).exclude(
        support_types__slug__in=["grant", "loan", "equity"]
    )


def test_generate_catalogue_obeys_range_rules(vocabulary) -> None:
    generate("--programmes", "300")

    for programme in generated():
        for low, high in [
            (programme.amount_min, programme.amount_max),
            (programme.employees_min, programme.employees_max),
            (programme.turnover_min, programme.turnover_max),
            (programme.opens_on, programme.closes_on),
        ]:
            assert low is None or high is None or low <= high, programme.slug


@pytest.mark.parametrize("bad", ["0", "-5", "ten", "1.5", ""])
def test_generate_catalogue_rejects_a_bad_number(vocabulary, bad: str) -> None:
    with pytest.raises(CommandError, match="whole number of at least 1"):
        generate("--programmes", bad)
    assert not generated().exists()


def test_generate_catalogue_refuses_without_the_vocabularies() -> None:
    with pytest.raises(CommandError, match="load_catalogue"):
        generate("--programmes", "5")
    assert not Programme.objects.exists()


def test_generate_catalogue_leaves_the_real_catalogue_alone(vocabulary) -> None:
    real = make_programme(
        slug="real-programme", places=["coventry"], sectors=["retail"], support_types=["grant"]
    )
    history_rows = Programme.history.count()

    generate("--programmes", "50")
    generate("--programmes", "20")

    real.refresh_from_db()
    assert not real.is_generated
    assert list(real.places.values_list("slug", flat=True)) == ["coventry"]
    assert list(real.sectors.values_list("slug", flat=True)) == ["retail"]
    assert Programme.objects.filter(is_generated=False).count() == 1
    # Benchmark data is not a catalogue change: no history for it, made or deleted.
    assert Programme.history.count() == history_rows
    # The catalogue files never see generated programmes.
    assert list(dump_catalogue()["programme"]) == ["real-programme"]
