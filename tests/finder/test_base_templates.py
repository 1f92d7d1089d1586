"""The site chrome (base.html and its includes) and the 404/500 pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.loader import render_to_string
from django.test import RequestFactory

# Page titles read "<page> DASH Scaleup Support Finder", where DASH is an en dash.
DASH = "\u2013"

CHILD = f"""{{% extends "base.html" %}}
{{% block title %}}Programmes {DASH} Scaleup Support Finder{{% endblock %}}
{{% block content %}}<h1 class="govuk-heading-l">Programmes</h1>{{% endblock %}}"""


def render_child(path: str = "/", **context: object) -> str:
    template = engines["django"].from_string(CHILD)
    return template.render(context, request=RequestFactory().get(path))


def test_base_has_the_govuk_page_skeleton() -> None:
    html = render_child()
    assert '<html lang="en-GB" class="govuk-template">' in html
    assert '<body class="govuk-template__body">' in html
    assert '<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">' in html
    assert '<main class="govuk-main-wrapper" id="main-content">' in html
    assert '<h1 class="govuk-heading-l">Programmes</h1>' in html
    assert (
        '<a href="/" class="govuk-generic-header__homepage-link">Scaleup Support Finder</a>'
    ) in html
    assert '<strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>' in html
    assert 'href="/about/">About this service</a>' in html
    assert 'href="/accessibility/">Accessibility statement</a>' in html
    # Not a GOV.UK service: no crown logo, no Crown copyright.
    assert "govuk-logo" not in html
    assert "Crown copyright" not in html


def test_base_has_no_inline_script_or_style() -> None:
    html = render_child(form_has_errors=True)
    # A strict Content Security Policy allows neither.
    assert "style=" not in html
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts == [(' type="module" src="/static/js/site.js"', "")]


def test_base_title_is_prefixed_with_error_when_the_form_has_errors() -> None:
    assert f"<title>Programmes {DASH} Scaleup Support Finder</title>" in render_child()
    assert f"<title>Error: Programmes {DASH} Scaleup Support Finder</title>" in render_child(
        form_has_errors=True
    )


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/", "Find support"),
        ("/programmes/", "Programmes"),
        ("/programmes/aston-small-business-growth-programme/", "Programmes"),
        ("/places/birmingham/", "Places"),
        ("/about/", "About"),
    ],
)
def test_base_service_navigation_marks_the_current_section(path: str, current: str) -> None:
    html = render_child(path)
    marked = re.findall(
        r'aria-current="page"><strong class="govuk-service-navigation__active-fallback">'
        r"([^<]+)</strong>",
        html,
    )
    assert marked == [current]


def test_base_service_navigation_kept_header_marks_each_page_its_own_section() -> None:
    # The header is rendered once per section marked current and kept: one page after
    # another, with nothing cleared between, each still marks its own.
    shown = []
    for path in ["/", "/programmes/", "/about/", "/", "/nowhere/", "/programmes/x/"]:
        html = render_child(path)
        shown.append(re.findall(r'aria-current="page"><strong[^>]*>([^<]+)</strong>', html))

    assert shown == [
        ["Find support"],
        ["Programmes"],
        ["About"],
        ["Find support"],
        [],
        ["Programmes"],
    ]


def test_base_service_navigation_links_every_section() -> None:
    html = render_child("/accessibility/")
    links = re.findall(r'class="govuk-service-navigation__link" href="([^"]+)">([^<]+)</a>', html)
    assert links == [
        ("/", "Find support"),
        ("/programmes/", "Programmes"),
        ("/clusters/", "Clusters"),
        ("/places/", "Places"),
        ("/about/", "About"),
    ]


def test_breadcrumbs_include_links_each_pair_and_shows_the_current_page_as_text() -> None:
    html = render_child(
        breadcrumbs=[("Home", "/"), ("Programmes", "/programmes/"), ("Made Smarter", None)]
    )
    nav = re.search(
        r'<nav class="govuk-breadcrumbs[^"]*" aria-label="Breadcrumb">(.*?)</nav>', html, re.S
    )
    assert nav
    items = re.findall(r'<li class="govuk-breadcrumbs__list-item"([^>]*)>(.*?)</li>', nav.group(1))
    assert items == [
        ("", '<a class="govuk-breadcrumbs__link" href="/">Home</a>'),
        ("", '<a class="govuk-breadcrumbs__link" href="/programmes/">Programmes</a>'),
        (' aria-current="page"', "Made Smarter"),
    ]
    assert "govuk-breadcrumbs" not in render_child()


def test_404_page_extends_the_site_layout() -> None:
    html = render_to_string("404.html", request=RequestFactory().get("/nowhere/"))
    assert f"<title>Page not found {DASH} Scaleup Support Finder</title>" in html
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    assert "govuk-generic-header" in html


def test_500_page_renders_without_request_context_or_database() -> None:
    # Django's server_error view renders 500.html with an empty context and no request.
    # This test has no django_db mark, so pytest-django fails it on any database access.
    html = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in html
    assert 'aria-current="page"' not in html  # no request, so no current section
    assert 'href="/static/css/site.css"' in html


def test_static_files_the_base_template_uses_exist() -> None:
    static = Path(settings.BASE_DIR) / "static"
    for name in ("css/site.css", "js/site.js", "js/govuk-frontend.min.js", "images/favicon.svg"):
        assert (static / name).is_file(), name
    # site.js loads GOV.UK Frontend by a relative module import: the file must sit beside it.
    assert "from './govuk-frontend.min.js'" in (static / "js" / "site.js").read_text()
