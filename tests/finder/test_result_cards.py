"""A result card made of kept pieces is the card its templates render in one go, and
each piece is rendered afresh when what it shows changes
(finder/templatetags/result_cards.py)."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from finder import cache, fragments
from finder.search import run_search
from finder.templatetags import result_cards
from finder.views import _filterset
from programmes.models import Programme, ProgrammeRelation
from tests.factories import make_geography, make_place, make_programme, make_support_type

TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def catalogue() -> dict:
    places = make_geography()
    make_support_type("grant", name="Grants")
    make_support_type("loan", name="Loans")
    combined = places["west-midlands-combined-authority"]
    open_grant = make_programme(
        slug="open-grant",
        name="Growth <Grant> & Co",
        summary="Grants for <b>bold</b> plans.",
        places=[combined],
        support_types=["grant"],
        employees_min=5,
        employees_max=49,
    )
    closed = make_programme(
        slug="old-loan",
        name="Old Loan",
        places=[combined],
        support_types=["loan"],
        closes_on=datetime.date(2026, 1, 31),
    )
    ProgrammeRelation.objects.create(
        programme=closed, related=open_grant, kind=ProgrammeRelation.Kind.SUCCEEDED_BY
    )
    make_programme(
        slug="big-firms",
        name="Big Firms Fund",
        places=[combined],
        support_types=["loan"],
        employees_min=250,
    )
    return places


def _search(query: str):
    filterset = _filterset(RequestFactory().get("/?" + query))
    assert filterset.is_valid(), filterset.errors
    version = cache.catalogue_version()
    search = run_search(filterset, None, version=version, today=TODAY)
    return search, fragments.CatalogueState(version=version, today=TODAY)


def _card(query: str, slug: str, *, near_miss: bool = False) -> str:
    """The card of programme ``slug`` in a search, made of pieces."""
    search, state = _search(query)
    shown = search.near_misses if near_miss else search.results
    result = next(r for r in shown if r.programme.slug == slug)
    return "".join(result_cards.card_pieces(result, near_miss=near_miss, state=state))


def _in_one_go(result, near_miss: bool, state) -> str:
    """The card rendered straight from its templates, with the engine's own objects."""
    match = result.match
    parts = {
        "unmet": "".join(
            render_to_string(result_cards.UNMET, {"near_miss": near_miss, "reason": r}).strip()
            for r in match.unmet
        ),
        "reasons": "\n    ".join(
            render_to_string(result_cards.REASON, {"near_miss": near_miss, "reason": r}).strip()
            for r in match.reasons
        ),
        "fit": render_to_string(result_cards.FIT, {"fit": match.fit}).strip(),
    }
    parts = {name: mark_safe(html) for name, html in parts.items()}
    context = result_cards.card_context(result, near_miss, state, parts=parts)
    return render_to_string(result_cards.CARD, context)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "location=birmingham&employees=12",
        "location=birmingham&employees=12&include_closed=1",
        "location=birmingham&employees=300&support=grant",
        "location=birmingham",
        "employees=2&q=bold",
    ],
)
def test_card_from_pieces_is_the_card_rendered_in_one_go(catalogue, query) -> None:
    search, state = _search(query)
    shown = [(result, False) for result in search.results]
    shown += [(result, True) for result in search.near_misses]
    assert shown

    for result, near_miss in shown:
        expected = _in_one_go(result, near_miss, state)
        fresh = "".join(result_cards.card_pieces(result, near_miss=near_miss, state=state))
        kept = "".join(result_cards.card_pieces(result, near_miss=near_miss, state=state))
        assert fresh == expected
        assert kept == expected


@pytest.mark.django_db
def test_card_escapes_catalogue_text_and_marks_nothing_of_its_own(catalogue) -> None:
    html = _card("location=birmingham&employees=12", "open-grant")

    assert "Growth &lt;Grant&gt; &amp; Co" in html
    assert "Grants for &lt;b&gt;bold&lt;/b&gt; plans." in html
    assert "<!--" not in html


@pytest.mark.django_db
def test_card_escapes_each_reason_it_puts_in_as_the_template_would(catalogue) -> None:
    odd = make_place("odd", name="Telford & <Wrekin>", parents=[catalogue["england"]])
    make_programme(slug="odd-place", name="Odd Place Fund", places=[odd])
    search, state = _search("location=birmingham")
    near = next(r for r in search.near_misses if r.programme.slug == "odd-place")
    found = next(r for r in search.results if r.programme.slug == "open-grant")

    for result, near_miss in [(near, True), (found, False), (near, True)]:
        html = "".join(result_cards.card_pieces(result, near_miss=near_miss, state=state))
        assert html == _in_one_go(result, near_miss, state)
    assert "Telford &amp; &lt;Wrekin&gt;" in html
    assert "<Wrekin>" not in html


@pytest.mark.django_db
def test_near_miss_card_states_the_rule_it_fails_above_the_others(catalogue) -> None:
    search, state = _search("location=birmingham&employees=12")
    big = next(r for r in search.near_misses if r.programme.slug == "big-firms")
    (unmet,) = big.match.unmet

    html = "".join(result_cards.card_pieces(big, near_miss=True, state=state))

    warning, _, rest = html.partition("The other rules")
    assert "Nearly a match" in warning
    assert f"Why it does not fit: </span>{unmet.text}" in warning
    assert unmet.text not in rest


@pytest.mark.django_db
def test_closed_card_points_to_its_successor(catalogue) -> None:
    html = _card("location=birmingham&include_closed=1", "old-loan")

    assert "This programme has closed." in html
    assert 'href="/programmes/open-grant/"' in html


@pytest.mark.django_db
def test_kept_card_follows_the_programme_level_and_day(catalogue) -> None:
    search, state = _search("location=birmingham&employees=12")
    grant = next(r for r in search.results if r.programme.slug == "open-grant")
    before = "".join(result_cards.card_pieces(grant, near_miss=False, state=state))

    Programme.objects.filter(slug="open-grant").update(closes_on=TODAY)
    cache.bump_catalogue_version()
    search, state = _search("location=birmingham&employees=12&include_closed=1")
    grant = next(r for r in search.results if r.programme.slug == "open-grant")
    on_closing_day = "".join(result_cards.card_pieces(grant, near_miss=False, state=state))
    next_day = fragments.CatalogueState(version=state.version, today=TODAY.replace(day=2))
    day_after = "".join(result_cards.card_pieces(grant, near_miss=False, state=next_day))

    assert ">Closed</strong>" not in before + on_closing_day
    assert ">Closed</strong>" in day_after
    assert "Eligible" in before
    as_near_miss = "".join(result_cards.card_pieces(grant, near_miss=True, state=state))
    assert "Nearly a match" in as_near_miss and "Eligible" not in as_near_miss


@pytest.mark.parametrize(
    "markup",
    [
        "<article>{unmet}{reasons}</article>",  # fit missing
        "<article>{unmet}{reasons}{fit}{fit}</article>",  # fit twice
        "<article>{reasons}{unmet}{fit}</article>",  # out of order
    ],
)
def test_card_template_must_print_each_part_once_in_order(markup) -> None:
    html = markup.format(**result_cards.MARKERS)

    with pytest.raises(result_cards.CardTemplateError):
        result_cards.split_card(html)


def test_card_template_split_at_its_parts() -> None:
    html = "<a>{unmet}<b>{reasons}<c>{fit}<d>".format(**result_cards.MARKERS)

    assert result_cards.split_card(html) == ("<a>", "<b>", "<c>", "<d>")
