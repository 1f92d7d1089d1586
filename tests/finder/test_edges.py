"""The edges of the service (finder/errors.py, finder/middleware.py): styled 400, 403
(and a failed CSRF check) and 405 pages; public pages and sitemap.xml take only GET and
HEAD; Permissions-Policy; /.well-known/security.txt."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from finder import errors

STYLED = 'class="govuk-template__body"'

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/match/",
        "/programmes/",
        "/sitemap.xml",
        "/robots.txt",
        "/healthz",
        "/plan/",
        "/feeds/search.atom",
    ],
)
def test_public_paths_take_only_get_and_head(client: Client, method: str, path: str) -> None:
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert STYLED in response.text
    assert "Sorry, this page cannot do that" in response.text
    assert "<urlset" not in response.text  # the sitemap's body is not sent


@pytest.mark.parametrize("method", ["post", "delete"])
def test_a_page_that_does_not_exist_is_not_found_whatever_the_method(client, method) -> None:
    assert getattr(client, method)("/no-such-page/").status_code == 404


@pytest.mark.parametrize("method", ["put", "delete", "options", "trace"])
def test_the_alerts_forms_take_no_other_method_than_theirs(client: Client, method: str) -> None:
    """The alerts' pages take POST (their forms) as well as GET and HEAD, and nothing else."""
    response = getattr(client, method)("/alerts/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert "Sorry, this page cannot do that" in response.text


def test_sitemap_answers_get_and_head(client: Client) -> None:
    assert client.get("/sitemap.xml").status_code == 200
    head = client.head("/sitemap.xml")
    assert head.status_code == 200
    assert head.content == b""


def test_admin_still_takes_forms(client: Client) -> None:
    response = client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert response.status_code == 200  # the form again, with its error


def test_failed_csrf_check_gets_the_styled_403() -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "a", "password": "b"}
    )
    assert response.status_code == 403
    assert STYLED in response.text
    assert "Sorry, that form could not be sent" in response.text


def test_permission_denied_gets_the_styled_403(rf) -> None:
    assert get_resolver().resolve_error_handler(403) is errors.permission_denied
    response = errors.permission_denied(rf.get("/"))
    assert response.status_code == 403
    assert "You cannot see this page" in response.content.decode()


def test_host_we_do_not_serve_gets_the_styled_400(client: Client, settings) -> None:
    settings.DEBUG = False  # with DEBUG, Django shows its own debugging page instead
    settings.ALLOWED_HOSTS = ["finder.example.org"]
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert STYLED in response.text
    assert "Sorry, we could not understand that request" in response.text


@pytest.mark.parametrize("path", ["/", "/api/match/", "/no-such-page/", "/admin/login/", "/readyz"])
def test_every_response_has_a_permissions_policy(client: Client, path: str) -> None:
    policy = client.get(path)["Permissions-Policy"]
    assert "camera=()" in policy
    assert "geolocation=()" in policy
    assert "microphone=()" in policy


def test_security_txt_names_the_contact(client: Client, settings) -> None:
    settings.FINDER_SECURITY_CONTACT = "mailto:security@example.org"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    fields = dict(line.split(": ", 1) for line in response.text.splitlines())
    assert fields["Contact"] == "mailto:security@example.org"
    assert fields["Canonical"] == "http://testserver/.well-known/security.txt"
    expires = datetime.datetime.fromisoformat(fields["Expires"])
    # RFC 9116: in the future, and less than a year ahead.
    assert timezone.now() < expires < timezone.now() + datetime.timedelta(days=365)


def test_security_txt_is_not_served_without_a_contact(client: Client, settings) -> None:
    settings.FINDER_SECURITY_CONTACT = ""
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 404
