"""Values every template may use."""

from __future__ import annotations

from django.http import HttpRequest

from finder.fragments import CatalogueState


def catalogue_state(request: HttpRequest) -> dict[str, CatalogueState]:
    """``catalogue_state``: the catalogue version and today's date, which fragments
    cached from catalogue data name in their keys. Read lazily, once per page, and
    only if a template asks."""
    return {"catalogue_state": CatalogueState()}
