"""The pages around the finder: about, accessibility, health check, robots.txt,
sitemap.xml and the error pages."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from clusters.models import Source
from finder import pages
from programmes.review import REVIEW_MONTHS
from tests.factories import make_cluster, make_geography, make_programme

pytestmark = pytest.mark.django_db

# Every page title ends with the service name, after an en dash.
SITE = "\N{EN DASH} Scaleup Support Finder"


def text_of(response) -> str:
    page = re.sub(r"</?(a|strong|span|abbr|em)\b[^>]*>", "", response.content.decode())
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def title_of(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", response.content.decode()).group(1))


def test_about_lists_the_source_register_and_verification_dates(client) -> None:
    Source.objects.create(
        slug="plan-overview",
        title="Plan for Growth overview",
        publisher="WMCA",
        year=2022,
        covers="Why the region backs clusters.",
    )
    make_programme(documents_read_on=datetime.date(2026, 2, 1), last_verified=None)
    make_programme(documents_read_on=datetime.date(2026, 5, 20), last_verified=None)
    response = client.get(reverse("site:about"))
    assert response.status_code == 200
    assert title_of(response) == f"About this service {SITE}"
    page = text_of(response)
    assert "Plan for Growth overview WMCA, 2022 Why the region backs clusters." in page
    assert (
        "Programmes were read against their documents between 1 February 2026 and 20 May 2026."
        in page
    )
    assert f"not checked as current for {REVIEW_MONTHS} months" in page
    # The real picture, from programmes.review.
    assert "of 2 programmes: none has yet been checked against current information" in page
    assert "0 still marked open although the closing date has passed" in page
    for words in ["met", "not met", "unknown", "Eligible", "Possible", "Near miss"]:
        assert words in page


def test_accessibility_statement_names_the_standard(client) -> None:
    response = client.get(reverse("site:accessibility"))
    assert response.status_code == 200
    assert title_of(response) == f"Accessibility statement {SITE}"
    assert "WCAG" in text_of(response) and "2.2" in text_of(response)


def test_healthz_answers_ok_without_touching_the_database(
    client, django_assert_num_queries
) -> None:
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


def test_robots_allows_pages_and_points_to_the_sitemap(client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /api/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_sitemap_lists_every_programme_cluster_place_and_page(client) -> None:
    geography = make_geography()
    programme = make_programme(name="Mapped", last_verified=datetime.date(2026, 3, 4))
    closed = make_programme(name="Gone", status="closed")
    cluster = make_cluster("mapped-cluster")
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    locations = re.findall(r"<loc>http://testserver([^<]*)</loc>", response.content.decode())
    expected = {
        "/",
        "/programmes/",
        "/clusters/",
        "/places/",
        "/about/",
        "/accessibility/",
        programme.get_absolute_url(),
        closed.get_absolute_url(),
        cluster.get_absolute_url(),
        *(place.get_absolute_url() for place in geography.values()),
    }
    assert set(locations) == expected
    assert "<lastmod>2026-03-04</lastmod>" in response.content.decode()


@pytest.mark.parametrize(
    ("url", "title", "crumbs"),
    [
        ("/programmes/", "Programmes A to Z", ["Home"]),
        ("/clusters/", "Growth clusters", ["Home"]),
        ("/places/", "Places", ["Home"]),
        ("/places/coventry/", "Coventry", ["Home", "Places"]),
        ("/about/", "About this service", ["Home"]),
        ("/accessibility/", "Accessibility statement", ["Home"]),
    ],
)
def test_pages_have_titles_breadcrumbs_and_a_skip_link(client, url, title, crumbs) -> None:
    make_geography()
    response = client.get(url)
    assert response.status_code == 200
    assert title_of(response) == f"{title} {SITE}"
    page = response.content.decode()
    assert '<a href="#main-content" class="govuk-skip-link"' in page
    assert 'id="main-content"' in page
    links = re.findall(r'<a class="govuk-breadcrumbs__link" href="[^"]+">([^<]+)</a>', page)
    assert links == crumbs
    assert re.search(r'<li class="govuk-breadcrumbs__list-item" aria-current="page">', page)


def test_not_found_page_is_styled_with_status_404(client, settings) -> None:
    settings.DEBUG = False
    response = client.get("/programmes/no-such-thing/")
    assert response.status_code == 404
    assert title_of(response) == f"Page not found {SITE}"
    assert "browse all programmes" in text_of(response)
    assert 'class="govuk-breadcrumbs' in response.content.decode()


def test_server_error_page_needs_no_database_or_request_context(
    django_assert_num_queries,
) -> None:
    request = RequestFactory().get("/programmes/")
    with django_assert_num_queries(0):
        response = pages.server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Sorry, there is a problem with the service" in body
    assert "govuk-skip-link" in body


def test_about_links_a_source_and_says_when_it_was_read(client) -> None:
    Source.objects.create(
        slug="review",
        title="Annual Review",
        publisher="Institute",
        year=2023,
        covers="Scaleups.",
        url="https://example.org/review.pdf",
        read_on=datetime.date(2026, 11, 23),
        outside_documents="The year: the document is not dated.",
    )
    response = client.get(reverse("site:about"))
    assert '<a class="govuk-link" href="https://example.org/review.pdf">Annual Review</a>' in (
        response.content.decode()
    )
    page = text_of(response)
    assert "Institute, 2023; read on 23 November 2026." in page
    assert "Not from the document: the year: the document is not dated." in page
