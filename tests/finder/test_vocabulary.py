"""finder.vocabulary: the form's choices and the place containment table, read once per
process and read again when the catalogue version moves: at once for a change in this
process, at the next request for a change made anywhere else."""

from __future__ import annotations

import pytest

from clusters.models import Place
from finder import cache, vocabulary
from tests.factories import make_geography, make_place, make_sector, make_stage, make_support_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def geography() -> dict[str, Place]:
    places = make_geography()
    make_sector("retail")
    make_stage("established")
    make_support_type("grant")
    return places


def test_vocabulary_groups_places_by_kind_most_local_first(geography) -> None:
    groups = dict(vocabulary.current().places)

    assert list(groups) == [
        "Local authority areas",
        "Counties",
        "Combined authorities",
        "Local enterprise partnership areas",
        "Regions",
        "Nations",
    ]
    assert [slug for slug, _ in groups["Local authority areas"]] == [
        "ashfield",
        "birmingham",
        "coventry",
    ]


def test_vocabulary_containing_matches_the_database(geography) -> None:
    current = vocabulary.current()

    for slug in geography:
        assert current.containing(slug) == Place.objects.containing(slug), slug


def test_vocabulary_is_read_once_per_catalogue_version(
    geography, django_assert_num_queries
) -> None:
    first = vocabulary.current()

    with django_assert_num_queries(1):  # the version, and nothing else
        assert vocabulary.current() is first
    with django_assert_num_queries(0):  # a request that has read the version already
        assert vocabulary.current(first.version) is first


def test_vocabulary_is_read_again_after_a_change_in_this_process(geography) -> None:
    first = vocabulary.current()
    make_place("leicester", parents=["east-midlands"])

    current = vocabulary.current()
    assert current is not first
    assert ("leicester", "Leicester") in dict(current.places)["Local authority areas"]
    assert "east-midlands" in current.containing("leicester")


def test_vocabulary_is_read_again_after_renaming_or_deleting(geography) -> None:
    vocabulary.current()
    retail = make_sector("retail")
    retail.name = "Shops"
    retail.save()
    assert ("retail", "Shops") in vocabulary.current().sectors

    retail.delete()
    assert "retail" not in dict(vocabulary.current().sectors)


def test_vocabulary_sees_another_process_change_at_the_next_request(geography) -> None:
    first = vocabulary.current()
    # A change no signal reports here, as when load_catalogue runs in another process...
    Place.objects.filter(slug="coventry").update(name="City of Coventry")
    assert vocabulary.current() is first
    # ...which moves the catalogue version, as every catalogue change does.
    cache.bump_catalogue_version()

    assert ("coventry", "City of Coventry") in dict(vocabulary.current().places)[
        "Local authority areas"
    ]


def test_finder_form_offers_a_place_added_in_this_process(client, geography) -> None:
    client.get("/", {"location": "coventry"})
    make_place("leicester", parents=["east-midlands"])

    response = client.get("/", {"location": "leicester"})

    assert response.status_code == 200
    assert response.context["search"].profile.location_within >= {"leicester", "east-midlands"}
