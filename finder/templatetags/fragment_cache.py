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
import secrets
from collections.abc import Hashable

from crispy_forms.layout import Layout
from crispy_forms.templatetags.crispy_forms_tags import CrispyFormNode
from crispy_forms.templatetags.crispy_forms_utils import remove_spaces
from django import template
from django.forms import BaseForm
from django.template.base import FilterExpression, NodeList, Variable
from django.template.context import Context
from django.utils.safestring import mark_safe

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


# The context values the pack's whole-form templates (whole_uni_form.html and what it
# includes) read besides crispy's own settings for the form: the form's frame is kept on
# these too. tests/finder/test_fragments.py checks those templates read no others.
FRAME_CONTEXT = ("error_summary", "error_summary_title")


class _Hole:
    """A layout standing in for the form's fields while its frame is rendered: it prints
    a marker. Plain text, not a tag, so that crispy's whitespace removal around tags
    treats the space beside it as it would the fields' own."""

    marker = f"crispyfields{secrets.token_hex(16)}"

    def render(self, form, context, template_pack=None, **kwargs) -> str:
        return self.marker


class CachedCrispyNode(CrispyFormNode):
    """``{% crispy %}`` with each top-level item of the form's layout cached, and the
    form around them too: when every piece is kept, the form is put together from them
    without crispy rendering anything."""

    def render(self, context: Context) -> str:
        form = template.Variable(self.form).resolve(context)
        helper = getattr(form, "helper", None)
        layout = getattr(helper, "layout", None)
        if layout is None:
            return super().render(context)
        shared = fragments.LayoutRender()
        items = [fragments.CachedLayoutItem(item, shared) for item in layout.fields]
        html = self._from_pieces(context, form, helper, items)
        if html is None:
            helper.layout = Layout(*items)
            try:
                html = super().render(context)
            finally:
                helper.layout = layout
        # Put in once the page is rendered, if it is filled (``fragments.PageHoles``). (A
        # node's output is markup: the template language prints it as it is.)
        return fragments.defer(context, mark_safe(html))

    def _from_pieces(self, context: Context, form, helper, items) -> str | None:
        """The form made of kept pieces: the frame crispy renders around the fields
        (``whole_uni_form.html``), kept for the helper's settings and the context it
        reads, and each item's markup, kept or rendered afresh and kept. None for a
        form this does not handle (errors, a formset, its own template, extra fields,
        a CSRF token, an item that cannot be kept): crispy then renders all of it."""
        if (
            not isinstance(form, BaseForm)
            or getattr(helper, "template", None)
            or helper.inputs
            or helper.render_unmentioned_fields
            or helper.render_hidden_fields
            or helper.render_required_fields
            or form.errors
        ):
            return None
        template_pack = getattr(helper, "template_pack", None) or self.template_pack
        response, settings = self._settings(helper, template_pack, context)
        if settings is None:
            return None
        if response["form_method"].lower() == "post" and not response["disable_csrf"]:
            return None
        node_context = context.__copy__()
        node_context.update({"is_bound": form.is_bound})
        node_context.update(response)
        # What the item keys read of the form, as crispy sets it before rendering them.
        form.crispy_field_template = helper.field_template
        try:
            frame_key = (
                "crispy-form",
                settings,
                fragments.context_state(context, FRAME_CONTEXT),
                str(form.media) if response["include_media"] else None,
                form.is_multipart(),
                form.is_bound,
                template_pack,
            )
            keys = [item.key(form, node_context, template_pack, {}) for item in items]
        except (fragments.Uncacheable, KeyError, TypeError):
            return None
        frame = fragments.store.get(frame_key)
        if frame is None:
            frame = self._frame(context, form, helper)
            fragments.store.put(frame_key, frame)
        if len(frame) != 2:
            return None
        # As crispy renders the layout, with each item from the store or rendered afresh.
        form.rendered_fields = set()
        form.form_html = mark_safe(
            "".join(
                item.from_store(key, form, node_context, template_pack, {})
                for item, key in zip(items, keys, strict=True)
            )
        )
        # crispy takes out the spaces between tags over the whole form, fields included.
        return remove_spaces(frame[0] + form.form_html + frame[1])

    def _settings(self, helper, template_pack: str, context: Context) -> tuple[dict, Hashable]:
        """``get_response_dict``: crispy's settings for the form, made from the helper's
        attributes alone (and the CSRF token in the context), so kept for each set of
        them; and the settings frozen, for the key of the form's frame, without the CSRF
        token, which a GET form does not print (reading it would make one, and a cookie
        with it). Copied on the way out: a context is made from the settings."""
        try:
            key = (
                "crispy-settings",
                type(helper),
                template_pack,
                *(
                    (name, fragments.freeze(value))
                    for name, value in helper.__dict__.items()
                    if name != "layout"  # not read: the layout renders the fields
                ),
            )
            hash(key)
        except (fragments.Uncacheable, TypeError):
            response = self.get_response_dict(helper, context, False)
            return response, _frozen_settings(response)
        known = fragments.store.get(key)
        if known is None:
            response = self.get_response_dict(helper, Context(), False)
            known = (response, _frozen_settings(response))
            fragments.store.put(key, known)
        response = dict(known[0])
        if "csrf_token" in context:
            response["csrf_token"] = context["csrf_token"]
        return response, known[1]

    def _frame(self, context: Context, form, helper) -> tuple[str, ...]:
        """The form as crispy renders it with a marker for the fields, split there (in
        two, unless the pack prints the fields other than once)."""
        layout = helper.layout
        helper.layout = Layout(_Hole())
        try:
            return tuple(super().render(context).split(_Hole.marker))
        finally:
            helper.layout = layout


def _frozen_settings(response: dict) -> Hashable | None:
    """crispy's settings for a form (``get_response_dict``) frozen, but for the CSRF
    token, as a number (``fragments.interned``); None if one cannot be frozen."""
    try:
        return fragments.interned(
            fragments.freeze({k: v for k, v in response.items() if k != "csrf_token"})
        )
    except fragments.Uncacheable:
        return None


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
