"""Top-level URLs. Every app has its own namespace, so code says `programmes:detail`,
never a path."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from finder import alerts, feeds, health, ical, limits, openapi, pages, plan, views
from finder.sitemaps import SITEMAPS

# The finder itself: the search page and its JSON twin (finder/views.py).
finder_patterns = (
    [
        # Per-client rate limits (finder/limits.py, FINDER_RATE_LIMITS) on every address
        # that runs a search (and on the one that sends a confirmation email).
        path("", limits.rate_limited("search")(views.home), name="home"),
        # Open to any web page (CORS), like the open data below (finder/openapi.py).
        path(
            "api/match/",
            openapi.open_endpoint(limits.rate_limited("api")(views.api_match)),
            name="api-match",
        ),
        path("api/openapi.json", openapi.openapi_json, name="api-openapi"),
        # Keep and follow a search (issue 20): finder/plan.py, feeds.py, ical.py, alerts.py.
        path("plan/", limits.rate_limited("search")(plan.plan_page), name="plan"),
        path("plan/csv/", limits.rate_limited("search")(plan.plan_csv), name="plan-csv"),
        path("feeds/search.atom", limits.rate_limited("search")(feeds.search_feed), name="feed"),
        path(
            "calendar/search.ics",
            limits.rate_limited("search")(ical.search_calendar),
            name="calendar",
        ),
        path(
            "programmes/<slug:slug>/calendar.ics",
            ical.programme_calendar,
            name="programme-calendar",
        ),
        path("alerts/", limits.rate_limited("search")(alerts.sign_up), name="alerts"),
        path("alerts/confirm/<str:token>/", alerts.confirm, name="alerts-confirm"),
        path("alerts/unsubscribe/<str:token>/", alerts.unsubscribe, name="alerts-unsubscribe"),
    ],
    "finder",
)

# The service's own pages and the files machines ask for.
site_patterns = (
    [
        path("about/", pages.about, name="about"),
        path("accessibility/", pages.accessibility, name="accessibility"),
        path("healthz", pages.healthz, name="healthz"),
        path("readyz", health.readyz, name="readyz"),
        path("robots.txt", pages.robots_txt, name="robots"),
        path(".well-known/security.txt", pages.security_txt, name="security-txt"),
        path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
        # The whole catalogue, linked from the About page (programmes/opendata.py).
        path("downloads/catalogue.json", openapi.catalogue_json, name="catalogue-json"),
        path("downloads/catalogue.csv", openapi.catalogue_csv, name="catalogue-csv"),
    ],
    "site",
)

urlpatterns = [
    path("", include(finder_patterns)),
    path("programmes/", include("programmes.urls")),
    path("", include("clusters.urls")),
    path("", include(site_patterns)),
    # The catalogue as an Open Referral UK 3.0 feed.
    path("openreferral/", include("programmes.openreferral")),
    path("admin/", admin.site.urls),
]

handler404 = "finder.pages.not_found"
handler500 = "finder.pages.server_error"
handler400 = "finder.errors.bad_request"
handler403 = "finder.errors.permission_denied"
