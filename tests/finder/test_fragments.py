"""Rendered fragments are reused only while everything they show is the same: the cached
finder form renders exactly as crispy does, and a fragment is rendered afresh when a
value, a facet count, the catalogue or the day changes (finder/fragments.py)."""

from __future__ import annotations

import datetime
import re
from collections import OrderedDict
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.autoreload import file_changed
from django.utils.safestring import SafeString

from finder import fragments
from finder.templatetags.fragment_cache import FRAME_CONTEXT
from finder.views import HOLES, _filterset, _show_counts
from tests.factories import (
    make_geography,
    make_programme,
    make_sector,
    make_stage,
    make_support_type,
)

PACK = Path(settings.BASE_DIR) / "templates" / "govuk"


@pytest.fixture
def catalogue() -> dict:
    places = make_geography()
    make_sector("manufacturing")
    make_sector("digital")
    make_stage("established")
    make_stage("start-up")
    make_support_type("equity", name="Equity investment")
    make_support_type("grant", name="Grants")
    fund = make_programme(
        slug="co-invest",
        name="Co-Invest",
        places=[places["west-midlands-combined-authority"]],
        support_types=["equity"],
    )
    return {"places": places, "fund": fund}


def _form(query: str, counts: dict[str, int] | None = None):
    filterset = _filterset(RequestFactory().get("/?" + query))
    filterset.is_valid()
    # The counts the page is filled with, as the finder view does.
    filterset.form.counts_shown = {} if counts is None else _show_counts(filterset, counts)
    return filterset.form


def _render(tag: str, form) -> str:
    source = "{% load crispy_forms_tags fragment_cache %}{% " + tag + " form %}"
    return HOLES.fill(Template(source).render(Context({"form": form})), form.counts_shown)


# Each state of the finder form: unbound, bound, every kind of error, and each control in
# another state than the one before (so a stale fragment would show).
FORM_STATES = [
    ("", None),
    ("location=birmingham", {"equity": 1, "grant": 0}),
    ("location=coventry", {"equity": 1, "grant": 0}),
    ("location=coventry&sector=digital&stage=established", {"equity": 3, "grant": 2}),
    ("location=coventry&sector=digital&stage=start-up", {"equity": 2, "grant": 2}),
    ("support=grant&employees=12&turnover=%C2%A3250%2C000", {"equity": 2, "grant": 2}),
    ("support=grant&support=equity&employees=12", {"equity": 2, "grant": 5}),
    ("employees=abc&turnover=-5&funding=x", None),
    ("employees=abd", None),
    # The same value with other errors: only the messages change.
    ("employees=abd&employees=abd", None),
    ("location=atlantis&sector=nope&stage=nope&support=nope", None),
    ("location=birmingham&location=coventry&q=a&q=b", None),
    ("include_closed=maybe&employees_3y_ago=-1&turnover_3y_ago=q", None),
    ("include_closed=1&q=%3Cb%3Ebattery%3C%2Fb%3E", {"equity": 0, "grant": 0}),
    ("include_closed=0&q=battery", {"equity": 0, "grant": 0}),
    ("", None),
]


@pytest.mark.django_db
def test_cached_crispy_renders_every_form_state_as_crispy_does(catalogue) -> None:
    for query, counts in FORM_STATES:
        reference = _render("crispy", _form(query, counts))

        first = _render("cached_crispy", _form(query, counts))
        stored = len(fragments.store)
        again = _render("cached_crispy", _form(query, counts))

        assert first == reference, query
        assert again == reference, query
        # The second rendering came from the store: it added nothing to it.
        assert len(fragments.store) == stored, query


@pytest.mark.django_db
def test_cached_crispy_shows_new_facet_counts(catalogue) -> None:
    first = _render("cached_crispy", _form("location=birmingham", {"equity": 1, "grant": 0}))
    stored = len(fragments.store)

    html = _render("cached_crispy", _form("location=birmingham", {"equity": 7, "grant": 0}))

    assert "Equity investment (1)" in first
    assert "Equity investment (7)" in html
    assert "Equity investment (1)" not in html
    # The counts are put in after rendering: the form's pieces are the ones kept before.
    assert len(fragments.store) == stored


def test_holes_are_filled_with_each_value_escaped() -> None:
    holes = fragments.Holes("test")
    html = f"<p>{holes.marker('a')} and {holes.marker('b-2')}, {holes.marker('a')}</p>"

    filled = holes.fill(html, {"a": 3, "b-2": "<i>x</i>"})

    assert filled == "<p>3 and &lt;i&gt;x&lt;/i&gt;, 3</p>"
    assert holes.fill("<p>none</p>", {}) == "<p>none</p>"


@pytest.mark.django_db
def test_cached_crispy_put_off_until_the_page_is_filled_is_the_same_form(catalogue) -> None:
    source = "{% load fragment_cache %}<main>{% cached_crispy form %}</main>"
    for query, counts in FORM_STATES:
        form = _form(query, counts)
        inline = HOLES.fill(Template(source).render(Context({"form": form})), form.counts_shown)
        page = fragments.PageHoles(HOLES, form.counts_shown)

        rendered = Template(source).render(Context({"form": form, "page_holes": page}))

        # The page holds a marker where the form goes; filling puts the form there, with
        # the facet counts it holds filled in too.
        assert "<form" not in rendered, query
        assert page.fill(rendered) == inline, query


def test_markup_put_off_goes_in_with_its_own_markers_filled() -> None:
    holes = fragments.Holes("test")
    page = fragments.PageHoles(holes, {"n": 2, "who": "<b>"})
    piece = page.defer(SafeString(f"<i>{holes.marker('n')} for {holes.marker('who')}</i>"))
    plain = page.defer(SafeString("<p>no markers & no escaping</p>"))

    html = f"<main>{piece}{plain}{holes.marker('n')}</main>"

    assert page.fill(html) == (
        "<main><i>2 for &lt;b&gt;</i><p>no markers & no escaping</p>2</main>"
    )
    # Only markup already safe can go in unescaped.
    with pytest.raises(TypeError, match="marked safe"):
        page.defer("<p>text</p>")
    # Without a page to fill, the markup is printed where it is.
    assert fragments.defer(Context({}), SafeString("<p>x</p>")) == "<p>x</p>"


def test_markup_put_off_cannot_hold_its_own_marker() -> None:
    holes = fragments.Holes("test")
    page = fragments.PageHoles(holes)
    marker = page.defer(SafeString("<p>"))
    # (A page's pieces never hold their own markers; this one is made to.)
    page.values["deferred-1"].html = SafeString(f"<p>{marker}</p>")

    with pytest.raises(fragments.HoleError, match="holds its own marker"):
        page.fill(f"<main>{marker}</main>")


def test_holes_refuse_a_marker_without_a_key() -> None:
    holes = fragments.Holes("test")

    with pytest.raises(fragments.HoleError, match="marker without a key"):
        holes.fill(f"<p>{holes.prefix}not a key</p>", {})


def test_holes_refuse_a_marker_without_a_value() -> None:
    holes = fragments.Holes("test")
    html = f"<p>{holes.marker('a')}</p>"

    with pytest.raises(fragments.HoleError, match="no value for the test hole 'a'"):
        holes.fill(html, {"b": 2})
    # A value the page has no hole for is not shown (a page without pagination, say).
    assert holes.fill(html, {"a": 1, "b": 2}) == "<p>1</p>"
    with pytest.raises(fragments.HoleError, match="letters, digits and hyphens"):
        holes.marker("a-->b")
    # Another process's (or another kind's) markers are not this one's holes.
    other = fragments.Holes("test")
    assert other.fill(html, {}) == html


@pytest.mark.django_db
def test_cached_crispy_leaves_the_form_as_crispy_does(catalogue) -> None:
    """Crispy marks each field rendered and sets its widget's classes from the layout;
    a form served from the store is left the same."""
    reference = _form("employees=12")
    _render("crispy", reference)
    _render("cached_crispy", _form("employees=12"))

    cached = _form("employees=12")
    _render("cached_crispy", cached)

    assert cached.rendered_fields == reference.rendered_fields
    assert cached.form_html == reference.form_html
    assert cached.crispy_field_template == reference.crispy_field_template
    for name in reference.fields:
        assert cached.fields[name].widget.attrs == reference.fields[name].widget.attrs, name


@pytest.fixture
def no_answer_cache(settings) -> None:
    """Only the fragments are cached, so what a page shows is theirs."""
    settings.FINDER_SEARCH_CACHE_SECONDS = 0


@pytest.mark.django_db
def test_result_card_shows_a_catalogue_edit_at_once(client, catalogue, no_answer_cache) -> None:
    query = "/?location=birmingham"
    assert "Co-Invest" in client.get(query).content.decode()

    fund = catalogue["fund"]
    fund.name = "Co-Invest Fund II"
    fund.summary = "Equity alongside business angels."
    fund.save()
    html = client.get(query).content.decode()

    assert "Co-Invest Fund II" in html
    assert "Equity alongside business angels." in html


@pytest.mark.django_db
def test_result_card_shows_the_status_of_the_day(client, catalogue, no_answer_cache) -> None:
    fund = catalogue["fund"]
    fund.closes_on = datetime.date(2026, 3, 1)
    fund.save()
    query = "/?location=birmingham&include_closed=1"

    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 3, 1)):
        on_closing_day = client.get(query).content.decode()
    with mock.patch("django.utils.timezone.localdate", return_value=datetime.date(2026, 3, 2)):
        day_after = client.get(query).content.decode()

    assert "Co-Invest" in on_closing_day and "Co-Invest" in day_after
    assert "govuk-tag--grey" not in on_closing_day
    assert 'govuk-tag govuk-tag--grey">Closed</strong>' in day_after


def test_freeze_tells_apart_values_that_render_differently() -> None:
    frozen = [
        fragments.freeze(value)
        for value in [1, True, "1", 1.0, None, "", False, 0, "a", SafeString("a"), ["a"], ("a",)]
    ]

    assert len(set(frozen)) == len(frozen)
    assert fragments.freeze(("a", "b")) == fragments.freeze(("a", "b"))
    assert fragments.freeze([("a", "b")]) != fragments.freeze([("a", SafeString("b"))])
    # Dicts and lists, however frozen, tell apart what renders differently too.
    dicts = [{}, {"a": "1"}, {"a": 1}, {"a": SafeString("1")}, {"a": ["1"]}, OrderedDict(a="1")]
    assert len({fragments.freeze(value) for value in dicts}) == len(dicts)
    assert fragments.freeze([]) != fragments.freeze(()) != fragments.freeze([""])
    assert fragments.freeze({"a": "1", "b": "2"}) == fragments.freeze({"a": "1", "b": "2"})


def test_field_state_tells_apart_fields_whose_widgets_get_other_attributes() -> None:
    # ``field_state`` keys on what ``build_widget_attrs`` reads rather than on what it
    # makes: wherever the attributes it adds differ, so must the states. One field name
    # throughout, so that only the field's settings and the form's tell them apart.
    from django import forms

    choices = [("", "Choose"), ("a", "A")]
    fields = [
        lambda: forms.CharField(required=False),
        lambda: forms.CharField(),
        lambda: forms.CharField(required=False, disabled=True),
        lambda: forms.CharField(required=False, help_text="A hint."),
        lambda: forms.CharField(
            help_text="A hint.", widget=forms.TextInput({"aria-describedby": "x"})
        ),
        lambda: forms.ChoiceField(choices=choices),
        lambda: forms.ChoiceField(choices=choices[1:]),
        lambda: forms.ChoiceField(choices=choices[1:], widget=forms.RadioSelect),
        lambda: forms.MultipleChoiceField(choices=choices[1:], widget=forms.CheckboxSelectMultiple),
    ]
    seen: dict = {}
    for make in fields:
        for required_attribute in (True, False):
            for data in (None, {"answer": ""}, {"answer": "a"}):
                for auto_id in ("id_%s", False):
                    form_class = type(
                        "Answer",
                        (forms.Form,),
                        {"answer": make(), "use_required_attribute": required_attribute},
                    )
                    field = form_class(data, auto_id=auto_id)["answer"]
                    state = fragments.field_state(field)
                    attrs = field.build_widget_attrs({})
                    assert seen.setdefault(state, attrs) == attrs, (state, attrs)
    # Required, disabled, described, invalid, with and without ids: each made its own.
    assert len({frozenset(attrs.items()) for attrs in seen.values()}) >= 6


def test_interned_numbers_stand_for_equal_values_and_never_for_another() -> None:
    interned = fragments.Interned(kept=2)
    first = interned(("a", ("b",)))

    assert interned(("a", ("b",))) == first
    assert interned("c") != first
    # Starting afresh once full: the same value may get a new number, but no number
    # given before stands for another value.
    given = {first: ("a", ("b",)), interned("c"): "c"}
    for value in ["d", "e", ("a", ("b",)), "c"]:
        number = interned(value)
        assert given.setdefault(number, value) == value


def test_store_forgets_the_least_recently_used_and_the_old() -> None:
    clock = [100.0]
    store = fragments.FragmentStore(max_entries=2, max_age=60)
    with mock.patch("finder.fragments.time.monotonic", side_effect=lambda: clock[0]):
        store.put("a", "A")
        store.put("b", "B")
        assert store.get("a") == "A"  # "a" is now the more recently used
        store.put("c", "C")
        assert store.get("b") is None
        assert store.get("a") == "A"

        clock[0] += 59.9
        assert store.get("c") == "C"
        clock[0] += 0.1
        assert store.get("c") is None


class _Thing:
    def __init__(self, name: str) -> None:
        self.name = name

    def shout(self) -> str:
        return self.name.upper()


def test_fragment_is_rendered_afresh_when_a_named_value_changes() -> None:
    template = Template(
        "{% load fragment_cache %}"
        '{% fragment "demo" thing.name thing.shout row.key missing %}'
        "{{ thing.name }}/{{ thing.shout }}/{{ row.key }}/{{ missing }}"
        "{% endfragment %}"
    )

    def render(**context) -> str:
        return template.render(Context(context))

    assert render(thing=_Thing("ada"), row={"key": 1}) == "ada/ADA/1/"
    assert render(thing=_Thing("ada"), row={"key": 1}) == "ada/ADA/1/"
    assert render(thing=_Thing("bo"), row={"key": 1}) == "bo/BO/1/"
    assert render(thing=_Thing("bo"), row={"key": 2}) == "bo/BO/2/"
    assert render(thing=_Thing("bo"), row={"key": 2}, missing="x") == "bo/BO/2/x"


def test_two_fragments_never_share_an_entry() -> None:
    template = Template(
        '{% load fragment_cache %}{% fragment "same" value %}one{% endfragment %}'
        '{% fragment "same" value %}two{% endfragment %}'
    )

    assert template.render(Context({"value": 1})) == "onetwo"


def test_pack_field_templates_read_only_the_context_the_cache_names() -> None:
    """A layout item is cached on PACK_CONTEXT and the fields it renders; a pack template
    reading any other context value could be served stale. Names set while a piece is
    rendered (by crispy, by the template itself, or by its includes) are allowed."""
    set_while_rendering = {
        "field", "fields", "fields_output", "fieldset", "legend", "div", "multifield",
        "formactions", "buttonholder", "input", "option", "error", "describedby",
        "widget_class", "forloop", "labelclass", "True", "False", "None",
    }  # fmt: skip
    words = {"if", "elif", "else", "endif", "for", "endfor", "in", "not", "and", "or", "is",
             "with", "endwith", "include", "load", "spaceless", "endspaceless", "fragment",
             "endfragment", "as", "govuk_describedby"}  # fmt: skip
    whole_form = {"whole_uni_form.html", "whole_uni_formset.html", "uni_form.html",
                  "uni_formset.html", "display_form.html", "error_summary.html", "errors.html",
                  "errors_formset.html", "inputs.html"}  # fmt: skip
    read = set()
    for path in PACK.rglob("*.html"):
        if path.name in whole_form:
            continue
        for tag in re.findall(r"\{[{%](.*?)[%}]\}", path.read_text()):
            tag = re.sub(r"\"[^\"]*\"|'[^']*'", "", tag)  # strings
            tag = re.sub(r"\|\w+(:\S+)?", "", tag)  # filters
            tag = re.sub(r"\b\w+=", "", tag)  # names given by with/include
            for name in re.findall(r"(?<![\w.])([A-Za-z_]\w*)", tag):
                read.add(name)
    unnamed = read - words - set_while_rendering - set(fragments.PACK_CONTEXT)
    # "load" arguments are library names, not context.
    unnamed -= {"crispy_forms_field", "govuk_frontend", "fragment_cache"}

    assert unnamed == set()


def test_pack_form_templates_read_only_the_context_the_frame_names() -> None:
    """The frame around a form's fields is kept on crispy's settings for the form
    (``get_response_dict``) and FRAME_CONTEXT; a whole-form template reading any other
    context value could be served stale."""
    from crispy_forms.helper import FormHelper
    from crispy_forms.templatetags.crispy_forms_tags import CrispyFormNode

    node = CrispyFormNode("form", None, template_pack="govuk")
    settings_names = {"is_bound", *node.get_response_dict(FormHelper(), Context(), False)}
    set_while_rendering = {"form", "input", "error", "field", "target", "True", "False",
                           "None"}  # fmt: skip
    words = {"if", "elif", "else", "endif", "for", "endfor", "in", "not", "and", "or", "is",
             "with", "endwith", "include", "load", "specialspaceless", "endspecialspaceless",
             "csrf_token", "as", "crispy"}  # fmt: skip
    read = set()
    for name in ("whole_uni_form.html", "display_form.html", "error_summary.html",
                 "inputs.html", "layout/baseinput.html"):  # fmt: skip
        for tag in re.findall(r"\{[{%](.*?)[%}]\}", (PACK / name).read_text()):
            tag = re.sub(r"\"[^\"]*\"|'[^']*'", "", tag)  # strings
            tag = re.sub(r"\|\w+(:\S+)?", "", tag)  # filters
            tag = re.sub(r"\b\w+=", "", tag)  # names given by with/include
            for found in re.findall(r"(?<![\w.])([A-Za-z_]\w*)", tag):
                read.add(found)
    unnamed = read - words - set_while_rendering - settings_names - set(FRAME_CONTEXT)
    unnamed -= {"crispy_forms_utils", "crispy_forms_field", "govuk_frontend"}

    assert unnamed == set()


@pytest.mark.django_db
def test_cached_crispy_follows_a_change_to_the_helper(catalogue) -> None:
    """The frame and crispy's settings are kept per helper: a form whose helper says
    otherwise renders as crispy renders it, not as the form before it."""
    _render("cached_crispy", _form("location=birmingham"))

    changed = [("form_id", "other-form"), ("label_size", "m"), ("form_action", "#top")]
    for name, value in changed:
        reference, cached = _form("location=birmingham"), _form("location=birmingham")
        setattr(reference.helper, name, value)
        setattr(cached.helper, name, value)

        html = _render("cached_crispy", cached)

        assert html == _render("crispy", reference), name
        assert str(value) in html, name


@pytest.mark.django_db
def test_cached_crispy_keeps_the_frame_once_for_every_business(catalogue) -> None:
    _render("cached_crispy", _form("location=birmingham", {"equity": 1, "grant": 0}))
    frames = [key for key in fragments.store._entries if key[0] == "crispy-form"]

    _render("cached_crispy", _form("location=coventry&employees=7", {"equity": 0, "grant": 3}))

    assert len(frames) == 1
    assert [key for key in fragments.store._entries if key[0] == "crispy-form"] == frames


def test_fragments_are_forgotten_when_a_template_changes() -> None:
    # runserver reloads an edited template without restarting: pieces rendered from the
    # old one must go with it. A changed Python file restarts the server instead.
    fragments.store.put(("demo",), "<p>old</p>")
    file_changed.send(sender=None, file_path=Path("/srv/app/models.py"))
    assert len(fragments.store) == 1

    file_changed.send(sender=None, file_path=Path(settings.BASE_DIR) / "templates" / "x.html")

    assert len(fragments.store) == 0
