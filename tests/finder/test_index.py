"""The finder's in-memory index (finder/index.py): the rules it holds are the
programmes' rules as the database has them, and it follows every change to the
catalogue and the date. (Its verdicts are held to the rules in
tests/programmes/test_rules_agree.py.)"""

from __future__ import annotations

import datetime
import gc
import io

import pytest
from django.core.management import call_command
from django.http import QueryDict

from finder import cache, index, vocabulary
from finder.forms import BusinessProfileForm
from finder.models import CatalogueVersion
from programmes.eligibility import BusinessProfile, ProgrammeRules
from programmes.models import Programme
from programmes.querysets import match_detail_lookups
from tests.factories import make_programme

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def generated(real_catalogue) -> None:
    call_command("generate_catalogue", programmes=400, seed=3, stdout=io.StringIO())
    # The rarer rules, each on programmes open to every profile otherwise: no places
    # named (unknown, answer or not), an audience the finder does not ask about, and
    # the two growth tests.
    make_programme(places=[], name="Anywhere", support_types=["grant"])
    make_programme(audience="women-leaders", name="For women leaders", support_types=["grant"])
    for growth in ("scaleup", "potential-scaleup"):
        make_programme(
            growth=growth, name=f"For a {growth}", places=["coventry"], support_types=["grant"]
        )


def _profile(query: str) -> BusinessProfile:
    form = BusinessProfileForm(QueryDict(query))
    assert form.is_valid(), (query, form.errors)
    return form.profile()


def test_index_follows_the_date(generated) -> None:
    """Status depends on the day: a programme closing today is still listed, and gone
    tomorrow. The index holds dates, not today's answer."""
    programme = Programme.objects.filter(status="open", is_generated=True).first()
    Programme.objects.filter(pk=programme.pk).update(closes_on=TODAY)
    cache.bump_catalogue_version()
    current = index.current(cache.catalogue_version())
    profile = _profile("")
    assert programme.pk in current.search(profile, TODAY).results
    assert programme.pk not in current.search(profile, TODAY + datetime.timedelta(days=1)).results


def test_index_is_rebuilt_after_an_edit_in_any_process(generated, client) -> None:
    """A change saved anywhere changes the version in the database, which every
    worker reads before each search."""
    first = index.current(cache.catalogue_version())
    assert index.current(cache.catalogue_version()) is first
    programme = Programme.objects.filter(status="open").order_by("name").first()
    slug = programme.slug
    response = client.get("/api/match/", {"q": programme.name})
    assert slug in [result["slug"] for result in response.json()["results"]]

    # Another process's edit: no signal reaches this one, only the stored version.
    Programme.objects.filter(pk=programme.pk).update(status="closed")
    CatalogueVersion.objects.update(number=12345)
    response = client.get("/api/match/", {"q": programme.name})
    assert slug not in [result["slug"] for result in response.json()["results"]]
    assert index.current(cache.catalogue_version()) is not first


def test_index_sees_a_save_through_the_signals(generated, client) -> None:
    programme = Programme.objects.filter(status="open").order_by("name").first()
    client.get("/api/match/")
    programme.status = Programme.Status.CLOSED
    programme.save()
    slugs = [
        result["slug"] for result in client.get("/api/match/?q=" + programme.name).json()["results"]
    ]
    assert programme.slug not in slugs


def test_index_of_an_empty_catalogue_finds_nothing(db) -> None:
    current = index.current(cache.catalogue_version())
    found = current.search(_profile("employees=5"), TODAY)
    assert len(current.ids) == 0
    assert found.results.tolist() == []
    assert found.near_misses.tolist() == []


def test_index_version_is_a_new_number_each_time(db) -> None:
    """Random, never the old one plus one: a bump rolled back with its transaction and
    made again must not come back as a number an old index was built at."""
    seen = {cache.catalogue_version()}
    for _ in range(5):
        cache.bump_catalogue_version()
        seen.add(cache.catalogue_version())
    assert len(seen) == 6


def test_index_rules_are_the_rules_of_the_programme_as_the_database_has_it(
    generated, django_assert_num_queries
) -> None:
    """The index makes a shown programme's rules from the rows it holds (no related
    manager per programme): they must be the rules ``from_programme`` reads from the
    database, clusters and their sectors included."""
    ids = [
        *Programme.objects.filter(clusters__isnull=False).values_list("pk", flat=True)[:10],
        *Programme.objects.filter(is_generated=False).values_list("pk", flat=True)[:20],
        *Programme.objects.filter(is_generated=True)
        .order_by("?")
        .values_list("pk", flat=True)[:40],
    ]
    current = index.current(cache.catalogue_version())
    expected = (
        Programme.objects.filter(pk__in=ids).prefetch_related(*match_detail_lookups()).in_bulk()
    )
    assert any(current.get(pk).clusters for pk in ids)
    assert any(current.get(pk).successors for pk in current.row_of)
    for pk in ids:
        assert current.get(pk) == ProgrammeRules.from_programme(expected[pk]), pk


def test_warm_up_builds_what_a_search_needs_and_freezes_it(
    generated, django_assert_num_queries
) -> None:
    """What a gunicorn worker does before its first request (gunicorn.conf.py): after it
    a search finds this version's index and vocabularies built, and what they hold is out
    of the garbage collector's sight."""
    index.clear()
    vocabulary.clear()
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        index.warm_up()
        version = cache.catalogue_version()
        assert gc.get_freeze_count() > 0
        built = index.current(version)
        with django_assert_num_queries(0):
            assert index.current(version) is built
            assert vocabulary.current(version).version == version
        assert len(built.ids) == Programme.objects.count()
        # A catalogue change is still seen: the next search builds a new index.
        cache.bump_catalogue_version()
        assert index.current(cache.catalogue_version()) is not built
    finally:
        gc.unfreeze()
