"""The finder's one search (finder/search.py): which programmes each failed criterion
turns into near misses, which are dropped, how the lists are ranked, the words searched
for, and the queries a search takes. The same search serves the page, the API and the
advisers' enquiries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from clusters.models import Place
from finder.search import run_search
from programmes.eligibility import BusinessProfile, Outcome
from programmes.models import ProgrammeRelation
from tests.factories import make_cluster, make_geography, make_programme, make_support_type

pytestmark = pytest.mark.django_db

WMCA = "west-midlands-combined-authority"


@pytest.fixture
def geography() -> dict[str, Place]:
    return make_geography()


def in_place(slug: str, **answers) -> BusinessProfile:
    return BusinessProfile(location=slug, location_within=Place.objects.containing(slug), **answers)


def search(profile: BusinessProfile):
    return run_search(profile, today=timezone.localdate(), page_size=1_000, near_misses_shown=1_000)


def slugs(results) -> list[str]:
    return [result.programme.slug for result in results]


FAILING = [
    # (programme restriction, answers that fail it, answers that meet it, criterion)
    ({"places": ["d2n2"]}, {"location": "coventry"}, {"location": "ashfield"}, "geography"),
    ({"sectors": ["automotive"]}, {"sector": "retail"}, {"sector": "automotive"}, "sector"),
    ({"stages": ["start-up"]}, {"stage": "established"}, {"stage": "start-up"}, "stage"),
    ({"employees_min": 10, "employees_max": 249}, {"employees": 5}, {"employees": 10}, "employees"),
    (
        {"employees_min": 10, "employees_max": 249},
        {"employees": 250},
        {"employees": 249},
        "employees",
    ),
    ({"turnover_min": 1_000_000}, {"turnover": 999_999}, {"turnover": 1_000_000}, "turnover"),
    ({"turnover_max": 5_000_000}, {"turnover": 5_000_001}, {"turnover": 5_000_000}, "turnover"),
    ({"amount_max": 1_000_000}, {"funding": 3_000_000}, {"funding": 1_000_000}, "funding"),
    ({"amount_min": 25_000}, {"funding": 10_000}, {"funding": 25_000}, "funding"),
    (
        {"growth": "scaleup"},
        {"employees_3y_ago": 8, "employees": 40},
        {"employees_3y_ago": 10, "employees": 18},
        "growth",
    ),
]


def _profile(answers: dict) -> BusinessProfile:
    answers = dict(answers)
    location = answers.pop("location", None)
    return in_place(location, **answers) if location else BusinessProfile(**answers)


@pytest.mark.parametrize(("restriction", "failing", "meeting", "criterion"), FAILING)
def test_search_makes_a_near_miss_of_each_failed_criterion(
    geography, restriction, failing, meeting, criterion
):
    make_programme(slug="target", **restriction)

    failed = search(_profile(failing))
    assert (slugs(failed.results), slugs(failed.near_misses)) == ([], ["target"])
    assert [r.criterion for r in failed.near_misses[0].match.unmet] == [criterion]

    met = search(_profile(meeting))
    assert (slugs(met.results), slugs(met.near_misses)) == (["target"], [])
    outcomes = {r.criterion: r.outcome for r in met.results[0].match.reasons}
    assert outcomes[criterion] == Outcome.MET


def test_search_potential_scaleup_never_fails_on_growth(geography):
    make_programme(slug="potential", growth="potential-scaleup")
    found = search(BusinessProfile(employees_3y_ago=8, employees=9))
    assert slugs(found.results) == ["potential"]
    assert [r.criterion for r in found.results[0].match.unknown] == ["geography", "growth"]


def test_search_drops_programmes_failing_two_criteria(geography):
    make_programme(slug="two", places=["d2n2"], employees_min=10)
    make_programme(slug="one", places=["d2n2"])
    found = search(in_place("coventry", employees=5))
    assert (slugs(found.results), slugs(found.near_misses)) == ([], ["one"])


def test_search_puts_eligible_before_possible(geography):
    make_programme(slug="near-miss", places=["d2n2"], support_types=["equity"])
    make_programme(slug="possible", sectors=["automotive"], support_types=["equity"])
    make_programme(slug="eligible", support_types=["equity"])
    found = search(in_place("coventry", support=frozenset({"equity"})))
    assert slugs(found.results) == ["eligible", "possible"]
    assert slugs(found.near_misses) == ["near-miss"]


def test_search_ranks_by_support_wanted_first(geography):
    make_programme(slug="one-wanted", support_types=["equity", "leadership"], places=["coventry"])
    make_programme(slug="two-wanted", support_types=["equity", "mentoring"])
    make_programme(slug="none-wanted", support_types=["leadership"], places=["coventry"])
    found = search(in_place("coventry", support=frozenset({"equity", "mentoring"})))
    # Asking for support also leaves out programmes offering none of it.
    assert slugs(found.results) == ["two-wanted", "one-wanted"]


def test_search_ranks_sector_then_cluster_specificity(geography):
    make_cluster("electric-vehicles", sectors=["automotive"])
    make_programme(slug="a-general")
    make_programme(slug="b-cluster", clusters=["electric-vehicles"])
    make_programme(slug="c-sector", sectors=["automotive"])
    found = search(BusinessProfile(sector="automotive"))
    assert slugs(found.results) == ["c-sector", "b-cluster", "a-general"]


def test_search_ranks_local_before_national(geography):
    make_programme(slug="a-national", places=["united-kingdom"])
    make_programme(slug="b-region", places=["west-midlands"])
    make_programme(slug="c-combined-authority", places=[WMCA, "united-kingdom"])
    make_programme(slug="d-local", places=["coventry", "d2n2"])
    found = search(in_place("coventry"))
    assert slugs(found.results) == ["d-local", "c-combined-authority", "b-region", "a-national"]
    assert [r.match.points for r in found.results] == [5 * 5 + 10, 3 * 5 + 10, 2 * 5 + 10, 15]


def test_search_ranks_open_before_opening_soon(geography):
    make_programme(slug="a-soon", status="opening-soon")
    make_programme(slug="b-open", status="open")
    assert slugs(search(BusinessProfile()).results) == ["b-open", "a-soon"]


def test_search_without_preferences_orders_by_name(geography):
    make_programme(slug="b", name="Beta")
    make_programme(slug="a", name="Alpha")
    assert slugs(search(BusinessProfile()).results) == ["a", "b"]


def test_search_words_rank_and_never_hide(geography):
    make_programme(slug="in-description", name="Alpha", description="We back battery firms.")
    make_programme(slug="in-name", name="Zulu Batteries Fund")
    make_programme(slug="elsewhere", name="Beta", summary="Leadership.")
    found = search(BusinessProfile(q="battery"))
    # Both mentions rank alike ("batteries" is "battery" by its stem), by name; the
    # programme that does not mention it is still listed, after them.
    assert slugs(found.results) == ["in-description", "in-name", "elsewhere"]
    assert found.results[0].match.fit[-1] == "Mentions “battery”"
    assert not any("Mentions" in words for words in found.results[2].match.fit)


def test_search_words_rank_by_the_share_of_words_mentioned(geography):
    make_programme(slug="one", name="Alpha Battery Fund", summary="For makers.")
    make_programme(slug="both", name="Beta Battery Fund", summary="For makers in Coventry.")
    make_programme(slug="none", name="Gamma", summary="For makers.")
    found = search(BusinessProfile(q="battery coventry"))
    assert slugs(found.results) == ["both", "one", "none"]
    # 30 points for every word, 15 for half of them; 10 more for being open now.
    assert [r.match.points for r in found.results] == [40, 25, 10]
    assert found.results[0].match.fit[-1] == "Mentions “battery” and “coventry”"


def test_search_words_are_whole_words_case_and_punctuation_aside(geography):
    make_programme(slug="exporting", name="Exporting Help", summary="For growing firms.")
    make_programme(slug="develop", name="Develop Skills", summary="Training.")
    make_programme(slug="ev", name="EV Charging", summary="For fleets.")
    for q in ("Export?", "exports", "EXPORT"):
        assert slugs(search(BusinessProfile(q=q)).results)[0] == "exporting", q
    # "EV" and "AI" are words of their own, not parts of "develop" or "training".
    assert [r.match.points for r in search(BusinessProfile(q="EV")).results] == [40, 10, 10]
    assert [r.match.points for r in search(BusinessProfile(q="ai")).results] == [10, 10, 10]
    # Common words tell programmes apart from nothing: they neither rank nor show.
    assert [r.match.fit for r in search(BusinessProfile(q="for the")).results] == [["Open now"]] * 3


def test_search_words_look_in_providers_sectors_and_clusters(geography):
    make_cluster("electric-light-vehicles-and-battery-storage", sectors=["automotive"])
    make_programme(
        slug="cluster", name="Alpha", clusters=["electric-light-vehicles-and-battery-storage"]
    )
    make_programme(slug="provider", name="Beta", providers=["mercia-battery-partners"])
    make_programme(slug="sector", name="Delta", sectors=["battery-making"])
    make_programme(slug="none", name="Gamma")
    found = search(BusinessProfile(q="battery"))
    assert slugs(found.results) == ["cluster", "provider", "sector", "none"]


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
def test_search_takes_constant_queries(geography, django_assert_num_queries, count):
    _programmes_with_everything(count)
    make_support_type("grant")
    profile = in_place("coventry", sector="automotive", support=frozenset({"equity"}), q="support")
    search(profile)  # builds the index of this catalogue
    # The catalogue version: the words are matched in the index too.
    with django_assert_num_queries(1):
        found = search(profile)
    assert len(found.results) == count - 1
    assert all(result.match.reasons for result in found.results)
    assert {s.slug for r in found.results for s in r.programme.successors} == {"successor"}


@pytest.mark.parametrize(
    ("include_closed", "expected"),
    [
        (False, {"open", "opening-soon"}),
        (True, {"open", "opening-soon", "closed", "proposed"}),
    ],
)
def test_search_hides_closed_and_proposed_unless_asked(geography, include_closed, expected):
    for status in ("open", "opening-soon", "closed", "proposed"):
        make_programme(slug=status, status=status)
    assert set(slugs(search(BusinessProfile(include_closed=include_closed)).results)) == expected


def test_search_treats_a_passed_closing_date_as_closed(geography):
    today = datetime.date(2026, 6, 1)
    make_programme(slug="closes-today", closes_on=today)
    make_programme(slug="closed-yesterday", closes_on=today - datetime.timedelta(days=1))
    make_programme(slug="no-date")
    listed = run_search(BusinessProfile(), today=today)
    assert set(slugs(listed.results)) == {"closes-today", "no-date"}
    everything = run_search(BusinessProfile(include_closed=True), today=today)
    fits = {result.programme.slug: result.match.fit for result in everything.results}
    assert fits == {"closes-today": ["Open now"], "closed-yesterday": [], "no-date": ["Open now"]}
    assert {r.programme.slug: r.status for r in everything.results} == {
        "closes-today": "open",
        "closed-yesterday": "closed",
        "no-date": "open",
    }
