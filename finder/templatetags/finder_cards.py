"""``{% search_results search %}``: the results of a valid search, the finder page's
right-hand column, rendered with Jinja2 (templates/jinja2/finder/_results.html and the
cards of _result_cards.html). They are most of a results page, and Jinja2 renders them
several times faster than the Django template language (README, "Performance").

``{% next_step result front_doors %}``: a card's next step on its own, worded by the same
Jinja2 macro (templates/jinja2/finder/_next_step.html), for pages outside the finder such
as the advisers' client summary.

``{% reasons reasons %}``: a programme's reasons as the cards list them (the Jinja2 macro
of templates/jinja2/finder/_reasons.html), for the support plan."""

from __future__ import annotations

from collections.abc import Sequence

from django import template
from django.template import engines
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from finder.search import Result, Search
from programmes.eligibility import Reason, Term

register = template.Library()


@register.simple_tag(takes_context=True)
def search_results(context: template.Context, search: Search) -> SafeString:
    """The results of ``search``, for the page's request, whose GET parameters are the
    search's own (its pagination and follow links carry them)."""
    request = context["request"]
    # Jinja2 escapes what the results print (Django's backend turns autoescape on).
    return mark_safe(
        render_to_string("finder/_results.html", {"search": search}, request, using="jinja2")
    )


@register.simple_tag
def next_step(result: Result, front_doors: Sequence[Term] = (), base: str = "") -> SafeString:
    """What the business should do next about ``result``, as its card says it: the
    programme's own way in, else ask the front doors, else the local council; empty for a
    closed or proposed programme. ``base`` ("https://host") makes the links absolute, for
    a page read on paper."""
    macros = engines["jinja2"].env.get_template("finder/_next_step.html").module
    # The macro escapes what it prints, as the cards do.
    return mark_safe(str(macros.next_step(result, front_doors, base)))


@register.simple_tag
def reasons(listed: Sequence[Reason]) -> SafeString:
    """The reasons ``listed``, marked met, not met or not known, as a card lists them."""
    macros = engines["jinja2"].env.get_template("finder/_reasons.html").module
    # The macro escapes what it prints, as the cards do.
    return mark_safe(str(macros.reasons(listed)))
