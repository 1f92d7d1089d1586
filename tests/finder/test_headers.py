"""Security headers on every kind of page, with the settings production really has (read
from a production process, see tests/finder/production.py), over HTTPS as a deployment
serves it."""

from __future__ import annotations

import pytest

from tests.factories import make_cluster, make_geography, make_programme
from tests.figures import record
from tests.finder.production import production_settings

# Every kind of page and answer the service gives, with the status it should have.
PAGES = [
    ("finder", "/", 200),
    ("finder with results", "/?location=coventry&support=equity", 200),
    ("finder with errors", "/?employees=-3&location=atlantis", 400),
    ("API", "/api/match/?location=coventry", 200),
    ("API with errors", "/api/match/?employees=lots", 400),
    ("programme", "/programmes/headers-fund/", 200),
    ("cluster", "/clusters/headers-cluster/", 200),
    ("place", "/places/coventry/", 200),
    ("place index", "/places/", 200),
    ("cluster index", "/clusters/", 200),
    ("A to Z", "/programmes/", 200),
    ("about", "/about/", 200),
    ("accessibility statement", "/accessibility/", 200),
    ("page not found", "/no-such-page/", 404),
    ("health check", "/healthz", 200),
    ("readiness check", "/readyz", 200),
    ("admin login", "/admin/login/", 200),
]

# Header -> a check on its value, described for the failure message.
EXPECTED = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "Permissions-Policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=()"
    ),
}

# The directives the policy must state, exactly.
CSP_DIRECTIVES = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}

# Every header any check above looks at, counted once per page for the closing figures.
HEADERS_CHECKED = [*EXPECTED, "Content-Security-Policy"]


def parse_csp(policy: str) -> dict[str, list[str]]:
    """``"default-src 'self'; object-src 'none'"`` -> ``{"default-src": ["'self'"], ...}``."""
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.fixture(scope="module")
def production() -> dict:
    return production_settings()


@pytest.fixture
def as_production(settings, production) -> None:
    for name, value in production.items():
        if name not in {"MIDDLEWARE", "DEBUG"}:
            setattr(settings, name, value)
    settings.DEBUG = False
    # The same middleware, in the same order, as production.
    assert production["MIDDLEWARE"] == settings.MIDDLEWARE


@pytest.fixture
def pages_data(db) -> None:
    make_geography()
    cluster = make_cluster("headers-cluster")
    make_programme(
        slug="headers-fund",
        name="Headers Fund",
        places=["coventry"],
        support_types=["equity"],
        clusters=[cluster],
    )


def test_parse_csp_reads_directives_and_sources() -> None:
    assert parse_csp("default-src 'self'; img-src 'self' data:; upgrade-insecure-requests") == {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "upgrade-insecure-requests": [],
    }


def test_production_policy_is_strict(production) -> None:
    directives = production["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]
    sources = [source for values in directives.values() for source in values]

    assert "'unsafe-inline'" not in sources
    assert "'unsafe-eval'" not in sources
    assert directives == CSP_DIRECTIVES


@pytest.mark.parametrize(("kind", "url", "status"), PAGES, ids=[page[0] for page in PAGES])
def test_every_page_sends_the_security_headers(
    client, as_production, pages_data, kind, url, status
) -> None:
    response = client.get(url, secure=True)

    assert response.status_code == status, kind
    wrong = {
        header: response.get(header)
        for header, value in EXPECTED.items()
        if response.get(header) != value
    }
    assert wrong == {}, f"{kind} ({url}): wrong or missing headers"
    assert "Content-Security-Policy" in response, f"{kind} ({url}): no CSP"
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy == CSP_DIRECTIVES, f"{kind} ({url}): policy {policy}"
    record("security headers checked (pages x headers)", len(HEADERS_CHECKED))
