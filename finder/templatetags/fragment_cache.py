"""``{% fragment %}``: render a piece of a template once and reuse it while what it
depends on stays the same (the store and its rules: ``finder/fragments.py``).

    {% load fragment_cache %}
    {% fragment "result-card" catalogue_state.version catalogue_state.today result.programme.pk %}
      ...markup made only from those values...
    {% endfragment %}

The first argument names the fragment (for people reading the template); every other
argument is a value the markup depends on, and all of them together must decide it:
a value the markup reads but the tag does not name would be served stale. A form field
given as a value stands for its whole state (``finder.fragments.field_state``).
"""

from __future__ import annotations

import itertools

from django import template
from django.template.base import FilterExpression, NodeList
from django.template.context import Context

from finder import fragments

register = template.Library()

# Each parsed {% fragment %} tag gets its own number, so two fragments never share an
# entry, nor does a template edited and parsed again (DEBUG) with its old self.
_serial = itertools.count()


class FragmentNode(template.Node):
    def __init__(self, name: str, values: list[FilterExpression], nodelist: NodeList) -> None:
        self.identity = (next(_serial), name)
        self.values = values
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        try:
            key = (
                self.identity,
                *(fragments.freeze(value.resolve(context)) for value in self.values),
            )
        except fragments.Uncacheable:
            return self.nodelist.render(context)
        html = fragments.store.get(key)
        if html is None:
            html = self.nodelist.render(context)
            fragments.store.put(key, html)
        return html


@register.tag
def fragment(parser, token) -> FragmentNode:
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' needs a name and its values")
    name = bits[1].strip("\"'")
    values = [parser.compile_filter(bit) for bit in bits[2:]]
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(name, values, nodelist)
