"""The Jinja2 environment of the templates under templates/jinja2/: the project's `govuk`
crispy-forms template pack and the finder's results column, the parts of the finder page
rendered on every search (README, "Performance"). Django's own backend, with the helpers
those templates use: Django's own where the Django template language has them."""

from __future__ import annotations

from crispy_forms.templatetags.crispy_forms_field import (
    css_class,
    is_checkbox,
    is_checkboxselectmultiple,
    is_file,
    is_radioselect,
    is_select,
)
from django.http import QueryDict
from django.template import defaultfilters, defaulttags
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


def querystring(query_dict: QueryDict, **changes: object) -> str:
    """``{% querystring query_dict name=value %}``: Django's own tag, given the query."""
    return defaulttags.querystring(None, query_dict, **changes)


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals.update(url=url, querystring=querystring, govuk_describedby=govuk_describedby)
    env.filters.update(
        pluralize=defaultfilters.pluralize,
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
