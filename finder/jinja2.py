"""The Jinja2 environment of the templates under templates/jinja2/: the project's `govuk`
crispy-forms template pack and the finder's result cards, the parts of the finder page
rendered on every search (README, "Performance"). Django's own backend, with the helpers
those templates use."""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_field import (
    css_class,
    is_checkbox,
    is_checkboxselectmultiple,
    is_file,
    is_radioselect,
    is_select,
)
from django.urls import reverse
from django.utils.text import slugify
from jinja2 import Environment

from finder.templatetags.govuk_frontend import (
    govuk_button_classes,
    govuk_describedby,
    govuk_error_target,
    govuk_select,
    govuk_widget,
)
from programmes.templatetags.catalogue_pages import status_tag_class


def url(name: str, *args: object) -> str:
    """``{% url name arg %}``."""
    return reverse(name, args=args)


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(url=url, govuk_describedby=govuk_describedby)
    env.filters.update(
        status_tag_class=status_tag_class,
        slugify=slugify,
        govuk_widget=govuk_widget,
        govuk_select=govuk_select,
        govuk_error_target=govuk_error_target,
        govuk_button_classes=govuk_button_classes,
        # The widget tests of crispy-forms' own template tags.
        is_checkbox=is_checkbox,
        is_checkboxselectmultiple=is_checkboxselectmultiple,
        is_radioselect=is_radioselect,
        is_select=is_select,
        is_file=is_file,
        css_class=css_class,
    )
    return env
