"""Place containment: which places a business's place lies inside."""

from __future__ import annotations

import pytest

from clusters.models import Place
from tests.factories import make_geography, make_place

pytestmark = pytest.mark.django_db


def test_place_containing_walks_every_parent_transitively():
    make_geography()
    assert Place.objects.containing("coventry") == {
        "coventry",
        "west-midlands-combined-authority",
        "west-midlands",
        "england",
        "united-kingdom",
    }


def test_place_containing_follows_every_parent_of_a_place_in_several():
    make_geography()
    # Nottinghamshire is in both the East Midlands and D2N2.
    assert Place.objects.containing("ashfield") == {
        "ashfield",
        "nottinghamshire",
        "d2n2",
        "east-midlands",
        "england",
        "united-kingdom",
    }


def test_place_containing_a_top_level_place_is_itself():
    make_geography()
    assert Place.objects.containing("united-kingdom") == {"united-kingdom"}


def test_place_containing_an_unknown_slug_raises():
    make_geography()
    with pytest.raises(Place.DoesNotExist):
        Place.objects.containing("atlantis")


def test_place_containing_survives_a_loop_in_bad_data():
    a = make_place("a", kind=Place.Kind.REGION)
    b = make_place("b", kind=Place.Kind.REGION, parents=[a])
    a.parents.add(b)
    assert Place.objects.containing("a") == {"a", "b"}


@pytest.mark.parametrize("depth", [1, 6])
def test_place_containing_takes_two_queries_however_deep(django_assert_num_queries, depth):
    parent = make_place("level-0", kind=Place.Kind.NATION)
    for level in range(1, depth + 1):
        parent = make_place(f"level-{level}", kind=Place.Kind.REGION, parents=[parent])
    # 1. the place exists  2. the whole containment table
    with django_assert_num_queries(2):
        within = Place.objects.containing(f"level-{depth}")
    assert len(within) == depth + 1
