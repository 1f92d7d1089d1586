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
    with ``Allow: GET, HEAD`` before any view runs. Only the admin takes forms."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.admin = reverse("admin:index")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in errors.SAFE_METHODS and not request.path.startswith(self.admin):
            return errors.method_not_allowed(request)
        return self.get_response(request)


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
