"""Tags for keeping and following a search from its results (templates/finder/_follow.html)."""

from __future__ import annotations

from django import template

from finder.search import Search
from programmes.eligibility import ProgrammeRules

register = template.Library()


@register.simple_tag
def pickable(search: Search) -> list[ProgrammeRules]:
    """The programmes a business can pick for its plan from this page of results: the one
    it asked about, the results and the near misses shown, each once, in that order."""
    shown = [*search.checked_results, *search.results, *search.near_misses]
    unique = {result.programme.slug: result.programme for result in shown}
    return list(unique.values())
