"""Middleware for the edges of the service: which methods public pages take, and the
Permissions-Policy header."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from finder import errors


class PublicMethodsMiddleware:
    """Public pages, the API and the files machines read (sitemap.xml, robots.txt) are
    read-only: any method but GET and HEAD (POST, OPTIONS, TRACE...) gets the styled 405
    with ``Allow: GET, HEAD`` before the view runs. Only the admin and the email alerts'
    forms (sign up, confirm, unsubscribe: finder/alerts.py) take others, and their views
    say which."""

    TAKES_FORMS = frozenset({"finder:alerts", "finder:alerts-confirm", "finder:alerts-unsubscribe"})

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.admin = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.path.startswith(self.admin):
            return None
        allowed = errors.SAFE_METHODS
        if request.resolver_match.view_name in self.TAKES_FORMS:
            allowed = (*allowed, "POST")
        if request.method in allowed:
            return None
        return errors.method_not_allowed(request, allowed)


class PermissionsPolicyMiddleware:
    """Sends ``settings.PERMISSIONS_POLICY`` (Django 5.2 has no setting of its own for it):
    the service uses no camera, microphone, location, payment or sensors, so no page (nor
    anything that ever got into one) may ask for them."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY:
            response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
