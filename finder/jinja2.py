"""The Jinja2 environment of the result cards (templates/finder/_result_cards.jinja),
the one part of the site rendered with Jinja2: Django's own backend, with the few
helpers the cards use."""

from __future__ import annotations

from django.urls import reverse
from jinja2 import Environment

from programmes.templatetags.catalogue_pages import status_tag_class


def url(name: str, *args: object) -> str:
    """``{% url name arg %}``."""
    return reverse(name, args=args)


def environment(**options) -> Environment:
    env = Environment(**options)
    env.globals["url"] = url
    env.filters["status_tag_class"] = status_tag_class
    return env
