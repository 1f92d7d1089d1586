"""Template helpers for the project's `govuk` crispy-forms template pack and site chrome.

The pack's templates (templates/jinja2/govuk/, rendered by Django's Jinja2 backend with
finder/jinja2.py's environment) render GOV.UK Frontend markup; these helpers add GOV.UK
classes to a widget without mutating it, link hints and errors to the control with
`aria-describedby`, and decide where an error summary link should land.
`{% govuk_error_summary form %}` puts the pack's error summary on a page.

Id convention, shared with the templates: a field's hint is `<auto_id>-hint` and its error
message `<auto_id>-error`, as in GOV.UK Frontend's own components.
"""

from __future__ import annotations

from django import forms, template
from django.forms import Form
from django.forms.boundfield import BoundField
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Controls that have a GOV.UK `--error` modifier; checkbox and radio inputs do not (their
# form group shows the error instead).
_ERROR_MODIFIED = frozenset({"govuk-input", "govuk-select", "govuk-textarea", "govuk-file-upload"})

# crispy-forms' Submit/Button/Reset carry Bootstrap classes by default; they mean nothing
# to GOV.UK Frontend, so they are dropped and any classes the author added are kept.
_BOOTSTRAP_BUTTON_CLASSES = frozenset({"btn", "btn-primary", "btn-secondary", "btn-inverse"})


def _tokens(value: object) -> list[str]:
    return str(value or "").split()


def _merge(*groups: list[str]) -> str:
    seen: list[str] = []
    for group in groups:
        for token in group:
            if token not in seen:
                seen.append(token)
    return " ".join(seen)


@register.simple_tag
def govuk_describedby(field: BoundField) -> str:
    """The ids that describe a field: its own `aria-describedby`, then hint, then error.

    GOV.UK orders hint before error so a screen reader reads the guidance first. A form
    rendered with `auto_id=False` has no ids to point at, so nothing is added.
    """
    own = _tokens(field.field.widget.attrs.get("aria-describedby"))
    if not field.auto_id:
        return _merge(own)
    extra = []
    if field.help_text:
        extra.append(f"{field.auto_id}-hint")
    if field.errors:
        extra.append(f"{field.auto_id}-error")
    return _merge(own, extra)


@register.filter
def govuk_widget(field: BoundField, base_class: str) -> SafeString:
    """Render a field's widget with a GOV.UK class, its `--error` modifier and describedby.

    Classes already on the widget (a width such as `govuk-input--width-10`, or one set by a
    crispy `Field(css_class=...)`) are kept after the GOV.UK ones.
    """
    return field.as_widget(attrs=_govuk_attrs(field, base_class))


def govuk_select(field: BoundField, base_class: str) -> dict:
    """What ``govuk_widget`` would render for a select, as the widget's own context
    (``Widget.get_context``: its name, attributes and option groups), for the pack's
    select template (templates/jinja2/govuk/fields/select.html), which writes the options
    itself instead of through a template per option."""
    widget = field.field.widget
    attrs = field.build_widget_attrs(_govuk_attrs(field, base_class))
    if field.auto_id and "id" not in widget.attrs:
        attrs.setdefault("id", field.auto_id)
    return widget.get_context(field.html_name, field.value(), attrs)["widget"]


def _govuk_attrs(field: BoundField, base_class: str) -> dict[str, str]:
    classes = [base_class]
    if field.errors and base_class in _ERROR_MODIFIED:
        classes.append(f"{base_class}--error")
    attrs = {"class": _merge(classes, _tokens(field.field.widget.attrs.get("class")))}
    describedby = govuk_describedby(field)
    if describedby:
        attrs["aria-describedby"] = describedby
    return attrs


@register.simple_tag
def govuk_error_summary(form: Form) -> SafeString:
    """The GOV.UK error summary of a bound form, for the top of a page (nothing when the
    form has no errors): the pack's own, templates/jinja2/govuk/error_summary.html."""
    return mark_safe(render_to_string("govuk/error_summary.html", {"form": form}, using="jinja2"))


@register.filter
def govuk_error_target(field: BoundField) -> str:
    """The element id an error summary link should jump to, or "" if there is none.

    GOV.UK links an error to the control that needs fixing: the input itself, or for a
    group of checkboxes or radios the first option. Hidden fields have nothing to focus.
    """
    if field.is_hidden:
        return ""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        for option in field.subwidgets:
            return option.data["attrs"].get("id", "") or ""
        return ""
    return field.id_for_label or ""


@register.filter
def govuk_button_classes(input_object: object) -> str:
    """Classes for a crispy Submit/Button/Reset: `govuk-button` plus the author's own.

    A plain Button or Reset is secondary, as GOV.UK reserves the green button for the one
    action that moves the user on.
    """
    own = [
        c
        for c in _tokens(getattr(input_object, "field_classes", ""))
        if c not in _BOOTSTRAP_BUTTON_CLASSES
    ]
    base = ["govuk-button"]
    if getattr(input_object, "input_type", "submit") != "submit":
        base.append("govuk-button--secondary")
    return _merge(base, own)


@register.filter
def govuk_nav_current(path: object, prefix: str) -> bool:
    """Whether a service navigation item is the current section.

    "/" is current only on the home page; any other prefix is current for every page
    below it (so /programmes/some-slug/ highlights Programmes).
    """
    path = str(path or "")
    if prefix == "/":
        return path == "/"
    return path.startswith(prefix)
