"""``{% result_cards results near_miss %}``: the finder's result cards, as list items.

A page shows up to 30 cards, and rendering each through the template language was most
of the cost of a finder page. Whole cards cannot be kept: nearly every card is different,
because its reasons quote the business's own answers. But a card is made of pieces that
recur from one search to the next, and each piece is kept in the fragment store
(``finder/fragments.py``) under every value it is rendered from:

* the programme's own part, ``finder/_result.html``: decided by the programme as the
  catalogue version has it, today's date (its status follows its dates), whether it is a
  near miss and its match level. It is rendered once for those values, with a marker in
  place of each part made for the business, and kept split at the markers;
* the parts made for the business: the rule a near miss fails
  (``finder/_result_unmet.html``) and each reason (``finder/_result_reason.html``),
  whose markup is kept for each outcome with a marker in place of the sentence, which is
  put in escaped; and the ranking note (``finder/_result_fit.html``), kept for each list
  of factors.

``tests/finder/test_result_cards.py`` checks that a card made of pieces is the card the
templates render in one go.
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Iterable

from django import template
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from finder import fragments
from finder.search import Result, successors_of
from programmes.eligibility import Reason

register = template.Library()

CARD = "finder/_result.html"
UNMET = "finder/_result_unmet.html"
REASON = "finder/_result_reason.html"
FIT = "finder/_result_fit.html"

# The parts of a card made for the business, in the order the card prints them.
PARTS = ("unmet", "reasons", "fit")

# A marker no catalogue text can contain: made afresh by each process.
_SECRET = secrets.token_hex(16)
MARKERS = {name: mark_safe(f"<!--{name}:{_SECRET}-->") for name in PARTS}
TEXT = mark_safe(f"<!--text:{_SECRET}-->")


class CardTemplateError(template.TemplateSyntaxError):
    """``finder/_result.html`` does not print each part exactly once, in order."""


@register.simple_tag(takes_context=True)
def result_cards(context: template.Context, results: Iterable[Result], near_miss: bool) -> str:
    """Each result's card in an ``<li>``, for the page's ``<ol>``."""
    state = context["catalogue_state"]
    # The few forms of reason a page shows, fetched from the store once per list.
    reasons: dict = {}
    html: list[str] = []
    for result in results:
        html.append("<li>")
        html.extend(card_pieces(result, near_miss=near_miss, state=state, reasons=reasons))
        html.append("</li>\n")
    # Put in once the page is rendered, if it is filled (``fragments.PageHoles``): the
    # cards are most of a page.
    return fragments.defer(context, mark_safe("".join(html)))


def card_pieces(
    result: Result,
    *,
    near_miss: bool,
    state: fragments.CatalogueState,
    reasons: dict | None = None,
) -> list[str]:
    """One card, as the programme's own part with the business's parts between.
    ``reasons`` holds the forms of reason already fetched for this page, by key."""
    reasons = {} if reasons is None else reasons
    match = result.match
    programme = result.programme
    key = ("result-card", state.version, state.today, programme.pk, near_miss, match.level)
    frame = fragments.store.get(key)
    if frame is None:
        frame = split_card(render_to_string(CARD, card_context(result, near_miss, state)))
        fragments.store.put(key, frame)
    unmet = (
        "".join([_reason(UNMET, near_miss, reason, reasons) for reason in match.unmet])
        if near_miss
        else ""
    )
    said = "\n    ".join([_reason(REASON, near_miss, reason, reasons) for reason in match.reasons])
    # The parts between the frame's pieces, in the order of PARTS.
    return [frame[0], unmet, frame[1], said, frame[2], _fit(match.fit), frame[3]]


def card_context(
    result: Result, near_miss: bool, state: fragments.CatalogueState, parts: dict | None = None
) -> dict:
    """What ``finder/_result.html`` is rendered from: the values that key its card, and
    the business's parts (markers, unless ``parts`` gives them)."""
    programme = result.programme
    return {
        "programme": programme,
        "status": programme.effective_status(state.today),
        "near_miss": near_miss,
        "level": result.match.level,
        "successors": successors_of(programme),
        **(parts if parts is not None else MARKERS),
    }


def split_card(html: str) -> tuple[str, ...]:
    """The card's markup around its markers: one more piece than there are parts."""
    pieces = []
    rest = html
    for name in PARTS:
        before, found, rest = rest.partition(MARKERS[name])
        if not found or MARKERS[name] in rest:
            raise CardTemplateError(
                f"{CARD} must print “{{{{ {name} }}}}” exactly once, after "
                f"the parts before it in {', '.join(PARTS)}"
            )
        pieces.append(before)
    pieces.append(rest)
    return tuple(pieces)


def _reason(name: str, near_miss: bool, reason: Reason, fetched: dict) -> str:
    """The template ``name`` rendered for one reason. Its markup is kept for each
    ``near_miss`` and outcome, rendered with a marker in place of the text; the text is
    put in its place, escaped as the template language escapes it. (Reasons quote the
    business's own answers, so the texts themselves rarely recur.)"""
    # (This page's own memory holds only this function's keys, so it needs no freezing.)
    frame = fetched.get((name, near_miss, reason.outcome))
    if frame is None:
        key = (name, near_miss, fragments.freeze(reason.outcome))
        frame = fragments.store.get(key)
        if frame is None:
            context = {"near_miss": near_miss, "reason": {"outcome": reason.outcome, "text": TEXT}}
            frame = tuple(render_to_string(name, context).strip().split(TEXT))
            if len(frame) > 2:
                raise CardTemplateError(f"{name} must print “{{{{ reason.text }}}}” at most once")
            fragments.store.put(key, frame)
        fetched[(name, near_miss, reason.outcome)] = frame
    if len(frame) == 1:  # this outcome shows no text
        return frame[0]
    text = reason.text
    # Plain text escaped as conditional_escape would, without its lazy-text checks.
    escaped = html.escape(text) if type(text) is str else conditional_escape(text)
    return frame[0] + escaped + frame[1]


def _fit(fit: list[str]) -> str:
    """The ranking note, kept for each list of factors: they name what the business
    chose rather than its figures, so the same lists recur."""
    key = (FIT, *fragments.freeze_each(fit))
    html = fragments.store.get(key)
    if html is None:
        html = mark_safe(render_to_string(FIT, {"fit": fit}).strip())
        fragments.store.put(key, html)
    return html
