"""The real catalogue: everything PRODUCT.md §3 names is there, with its sources and the
key figures the seed documents give. These tests are *about* the catalogue, so they load
the real fixtures."""

from __future__ import annotations

from clusters.models import Cluster, Place, ScaleupStatistics
from programmes import catalogue
from programmes.models import Programme

# Every programme PRODUCT.md §3 names, by its catalogue slug.
NAMED_PROGRAMMES = [
    "aston-small-business-growth-programme",
    "west-midlands-co-investment-fund",
    "local-authority-sme-grant-programmes",
    "midlands-engine-investment-fund",
    "midlands-engine-investment-fund-ii",
    "innovation-accelerator",
    "west-midlands-health-tech-innovation-accelerator",
    "investment-readiness-programme",
    "made-smarter-west-midlands",
    "help-to-grow-management",
    "natwest-accelerator",
    "barclays-eagle-labs",
    "grow-london-global-west-midlands",
    "high-growth-accelerator-programme",
    "create-growth-programme",
    "business-growth-west-midlands",
    "plug-and-play-uk-future-mobility",
    "upscaler",
    "upscaler-at-the-dryden-enterprise-centre",
    "upscaler-in-ashfield",
    "digital-upscaler",
    "women-in-leadership",
    "big-house",
    "digital-hothouse",
    "sustainable-fashion-accelerator",
    "speed-to-scale-region-programme",
    "productivity-booster",
]

WMCA_AUTHORITIES = [
    "birmingham",
    "coventry",
    "dudley",
    "sandwell",
    "solihull",
    "walsall",
    "wolverhampton",
]
D2N2_AUTHORITIES = [
    "derby",
    "nottingham",
    "amber-valley",
    "bolsover",
    "chesterfield",
    "derbyshire-dales",
    "erewash",
    "high-peak",
    "north-east-derbyshire",
    "south-derbyshire",
    "ashfield",
    "bassetlaw",
    "broxtowe",
    "gedling",
    "mansfield",
    "newark-and-sherwood",
    "rushcliffe",
]


def test_catalogue_files_are_valid() -> None:
    result = catalogue.read()
    assert result.problems == []


def test_catalogue_has_every_named_programme_with_sources(real_catalogue) -> None:
    programmes = {p.slug: p for p in Programme.objects.prefetch_related("programme_sources")}

    missing = [slug for slug in NAMED_PROGRAMMES if slug not in programmes]
    assert missing == []
    # A programme no document mentions says so (the growth hubs named as front doors).
    unsourced = [
        slug
        for slug, p in programmes.items()
        if not p.programme_sources.all()
        and "none of our source documents" not in p.outside_documents
    ]
    assert unsourced == []


def test_catalogue_has_the_key_figures_from_the_seeds(real_catalogue) -> None:
    co_invest = Programme.objects.get(slug="west-midlands-co-investment-fund")
    assert co_invest.fund_size == 25_000_000
    assert co_invest.amount_max == 1_000_000
    meif2 = Programme.objects.get(slug="midlands-engine-investment-fund-ii")
    assert meif2.fund_size == 400_000_000
    assert (meif2.amount_min, meif2.amount_max) == (25_000, 5_000_000)
    assert {p.slug for p in meif2.places.all()} == {
        "east-midlands",
        "south-east-midlands",
        "west-midlands",
    }
    assert Programme.objects.get(slug="local-authority-sme-grant-programmes").amount_max == 100_000
    assert (
        Programme.objects.get(slug="west-midlands-health-tech-innovation-accelerator").fund_size
        == 33_000_000
    )
    assert Programme.objects.get(slug="innovation-accelerator").fund_size == 100_000_000
    assert Programme.objects.get(slug="made-smarter-west-midlands").fund_size == 6_900_000
    aston = Programme.objects.get(slug="aston-small-business-growth-programme")
    assert any("282" in outcome.text for outcome in aston.outcomes.all())
    assert (aston.cohort_size_min, aston.cohort_size_max) == (15, 20)
    speed = Programme.objects.get(slug="speed-to-scale-region-programme")
    assert speed.status == Programme.Status.PROPOSED
    assert speed.fund_size == 460_000_000


def test_catalogue_closed_upscaler_points_to_its_successors(real_catalogue) -> None:
    upscaler = Programme.objects.get(slug="upscaler")
    assert upscaler.status == Programme.Status.CLOSED
    # "funding for the programme concluding in July 2021": a month, not a day.
    assert upscaler.closes_on is None
    assert "July 2021" in upscaler.dates_note
    successors = {
        r.related.slug
        for r in upscaler.relations.filter(kind="succeeded-by").select_related("related")
    }
    assert {"upscaler-at-the-dryden-enterprise-centre", "upscaler-in-ashfield"} <= successors
    booster = Programme.objects.get(slug="productivity-booster")
    assert booster.relations.get(kind="part-of").related.slug == "speed-to-scale-region-programme"


def test_catalogue_has_the_places_and_clusters(real_catalogue) -> None:
    wmca = Place.objects.get(slug="west-midlands-combined-authority")
    assert sorted(wmca.children.values_list("slug", flat=True)) == sorted(WMCA_AUTHORITIES)
    for slug in D2N2_AUTHORITIES:
        place = Place.objects.get(slug=slug)
        assert place.kind == Place.Kind.LOCAL_AUTHORITY
    assert len(D2N2_AUTHORITIES) == 17
    assert Cluster.objects.count() == 8
    housing = Cluster.objects.get(slug="manufacturing-of-future-housing")
    assert (housing.output_min_m, housing.output_max_m) == (220, 320)
    assert "£320m to £220m" in housing.source_wording
    for cluster in Cluster.objects.prefetch_related("places", "sources"):
        assert cluster.places.exists(), cluster.slug
        assert cluster.sources.exists(), cluster.slug


def test_catalogue_has_the_scaleup_statistics_for_wmca_and_d2n2(real_catalogue) -> None:
    wmca = ScaleupStatistics.objects.get(place__slug="west-midlands-combined-authority")
    assert (
        wmca.scaleups,
        wmca.scaleups_by_employment,
        wmca.scaleups_by_turnover,
        wmca.scaleups_by_both,
    ) == (925, 340, 760, 175)
    assert str(wmca.density_change_per_100k) == "-1.88"
    assert wmca.local_authorities == 7
    d2n2 = ScaleupStatistics.objects.get(place__slug="d2n2")
    assert (
        d2n2.scaleups,
        d2n2.scaleups_by_employment,
        d2n2.scaleups_by_turnover,
        d2n2.scaleups_by_both,
    ) == (925, 365, 755, 195)
    assert d2n2.local_authorities == 17
    assert d2n2.above_median_density_employment == 10


def test_catalogue_export_round_trips_the_committed_files(
    real_catalogue, tmp_path, settings
) -> None:
    """Load then export leaves the files byte for byte as committed."""
    from pathlib import Path

    fixtures = Path(settings.CATALOGUE_FIXTURES_DIR)
    register = Path(settings.CATALOGUE_SOURCES_FILE)
    before = {p: p.read_bytes() for p in [*fixtures.rglob("*.yaml"), register]}

    report = catalogue.export(dry_run=True)

    assert report.written == [] and report.removed == []
    assert len(before) == report.unchanged
