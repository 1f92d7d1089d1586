"""Limits on how hard one client can use the service: request rates on the finder and its
API, and the admin's login lockout.

Rate limits (django-ratelimit): each client (its address, ``key="ip"``) may make
``FINDER_RATE_LIMITS[group]`` requests (``"60/m"``) to a group of views; the one after
that answers 429 with ``Retry-After`` — JSON on the API, the styled page for people —
until the window ends. django-ratelimit counts in fixed windows (each client's window
starts at its own offset) in the ``default`` cache, with ``add`` and ``incr``: with the
per-process memory cache each worker counts on its own (a client gets up to the limit per
worker); with a shared cache (Redis) the count is one for all servers. If the cache
cannot be reached the request is let through (and the failure logged once per interval):
a cache outage must not close the finder.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django_ratelimit.core import get_usage

from finder import health


def too_many_requests(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429: JSON under /api/, the styled page otherwise."""
    if request.path.startswith("/api/"):
        message = f"Too many requests: try again in {retry_after} seconds."
        response = JsonResponse({"errors": {"__all__": [message]}}, status=429)
    else:
        page = render_to_string("429.html", {"retry_after": retry_after})
        response = HttpResponse(page, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(group: str) -> Callable:
    """A view decorator: at most ``settings.FINDER_RATE_LIMITS[group]`` requests per
    client, counted before the view (and its answer cache) runs. No rate, no limit."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            rate = settings.FINDER_RATE_LIMITS.get(group)
            if rate:
                try:
                    usage = get_usage(
                        request, group=f"finder:{group}", key="ip", rate=rate, increment=True
                    )
                except Exception as exception:  # the cache is down: let the request through
                    health.FAILURES.report(
                        f"rate-limit cache: {type(exception).__name__}",
                        str(exception),
                        what="rate-limit cache",
                    )
                    usage = None
                if usage and usage["should_limit"]:
                    return too_many_requests(request, max(1, usage["time_left"]))
            return view(request, *args, **kwargs)

        return limited

    return decorator


def login_failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """django-axes' AXES_FAILURE_LIMIT: three lockouts with a limit each.

    * ``FINDER_LOGIN_FAILURES_USERNAME_AND_ADDRESS`` failures for one username from one
      address lock that pair (a mistyped password: colleagues behind the same address
      carry on);
    * ``FINDER_LOGIN_FAILURES_USERNAME`` for one username from any addresses lock the
      username everywhere (guessing one adviser's password from many addresses);
    * ``FINDER_LOGIN_FAILURES_ADDRESS`` from one address, whatever the usernames, lock
      the address (trying a common password on every username).

    Axes counts failures for each of AXES_LOCKOUT_PARAMETERS (the pair, the username, the
    address, in that order) and locks out when the largest count reaches one limit. So
    this returns that largest count when one of the three has reached its own limit, and
    one more than it otherwise.
    """
    from axes.handlers.database import AxesDatabaseHandler

    counts = [
        attempts.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
        for attempts in AxesDatabaseHandler().get_user_attempts(request, credentials)
    ]
    limits = [
        settings.FINDER_LOGIN_FAILURES_USERNAME_AND_ADDRESS,
        settings.FINDER_LOGIN_FAILURES_USERNAME,
        settings.FINDER_LOGIN_FAILURES_ADDRESS,
    ]
    reached = any(count >= limit for count, limit in zip(counts, limits, strict=True))
    highest = max(counts)
    return highest if reached else highest + 1


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' AXES_LOCKOUT_CALLABLE: the styled 429, saying how long the lockout
    lasts at most (the cool-off from the latest failure)."""
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    context = {"login": True, "minutes": (seconds + 59) // 60}
    response = HttpResponse(render_to_string("429.html", context), status=429)
    response["Retry-After"] = str(seconds)
    return response
