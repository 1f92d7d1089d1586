"""schema.org JSON-LD in a real browser, under the site's Content-Security-Policy."""

from __future__ import annotations

import json

import pytest

from tests.programmes.test_opendata import build_catalogue

pytestmark = pytest.mark.browser


def test_json_ld_is_allowed_by_the_csp(browser, live_server, transactional_db):
    """In Chromium, under the site's CSP (no inline script): the JSON-LD is a data block,
    never run, so no violation is reported (the ``browser`` fixture fails the test on
    any), and the browser reads it as the JSON we wrote."""
    programmes = build_catalogue()
    for path in ("/", programmes["loans"].get_absolute_url()):
        browser.get(live_server.url + path)
        text = browser.execute_script(
            "return document.querySelector('script[type=\"application/ld+json\"]').textContent"
        )
        assert json.loads(text)["@context"] == "https://schema.org"
