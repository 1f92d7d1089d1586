"""The pure matching engine: every criterion in every outcome, the match levels, the OECD
scaleup derivation and the money wording. Plain dataclasses only — no database."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clusters.models import Place
from programmes import eligibility
from programmes.eligibility import (
    BusinessProfile,
    ClusterRule,
    Level,
    Outcome,
    PlaceRule,
    ProgrammeRules,
    Reason,
    Term,
    evaluate,
    format_money,
    level_for,
)
from programmes.models import Programme

WMCA = PlaceRule(
    slug="west-midlands-combined-authority",
    name="West Midlands Combined Authority",
    kind="combined-authority",
)
D2N2 = PlaceRule(slug="d2n2", name="D2N2", kind="lep-area")
UK = PlaceRule(slug="united-kingdom", name="the United Kingdom", kind="nation")
COVENTRY_PLACE = PlaceRule(slug="coventry", name="Coventry", kind="local-authority")
WEST_MIDLANDS = PlaceRule(slug="west-midlands", name="West Midlands", kind="region")

COVENTRY = frozenset(
    {"coventry", "west-midlands-combined-authority", "west-midlands", "england", "united-kingdom"}
)

AUTOMOTIVE = Term(slug="automotive", name="Automotive")
AEROSPACE = Term(slug="aerospace", name="Aerospace")
START_UP = Term(slug="start-up", name="Start-up")
ESTABLISHED = Term(slug="established", name="Established")
EQUITY = Term(slug="equity", name="Equity")
MENTORING = Term(slug="mentoring", name="Mentoring")


def rules(**fields) -> ProgrammeRules:
    values = {"slug": "fund", "name": "Fund", "places": (UK,)}
    values.update(fields)
    return ProgrammeRules(**values)


def profile(**fields) -> BusinessProfile:
    return BusinessProfile(**fields)


def fit_factors(
    *, rules: ProgrammeRules, profile: BusinessProfile, today: datetime.date | None = None
) -> list[str]:
    """The ranking factors' words for one programme, as a card shows them."""
    return evaluate(rules=rules, profile=profile, today=today).fit


IN_COVENTRY = {"location": "coventry", "location_name": "Coventry", "location_within": COVENTRY}


# --- Criteria, table by table --------------------------------------------------------


@pytest.mark.parametrize(
    ("places", "answers", "outcome", "text"),
    [
        (
            (WMCA,),
            IN_COVENTRY,
            Outcome.MET,
            "Open to businesses in West Midlands Combined Authority; Coventry is inside it.",
        ),
        (
            (COVENTRY_PLACE,),
            IN_COVENTRY,
            Outcome.MET,
            "Open to businesses in Coventry; that is where you are.",
        ),
        (
            # Several places contain the user: the most local one is named.
            (UK, WEST_MIDLANDS, WMCA),
            IN_COVENTRY,
            Outcome.MET,
            "Open to businesses in West Midlands Combined Authority; Coventry is inside it.",
        ),
        (
            (D2N2,),
            IN_COVENTRY,
            Outcome.UNMET,
            "Open to businesses in D2N2; Coventry is outside that area.",
        ),
        (
            (
                D2N2,
                PlaceRule(slug="south-east-midlands", name="South East Midlands", kind="lep-area"),
            ),
            IN_COVENTRY,
            Outcome.UNMET,
            "Open to businesses in D2N2 or South East Midlands; Coventry is outside those areas.",
        ),
        (
            (WMCA,),
            {},
            Outcome.UNKNOWN,
            "You didn't say where your business is; it is open to businesses in West Midlands Combined Authority.",
        ),
        (
            (),
            IN_COVENTRY,
            Outcome.UNKNOWN,
            "The programme doesn't say where businesses must be; check with the provider.",
        ),
    ],
)
def test_geography_outcomes(places, answers, outcome, text):
    reason = eligibility.geography(rules=rules(places=places), profile=profile(**answers))
    assert reason == Reason(criterion="geography", outcome=outcome, text=text)


def test_geography_counts_the_users_own_place_even_if_containment_was_not_resolved():
    reason = eligibility.geography(
        rules=rules(places=(COVENTRY_PLACE,)), profile=profile(location="coventry")
    )
    assert reason.outcome == Outcome.MET


def test_geography_explains_one_rules_to_businesses_in_different_places():
    """A programme's rules are explained to many businesses (the finder keeps them): each
    business is told about the place closest to its own, not the one before it's."""
    shared = rules(places=(WEST_MIDLANDS, COVENTRY_PLACE, D2N2))
    in_coventry = profile(location="coventry", location_within=COVENTRY)
    in_derby = profile(location="derby", location_within=frozenset({"derby", "d2n2"}))
    in_leeds = profile(location="leeds", location_within=frozenset({"leeds"}))

    for _ in range(2):
        coventry = eligibility.geography(rules=shared, profile=in_coventry)
        derby = eligibility.geography(rules=shared, profile=in_derby)
        leeds = eligibility.geography(rules=shared, profile=in_leeds)

        assert coventry.text == "Open to businesses in Coventry; that is where you are."
        assert derby.text.startswith("Open to businesses in D2N2;")
        assert leeds.outcome == Outcome.UNMET
        assert fit_factors(rules=shared, profile=in_coventry)[0] == "Local to Coventry"


@pytest.mark.parametrize(
    ("sectors", "answer", "outcome", "text"),
    [
        ((), "automotive", None, None),
        ((), None, None, None),
        (
            (AUTOMOTIVE, AEROSPACE),
            "aerospace",
            Outcome.MET,
            "For businesses in Automotive or Aerospace; you are in Aerospace.",
        ),
        (
            (AUTOMOTIVE,),
            "retail",
            Outcome.UNMET,
            "For businesses in Automotive; you are in Retail.",
        ),
        (
            (AUTOMOTIVE,),
            None,
            Outcome.UNKNOWN,
            "You didn't say which sector you are in; it is for businesses in Automotive.",
        ),
    ],
)
def test_sector_outcomes(sectors, answer, outcome, text):
    reason = eligibility.sector(rules=rules(sectors=sectors), profile=profile(sector=answer))
    if outcome is None:
        assert reason is None
    else:
        assert reason == Reason(criterion="sector", outcome=outcome, text=text)


def test_sector_uses_the_sector_name_when_given():
    reason = eligibility.sector(
        rules=rules(sectors=(AUTOMOTIVE,)),
        profile=profile(sector="food-and-drink", sector_name="Food and drink"),
    )
    assert reason.text == "For businesses in Automotive; you are in Food and drink."


@pytest.mark.parametrize(
    ("stages", "answer", "outcome", "text"),
    [
        ((), "start-up", None, None),
        (
            (START_UP, ESTABLISHED),
            "established",
            Outcome.MET,
            "For start-up or established businesses; yours is established.",
        ),
        (
            (START_UP,),
            "pre-start",
            Outcome.UNMET,
            "For start-up businesses; yours is pre-start.",
        ),
        (
            (START_UP,),
            None,
            Outcome.UNKNOWN,
            "You didn't say how long you have been trading; it is for start-up businesses.",
        ),
    ],
)
def test_stage_outcomes(stages, answer, outcome, text):
    reason = eligibility.stage(rules=rules(stages=stages), profile=profile(stage=answer))
    if outcome is None:
        assert reason is None
    else:
        assert reason == Reason(criterion="stage", outcome=outcome, text=text)


@pytest.mark.parametrize(
    ("low", "high", "answer", "outcome", "text"),
    [
        (None, None, 5, None, None),
        (10, 249, 10, Outcome.MET, "For businesses with 10 to 249 employees; you have 10."),
        (10, 249, 249, Outcome.MET, "For businesses with 10 to 249 employees; you have 249."),
        (10, 249, 5, Outcome.UNMET, "For businesses with 10 to 249 employees; you have 5."),
        (10, 249, 250, Outcome.UNMET, "For businesses with 10 to 249 employees; you have 250."),
        (10, None, 4000, Outcome.MET, "For businesses with 10 or more employees; you have 4,000."),
        (None, 249, 300, Outcome.UNMET, "For businesses with up to 249 employees; you have 300."),
        (
            10,
            249,
            None,
            Outcome.UNKNOWN,
            "You didn't say how many employees you have; it is for businesses with 10 to 249.",
        ),
    ],
)
def test_employees_outcomes(low, high, answer, outcome, text):
    reason = eligibility.employees(
        rules=rules(employees_min=low, employees_max=high), profile=profile(employees=answer)
    )
    if outcome is None:
        assert reason is None
    else:
        assert reason == Reason(criterion="employees", outcome=outcome, text=text)


@pytest.mark.parametrize(
    ("low", "high", "answer", "outcome", "text"),
    [
        (None, None, 500_000, None, None),
        (
            1_000_000,
            5_000_000,
            2_500_000,
            Outcome.MET,
            "For businesses with turnover of £1m to £5m; yours is £2.5m.",
        ),
        (
            1_000_000,
            None,
            999_999,
            Outcome.UNMET,
            "For businesses with turnover of £1m or more; yours is £999,999.",
        ),
        (
            None,
            5_000_000,
            5_001_000,
            Outcome.UNMET,
            "For businesses with turnover of up to £5m; yours is £5,001,000.",
        ),
        (
            1_000_000,
            5_000_000,
            None,
            Outcome.UNKNOWN,
            "You didn't say what your turnover is; it is for businesses with turnover of £1m to £5m.",
        ),
    ],
)
def test_turnover_outcomes(low, high, answer, outcome, text):
    reason = eligibility.turnover(
        rules=rules(turnover_min=low, turnover_max=high), profile=profile(turnover=answer)
    )
    if outcome is None:
        assert reason is None
    else:
        assert reason == Reason(criterion="turnover", outcome=outcome, text=text)


SCALEUP = {"employees_3y_ago": 12, "employees": 25}
NOT_SCALEUP = {"employees_3y_ago": 8, "employees": 40}
GROWTH_UNKNOWN = {"employees": 25}


@pytest.mark.parametrize(
    ("growth", "answers", "outcome", "text_starts"),
    [
        ("any", SCALEUP, None, None),
        ("any", NOT_SCALEUP, None, None),
        ("scaleup", SCALEUP, Outcome.MET, "For scaleups by the OECD measure. You had 12"),
        ("scaleup", NOT_SCALEUP, Outcome.UNMET, "For scaleups by the OECD measure. You had 8"),
        ("scaleup", GROWTH_UNKNOWN, Outcome.UNKNOWN, "For scaleups by the OECD measure. To check"),
        (
            "potential-scaleup",
            SCALEUP,
            Outcome.MET,
            "For scaleups and businesses with the potential to scale. You had 12",
        ),
        (
            # Not a scaleup yet is exactly who a potential-scaleup programme may be for.
            "potential-scaleup",
            NOT_SCALEUP,
            Outcome.UNKNOWN,
            "For scaleups and businesses with the potential to scale. An adviser will check your growth plans.",
        ),
        (
            "potential-scaleup",
            GROWTH_UNKNOWN,
            Outcome.UNKNOWN,
            "For scaleups and businesses with the potential to scale. An adviser will check your growth plans.",
        ),
    ],
)
def test_growth_outcomes(growth, answers, outcome, text_starts):
    reason = eligibility.growth(rules=rules(growth=growth), profile=profile(**answers))
    if outcome is None:
        assert reason is None
    else:
        assert (reason.criterion, reason.outcome) == ("growth", outcome)
        assert reason.text.startswith(text_starts)


@pytest.mark.parametrize(
    ("audience", "answers", "outcome", "text"),
    [
        ("any", {}, None, None),
        ("any", {"led_by_women": True}, None, None),
        (
            "women-leaders",
            {**IN_COVENTRY, **SCALEUP, "sector": "automotive"},
            Outcome.UNKNOWN,
            "For women leaders and managers; you didn't say whether your business is led by "
            "women, so check that you qualify.",
        ),
        (
            "women-leaders",
            {"led_by_women": True},
            Outcome.MET,
            "For women leaders and managers; your business is led by women.",
        ),
        # Not led by women: a woman manager may still take part, so never unmet.
        (
            "women-leaders",
            {"led_by_women": False},
            Outcome.UNKNOWN,
            "For women leaders and managers; your business is not led by women, but a woman "
            "who leads or manages in it may still take part: check with the provider.",
        ),
    ],
)
def test_audience_outcomes(audience, answers, outcome, text):
    reason = eligibility.audience(rules=rules(audience=audience), profile=profile(**answers))
    if outcome is None:
        assert reason is None
    else:
        assert reason == Reason(criterion="audience", outcome=outcome, text=text)


@pytest.mark.parametrize(
    ("low", "high", "answer", "outcome", "text"),
    [
        (None, None, 3_000_000, None, None),
        (None, None, None, None, None),
        (
            None,
            1_000_000,
            3_000_000,
            Outcome.UNMET,
            "Offers up to £1m per business; you are looking for £3m.",
        ),
        (
            25_000,
            None,
            10_000,
            Outcome.UNMET,
            "Offers £25,000 or more per business; you are looking for £10,000.",
        ),
        (
            25_000,
            5_000_000,
            25_000,
            Outcome.MET,
            "Offers £25,000 to £5m per business; you are looking for £25,000.",
        ),
        (
            25_000,
            5_000_000,
            5_000_000,
            Outcome.MET,
            "Offers £25,000 to £5m per business; you are looking for £5m.",
        ),
        (
            25_000,
            5_000_000,
            None,
            Outcome.UNKNOWN,
            "You didn't say how much funding you are looking for; it offers £25,000 to £5m per business.",
        ),
    ],
)
def test_funding_outcomes(low, high, answer, outcome, text):
    reason = eligibility.funding(
        rules=rules(amount_min=low, amount_max=high), profile=profile(funding=answer)
    )
    if outcome is None:
        assert reason is None
    else:
        assert reason == Reason(criterion="funding", outcome=outcome, text=text)


# --- Levels --------------------------------------------------------------------------


def _reasons(*outcomes: Outcome) -> list[Reason]:
    return [Reason(criterion=f"c{i}", outcome=o, text="") for i, o in enumerate(outcomes)]


@pytest.mark.parametrize(
    ("outcomes", "level"),
    [
        ((Outcome.MET,), Level.ELIGIBLE),
        ((Outcome.MET, Outcome.MET, Outcome.MET), Level.ELIGIBLE),
        ((Outcome.MET, Outcome.UNKNOWN), Level.POSSIBLE),
        ((Outcome.UNKNOWN, Outcome.UNKNOWN), Level.POSSIBLE),
        ((Outcome.MET, Outcome.UNMET), Level.NEAR_MISS),
        ((Outcome.UNKNOWN, Outcome.UNMET), Level.NEAR_MISS),
        ((Outcome.UNMET, Outcome.UNMET), Level.INELIGIBLE),
        ((Outcome.UNMET, Outcome.UNMET, Outcome.MET, Outcome.UNKNOWN), Level.INELIGIBLE),
    ],
)
def test_level_for_counts_failures_then_unknowns(outcomes, level):
    assert level_for(_reasons(*outcomes)) == level


@pytest.mark.parametrize(
    ("answers", "level", "criteria_unmet"),
    [
        (
            {**IN_COVENTRY, "employees": 25, "funding": 500_000, "sector": "automotive"},
            Level.ELIGIBLE,
            [],
        ),
        ({**IN_COVENTRY, "sector": "automotive"}, Level.POSSIBLE, []),
        ({}, Level.POSSIBLE, []),
        (
            {**IN_COVENTRY, "employees": 25, "funding": 3_000_000, "sector": "automotive"},
            Level.NEAR_MISS,
            ["funding"],
        ),
        (
            {**IN_COVENTRY, "employees": 5, "funding": 3_000_000, "sector": "automotive"},
            Level.INELIGIBLE,
            ["employees", "funding"],
        ),
    ],
)
def test_evaluate_levels(answers, level, criteria_unmet):
    programme = rules(
        places=(WMCA,),
        sectors=(AUTOMOTIVE,),
        employees_min=10,
        employees_max=249,
        amount_min=25_000,
        amount_max=1_000_000,
    )
    match = evaluate(rules=programme, profile=profile(**answers))
    assert match.level == level
    assert match.programme_slug == "fund"
    assert [reason.criterion for reason in match.unmet] == criteria_unmet
    assert [reason.criterion for reason in match.reasons] == [
        "geography",
        "sector",
        "employees",
        "funding",
    ]


def test_evaluate_explains_only_criteria_the_programme_restricts():
    match = evaluate(rules=rules(), profile=profile(**IN_COVENTRY))
    assert match.level == Level.ELIGIBLE
    assert [reason.criterion for reason in match.reasons] == ["geography"]


# --- Fit -----------------------------------------------------------------------------


def test_fit_factors_name_each_ranking_factor_that_applied():
    programme = rules(
        name="Battery Fund",
        summary="Money for battery makers.",
        places=(UK, WMCA),
        sectors=(AUTOMOTIVE,),
        support_types=(EQUITY, MENTORING, Term(slug="grant", name="Grant")),
        status="open",
        evidence_year=2026,  # recent on the day: its status is confirmed
    )
    fit = fit_factors(
        today=datetime.date(2026, 12, 3),
        rules=programme,
        profile=profile(
            **IN_COVENTRY,
            sector="automotive",
            support=frozenset({"equity", "mentoring", "loan"}),
            q="battery gigafactory",
        ),
    )
    assert fit == [
        "Offers equity and mentoring, which you asked for",
        "Specific to your sector",
        "Local to West Midlands Combined Authority",
        "Open now",
        "Mentions “battery”",
    ]


def test_fit_factors_credit_a_cluster_covering_the_sector_and_a_regional_programme():
    programme = rules(
        places=(WEST_MIDLANDS,),
        clusters=(
            ClusterRule(
                slug="electric-light-vehicles",
                name="Electric light vehicles",
                sector_slugs=frozenset({"automotive"}),
            ),
        ),
        status="opening-soon",
    )
    fit = fit_factors(rules=programme, profile=profile(**IN_COVENTRY, sector="automotive"))
    assert fit == [
        "Serves the Electric light vehicles cluster, which includes your sector",
        "Covers the West Midlands region",
    ]


def test_fit_factors_say_nothing_for_an_empty_profile_and_name_a_national_programme():
    assert fit_factors(rules=rules(status="closed"), profile=profile()) == []
    assert fit_factors(rules=rules(status="closed"), profile=profile(**IN_COVENTRY)) == [
        "Nationwide (the United Kingdom)"
    ]


# --- The OECD scaleup measure --------------------------------------------------------


@pytest.mark.parametrize(
    ("employees_3y_ago", "employees", "turnover_3y_ago", "turnover", "result"),
    [
        # Not enough figures.
        (None, None, None, None, None),
        (None, 25, 1_000_000, 5_000_000, None),
        (12, None, None, None, None),
        # Fewer than 10 at the start: never a scaleup, however fast the growth.
        (9, 100, 100_000, 10_000_000, False),
        (0, 50, None, None, False),
        # Exactly 10 at the start counts; 18/10 = 1.8 is above 1.728.
        (10, 18, None, None, True),
        (10, 17, 1_000_000, 1_000_000, False),
        # Exactly 72.8% over three years is exactly 20% a year: not *above* 20%.
        (1000, 1728, 1_000_000, 1_728_000, False),
        (1000, 1729, None, None, True),
        (1000, 1000, 1_000_000, 1_728_001, True),
        # Either leg is enough.
        (20, 22, 1_000_000, 2_000_000, True),
        # One leg fails and the other is missing: it might still pass.
        (20, 22, None, None, None),
        # Zero turnover three years ago: no rate of growth, so that leg cannot decide...
        (10, 12, 0, 5_000_000, None),
        # ...but the employees leg still can.
        (10, 30, 0, 5_000_000, True),
        # Shrinking is fine to describe.
        (10, 0, 1_000_000, 0, False),
    ],
)
def test_scaleup_oecd_derivation(employees_3y_ago, employees, turnover_3y_ago, turnover, result):
    test = profile(
        employees_3y_ago=employees_3y_ago,
        employees=employees,
        turnover_3y_ago=turnover_3y_ago,
        turnover=turnover,
    ).scaleup
    assert test.result is result
    assert test.text


@pytest.mark.parametrize(
    ("answers", "text"),
    [
        (
            {"employees_3y_ago": 12, "employees": 25},
            "You had 12 employees three years ago and 25 now: average growth of 28% a year, so you meet the OECD scaleup measure.",
        ),
        (
            {"employees_3y_ago": 8, "employees": 40},
            "You had 8 employees three years ago; the OECD scaleup measure starts from 10 or more, so you don't meet it.",
        ),
        (
            {
                "employees_3y_ago": 20,
                "employees": 20,
                "turnover_3y_ago": 1_000_000,
                "turnover": 2_000_000,
            },
            "Your turnover went from £1m three years ago to £2m now: average growth of 26% a year, so you meet the OECD scaleup measure.",
        ),
        (
            {
                "employees_3y_ago": 1000,
                "employees": 1728,
                "turnover_3y_ago": 1_000_000,
                "turnover": 900_000,
            },
            "You had 1,000 employees three years ago and 1,728 now: average growth of 20.0% a year. "
            "Your turnover went from £1m three years ago to £900,000 now: an average fall of 3% a year; "
            "the OECD scaleup measure needs more than 20% a year in employees or turnover, so you don't meet it.",
        ),
        (
            {"employees_3y_ago": 10, "employees": 12, "turnover_3y_ago": 0, "turnover": 500_000},
            "You had 10 employees three years ago and 12 now: average growth of 6% a year. "
            "Your turnover three years ago was £0, so growth in turnover cannot be measured as a yearly rate; "
            "the OECD scaleup measure needs more than 20% a year in employees or turnover.",
        ),
        (
            {"employees_3y_ago": 20, "employees": 22},
            "You had 20 employees three years ago and 22 now: average growth of 3% a year; "
            "the OECD scaleup measure needs more than 20% a year in employees or turnover. "
            "Give your turnover now and three years ago to check.",
        ),
        (
            {"employees_3y_ago": 20},
            "You had 20 employees three years ago. Give your employees now or your turnover now "
            "and three years ago to check the OECD scaleup measure.",
        ),
    ],
)
def test_scaleup_says_the_numbers_back(answers, text):
    assert profile(**answers).scaleup.text == text


optional_count = st.none() | st.integers(min_value=0, max_value=10**12)


@given(optional_count, optional_count, optional_count, optional_count)
def test_scaleup_never_fails_whatever_the_figures(e0, e1, t0, t1):
    test = profile(employees_3y_ago=e0, employees=e1, turnover_3y_ago=t0, turnover=t1).scaleup
    assert test.result in (True, False, None)
    if test.result:
        assert e0 >= 10
    assert test.text


# --- Money ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "£0"),
        (500, "£500"),
        (25_000, "£25,000"),
        (999_999, "£999,999"),
        (1_000_000, "£1m"),
        (1_250_000, "£1.25m"),
        (2_500_000, "£2.5m"),
        (120_000_000, "£120m"),
        # The short form would round these, so they are written in full.
        (1_234_567, "£1,234,567"),
        (5_001_000, "£5,001,000"),
        (1_200_000_000, "£1.2bn"),
        (1_000_000_001, "£1,000,000,001"),
        (-5_000, "-£5,000"),
    ],
)
def test_format_money_is_short_when_exact_and_full_otherwise(amount, expected):
    assert format_money(amount) == expected


# --- Data classes and vocabulary -----------------------------------------------------


def test_business_profile_is_frozen_and_keyword_only():
    with pytest.raises(TypeError):
        BusinessProfile("coventry")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        profile().sector = "automotive"  # type: ignore[misc]


def test_business_profile_normalises_support_and_free_text():
    answers = profile(support=["equity"], q="  battery  ")
    assert answers.support == frozenset({"equity"})
    assert answers.q == "battery"
    assert profile(q=None).q == ""


def test_eligibility_constants_match_the_model_choices():
    assert {
        eligibility.GROWTH_ANY,
        eligibility.GROWTH_SCALEUP,
        eligibility.GROWTH_POTENTIAL_SCALEUP,
    } == set(Programme.Growth.values)
    assert {eligibility.AUDIENCE_ANY, *eligibility.AUDIENCE_WORDING} == set(
        Programme.Audience.values
    )
    assert {
        eligibility.STATUS_OPEN,
        eligibility.STATUS_OPENING_SOON,
        eligibility.STATUS_CLOSED,
        eligibility.STATUS_PROPOSED,
    } == set(Programme.Status.values)
    assert set(eligibility.PLACE_KIND_RANK) == set(Place.Kind.values)


@pytest.mark.parametrize("growth", ["scaleup", "potential-scaleup"])
def test_growth_is_unmet_for_a_business_not_yet_trading(growth):
    # Even with figures that would pass the OECD measure: a pre-start has no growth yet.
    business = profile(stage="pre-start", employees_3y_ago=10, employees=40)
    reason = eligibility.growth(rules=rules(growth=growth), profile=business)
    assert reason.outcome == Outcome.UNMET
    assert reason.text.endswith("Yours is not yet trading, so it has no growth to show yet.")
    assert eligibility.growth(rules=rules(), profile=business) is None
    started = profile(stage="start-up")
    assert eligibility.growth(rules=rules(growth=growth), profile=started).outcome == (
        Outcome.UNKNOWN
    )


def test_geography_is_unknown_for_a_place_holding_part_of_the_area():
    in_region = profile(
        location="west-midlands",
        location_name="West Midlands",
        location_within=frozenset({"west-midlands", "england", "united-kingdom"}),
        location_inside=frozenset({"west-midlands-combined-authority", "coventry"}),
        location_overlapping=frozenset({"west-midlands-combined-authority", "coventry", "d2n2"}),
    )
    partly = eligibility.geography(rules=rules(places=(COVENTRY_PLACE, D2N2)), profile=in_region)
    assert partly.outcome == Outcome.UNKNOWN
    assert partly.text == (
        "Open to businesses in Coventry or D2N2; West Midlands overlaps Coventry or D2N2: "
        "check that your business is there."
    )
    within = eligibility.geography(rules=rules(places=(COVENTRY_PLACE,)), profile=in_region)
    assert within.text == (
        "Open to businesses in Coventry; West Midlands includes Coventry: check that your "
        "business is there."
    )
    assert eligibility.geography(rules=rules(places=(UK,)), profile=in_region).outcome == (
        Outcome.MET
    )
    outside = PlaceRule(slug="leeds", name="Leeds", kind="local-authority")
    assert eligibility.geography(rules=rules(places=(outside,)), profile=in_region).outcome == (
        Outcome.UNMET
    )
