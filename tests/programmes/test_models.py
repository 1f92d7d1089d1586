"""Database invariants of the catalogue: ranges never run backwards, slugs are unique,
and every catalogue model is addressed by its slug (natural key)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from clusters.models import Cluster, Place, ScaleupStatistics, Sector, Source
from programmes.models import Programme, ProgrammeRelation, Provider, Stage, SupportType


def programme(**fields) -> Programme:
    values = {
        "slug": "fund",
        "name": "Fund",
        "summary": "Money.",
        "documents_read_on": date(2026, 1, 1),
        "last_verified": date(2026, 1, 1),
    }
    values.update(fields)
    return Programme(**values)


RANGES = [
    ("amount_min", "amount_max", 2_000_000, 1_000_000),
    ("employees_min", "employees_max", 250, 10),
    ("turnover_min", "turnover_max", 5_000_000, 1_000_000),
    ("cohort_size_min", "cohort_size_max", 20, 15),
    ("opens_on", "closes_on", date(2024, 1, 2), date(2024, 1, 1)),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("low", "high", "low_value", "high_value"), RANGES)
def test_programme_range_constraint_rejects_min_above_max(low, high, low_value, high_value) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        programme(**{low: low_value, high: high_value}).save()


@pytest.mark.django_db
@pytest.mark.parametrize(("low", "high", "low_value", "high_value"), RANGES)
def test_programme_range_constraint_allows_equal_or_open_ended(
    low, high, low_value, high_value
) -> None:
    programme(slug="equal", **{low: high_value, high: high_value}).save()
    programme(slug="open-ended", **{low: low_value}).save()
    assert Programme.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields"),
    [{"output_min_m": 320, "output_max_m": 220}, {"jobs_min": 3700, "jobs_max": 3400}],
)
def test_cluster_range_constraint_rejects_min_above_max(fields) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Cluster.objects.create(slug="housing", name="Housing", summary="Homes.", **fields)


@pytest.mark.django_db
def test_statistics_constraint_rejects_more_local_authorities_above_median_than_exist() -> None:
    place = Place.objects.create(slug="area", name="Area", kind=Place.Kind.COMBINED_AUTHORITY)
    source = Source.objects.create(
        slug="review", title="Review", publisher="I", year=2023, covers="x"
    )
    counts = dict(
        scaleups=925,
        scaleups_by_employment=340,
        scaleups_by_turnover=760,
        scaleups_by_both=175,
        density_change_per_100k="-1.88",
        data_year=2021,
        period_start=2018,
        period_end=2021,
        above_median_density_employment=2,
        above_median_density_turnover=2,
        above_median_trend_employment=5,
        above_median_trend_turnover=8,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ScaleupStatistics.objects.create(
            slug="area-2021", place=place, source=source, local_authorities=7, **counts
        )


@pytest.mark.django_db
def test_programme_relation_constraint_rejects_a_programme_related_to_itself() -> None:
    fund = programme()
    fund.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProgrammeRelation.objects.create(
            programme=fund, related=fund, kind=ProgrammeRelation.Kind.SUCCEEDED_BY
        )


CATALOGUE_MODELS = {
    Source: {"title": "T", "publisher": "P", "year": 2023, "covers": "C"},
    Place: {"name": "N", "kind": Place.Kind.REGION},
    Sector: {"name": "N"},
    Cluster: {"name": "N", "summary": "S"},
    Provider: {"name": "N"},
    SupportType: {"name": "N"},
    Stage: {"name": "N"},
    Programme: {"name": "N", "summary": "S", "documents_read_on": date(2026, 1, 1)},
}


@pytest.mark.django_db
@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m.__name__)
def test_catalogue_model_slug_is_unique(model) -> None:
    model.objects.create(slug="same", **CATALOGUE_MODELS[model])
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(slug="same", **CATALOGUE_MODELS[model])


@pytest.mark.django_db
@pytest.mark.parametrize("model", CATALOGUE_MODELS, ids=lambda m: m.__name__)
def test_catalogue_model_natural_key_is_its_slug(model) -> None:
    obj = model.objects.create(slug="by-slug", **CATALOGUE_MODELS[model])

    assert obj.natural_key() == ("by-slug",)
    assert model.objects.get_by_natural_key("by-slug") == obj
    with pytest.raises(model.DoesNotExist):
        model.objects.get_by_natural_key("missing")
