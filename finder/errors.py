"""The service's own pages for refused requests: 400 (bad request, a host we do not
serve), 403 (forbidden, a failed CSRF check), 405 (a method a public page does not take)
and 429 (too many requests; finder/limits.py). 404, 500 and 503 are in finder/pages.py and
finder/health.py.

Each is rendered without the request and its context processors, as the 500 page is:
what made the request fail (a host Django refuses to read, a database that is down)
must not fail the error page too.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

SAFE_METHODS = ("GET", "HEAD")


def _page(template: str, status: int, **context) -> HttpResponse:
    return HttpResponse(render_to_string(template, context), status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400."""
    return _page("400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403."""
    return _page("403.html", 403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: a form sent without its security token (most often an admin
    page left open past its session, or cookies blocked)."""
    return _page("403.html", 403, csrf=True)


def method_not_allowed(request: HttpRequest, allowed=SAFE_METHODS) -> HttpResponse:
    response = _page("405.html", 405, method=request.method)
    response["Allow"] = ", ".join(allowed)
    return response
