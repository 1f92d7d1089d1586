"""Places, sectors, sources, clusters and statistics through the Django admin."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clusters.models import Cluster, ClusterPoint, Place, ScaleupStatistics, Sector, Source
from finder.roles import ADVISERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def places() -> dict[str, Place]:
    region = Place.objects.create(slug="west-midlands", name="West Midlands", kind="region")
    wmca = Place.objects.create(
        slug="wmca", name="West Midlands Combined Authority", kind="combined-authority"
    )
    wmca.parents.add(region)
    birmingham = Place.objects.create(slug="birmingham", name="Birmingham", kind="local-authority")
    birmingham.parents.add(region, wmca)
    derby = Place.objects.create(slug="derby", name="Derby", kind="local-authority")
    return {"region": region, "wmca": wmca, "birmingham": birmingham, "derby": derby}


@pytest.fixture
def cluster(places) -> Cluster:
    source = Source.objects.create(
        slug="profiles", title="Cluster profiles", publisher="A authority", year=2024, covers="."
    )
    sector = Sector.objects.create(slug="logistics", name="Logistics")
    cluster = Cluster.objects.create(
        slug="logistics",
        name="Logistics",
        summary="Moving goods.",
        output_min_m=850,
        output_max_m=1_200,
        jobs_min=11_200,
        jobs_max=12_400,
    )
    cluster.places.add(places["birmingham"])
    cluster.sectors.add(sector)
    cluster.sources.add(source)
    # Created out of order, to show the inline puts them back in profile order.
    ClusterPoint.objects.create(cluster=cluster, kind="leadership", position=2, text="Body B")
    ClusterPoint.objects.create(cluster=cluster, kind="action", position=1, text="Act first")
    ClusterPoint.objects.create(cluster=cluster, kind="leadership", position=1, text="Body A")
    ScaleupStatistics.objects.create(
        slug="wmca-2021",
        place=places["wmca"],
        source=source,
        data_year=2021,
        period_start=2018,
        period_end=2021,
        scaleups=700,
        scaleups_by_employment=400,
        scaleups_by_turnover=500,
        scaleups_by_both=200,
        density_change_per_100k=Decimal("1.50"),
        local_authorities=7,
        above_median_density_employment=3,
        above_median_density_turnover=2,
        above_median_trend_employment=4,
        above_median_trend_turnover=1,
    )
    return cluster


def url_for(model, action: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{action}", args=args)


def listed(response) -> set[str]:
    return {str(obj) for obj in response.context["cl"].result_list}


def test_admin_registers_every_clusters_model():
    registered = {model for model in admin.site._registry if model._meta.app_label == "clusters"}
    # Profile lines are edited inline on their cluster.
    assert registered == {Source, Place, Sector, Cluster, ScaleupStatistics}
    assert [inline.model for inline in admin.site._registry[Cluster].inlines] == [ClusterPoint]


def test_admin_superuser_opens_every_clusters_page(admin_client, cluster):
    for model in admin.site._registry:
        if model._meta.app_label != "clusters":
            continue
        obj = model.objects.first()
        assert obj is not None, f"the test data has no {model.__name__}"
        for url in (
            url_for(model, "changelist"),
            url_for(model, "add"),
            url_for(model, "change", obj.pk),
        ):
            assert admin_client.get(url).status_code == 200, url


def test_admin_adviser_reads_places_and_clusters_but_cannot_add(client, django_user_model, cluster):
    adviser = django_user_model.objects.create_user(username="a", password="x", is_staff=True)
    adviser.groups.add(Group.objects.get(name=ADVISERS))
    client.force_login(adviser)
    for model in (Place, Cluster, ScaleupStatistics):
        assert client.get(url_for(model, "changelist")).status_code == 200
        assert client.get(url_for(model, "add")).status_code == 403
    page = client.get(url_for(Cluster, "change", cluster.pk)).content.decode()
    assert "Body A" in page
    assert 'name="_save"' not in page


def test_admin_place_changelist_shows_parents(admin_client, places):
    response = admin_client.get(url_for(Place, "changelist"))
    row = next(obj for obj in response.context["cl"].result_list if obj.slug == "birmingham")
    assert admin.site._registry[Place].parent_names(row) == (
        "West Midlands, West Midlands Combined Authority"
    )
    assert "West Midlands, West Midlands Combined Authority" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind__exact": "local-authority"}, {"Birmingham", "Derby"}),
        ({"kind__exact": "region"}, {"West Midlands"}),
        ({"q": "derby"}, {"Derby"}),
    ],
)
def test_admin_place_changelist_filters_by_kind_and_search(admin_client, places, query, expected):
    assert listed(admin_client.get(url_for(Place, "changelist"), query)) == expected


def test_admin_place_changelist_filters_by_parent(admin_client, places):
    response = admin_client.get(
        url_for(Place, "changelist"), {"parents__id__exact": places["wmca"].pk}
    )
    assert listed(response) == {"Birmingham"}


def test_admin_place_changelist_query_count_is_flat(admin_client, places):
    url = url_for(Place, "changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for number in range(15):
        extra = Place.objects.create(slug=f"la-{number}", name=f"LA {number}", kind="county")
        extra.parents.add(places["region"], places["wmca"])
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)
    assert len(response.context["cl"].result_list) == 19
    # Same queries either way: session, user, the parents filter's choices, two counts,
    # the page of places and one prefetch of their parents.
    assert len(many) == len(few)


def test_admin_cluster_changelist_filters_and_formats_ranges(admin_client, cluster, places):
    url = url_for(Cluster, "changelist")
    html = admin_client.get(url).content.decode()
    assert "£850m to £1.2bn" in html
    assert "11,200 to 12,400" in html
    assert listed(admin_client.get(url, {"places__id__exact": places["birmingham"].pk})) == {
        "Logistics"
    }
    sector = cluster.sectors.get()
    assert listed(admin_client.get(url, {"sectors__id__exact": sector.pk})) == {"Logistics"}
    assert listed(admin_client.get(url, {"q": "nothing like it"})) == set()


def test_admin_cluster_inline_lists_points_by_kind_then_position(admin_client, cluster):
    response = admin_client.get(url_for(Cluster, "change", cluster.pk))
    (inline,) = response.context["inline_admin_formsets"]
    texts = [form.instance.text for form in inline.formset.forms]
    # Leadership bodies come before actions, as in the profiles; within a kind, by position.
    assert texts == ["Body A", "Body B", "Act first"]
