"""Each rule is written once (programmes/eligibility.py), in two forms side by side: how
it explains itself for one programme, and how it decides for the whole catalogue at
once (the columns the finder's index keeps). These tests hold the two forms together:
for generated catalogues in which every criterion is set, and hundreds of generated
businesses, the index's verdicts, levels, fit and order are those of the per-programme
explanation. Then they check that the comparison would notice: with any one
criterion's, factor's or the status's whole-catalogue decision taken out, it fails."""

from __future__ import annotations

import dataclasses
import datetime
import io
import random
from unittest import mock

import numpy as np
import pytest
from django.core.management import call_command
from django.db.models import Value
from django.db.models.functions import Concat

from clusters.models import Place, Sector
from finder import cache, index, vocabulary
from programmes import eligibility
from programmes.eligibility import (
    CRITERIA,
    FACTORS,
    RULES_PARTLY,
    STATUS,
    BusinessProfile,
    Level,
    SupportWanted,
    Verdicts,
    evaluate,
)
from programmes.models import Programme, ProgrammeSource, Stage, SupportType
from tests.factories import make_programme, make_source

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 3)


@pytest.fixture
def catalogue(real_catalogue) -> index.CatalogueIndex:
    """The real places and vocabularies; 150 programmes restricting every criterion (half of
    them the audience, half with rules only partly known, half on recent evidence) and
    150 as the benchmark makes them (most criteria unset); and the rarer cases: no
    places named, closing today and yesterday."""
    out = io.StringIO()
    call_command("generate_catalogue", programmes=150, seed=5, every_criterion=True, stdout=out)
    every = [
        r for r in index.current(cache.catalogue_version()).rules if r.slug[:10] == "generated-"
    ]
    assert len(every) == 150
    for criterion in CRITERIA:
        restricting = [r for r in every if criterion.explain(r, BusinessProfile()) is not None]
        # Every programme, or (audience, rules known) half of them: a level then hangs on each.
        assert len(restricting) >= 50, criterion
    # Half of them on recent evidence (their status confirmed), half on none.
    recent = make_source(TODAY.year)
    ProgrammeSource.objects.bulk_create(
        ProgrammeSource(programme=programme, source=recent)
        for programme in Programme.objects.filter(is_generated=True).order_by("pk")[::2]
    )
    # Kept apart from the next run, which removes every generated programme first.
    Programme.objects.filter(is_generated=True).update(
        slug=Concat(Value("every-"), "slug"), is_generated=False
    )
    call_command("generate_catalogue", programmes=150, seed=6, stdout=out)
    assert Programme.objects.filter(slug__startswith="every-generated-").count() == 150
    make_programme(places=[], name="Anywhere", support_types=["grant"])
    make_programme(name="Closes today", closes_on=TODAY, support_types=["loan"])
    make_programme(name="Closed yesterday", closes_on=TODAY - datetime.timedelta(days=1))
    cache.bump_catalogue_version()
    return index.current(cache.catalogue_version())


def profiles(count: int, seed: int) -> list[BusinessProfile]:
    """``count`` businesses, each answering a random part of the questions."""
    rng = random.Random(seed)
    words = vocabulary.current()
    places = sorted(Place.objects.values_list("slug", flat=True))
    sectors = sorted(Sector.objects.values_list("slug", flat=True))
    stages = sorted(Stage.objects.values_list("slug", flat=True))
    support = sorted(SupportType.objects.values_list("slug", flat=True))

    def maybe(value, chance=0.6):
        return value if rng.random() < chance else None

    made = []
    for _ in range(count):
        made.append(
            BusinessProfile(
                **words.location(maybe(rng.choice(places), 0.8)),
                **words.sector(maybe(rng.choice(sectors))),
                stage=maybe(rng.choice(stages)),
                employees=maybe(rng.choice([0, 1, 5, 9, 10, 11, 49, 50, 249, 250, 4000])),
                turnover=maybe(rng.choice([0, 50_000, 100_000, 2_000_000, 10_000_001, 10**9])),
                funding=maybe(rng.choice([0, 1_000, 25_000, 250_000, 1_000_000, 5_000_001])),
                support=frozenset(rng.sample(support, rng.choice([0, 0, 1, 2, 3]))),
                employees_3y_ago=maybe(rng.choice([5, 10, 12, 20])),
                turnover_3y_ago=maybe(rng.choice([0, 100_000, 1_000_000])),
                include_closed=rng.random() < 0.2,
                led_by_women=rng.choice([None, True, False]),
                q=rng.choice(WORDS_SEARCHED),
            )
        )
    return made


WORDS_SEARCHED = ["", "", "", "battery", "Export growth", "Coventry", "investment fund", "AI?"]


def disagreements(built: index.CatalogueIndex, businesses, today=TODAY) -> list[str]:
    """Where the index and the per-programme explanation differ, in words (none when
    they agree): every programme's failures, unknowns, fit, listing and support
    offered, and the order of both lists."""
    found_wrong = []
    for business in businesses:
        found = built.search(business, today)
        matches = {}
        for row, rules in enumerate(built.rules):
            match = evaluate(rules=rules, profile=business, today=today)
            listed = business.include_closed or rules.status_on(today) in eligibility.LISTED
            expected = (
                len(match.unmet),
                match.actionable,
                bool(match.unknown),
                match.points,
                listed,
                SupportWanted.offers(rules, business),
            )
            actual = (
                int(found.failures[row]),
                bool(found.actionable[row]),
                bool(found.unknown[row]),
                int(found.fit[row]),
                bool(found.shown[row]),
                bool(found.offering[row]),
            )
            if expected != actual:
                found_wrong.append(f"{rules.slug} for {business}: {expected} != {actual}")
            if listed and expected[5] and len(match.unmet) <= 1:
                matches[int(built.ids[row])] = (len(match.unmet), match, row)

        # Best fit first, eligible before possible on equal fit, then by name; near
        # misses the business could act on before the rest.
        ranked = [(pk, m, row) for pk, (_, m, row) in matches.items()]
        ranked.sort(key=lambda c: (-c[1].points, bool(c[1].unknown), c[2]))
        in_order = [[pk for pk, _, _ in ranked if matches[pk][0] == unmet] for unmet in (0, 1)]
        in_order[1].sort(key=lambda pk: not matches[pk][1].actionable)
        if [found.results.tolist(), found.near_misses.tolist()] != in_order:
            found_wrong.append(f"the order of the lists for {business}")
    return found_wrong


def test_index_agrees_with_every_rule_for_every_programme(catalogue) -> None:
    businesses = profiles(300, seed=1)
    assert disagreements(catalogue, businesses) == []
    # The businesses met every kind of outcome: the comparison was not of empty lists.
    levels = {
        evaluate(rules=rules, profile=business, today=TODAY).level
        for business in businesses[:60]
        for rules in catalogue.rules
    }
    assert levels == set(Level)


def test_taking_out_any_one_decision_is_noticed(catalogue) -> None:
    """Each criterion's, ranking factor's and the status's whole-catalogue decision in
    turn replaced by one that decides nothing: the comparison above must fail for every
    one of them (one catalogue for all: building it is most of the time)."""
    size = len(catalogue.ids)
    businesses = profiles(60, seed=2)

    def undecided(columns, profile) -> Verdicts:
        return Verdicts(unmet=np.zeros(size, dtype=bool), unknown=np.zeros(size, dtype=bool))

    def no_points(columns, profile, today) -> np.ndarray:
        return np.zeros(size, dtype=np.int64)

    taken_out = [
        *((criterion.name, criterion, "decide", undecided) for criterion in CRITERIA),
        *((type(factor).__name__, factor, "points", no_points) for factor in FACTORS),
        ("status", STATUS, "on", lambda columns, today: columns[0]),
    ]
    unnoticed = []
    for name, rule, method, replacement in taken_out:
        with mock.patch.object(rule, method, replacement):
            if not disagreements(catalogue, businesses):
                unnoticed.append(name)
    assert len(taken_out) == len(CRITERIA) + len(FACTORS) + 1 == 15
    assert unnoticed == []


def test_a_place_met_means_every_place_inside_it_met(catalogue) -> None:
    """Geography over the real places: a programme open to a business in a place is open
    to one in any place inside it; one a place shares nothing with shares nothing with
    the places inside it either."""
    words = vocabulary.current()
    columns = catalogue.columns[eligibility.geography]
    checked = 0
    for place in Place.objects.values_list("slug", flat=True):
        outer = eligibility.geography.decide(columns, BusinessProfile(**words.location(place)))
        for inner_place in words.inside(place):
            inner = eligibility.geography.decide(
                columns, BusinessProfile(**words.location(inner_place))
            )
            met_outer = ~outer.unmet & ~outer.unknown
            met_inner = ~inner.unmet & ~inner.unknown
            assert not (met_outer & ~met_inner).any(), (place, inner_place)
            assert not (outer.unmet & ~inner.unmet).any(), (place, inner_place)
            checked += 1
    assert checked > 50


def test_a_programme_whose_rules_are_partly_known_is_never_eligible(catalogue) -> None:
    """Whatever the business says, a programme whose sources leave rules out is at best
    "check with an adviser", in the index and in words, and the reason says why."""
    partly = [row for row, rules in enumerate(catalogue.rules) if rules.rules_known == RULES_PARTLY]
    assert len(partly) > 30
    checked = 0
    for business in profiles(200, seed=3):
        found = catalogue.search(business, TODAY)
        assert found.unknown[partly].all()
        for row in partly[:10]:
            match = evaluate(rules=catalogue.rules[row], profile=business, today=TODAY)
            assert match.level != Level.ELIGIBLE
            (reason,) = [r for r in match.reasons if r.criterion == "rules"]
            assert reason.outcome == "unknown"
            assert reason.text.startswith("Our sources give only some of its rules.")
            checked += 1
    assert checked == 2000


def test_words_searched_for_never_remove_a_result(catalogue) -> None:
    """The same business with and without words: the same programmes in both lists
    (only their order may change)."""
    for business in profiles(150, seed=4):
        for q in WORDS_SEARCHED[3:]:
            with_words = catalogue.search(dataclasses.replace(business, q=q), TODAY)
            without = catalogue.search(dataclasses.replace(business, q=""), TODAY)
            assert set(with_words.results) == set(without.results), (business, q)
            assert set(with_words.near_misses) == set(without.near_misses), (business, q)
