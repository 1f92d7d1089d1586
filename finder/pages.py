"""The pages around the finder: about and methodology, the accessibility statement, the
health check, robots.txt and the error pages."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Count, Max, Min
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from clusters.models import Source
from finder import health
from programmes import opendata, review
from programmes.models import Programme
from programmes.review import REVIEW_MONTHS

SITE_NAME = "Scaleup Support Finder"


def finder_url(**params: str | list[str]) -> str:
    """The finder's address, optionally prefilled with a search (e.g. support=["equity"]
    or location="coventry"): its GET parameters are a public contract (PRODUCT.md §4),
    so a prefilled link is just a query string. Empty values are left out."""
    query = urlencode({key: value for key, value in params.items() if value}, doseq=True)
    url = reverse("finder:home")
    return f"{url}?{query}" if query else url


def breadcrumbs(*trail: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    """The breadcrumb trail for a page: Home first, then ``trail`` down to the page itself,
    whose url is None (includes/breadcrumbs.html shows it as text, not a link)."""
    return [("Home", finder_url()), *trail]


@require_safe
def about(request: HttpRequest) -> HttpResponse:
    """Where the data comes from, how matching works and how the catalogue is kept true.

    The source register and the verification dates are read from the database, so the
    page can never disagree with the catalogue it describes.
    """
    verified = Programme.objects.aggregate(
        oldest=Min("documents_read_on"),
        newest=Max("documents_read_on"),
        checked=Count("last_verified"),
        total=Count("pk"),
    )
    found = review.findings(today=timezone.localdate())
    # How many programmes need review for each reason, keyed for the template.
    picture = {
        reason.replace("-", "_"): sum(reason in finding.reasons for finding in found)
        for reason in review.REASONS
    }
    return render(
        request,
        "pages/about.html",
        {
            "sources": Source.objects.all(),
            "verified": verified,
            "picture": picture,
            "review_months": REVIEW_MONTHS,
            "evidence_months": settings.FINDER_EVIDENCE_MONTHS,
            "alert_retention_days": settings.FINDER_ALERT_RETENTION_DAYS,
            "source_years": Source.objects.aggregate(oldest=Min("year"), newest=Max("year")),
            "breadcrumbs": breadcrumbs(("About this service", None)),
            "licence": opendata.LICENCE,
            "publisher": opendata.PUBLISHER,
        },
    )


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "pages/accessibility.html",
        {"breadcrumbs": breadcrumbs(("Accessibility statement", None))},
    )


@require_safe
@cache_control(no_store=True)
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness for a load balancer: the process is up and answering requests.

    It deliberately does not touch the database. A load balancer takes an instance out of
    service when this fails; if a database outage failed every instance's check, all of
    them would be removed at once and users would get the balancer's bare error instead
    of our 500 page, and instances would be restarted for a fault they cannot fix. Check
    the database with its own monitoring.
    """
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    """Every public page may be crawled; the admin and the JSON API may not (the API
    answers the same searches as the finder, and crawling it wastes both our time and
    the crawler's)."""
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /api/",
        f"Sitemap: {request.build_absolute_uri(reverse('site:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def security_txt(request: HttpRequest) -> HttpResponse:
    """/.well-known/security.txt (RFC 9116): where to report a vulnerability
    (FINDER_SECURITY_CONTACT). Written afresh from the settings at each request, so its
    Expires (required) is six months ahead: as long as a reader may rely on this copy."""
    if not settings.FINDER_SECURITY_CONTACT:
        return not_found(request)
    expires = timezone.now().replace(microsecond=0) + datetime.timedelta(days=182)
    lines = [
        f"Contact: {settings.FINDER_SECURITY_CONTACT}",
        f"Expires: {expires.astimezone(datetime.UTC).isoformat().replace('+00:00', 'Z')}",
        "Preferred-Languages: en",
        f"Canonical: {request.build_absolute_uri(reverse('site:security-txt'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: the site's own page, with the chrome and a way back."""
    return render(
        request,
        "404.html",
        {"breadcrumbs": breadcrumbs(("Page not found", None))},
        status=404,
    )


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: rendered without the request or context processors, as Django's own
    handler does, so that whatever broke the page (often the database) cannot break the
    error page too. A database failure outside a view (a middleware saving the session,
    say) is not a bug in the service: it gets the 503 the views' failures get."""
    unavailable = health.response_for_current_exception(request)
    if unavailable is not None:
        return unavailable
    return HttpResponseServerError(loader.get_template("500.html").render())
