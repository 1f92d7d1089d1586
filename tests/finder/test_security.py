"""Deployment settings: `check --deploy` is clean in production, HTTPS is on by default
and can be switched off, the proxy's X-Forwarded-Proto is trusted only when configured,
/healthz answers over plain HTTP, and the 500 page renders without the database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import Client
from django.urls import path

from finder.settings import env_int
from finder.urls import urlpatterns as site_urlpatterns
from tests.finder.production import production_settings, run_python

DEPLOY_CHECK = ("manage.py", "check", "--deploy", "--fail-level", "WARNING")


def _boom(request):
    raise RuntimeError("a bug in a view")


# A URLconf for the 500 test: the site's own URLs and error handlers plus a failing view.
urlpatterns = [path("boom/", _boom), *site_urlpatterns]
handler404 = "finder.pages.not_found"
handler500 = "finder.pages.server_error"


def test_deploy_check_reports_nothing_with_production_settings() -> None:
    result = run_python(*DEPLOY_CHECK)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_fails_when_a_protection_is_switched_off() -> None:
    # The check above can fail: without HSTS, Django warns, and a warning fails the run.
    result = run_python(*DEPLOY_CHECK, DJANGO_SECURE_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_settings_are_https_only_by_default() -> None:
    prod = production_settings()

    assert prod["DEBUG"] is False
    assert prod["SECURE_SSL_REDIRECT"] is True
    assert prod["SECURE_REDIRECT_EXEMPT"] == [r"^healthz$", r"^readyz$"]
    assert prod["SECURE_HSTS_SECONDS"] == 31_536_000
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert prod["SECURE_HSTS_PRELOAD"] is True
    assert prod["SESSION_COOKIE_SECURE"] is True
    assert prod["CSRF_COOKIE_SECURE"] is True
    # A client can send X-Forwarded-Proto itself: not trusted unless configured.
    assert prod["SECURE_PROXY_SSL_HEADER"] is None
    assert prod["CSRF_TRUSTED_ORIGINS"] == []


def test_production_settings_follow_the_environment() -> None:
    prod = production_settings(
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_TRUST_X_FORWARDED_PROTO="1",
        DJANGO_SECURE_HSTS_SECONDS="3600",
        DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        DJANGO_SECURE_HSTS_PRELOAD="0",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://finder.example.org, https://admin.example.org",
    )

    assert prod["SECURE_SSL_REDIRECT"] is False
    assert prod["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert prod["SECURE_HSTS_SECONDS"] == 3600
    assert prod["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert prod["SECURE_HSTS_PRELOAD"] is False
    assert prod["CSRF_TRUSTED_ORIGINS"] == [
        "https://finder.example.org",
        "https://admin.example.org",
    ]


def test_production_settings_refuse_a_bad_value() -> None:
    result = run_python("manage.py", "check", DJANGO_SECURE_SSL_REDIRECT="sometimes")

    assert result.returncode != 0
    assert "DJANGO_SECURE_SSL_REDIRECT='sometimes' is not a yes/no value" in result.stderr


@pytest.mark.parametrize("raw", ["-1", "a year", "1.5"])
def test_env_int_with_minimum_0_rejects_anything_but_a_whole_number(monkeypatch, raw) -> None:
    monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", raw)

    with pytest.raises(ImproperlyConfigured, match="not a whole number of at least 0"):
        env_int("DJANGO_SECURE_HSTS_SECONDS", 5, minimum=0)


def test_env_int_with_minimum_0_accepts_zero_and_defaults_when_unset(monkeypatch) -> None:
    monkeypatch.setenv("DJANGO_SECURE_HSTS_SECONDS", "0")
    assert env_int("DJANGO_SECURE_HSTS_SECONDS", 5, minimum=0) == 0
    monkeypatch.delenv("DJANGO_SECURE_HSTS_SECONDS")
    assert env_int("DJANGO_SECURE_HSTS_SECONDS", 5, minimum=0) == 5


@pytest.fixture
def https_only(settings) -> None:
    """What production does about plain HTTP (the snapshot above pins these values)."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    settings.SECURE_HSTS_SECONDS = 31_536_000


def test_plain_http_is_redirected_to_https_but_healthz_answers(client, https_only, db) -> None:
    page = client.get("/about/")
    health = client.get("/healthz")
    # The readiness check too: a load balancer asks it over plain HTTP.
    assert client.get("/readyz").status_code == 200

    assert page.status_code == 301
    assert page["Location"] == "https://testserver/about/"
    assert health.status_code == 200
    assert health.content == b"ok"
    # HSTS means nothing over plain HTTP, and Django does not send it there.
    assert "Strict-Transport-Security" not in health


def test_forwarded_proto_is_ignored_unless_trusted(client, https_only, settings, db) -> None:
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client.get("/about/", HTTP_X_FORWARDED_PROTO="https").status_code == 301

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/about/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_server_error_page_renders_in_production_without_the_database(settings, tmp_path) -> None:
    # Production serves static files from WhiteNoise's manifest, so the page's CSS link
    # must resolve through it; the database is blocked (this test has no `db`), so any
    # query in the error page would fail the test.
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False

    response = Client(raise_request_exception=False).get("/boom/", secure=True)

    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, there is a problem with the service" in html
    assert '<link rel="stylesheet" href="/static/css/site.' in html
    assert 'href="/static/css/site.css"' not in html  # the hashed name, not the source
    assert "default-src 'self'" in response["Content-Security-Policy"].split("; ")
