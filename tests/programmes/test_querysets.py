"""The database half of matching: the QuerySet vocabulary, ``for_finder``'s failure and
unknown flags (checked against the pure engine), ranking, and the page's query count."""

from __future__ import annotations

import datetime

import pytest

from clusters.models import Place
from programmes.eligibility import BusinessProfile, Outcome, match_programme
from programmes.models import Programme, ProgrammeRelation
from programmes.querysets import FAILURE_FLAGS, UNKNOWN_FLAGS
from tests.factories import (
    make_cluster,
    make_geography,
    make_programme,
    make_support_type,
)

pytestmark = pytest.mark.django_db

WMCA = "west-midlands-combined-authority"


@pytest.fixture
def geography() -> dict[str, Place]:
    return make_geography()


def in_place(slug: str, **answers) -> BusinessProfile:
    return BusinessProfile(location=slug, location_within=Place.objects.containing(slug), **answers)


def slugs(queryset) -> list[str]:
    return [programme.slug for programme in queryset]


# --- Vocabulary ----------------------------------------------------------------------


def test_programme_queryset_open_keeps_only_programmes_taking_applications(geography):
    make_programme(slug="open", status="open")
    for status in ("opening-soon", "closed", "proposed"):
        make_programme(slug=status, status=status)
    assert slugs(Programme.objects.open()) == ["open"]


@pytest.mark.parametrize(
    ("include_closed", "expected"),
    [
        (False, {"open", "opening-soon"}),
        (True, {"open", "opening-soon", "closed", "proposed"}),
    ],
)
def test_programme_queryset_visible_hides_closed_and_proposed_unless_asked(
    geography, include_closed, expected
):
    for status in ("open", "opening-soon", "closed", "proposed"):
        make_programme(slug=status, status=status)
    assert set(slugs(Programme.objects.visible(include_closed))) == expected
    profile = BusinessProfile(include_closed=include_closed)
    assert set(slugs(Programme.objects.for_finder(profile))) == expected


def test_programme_queryset_treats_a_passed_closing_date_as_closed(geography):
    today = datetime.date(2026, 6, 1)
    make_programme(slug="closes-today", closes_on=today)
    make_programme(slug="closed-yesterday", closes_on=today - datetime.timedelta(days=1))
    make_programme(slug="no-date")
    shown = {"closes-today", "no-date"}
    assert set(slugs(Programme.objects.visible(today=today))) == shown
    assert set(slugs(Programme.objects.open(today=today))) == shown
    assert set(slugs(Programme.objects.for_finder(BusinessProfile(), today=today))) == shown

    everything = Programme.objects.for_finder(BusinessProfile(include_closed=True), today=today)
    assert {p.slug: p.is_open for p in everything} == {
        "closes-today": 1,
        "closed-yesterday": 0,
        "no-date": 1,
    }
    fits = {p.slug: match_programme(p, BusinessProfile(), today=today).fit for p in everything}
    assert fits == {"closes-today": ["Open now"], "closed-yesterday": [], "no-date": ["Open now"]}


def test_programme_queryset_serving_finds_programmes_for_any_containing_place(geography):
    make_programme(slug="wmca", places=[WMCA])
    make_programme(slug="d2n2", places=["d2n2"])
    make_programme(slug="both", places=["coventry", "ashfield"])
    make_programme(slug="uk")
    coventry = Place.objects.containing("coventry")
    assert set(slugs(Programme.objects.serving(coventry))) == {"wmca", "both", "uk"}
    assert set(slugs(Programme.objects.serving(["d2n2", "ashfield"]))) == {"d2n2", "both"}


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


# --- for_finder: each failure flag ---------------------------------------------------


FAILING = [
    # (programme restriction, answers that fail it, answers that meet it, flag)
    ({"places": ["d2n2"]}, {"location": "coventry"}, {"location": "ashfield"}, "geography_fails"),
    ({"sectors": ["automotive"]}, {"sector": "retail"}, {"sector": "automotive"}, "sector_fails"),
    ({"stages": ["start-up"]}, {"stage": "established"}, {"stage": "start-up"}, "stage_fails"),
    (
        {"employees_min": 10, "employees_max": 249},
        {"employees": 5},
        {"employees": 10},
        "employees_fails",
    ),
    (
        {"employees_min": 10, "employees_max": 249},
        {"employees": 250},
        {"employees": 249},
        "employees_fails",
    ),
    ({"turnover_min": 1_000_000}, {"turnover": 999_999}, {"turnover": 1_000_000}, "turnover_fails"),
    (
        {"turnover_max": 5_000_000},
        {"turnover": 5_000_001},
        {"turnover": 5_000_000},
        "turnover_fails",
    ),
    ({"amount_max": 1_000_000}, {"funding": 3_000_000}, {"funding": 1_000_000}, "funding_fails"),
    ({"amount_min": 25_000}, {"funding": 10_000}, {"funding": 25_000}, "funding_fails"),
    (
        {"growth": "scaleup"},
        {"employees_3y_ago": 8, "employees": 40},
        {"employees_3y_ago": 10, "employees": 18},
        "growth_fails",
    ),
]


def _profile(answers: dict) -> BusinessProfile:
    answers = dict(answers)
    location = answers.pop("location", None)
    if location:
        return in_place(location, **answers)
    return BusinessProfile(**answers)


@pytest.mark.parametrize(("restriction", "failing", "meeting", "flag"), FAILING)
def test_for_finder_flags_each_failed_criterion(geography, restriction, failing, meeting, flag):
    make_programme(slug="target", **restriction)

    (failed,) = Programme.objects.for_finder(_profile(failing))
    assert getattr(failed, flag) == 1
    assert failed.failures == 1
    assert [name for name in FAILURE_FLAGS if getattr(failed, name)] == [flag]

    (met,) = Programme.objects.for_finder(_profile(meeting))
    assert getattr(met, flag) == 0
    assert met.failures == 0


def test_for_finder_potential_scaleup_never_fails_on_growth(geography):
    make_programme(slug="potential", growth="potential-scaleup")
    (programme,) = Programme.objects.for_finder(BusinessProfile(employees_3y_ago=8, employees=9))
    assert (programme.growth_fails, programme.growth_unknown) == (0, 1)


def test_for_finder_drops_programmes_failing_two_criteria(geography):
    make_programme(slug="two", places=["d2n2"], employees_min=10)
    make_programme(slug="one", places=["d2n2"])
    profile = in_place("coventry", employees=5)
    assert slugs(Programme.objects.for_finder(profile)) == ["one"]
    assert slugs(Programme.objects.for_finder(profile).near_misses()) == ["one"]
    assert slugs(Programme.objects.for_finder(profile).eligible_or_possible()) == []


# --- for_finder agrees with the pure engine ------------------------------------------


def _catalogue() -> None:
    """One programme per kind of restriction, and some with several."""
    make_cluster("electric-vehicles", sectors=["automotive"])
    make_programme(slug="anywhere")
    make_programme(slug="wmca", places=[WMCA])
    make_programme(slug="d2n2", places=["d2n2"])
    make_programme(slug="ashfield-only", places=["ashfield"])
    make_programme(slug="no-places", places=[])
    make_programme(slug="automotive", sectors=["automotive", "aerospace"])
    make_programme(slug="start-ups", stages=["pre-start", "start-up"])
    make_programme(slug="smes", employees_min=10, employees_max=249)
    make_programme(slug="big-turnover", turnover_min=1_000_000, turnover_max=50_000_000)
    make_programme(slug="scaleups", growth="scaleup")
    make_programme(slug="potential", growth="potential-scaleup")
    make_programme(slug="women", audience="women-leaders")
    make_programme(slug="grant", amount_min=25_000, amount_max=1_000_000)
    make_programme(slug="loan-up-to", amount_max=150_000)
    make_programme(
        slug="everything",
        places=[WMCA],
        sectors=["automotive"],
        stages=["established"],
        employees_min=10,
        employees_max=249,
        turnover_min=1_000_000,
        growth="scaleup",
        audience="women-leaders",
        amount_min=100_000,
        amount_max=5_000_000,
        clusters=["electric-vehicles"],
    )
    make_programme(slug="closed", status="closed", places=["d2n2"])


PROFILES = [
    {},
    {"location": "coventry"},
    {"location": "ashfield", "sector": "automotive", "stage": "established"},
    {"location": "coventry", "sector": "retail", "stage": "start-up", "employees": 5},
    {
        "location": "birmingham",
        "sector": "automotive",
        "stage": "established",
        "employees": 25,
        "employees_3y_ago": 12,
        "turnover": 2_000_000,
        "funding": 500_000,
    },
    {"employees": 300, "turnover": 500_000, "funding": 3_000_000, "employees_3y_ago": 5},
    {"employees": 20, "employees_3y_ago": 20, "turnover": 900_000, "turnover_3y_ago": 0},
    {"funding": 0, "support": frozenset({"equity"}), "include_closed": True},
    {"location": "nottinghamshire", "funding": 150_000, "include_closed": True},
]


@pytest.mark.parametrize("answers", PROFILES)
def test_for_finder_agrees_with_the_pure_engine(geography, answers):
    _catalogue()
    profile = _profile(answers)
    found = {p.slug: p for p in Programme.objects.for_finder(profile).with_match_details()}
    everything = Programme.objects.visible(profile.include_closed).with_match_details()

    for programme in everything:
        match = match_programme(programme, profile)
        unmet = [reason.criterion for reason in match.reasons if reason.outcome == Outcome.UNMET]
        unknown = [
            reason.criterion for reason in match.reasons if reason.outcome == Outcome.UNKNOWN
        ]
        if len(unmet) > 1:
            assert programme.slug not in found, f"{programme.slug} fails {unmet}"
            continue
        row = found[programme.slug]
        assert row.failures == len(unmet), programme.slug
        assert row.unknowns == len(unknown), programme.slug
        assert [f.removesuffix("_fails") for f in FAILURE_FLAGS if getattr(row, f)] == unmet
        assert sorted(f.removesuffix("_unknown") for f in UNKNOWN_FLAGS if getattr(row, f)) == (
            sorted(unknown)
        )
        assert row.has_unknowns == (1 if unknown else 0)


# --- Ranking -------------------------------------------------------------------------


def test_for_finder_puts_eligible_before_possible_before_near_misses(geography):
    make_programme(slug="near-miss", places=["d2n2"], support_types=["equity"])
    make_programme(slug="possible", sectors=["automotive"], support_types=["equity"])
    make_programme(slug="eligible")
    profile = in_place("coventry", support=frozenset({"equity"}))
    assert slugs(Programme.objects.for_finder(profile)) == ["eligible", "possible", "near-miss"]


def test_for_finder_ranks_by_support_wanted_first(geography):
    make_programme(slug="one-wanted", support_types=["equity", "leadership"], places=["coventry"])
    make_programme(slug="two-wanted", support_types=["equity", "mentoring"])
    make_programme(slug="none-wanted", support_types=["leadership"], places=["coventry"])
    profile = in_place("coventry", support=frozenset({"equity", "mentoring"}))
    results = list(Programme.objects.for_finder(profile))
    assert slugs(results) == ["two-wanted", "one-wanted", "none-wanted"]
    assert [p.support_wanted for p in results] == [2, 1, 0]


def test_for_finder_ranks_sector_then_cluster_specificity(geography):
    make_cluster("electric-vehicles", sectors=["automotive"])
    make_programme(slug="a-general")
    make_programme(slug="b-cluster", clusters=["electric-vehicles"])
    make_programme(slug="c-sector", sectors=["automotive"])
    results = list(Programme.objects.for_finder(BusinessProfile(sector="automotive")))
    assert slugs(results) == ["c-sector", "b-cluster", "a-general"]
    assert [p.sector_fit for p in results] == [2, 1, 0]


def test_for_finder_ranks_local_before_national(geography):
    make_programme(slug="a-national", places=["united-kingdom"])
    make_programme(slug="b-region", places=["west-midlands"])
    make_programme(slug="c-combined-authority", places=[WMCA, "united-kingdom"])
    make_programme(slug="d-local", places=["coventry", "d2n2"])
    results = list(Programme.objects.for_finder(in_place("coventry")))
    assert slugs(results) == ["d-local", "c-combined-authority", "b-region", "a-national"]
    assert [p.place_rank for p in results] == [5, 3, 2, 1]


def test_for_finder_ranks_open_before_opening_soon(geography):
    make_programme(slug="a-soon", status="opening-soon")
    make_programme(slug="b-open", status="open")
    assert slugs(Programme.objects.for_finder(BusinessProfile())) == ["b-open", "a-soon"]


def test_for_finder_without_preferences_orders_by_name(geography):
    make_programme(slug="b", name="Beta")
    make_programme(slug="a", name="Alpha")
    assert slugs(Programme.objects.for_finder(BusinessProfile())) == ["a", "b"]


def test_for_finder_text_keeps_matches_and_ranks_name_above_description(geography):
    make_programme(slug="in-description", name="Alpha", description="We back battery firms.")
    make_programme(slug="in-name", name="Zulu Battery Fund")
    make_programme(slug="elsewhere", name="Beta", summary="Leadership.")
    results = list(Programme.objects.for_finder(BusinessProfile(q="battery")))
    assert slugs(results) == ["in-name", "in-description"]
    assert results[0].text_rank > results[1].text_rank > 0


def test_for_finder_text_needs_every_word(geography):
    make_programme(slug="both", name="Battery Fund", summary="For makers in Coventry.")
    make_programme(slug="one", name="Battery Fund", summary="For makers.")
    assert slugs(Programme.objects.for_finder(BusinessProfile(q="battery coventry"))) == ["both"]


@pytest.mark.postgres
def test_for_finder_full_text_search_stems_and_weights_on_postgresql(geography):
    make_programme(slug="in-summary", name="Alpha", summary="Loans for battery makers.")
    make_programme(slug="in-name", name="Zulu Batteries Fund")
    make_programme(slug="elsewhere", name="Beta", summary="Leadership.")
    results = list(Programme.objects.for_finder(BusinessProfile(q="battery")))
    # "battery" matches "Batteries" by its English stem; the name (weight A) outranks the
    # summary (weight B).
    assert slugs(results) == ["in-name", "in-summary"]
    assert results[0].text_rank > results[1].text_rank > 0


# --- Query count ---------------------------------------------------------------------


def _programmes_with_everything(count: int) -> None:
    make_cluster("electric-vehicles", sectors=["automotive", "aerospace"])
    successor = make_programme(slug="successor")
    for number in range(count - 1):
        programme = make_programme(
            slug=f"p{number:02}",
            places=[WMCA, "united-kingdom"],
            sectors=["automotive"],
            stages=["established"],
            support_types=["equity", "mentoring"],
            providers=["bank"],
            clusters=["electric-vehicles"],
            amount_max=1_000_000,
        )
        ProgrammeRelation.objects.create(
            programme=programme, related=successor, kind=ProgrammeRelation.Kind.SUCCEEDED_BY
        )


@pytest.mark.parametrize("count", [3, 30])
def test_for_finder_page_takes_constant_queries(geography, django_assert_num_queries, count):
    _programmes_with_everything(count)
    make_support_type("grant")
    profile = in_place("coventry", sector="automotive", support=frozenset({"equity"}))
    # 1. the programmes, with every flag, count and score computed in the database
    # 2. places  3. sectors  4. stages  5. support types  6. providers
    # 7. clusters  8. the clusters' sectors  9. relations, each with its related programme
    with django_assert_num_queries(9):
        page = list(Programme.objects.for_finder(profile).with_match_details()[:20])
        matches = [match_programme(programme, profile) for programme in page]
        successors = [rel.related.name for p in page for rel in p.relations.all()]
    assert len(page) == min(count, 20)
    assert all(match.reasons for match in matches)
    assert len(successors) == len(page) - (1 if "successor" in slugs(page) else 0)
