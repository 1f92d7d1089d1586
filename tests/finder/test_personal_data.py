"""Enquiries hold personal data: none of it may reach a public page, the sitemap or the
API, even for the programme a client was referred to."""

from __future__ import annotations

import contextlib
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from tests.finder.advice_data import make_catalogue, make_enquiry, make_referral

pytestmark = pytest.mark.django_db

SECRETS = [
    "Zebedee Confidential Widgets",
    "Zebedee Quill",
    "zebedee@private.example",
    "07700 900123",
    "note-only-advisers-see",
    "referral-note-only-advisers-see",
]


def plain_routes(patterns, prefix: str = "") -> set[str]:
    """Every public path that takes no arguments; the admin is left out."""
    found: set[str] = set()
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route.startswith("admin/"):
                continue
            found |= plain_routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern) and "<" not in route and "^" not in route:
            found.add("/" + route)
    return found


def test_enquiry_data_never_appears_on_a_public_page():
    # Pages that fail are other tests' business; here only what a page shows matters.
    client = Client(raise_request_exception=False)
    catalogue = make_catalogue()
    enquiry = make_enquiry(
        catalogue,
        business_name=SECRETS[0],
        contact_name=SECRETS[1],
        email=SECRETS[2],
        phone=SECRETS[3],
        notes=SECRETS[4],
    )
    make_referral(enquiry, catalogue.growth_grant, status="accepted", notes=SECRETS[5])

    urls = plain_routes(get_resolver().url_patterns)
    for obj in (catalogue.growth_grant, catalogue.birmingham, catalogue.cluster):
        with contextlib.suppress(NoReverseMatch):  # that kind of page may not exist yet
            urls.add(obj.get_absolute_url())
    sitemap = client.get(reverse("site:sitemap"))
    assert sitemap.status_code == 200
    for loc in sitemap.content.decode().split("<loc>")[1:]:
        urls.add(urlsplit(loc.split("</loc>")[0]).path)
    # The finder and its API, searching exactly as the client's enquiry describes them.
    with contextlib.suppress(NoReverseMatch):  # until the finder's URLs are wired
        urls.add(
            reverse("finder:home")
            + "?location=birmingham&sector=manufacturing&employees=40&funding=500000"
        )
        urls.add(reverse("finder:api-match") + "?location=birmingham&employees=40")

    # The referred programme's page is among those checked.
    assert catalogue.growth_grant.get_absolute_url() in urls
    checked = 0
    for url in sorted(urls):
        response = client.get(url)
        if response.status_code != 200:
            continue  # other tests answer for the pages themselves
        body = response.content.decode()
        for secret in SECRETS:
            assert secret.lower() not in body.lower(), (url, secret)
        checked += 1
    assert checked >= 3
