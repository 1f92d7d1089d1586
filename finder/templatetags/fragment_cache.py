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

from crispy_forms.layout import Layout
from crispy_forms.templatetags.crispy_forms_tags import CrispyFormNode
from django import template
from django.template.base import FilterExpression, NodeList, Variable
from django.template.context import Context

from finder import fragments

register = template.Library()

# Each parsed {% fragment %} tag gets its own number, so two fragments never share an
# entry, nor does a template edited and parsed again (DEBUG) with its old self.
_serial = itertools.count()


class FragmentNode(template.Node):
    def __init__(self, name: str, values: list[FilterExpression], nodelist: NodeList) -> None:
        self.identity = (next(_serial), name)
        self.values = [(value, _attribute_path(value)) for value in values]
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        try:
            key = (
                self.identity,
                *(fragments.freeze(_resolve(context, *value)) for value in self.values),
            )
        except fragments.Uncacheable:
            return self.nodelist.render(context)
        html = fragments.store.get(key)
        if html is None:
            html = self.nodelist.render(context)
            fragments.store.put(key, html)
        return html


def _attribute_path(value: FilterExpression) -> tuple[str, ...] | None:
    """The names in a plain variable such as ``result.programme.pk`` (no filters, not a
    literal), which ``_resolve`` can look up quickly; None for anything else."""
    var = value.var
    if value.filters or not isinstance(var, Variable) or var.lookups is None:
        return None
    if var.translate or var.message_context:
        return None
    return var.lookups


def _resolve(context: Context, value: FilterExpression, path: tuple[str, ...] | None) -> object:
    """The value of a fragment's argument, as the template language would find it.

    A key is made on every render, and the template language's general lookup (which
    tries ``[]`` before ``.`` and catches the errors) is most of its cost. The quick way
    follows attributes of objects that have no ``[]``, and hands anything else — a
    missing name, a dictionary, a list, a method to call — to the general lookup, so the
    value is always the one the template would use."""
    if path is None:
        return value.resolve(context)
    try:
        current = context[path[0]]
    except KeyError:
        return value.resolve(context)
    for name in path[1:]:
        if callable(current) or hasattr(type(current), "__getitem__"):
            return value.resolve(context)
        try:
            current = getattr(current, name)
        except AttributeError:
            return value.resolve(context)
    if callable(current):
        return value.resolve(context)
    return current


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


class CachedCrispyNode(CrispyFormNode):
    """``{% crispy %}`` with each top-level item of the form's layout cached."""

    def render(self, context: Context) -> str:
        form = template.Variable(self.form).resolve(context)
        helper = getattr(form, "helper", None)
        layout = getattr(helper, "layout", None)
        if layout is None:
            return super().render(context)
        shared = fragments.LayoutRender()
        helper.layout = Layout(
            *(fragments.CachedLayoutItem(item, shared) for item in layout.fields)
        )
        try:
            return super().render(context)
        finally:
            helper.layout = layout


@register.tag
def cached_crispy(parser, token) -> CachedCrispyNode:
    """``{% cached_crispy form %}``: the form exactly as ``{% crispy form %}`` renders it
    with its own helper, each field or group of its layout reused from the fragment
    store while its settings, its fields' state and the helper's settings are the same
    (``finder.fragments.CachedLayoutItem``)."""
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"'{bits[0]}' takes one form")
    return CachedCrispyNode(bits[1], None)
