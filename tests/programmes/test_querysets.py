"""The QuerySet vocabulary: open, visible, serving, offering, and the words matched."""

from __future__ import annotations

import pytest

from clusters.models import Place
from programmes.models import Programme
from tests.factories import (
    make_geography,
    make_programme,
)

pytestmark = pytest.mark.django_db

WMCA = "west-midlands-combined-authority"


@pytest.fixture
def geography() -> dict[str, Place]:
    return make_geography()


def slugs(queryset) -> list[str]:
    return [programme.slug for programme in queryset]


# --- Vocabulary ----------------------------------------------------------------------


def test_programme_queryset_offering_finds_any_of_the_support_types(geography):
    make_programme(slug="fund", support_types=["equity", "loan"])
    make_programme(slug="course", support_types=["leadership"])
    make_programme(slug="both", support_types=["equity", "leadership"])
    assert set(slugs(Programme.objects.offering(["equity"]))) == {"both", "fund"}
    assert set(slugs(Programme.objects.offering(["leadership", "loan"]))) == {
        "both",
        "course",
        "fund",
    }
