"""The finder's in-memory index (finder/index.py) against its SQL reference,
``Programme.objects.for_finder``: the same lists in the same order, the same near
misses and the same facet counts, on a generated catalogue over the real places and
vocabularies; and an index that follows every change to the catalogue."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.utils import timezone

from finder import cache, index
from finder.filters import FinderFilterSet
from finder.models import CatalogueVersion
from programmes.eligibility import ProgrammeRules
from programmes.models import Programme
from programmes.querysets import match_detail_lookups
from tests.benchmarks.run import make_profiles
from tests.factories import make_programme

TODAY = datetime.date(2026, 11, 23)


@pytest.fixture
def generated(db) -> None:
    call_command("load_catalogue", verbosity=0)
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


def _filterset(query: str) -> FinderFilterSet:
    request = RequestFactory().get(f"/?{query}")
    filterset = FinderFilterSet(request.GET, queryset=Programme.objects.all(), request=request)
    assert filterset.is_valid(), (query, filterset.errors)
    return filterset


def _in_order(found: list[int], rows: list[tuple]) -> None:
    """``found`` holds the ids of ``rows`` (pk, has_unknowns, fit_score, name), in an
    order the database's own would accept: eligible before possible, best fit first,
    then by name. Exactly the database's order, except that on PostgreSQL two text ranks
    closer than single precision may rank either way."""
    assert sorted(found) == sorted(row[0] for row in rows)
    if connection.vendor != "postgresql":
        assert found == [row[0] for row in rows]
        return
    by_id = {row[0]: row for row in rows}
    keys = [(by_id[pk][1], -round(by_id[pk][2], 3)) for pk in found]
    assert keys == sorted(keys)


def test_index_agrees_with_for_finder_on_many_profiles(generated) -> None:
    current = index.current(cache.catalogue_version())
    assert current.size == Programme.objects.count() > 400
    today = timezone.localdate()  # the day the FilterSet's for_finder decides for
    checked = 0
    growth = "location=coventry&employees=30&employees_3y_ago="
    edges = ["", "include_closed=1", "q=growth", f"{growth}10", f"{growth}29", "employees=1"]
    for query in [*make_profiles(80, seed=11), *edges]:
        filterset = _filterset(query)
        profile = filterset.profile
        reference = Programme.objects.for_finder(profile, today=today)
        narrowed = filterset.filter_queryset(Programme.objects.all())
        found = current.search(profile, today)

        columns = ("pk", "has_unknowns", "fit_score", "name")
        _in_order(found.results.tolist(), list(narrowed.filter(failures=0).values_list(*columns)))
        _in_order(
            found.near_misses.tolist(), list(narrowed.filter(failures=1).values_list(*columns))
        )
        counts = {
            row["support_types__slug"]: row["n"]
            for row in reference.filter(failures=0)
            .order_by()
            .values("support_types__slug")
            .annotate(n=Count("pk", distinct=True))
        }
        assert {slug: n for slug, n in found.support_counts().items() if n} == counts, query
        checked += len(found.results) + len(found.near_misses)
    # The profiles did find things: the comparison was not of empty lists.
    assert checked > 1000


def test_rankings_read_in_part_are_the_start_of_the_whole_ranking(generated) -> None:
    # A page of results and the near misses shown are ranked only as far as they
    # reach (``Ranking``): the same ids, in the same order, as ranking every row, ties
    # in fit, eligible and possible rows, and slices beyond the end included.
    current = index.current(cache.catalogue_version())
    compared = 0
    for query in [*make_profiles(40, seed=12), "", "include_closed=1", "q=growth"]:
        found = current.search(_filterset(query).profile, TODAY)
        for ranking, whole in (
            (found.result_ranking, found.results),
            (found.near_miss_ranking, found.near_misses),
        ):
            assert len(ranking) == len(whole), query
            for start, stop in ((0, 0), (0, 1), (0, 10), (0, 20), (20, 40), (5, 500), (0, None)):
                assert ranking[start:stop].tolist() == whole[start:stop].tolist(), query
            assert ranking[::2].tolist() == whole[::2].tolist(), query
            compared += len(whole)
    assert compared > 1000
    with pytest.raises(TypeError, match="a slice at a time"):
        found.result_ranking[0]


def test_index_follows_the_date(generated) -> None:
    """Status depends on the day: a programme closing today is still listed, and gone
    tomorrow. The index holds dates, not today's answer."""
    programme = Programme.objects.filter(status="open", is_generated=True).first()
    Programme.objects.filter(pk=programme.pk).update(closes_on=TODAY)
    cache.bump_catalogue_version()
    current = index.current(cache.catalogue_version())
    profile = _filterset("").profile
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
    found = current.search(_filterset("employees=5").profile, TODAY)
    assert current.size == 0
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


def test_index_gives_programmes_the_details_prefetch_would(
    generated, django_assert_num_queries
) -> None:
    """The programmes the index reads carry the same linked rows, in the same order, as
    ``prefetch_related(*match_detail_lookups())`` gives, and the same values in every
    column as the database loads; they are made from what the index read, with no
    query, however many there are."""
    fund = Programme.objects.get(slug="midlands-engine-investment-fund-ii")
    fund.relations.create(
        related=Programme.objects.get(slug="midlands-engine-investment-fund"), kind="part-of"
    )
    ids = [
        fund.pk,
        *Programme.objects.filter(clusters__isnull=False).values_list("pk", flat=True)[:5],
        *Programme.objects.filter(relations__isnull=False).values_list("pk", flat=True)[:5],
        *Programme.objects.filter(is_generated=True)
        .order_by("?")
        .values_list("pk", flat=True)[:40],
    ]
    current = index.current(cache.catalogue_version())
    with django_assert_num_queries(0):
        shown = current.programmes(ids)
    expected = (
        Programme.objects.filter(pk__in=ids).prefetch_related(*match_detail_lookups()).in_bulk()
    )
    assert set(shown) == set(expected) == set(ids)
    with django_assert_num_queries(0):
        for pk, programme in shown.items():
            reference = expected[pk]
            for column in Programme._meta.concrete_fields:
                assert getattr(programme, column.attname) == getattr(reference, column.attname), (
                    column.attname
                )
            assert (programme._state.db, programme._state.adding) == ("default", False)
            for name in ("places", "sectors", "stages", "support_types", "clusters"):
                assert list(getattr(programme, name).all()) == list(
                    getattr(reference, name).all()
                ), name
            for cluster, other in zip(
                programme.clusters.all(), reference.clusters.all(), strict=True
            ):
                assert list(cluster.sectors.all()) == list(other.sectors.all())
            assert [(r.kind, r.related.slug) for r in programme.relations.all()] == [
                (r.kind, r.related.slug) for r in reference.relations.all()
            ]
            assert ProgrammeRules.from_programme(
                programme, today=TODAY
            ) == ProgrammeRules.from_programme(reference, today=TODAY)
    assert any(programme.relations.all() for programme in shown.values())
    assert any(programme.clusters.all() for programme in shown.values())


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
    shown = current.programmes(ids)
    expected = (
        Programme.objects.filter(pk__in=ids).prefetch_related(*match_detail_lookups()).in_bulk()
    )
    with django_assert_num_queries(0):
        made = {pk: current.rules(programme, TODAY) for pk, programme in shown.items()}
    assert any(rules.clusters for rules in made.values())
    for pk, rules in made.items():
        assert rules == ProgrammeRules.from_programme(expected[pk], today=TODAY), pk
