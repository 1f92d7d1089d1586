"""A per-process cache of rendered template fragments, for the pieces of the finder page
that recur from one search to the next: a form field's markup, a programme's part of a
result card.

Why this is correct: a fragment is stored under a key made of everything its markup
depends on, named in the template beside the fragment (``{% fragment %}``, in
``finder/templatetags/fragment_cache.py``). Rules:

* Each value in a key is frozen with its type, so ``1``, ``True`` and ``"1"`` — or a
  string and the same text marked safe — never share an entry.
* A form field (a ``BoundField``) in a key stands for its whole state as a widget renders
  it (``field_state``): name, ids, label, hint, errors, value, choices and attributes.
  Only widgets whose markup depends on nothing else are cached; any other field makes
  the fragment render afresh every time.
* Fragments built from catalogue data name the catalogue version and today's date
  (``catalogue_state`` in the context, see ``finder.context_processors``). The version
  is kept in the database and changes with every catalogue change (``finder.cache``),
  so an edit made by any process is seen by every process at its next page.
* At most ``MAX_ENTRIES`` fragments are kept; the least recently used go first, and
  none is kept longer than ``MAX_AGE_SECONDS`` (a bound on memory held by pieces nobody
  asks for, not something correctness relies on).
"""

from __future__ import annotations

import datetime
import itertools
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from functools import cached_property
from pathlib import Path

from django import forms
from django.forms.boundfield import BoundField
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from finder import cache
from finder.filters import YesNoCheckbox

MAX_ENTRIES = 50_000
MAX_AGE_SECONDS = 24 * 60 * 60.0

# Widgets whose markup is a function of the bound field's state alone (``field_state``).
# A subclass may render differently (its own template, a check test), so the classes are
# matched exactly; a widget added here must not read anything ``field_state`` leaves out.
CACHEABLE_WIDGETS = frozenset(
    {
        forms.TextInput,
        forms.NumberInput,
        forms.EmailInput,
        forms.URLInput,
        forms.Textarea,
        forms.Select,
        forms.RadioSelect,
        forms.CheckboxSelectMultiple,
        # Ticked by its own fixed test of the value (not a test given per instance).
        YesNoCheckbox,
    }
)


class Uncacheable(Exception):
    """A key names something whose state cannot be told: render the fragment afresh."""


class FragmentStore:
    """A bounded, thread-safe least-recently-used map from key to rendered markup, whose
    entries are forgotten ``max_age`` seconds after they were stored."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_age: float = MAX_AGE_SECONDS) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        self._entries: OrderedDict[Hashable, tuple[object, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry[1] >= self.max_age:
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, html: object) -> None:
        with self._lock:
            self._entries[key] = (html, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


store = FragmentStore()


def clear() -> None:
    """Forget every fragment (tests start from nothing)."""
    store.clear()


def template_changed(sender, file_path: Path, **kwargs) -> None:
    """Forget every fragment when a template file changes (runserver's reloader sends
    this, and reloads templates without restarting). Returns None, so the reloader's
    own decision whether to restart stands."""
    if file_path.suffix == ".html":
        store.clear()


class HoleError(ValueError):
    """A page does not hold the holes it was to have filled."""


class Holes:
    """Values put into a page after it is rendered. Where one is shown, the fragments
    hold a marker instead (``marker``), so a fragment is the same whatever the value
    and is kept once for all of them; ``fill`` then puts each value in its marker's
    place, escaped as the template language would.

    A marker is an HTML comment carrying a secret made afresh by each process, so no
    text a user or the catalogue supplies can pass for one."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.prefix = f"<!--{name}:{secrets.token_hex(16)}:"

    def marker(self, key: str) -> SafeString:
        """The marker for the value filed under ``key`` (letters, digits and hyphens)."""
        if not _HOLE_KEY.fullmatch(key):
            raise HoleError(f"{self.name} hole key {key!r} must be letters, digits and hyphens")
        return mark_safe(f"{self.prefix}{key}-->")

    def fill(
        self,
        html: str,
        values: Mapping[str, int | str | Deferred],
        around: tuple[str, str] = ("", ""),
    ) -> str:
        """``html`` with each marker replaced by the value under its key: every marker
        must have one (a value may go unused: the page may not show it). Numbers go in
        as they are; markup put off (``Deferred``) goes in with its own markers filled;
        anything else is escaped unless marked safe. ``around`` is finished markup to
        put before and after (a kept frame), joined with the rest in one go."""
        out = [around[0]]
        self._fill_into(out, html, values, set())
        out.append(around[1])
        return "".join(out)

    def _fill_into(
        self, out: list[str], html: str, values: Mapping[str, object], within: set[str]
    ) -> None:
        # Markers are found by searching for the prefix (most of the markup put off
        # holds none), and each key read up to the marker's end.
        prefix = self.prefix
        found = html.find(prefix)
        done = 0
        while found >= 0:
            out.append(html[done:found])
            start = found + len(prefix)
            end = html.find("-->", start)
            key = html[start:end] if end >= 0 else None
            value = values.get(key, _NO_VALUE)
            if value is _NO_VALUE:
                if end < 0 or not _MARKER_KEY.fullmatch(key):
                    raise HoleError(
                        f"a {self.name} marker without a key: {html[found : found + 80]!r}"
                    )
                raise HoleError(f"no value for the {self.name} hole {key[:40]!r}")
            if type(value) is int:
                out.append(str(value))
            elif type(value) is Deferred:
                if key in within:
                    raise HoleError(f"the {self.name} hole {key!r} holds its own marker")
                self._fill_into(out, value.html, values, within | {key})
            else:
                out.append(conditional_escape(value))
            done = end + len("-->")
            found = html.find(prefix, done)
        out.append(html[done:] if done else html)


class Deferred:
    """Markup put into a page after it is rendered rather than in place (``PageHoles``),
    with any markers it holds filled as the page's are."""

    __slots__ = ("html",)

    def __init__(self, html: SafeString) -> None:
        self.html = html


class PageHoles:
    """The values one page's holes are filled with. Given to the page's template as
    ``page_holes``, it also takes large pieces of markup from the tags that make them
    (``defer``), and gives back a marker to print instead.

    Why: the template language joins what the nodes at each level render into a new
    string and copies it again to mark it safe, so markup printed ten levels down (a page
    of result cards) is copied some twenty times on its way out. A marker is copied
    instead, and the piece once, by ``fill``."""

    def __init__(self, holes: Holes, values: Mapping[str, object] | None = None) -> None:
        self.holes = holes
        self.values: dict[str, object] = dict(values or {})
        self._deferred = 0

    def defer(self, html: SafeString) -> SafeString:
        """A marker for ``html``, which must be safe markup (it goes in unescaped)."""
        if not isinstance(html, SafeString):
            raise TypeError("only markup marked safe can be put in after rendering")
        self._deferred += 1
        key = f"deferred-{self._deferred}"
        self.values[key] = Deferred(html)
        return self.holes.marker(key)

    def fill(self, html: str, around: tuple[str, str] = ("", "")) -> str:
        return self.holes.fill(html, self.values, around)


def defer(context, html: SafeString) -> SafeString:
    """``html`` put off until the page is filled, if the template's context has its
    ``page_holes`` and ``html`` is safe markup; otherwise ``html`` itself."""
    page = context.get("page_holes")
    if page is None or not isinstance(html, SafeString):
        return html
    return page.defer(html)


_HOLE_KEY = re.compile(r"[A-Za-z0-9-]+")
# What a marker in a page may hold as its key: a key with no value is refused as such.
_MARKER_KEY = re.compile(r"[A-Za-z0-9-]*")
_NO_VALUE = object()


def freeze(value: object) -> Hashable:
    """``value`` as part of a key: hashable, and unequal to any value that could render
    differently."""
    # Quick ways for the commonest values: plain text, and (value, label) pairs of it.
    # Every other value freezes to a tuple that starts with a type, so neither can
    # equal another value's frozen form.
    kind = type(value)
    if kind is str:
        return value
    if value is None or kind is bool or kind is int:
        return (kind, value)
    if kind is tuple and len(value) == 2 and type(value[0]) is str and type(value[1]) is str:
        return value
    # A plain dict of plain text (a widget's attributes), and an empty list (a field's
    # errors, mostly): what the general ways below make of them, made directly.
    if kind is dict:
        for item in value.values():
            if type(item) is not str:
                break
        else:
            return (dict, tuple(value.items()))
    elif kind is list and not value:
        return _EMPTY_LIST
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(freeze(item) for item in value))
    if isinstance(value, dict):
        return (type(value), tuple((key, freeze(item)) for key, item in value.items()))
    if isinstance(value, (set, frozenset)):
        return (type(value), frozenset(freeze(item) for item in value))
    try:
        hash(value)
    except TypeError:
        raise Uncacheable(type(value).__name__) from None
    return (type(value), value)


_EMPTY_LIST = (list, ())


def freeze_each(values) -> tuple[Hashable, ...]:
    """``freeze`` of each value, as a tuple: the values themselves when all are plain
    text (which freezes to itself)."""
    values = tuple(values)
    for value in values:
        if type(value) is not str:
            return tuple(freeze(value) for value in values)
    return values


def field_state(field: BoundField) -> Hashable | None:
    """Everything a cacheable widget's markup is made from, or None for a widget that is
    not known to be cacheable. The pack's templates read the field through these and
    through the context values each fragment names besides."""
    widget = field.field.widget
    if type(widget) not in CACHEABLE_WIDGETS:
        return None
    # Not the form's class: django-filter makes a new one for every FilterSet.
    return (
        type(field.field),
        type(widget),
        field.html_name,
        field.auto_id,
        field.id_for_label,
        freeze(field.label),
        freeze(field.help_text),
        # The field's errors as BoundField.errors lists them (which makes an empty
        # list each time it is read for a field without any).
        freeze(list(field.form.errors.get(field.name, ()))),
        freeze(field.value()),
        freeze(widget.attrs),
        # What ``BoundField.build_widget_attrs`` adds to them besides: "required" (when
        # the field, the form and the widget for this initial value all ask for it),
        # "disabled", and from the hint, errors and ids above, "aria-invalid" and
        # "aria-describedby" (which a widget drawn as a fieldset leaves to its legend).
        # Its inputs, not its output: making the attributes costs more than the rest of
        # the state together.
        field.field.required
        and field.form.use_required_attribute
        and widget.use_required_attribute(field.initial),
        field.field.disabled,
        widget.is_hidden,
        widget.use_fieldset,
        _choices_state(widget),
        widget.is_localized,
        field.field.show_hidden_initial,
        type(field.form.renderer),
    )


class FrozenByIdentity:
    """Frozen forms of objects never changed once made, worked out once and remembered
    by identity (such objects may compare by content, so they cannot be keys). Each
    entry holds its object, so that its identity cannot pass to another; at most
    ``kept`` are remembered, the oldest forgotten first."""

    def __init__(self, make: Callable[[object], Hashable], kept: int) -> None:
        self.make = make
        self.kept = kept
        self._entries: OrderedDict[int, tuple[object, Hashable]] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, thing: object) -> Hashable:
        # Read without the lock: a dictionary read is atomic, and the entry is checked
        # to hold this very object. (So the least recently *made* go first: the few
        # objects in use are made once and stay.)
        known = self._entries.get(id(thing))
        if known is not None and known[0] is thing:
            return known[1]
        frozen = self.make(thing)
        with self._lock:
            self._entries[id(thing)] = (thing, frozen)
            while len(self._entries) > self.kept:
                self._entries.popitem(last=False)
        return frozen


# Choices, by the choices object a widget holds: django-filter's are such objects,
# shared by every copy of the form's field (``filters.SharedChoicesMixin``), and no
# choices are changed in place here: a change assigns new ones (``views._show_counts``).
# Iterated as the widget will be: django-filter's choices add their empty option as they
# are read.
_frozen_choices = FrozenByIdentity(lambda choices: freeze(list(choices)), kept=64)


def _choices_state(widget: forms.Widget) -> Hashable:
    """A widget's choices, frozen: once per choices object, or afresh for a plain list
    (which could be changed in place)."""
    if not hasattr(widget, "choices"):
        return None
    if isinstance(widget.choices, list):
        return freeze(list(widget.choices))
    return _frozen_choices(widget.choices)


class CatalogueState:
    """What fragments made from catalogue data depend on, read once per page: the
    catalogue version and today's date (a programme's status follows its dates). A view
    that has read them already passes them in."""

    def __init__(self, *, version: int | None = None, today: datetime.date | None = None):
        if version is not None:
            self.__dict__["version"] = version
        if today is not None:
            self.__dict__["today"] = today

    @cached_property
    def version(self) -> int:
        return cache.catalogue_version()

    @cached_property
    def today(self) -> datetime.date:
        return timezone.localdate()


# The context values the pack's field and layout templates (templates/govuk/) read that
# crispy does not set afresh for each piece: the helper's settings and what an enclosing
# template passes down. tests/finder/test_fragments.py checks the pack reads no others.
# (crispy leaves ``field``, ``labelclass`` and ``flat_attrs`` behind in the context after
# each field; every field template is given its own before it renders, and no other
# piece reads them, so they are rightly not part of a key.)
PACK_CONTEXT = (
    "choice_kind",
    "choice_modifier",
    "control_class",
    "crispy_appended_text",
    "crispy_prepended_text",
    "field_template",
    "form_method",
    "form_show_errors",
    "form_show_labels",
    "label_class",
    "label_size",
    "template_pack",
    "wrapper_class",
)

# A context value that is not set at all, which templates treat unlike None.
_MISSING = object()


def context_state(context, names: tuple[str, ...]) -> Hashable:
    """The values of ``names`` in a template context, frozen; a name not set at all
    stays apart from one set to None."""
    return tuple(freeze(context.get(name, _MISSING)) for name in names)


# Attributes crispy adds to a layout object while rendering it; not part of its design.
_RENDER_STATE = frozenset({"bound_fields"})


def _freeze_layout(item: object) -> Hashable:
    """A crispy layout object (or a field name) as part of a key: its class and every
    setting it was built with, nested objects included."""
    if isinstance(item, str):
        return freeze(item)
    settings = getattr(item, "__dict__", None)
    if settings is None:
        raise Uncacheable(type(item).__name__)
    return (
        type(item),
        tuple(
            (name, _freeze_layout(value) if hasattr(value, "render") else _freeze_nested(value))
            for name, value in settings.items()
            if name not in _RENDER_STATE
        ),
    )


def _freeze_nested(value: object) -> Hashable:
    if isinstance(value, (list, tuple)):
        return (type(value), tuple(_freeze_layout(item) for item in value))
    return freeze(value)


def _field_names(item: object) -> tuple[str, ...]:
    if isinstance(item, str):
        return (item,)
    if hasattr(item, "get_field_names"):
        return tuple(pointer.name for pointer in item.get_field_names())
    return ()


class Interned:
    """Small numbers standing for frozen values in keys: equal values get the same
    number, made once. A key holding one is hashed and compared as quickly as a number,
    however deep the value it stands for. Bounded: after ``kept`` values it starts
    afresh, with numbers never given before, so a number never comes to stand for
    another value."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._numbers: dict[Hashable, int] = {}
        self._serial = itertools.count()
        self._lock = threading.Lock()

    def __call__(self, value: Hashable) -> int:
        number = self._numbers.get(value)
        if number is None:
            with self._lock:
                if len(self._numbers) >= self.kept:
                    self._numbers.clear()
                number = self._numbers.setdefault(value, next(self._serial))
        return number


# The numbers standing for frozen parts of keys (layout settings, context values).
interned = Interned(kept=4096)

# Layout items, by identity: the number standing for their settings frozen, and the
# fields they render. A form that builds its layout once (``filters.finder_layout``)
# has them worked out once; items are not changed once built.
_layout_state = FrozenByIdentity(lambda item: interned(_freeze_layout(item)), kept=256)
_layout_fields = FrozenByIdentity(_field_names, kept=256)


class LayoutRender:
    """What the items of one form's render share, each read once: the values of
    ``PACK_CONTEXT``, and the form's field template and the items' arguments. The
    context values are the helper's settings and what the page passes down, the same for
    every item: crispy takes out again what it adds for one field (``KeepContext``), and
    what a layout object leaves behind (``fieldset``, ``field``...) is none of them."""

    def __init__(self) -> None:
        self._context = None
        self._frozen: Hashable = None
        self._form = None
        self._kwargs: dict | None = None
        self._settings: Hashable = None

    def form_settings(self, form, kwargs: dict) -> Hashable:
        """The field template crispy sets on the form and the arguments the items are
        rendered with, frozen: once per form and arguments."""
        if self._form is not form or self._kwargs != kwargs:
            self._settings = (
                freeze(getattr(form, "crispy_field_template", None)),
                freeze(kwargs),
            )
            self._form, self._kwargs = form, dict(kwargs)
        return self._settings

    def pack_context(self, context) -> Hashable:
        if self._context is not context:
            self._frozen = interned(context_state(context, PACK_CONTEXT))
            self._context = context
        return self._frozen


class CachedLayoutItem:
    """One item of a crispy layout whose rendering is kept in the store, keyed on the
    item's settings, the state of every field it renders and the context values the
    pack reads. What rendering it does to the form besides returning markup — marking
    its fields rendered, setting their widgets' classes — is recorded with the markup
    and done again on a hit."""

    def __init__(self, item: object, shared: LayoutRender | None = None) -> None:
        self.item = item
        self.shared = shared or LayoutRender()

    def key(self, form, context, template_pack, kwargs: dict) -> Hashable:
        """The item's key in the store; raises Uncacheable (or KeyError, TypeError) for
        an item that cannot be kept."""
        states = []
        for name in _layout_fields(self.item):
            state = field_state(form[name])
            if state is None:
                raise Uncacheable(name)
            states.append(state)
        key = (
            "crispy-layout",
            _layout_state(self.item),
            tuple(states),
            self.shared.pack_context(context),
            self.shared.form_settings(form, kwargs),
            template_pack,
        )
        hash(key)
        return key

    def render(self, form, context, template_pack, **kwargs) -> str:
        from crispy_forms.utils import render_field

        try:
            key = self.key(form, context, template_pack, kwargs)
        except (Uncacheable, KeyError, TypeError):
            return render_field(self.item, form, context, template_pack=template_pack, **kwargs)
        return self.from_store(key, form, context, template_pack, kwargs)

    def from_store(self, key: Hashable, form, context, template_pack, kwargs: dict) -> str:
        """The item's markup under ``key``: kept, with what rendering did to the form done
        again; or rendered, and kept with what it did."""
        from crispy_forms.utils import render_field

        stored = store.get(key)
        if stored is not None:
            html, effects = stored
            for name, attrs in effects:
                form.fields[name].widget.attrs = dict(attrs)
                form.rendered_fields.add(name)
            return html
        html = render_field(self.item, form, context, template_pack=template_pack, **kwargs)
        names = _layout_fields(self.item)
        effects = tuple((name, dict(form.fields[name].widget.attrs)) for name in names)
        store.put(key, (html, effects))
        return html
