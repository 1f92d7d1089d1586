"""The public cluster and place pages."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clusters.models import Cluster, ClusterPoint, Place, ScaleupStatistics, Source
from clusters.views import group_by_region
from programmes.models import Programme
from tests.factories import make_cluster, make_geography, make_place, make_programme

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    """The page as a reader sees it: inline tags joined, block tags spaced, entities
    decoded, whitespace collapsed."""
    page = re.sub(r"</?(a|strong|span|abbr|em)\b[^>]*>", "", response.content.decode())
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(response, heading: str) -> str:
    """The text from an h2 up to the next h2."""
    page = text_of(response)
    start = page.index(heading)
    following = [page.find(h, start + len(heading)) for h in H2S if h != heading]
    ends = [i for i in following if i > start]
    return page[start : min(ends) if ends else len(page)]


H2S = [
    "Programmes open to businesses in",
    "Closed and proposed programmes",
    "Programmes for parts of",
    "Growth clusters here",
    "Scaleups in the area",
]


def make_source(slug: str = "review-2023") -> Source:
    source, _ = Source.objects.get_or_create(
        slug=slug,
        defaults={
            "title": "ScaleUp Annual Review 2023",
            "publisher": "ScaleUp Institute",
            "year": 2023,
            "covers": "A review.",
        },
    )
    return source


def make_statistics(place: Place, *, slug: str | None = None, **fields) -> ScaleupStatistics:
    values = {
        "data_year": 2021,
        "period_start": 2018,
        "period_end": 2021,
        "scaleups": 1925,
        "scaleups_by_employment": 340,
        "scaleups_by_turnover": 760,
        "scaleups_by_both": 175,
        "density_change_per_100k": Decimal("-1.88"),
        "local_authorities": 7,
        "above_median_density_employment": 2,
        "above_median_density_turnover": 2,
        "above_median_trend_employment": 5,
        "above_median_trend_turnover": 6,
    }
    values.update(fields)
    return ScaleupStatistics.objects.create(
        slug=slug or f"{place.slug}-{values['data_year']}",
        place=place,
        source=make_source(),
        **values,
    )


def add_points(cluster: Cluster, kind: str, *texts: str) -> None:
    for position, text in enumerate(texts):
        ClusterPoint.objects.create(cluster=cluster, kind=kind, position=position, text=text)


# --- Clusters -----------------------------------------------------------------------


def test_cluster_index_lists_each_cluster_with_its_growth(client) -> None:
    make_cluster(
        "batteries",
        name="Batteries",
        output_min_m=850,
        output_max_m=950,
        jobs_min=11_200,
        jobs_max=12_400,
    )
    make_cluster("aerospace", name="Aerospace", output_min_m=80, output_max_m=90)
    response = client.get(reverse("clusters:index"))
    assert response.status_code == 200
    page = text_of(response)
    assert page.index("Aerospace") < page.index("Batteries")
    assert "Batteries" in page and "£850m to £950m 11,200 to 12,400" in page
    assert "£80m to £90m Not given" in page


def test_cluster_detail_shows_growth_places_points_and_programmes(client) -> None:
    geography = make_geography()
    cluster = make_cluster(
        "future-housing",
        name="Future housing",
        output_min_m=220,
        output_max_m=320,
        jobs_min=3400,
        jobs_max=3700,
        growth_basis="Beating the UK average.",
        source_wording="The profile gives £320m to £220m.",
    )
    cluster.places.add(geography["coventry"])
    add_points(cluster, ClusterPoint.Kind.LEADERSHIP, "WMCA works with industry leaders.")
    add_points(cluster, ClusterPoint.Kind.ASSET, "The National Brownfield Institute.")
    add_points(cluster, ClusterPoint.Kind.ACTION, "Set up a centre of excellence.")
    add_points(cluster, ClusterPoint.Kind.ASK, "A land assembly fund.")
    programme = make_programme(name="Housing Innovators", clusters=[cluster])

    response = client.get(cluster.get_absolute_url())
    page = text_of(response)
    assert "Extra output £220m to £320m" in page
    assert "Extra jobs 3,400 to 3,700" in page
    assert "How it was estimated Beating the UK average." in page
    assert "What the source says The profile gives £320m to £220m." in page
    assert "Who leads it WMCA works with industry leaders." in page
    assert "Strengths it builds on The National Brownfield Institute." in page
    assert "Priority actions Set up a centre of excellence." in page
    assert "What the region asks of government A land assembly fund." in page
    assert "Programmes serving this cluster Housing Innovators Open" in page
    content = response.content.decode()
    assert f'href="{geography["coventry"].get_absolute_url()}"' in content
    assert f'href="{programme.get_absolute_url()}"' in content


def test_cluster_detail_unknown_slug_is_404(client) -> None:
    assert client.get(reverse("clusters:detail", args=["no-such-cluster"])).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_cluster_pages_query_counts_do_not_grow(client, django_assert_num_queries, size) -> None:
    clusters = [make_cluster(f"cluster-{n}") for n in range(size)]
    cluster = clusters[0]
    cluster.places.add(*(make_place(f"place-{n}") for n in range(size)))
    cluster.sources.add(*(make_source(f"source-{n}") for n in range(size)))
    for kind in ClusterPoint.Kind.values:
        add_points(cluster, kind, *(f"{kind} {n}" for n in range(size)))
    for _ in range(size):
        make_programme(clusters=[cluster])

    # 1 the clusters.
    with django_assert_num_queries(1):
        assert client.get(reverse("clusters:index")).status_code == 200
    # 1 the cluster; then places, sectors, sources, points and programmes: 6.
    with django_assert_num_queries(6):
        response = client.get(cluster.get_absolute_url())
    assert text_of(response).count("Programme ") == size


# --- Places -------------------------------------------------------------------------


def test_place_shows_what_it_is_part_of_narrowest_first(client) -> None:
    geography = make_geography()
    response = client.get(geography["coventry"].get_absolute_url())
    assert response.status_code == 200
    assert (
        "Part of West Midlands Combined Authority West Midlands England United Kingdom"
        in text_of(response)
    )
    content = response.content.decode()
    for slug in ["west-midlands-combined-authority", "west-midlands", "england", "united-kingdom"]:
        assert f'href="/places/{slug}/"' in content


def test_place_shows_its_official_area_code_when_it_has_one(client) -> None:
    geography = make_geography()
    coventry = geography["coventry"]
    assert "Official area code" not in text_of(client.get(coventry.get_absolute_url()))
    coventry.code = "E08000026"
    coventry.save()
    assert "Official area code E08000026 (ONS GSS code)" in text_of(
        client.get(coventry.get_absolute_url())
    )


def test_place_lists_programmes_open_there_through_the_hierarchy(client) -> None:
    geography = make_geography()
    make_programme(name="Coventry Grants", places=[geography["coventry"]])
    make_programme(name="WMCA Fund", places=[geography["west-midlands-combined-authority"]])
    make_programme(name="England Loans", places=[geography["england"]])
    make_programme(name="UK Leaders", places=[geography["united-kingdom"]])
    make_programme(name="Birmingham Only", places=[geography["birmingham"]])
    make_programme(name="Ashfield Scaleups", places=[geography["ashfield"]])
    make_programme(
        name="Old Regional Fund",
        places=[geography["west-midlands"]],
        status=Programme.Status.CLOSED,
    )
    make_programme(
        name="Lapsed Fund",
        places=[geography["west-midlands"]],
        closes_on=datetime.date(2020, 1, 1),
    )
    make_programme(
        name="Bid Programme", places=[geography["west-midlands"]], status=Programme.Status.PROPOSED
    )

    response = client.get(geography["coventry"].get_absolute_url())
    current = section(response, "Programmes open to businesses in Coventry")
    for name in ["Coventry Grants", "England Loans", "UK Leaders", "WMCA Fund"]:
        assert name in current
    assert "4 programmes cover Coventry" in current
    for name in ["Birmingham Only", "Ashfield Scaleups", "Old Regional Fund", "Lapsed Fund"]:
        assert name not in current
    other = section(response, "Closed and proposed programmes")
    assert "Old Regional Fund Closed" in other
    assert "Lapsed Fund Closed" in other
    assert "Bid Programme Proposed" in other
    assert "Birmingham Only" not in text_of(response)

    # The combined authority's page points to the programmes for only part of it, apart.
    response = client.get(geography["west-midlands-combined-authority"].get_absolute_url())
    assert "Birmingham Only" not in section(
        response, "Programmes open to businesses in West Midlands Combined Authority"
    )
    parts = section(response, "Programmes for parts of West Midlands Combined Authority")
    assert "Birmingham Only" in parts and "Coventry Grants" in parts
    assert "Ashfield Scaleups" not in text_of(response)


def test_place_shows_clusters_in_it_or_in_places_inside_it(client) -> None:
    geography = make_geography()
    cluster = make_cluster("batteries", name="Batteries")
    cluster.places.add(geography["coventry"])
    for slug in ["coventry", "west-midlands-combined-authority", "west-midlands"]:
        response = client.get(geography[slug].get_absolute_url())
        assert "Batteries" in section(response, "Growth clusters here"), slug
    response = client.get(geography["ashfield"].get_absolute_url())
    assert "None of the Plan for Growth clusters is concentrated here." in text_of(response)


def test_place_shows_statistics_for_the_area_containing_it(client) -> None:
    geography = make_geography()
    make_statistics(geography["west-midlands-combined-authority"])
    response = client.get(geography["coventry"].get_absolute_url())
    stats = section(response, "Scaleups in the area")
    assert "West Midlands Combined Authority, 2021" in stats
    assert (
        "The review gives figures for the whole of West Midlands Combined Authority, which includes Coventry."
        in stats
    )
    assert "Scaleups 1,925" in stats
    assert (
        "Change in density, 2018 to 2021 Fell by 1.88 scaleups per 100,000 people a year" in stats
    )
    assert "ScaleUp Annual Review 2023 (ScaleUp Institute, 2023)" in stats
    response = client.get(geography["ashfield"].get_absolute_url())
    assert "Our sources give no scaleup statistics for Ashfield" in text_of(response)


def test_place_links_to_the_finder_for_that_place(client) -> None:
    geography = make_geography()
    response = client.get(geography["coventry"].get_absolute_url())
    assert f'href="{reverse("finder:home")}?location=coventry"' in response.content.decode()


def test_place_unknown_slug_is_404(client) -> None:
    make_geography()
    assert client.get(reverse("clusters:place", args=["atlantis"])).status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_place_pages_query_counts_do_not_grow(client, django_assert_num_queries, size) -> None:
    geography = make_geography()
    coventry = geography["coventry"]
    for n in range(size):
        make_place(f"ward-{n}", parents=[coventry])
        make_programme(places=[coventry])
        make_programme(places=[geography["england"]], status=Programme.Status.CLOSED)
        make_cluster(f"cluster-{n}").places.add(coventry)
        make_statistics(geography["west-midlands-combined-authority"], data_year=1990 + n)

    for n in range(size):
        make_programme(places=[f"ward-{n}"])
    # The first request builds the finder's index and reads the vocabularies, which
    # each process keeps. Then: 1-2 the places containing Coventry (does it exist; the
    # containment table); 3 those places; 4 the places inside it (the containment table
    # again); 5 the catalogue version; 6 the programmes the geography criterion finds
    # there (for it or part of it); 7 its children; 8 the clusters there; 9 the
    # statistics.
    client.get(coventry.get_absolute_url())
    with django_assert_num_queries(9):
        response = client.get(coventry.get_absolute_url())
    assert text_of(response).count("Programme ") == 3 * size

    # 1 the places; 2 the places containing each.
    with django_assert_num_queries(2):
        assert client.get(reverse("clusters:place-index")).status_code == 200


def test_place_index_groups_places_by_region(client) -> None:
    make_geography()
    response = client.get(reverse("clusters:place-index"))
    assert response.status_code == 200
    groups = group_by_region(Place.objects.for_index())
    named = {region: [p.slug for p in places] for region, places in groups}
    assert list(named) == ["East Midlands", "West Midlands", "Nations and other areas"]
    assert named["West Midlands"] == [
        "west-midlands",
        "west-midlands-combined-authority",
        "birmingham",
        "coventry",
    ]
    assert named["East Midlands"] == ["east-midlands", "d2n2", "nottinghamshire", "ashfield"]
    assert named["Nations and other areas"] == ["england", "united-kingdom"]
    page = text_of(response)
    assert "Coventry Local authority West Midlands Combined Authority" in page


# --- The real catalogue -------------------------------------------------------------


def test_every_catalogue_cluster_and_place_has_a_page(client, real_catalogue) -> None:
    clusters = list(Cluster.objects.values_list("slug", flat=True))
    places = list(Place.objects.values_list("slug", flat=True))
    assert len(clusters) == 8
    assert len(places) >= 48
    for slug in clusters:
        assert client.get(reverse("clusters:detail", args=[slug])).status_code == 200, slug
    for slug in places:
        assert client.get(reverse("clusters:place", args=[slug])).status_code == 200, slug
    index = client.get(reverse("clusters:place-index")).content.decode()
    for slug in places:
        assert f'href="/places/{slug}/"' in index


def test_catalogue_future_housing_shows_the_corrected_range(client, real_catalogue) -> None:
    page = text_of(client.get("/clusters/manufacturing-of-future-housing/"))
    assert "Extra output £220m to £320m" in page
    assert "Extra jobs 3,400 to 3,700" in page
    assert "£320m to £220m" in page  # the source's own wording, shown as such


def test_catalogue_coventry_gets_west_midlands_support_and_wmca_figures(
    client, real_catalogue
) -> None:
    response = client.get("/places/coventry/")
    current = section(response, "Programmes open to businesses in Coventry")
    assert "West Midlands Co-Investment Fund" in current
    assert "Midlands Engine Investment Fund II" in current
    assert "UpScaler" not in current  # a D2N2 programme
    other = section(response, "Closed and proposed programmes")
    assert "Speed to Scale Region Programme Proposed" in other
    stats = section(response, "Scaleups in the area")
    assert "West Midlands Combined Authority, 2021" in stats
    assert "Scaleups 925" in stats


def test_catalogue_ashfield_gets_d2n2_programmes_and_figures(client, real_catalogue) -> None:
    response = client.get("/places/ashfield/")
    current = section(response, "Programmes open to businesses in Ashfield")
    assert "UpScaler in Ashfield" in current
    assert "UpScaler Closed" in section(response, "Closed and proposed programmes")
    assert "D2N2, 2019" in section(response, "Scaleups in the area")
    response = client.get("/places/d2n2/")
    parts = section(response, "Programmes for parts of D2N2")
    assert "UpScaler in Ashfield" in parts
    # Our sources do not say where the Dryden Enterprise Centre is: open to all of D2N2.
    assert "UpScaler at the Dryden Enterprise Centre" in section(
        response, "Programmes open to businesses in D2N2"
    )


def test_place_page_lists_what_the_finder_finds_there(client) -> None:
    """The place page follows the finder's geography criterion: a programme for an area
    that only reaches into the place (a partnership spanning two regions) is listed as
    one for part of it, and one for an area that holds the place as open there."""
    geography = make_geography()
    across = make_place("across", kind=Place.Kind.LEP_AREA, name="Across Partnership")
    geography["coventry"].parents.add(across)
    geography["ashfield"].parents.add(across)
    make_programme(name="Across Fund", places=[across])
    make_programme(name="Ashfield Scaleups", places=[geography["ashfield"]])

    region = client.get(geography["west-midlands"].get_absolute_url())
    assert "Across Fund" in section(region, "Programmes for parts of West Midlands")
    assert "Ashfield Scaleups" not in text_of(region)
    coventry = client.get(geography["coventry"].get_absolute_url())
    assert "Across Fund" in section(coventry, "Programmes open to businesses in Coventry")
