"""schema.org JSON-LD for search engines (programmes/opendata.py): ``{% programme_json_ld
programme %}`` on a programme's page, ``{% website_json_ld %}`` on the home page."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from programmes import opendata
from programmes.models import Programme

register = template.Library()


@register.simple_tag(takes_context=True)
def programme_json_ld(context: template.Context, programme: Programme) -> SafeString:
    """The programme as a schema.org Service, read through the page's own prefetched
    rows (no query)."""
    data = opendata.programme_json_ld(
        programme, today=timezone.localdate(), absolute=context["request"].build_absolute_uri
    )
    return opendata.json_ld_script(data)


@register.simple_tag(takes_context=True)
def website_json_ld(context: template.Context) -> SafeString:
    """The site as a schema.org WebSite, searched through the finder's ``q``."""
    return opendata.json_ld_script(
        opendata.website_json_ld(absolute=context["request"].build_absolute_uri)
    )
