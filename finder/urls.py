"""Top-level URLs. Every app has its own namespace, so code says `programmes:detail`,
never a path."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path

from finder import openapi, pages, views
from finder.sitemaps import SITEMAPS

# The finder itself: the search page and its JSON twin (finder/views.py).
finder_patterns = (
    [
        path("", views.home, name="home"),
        # Open to any web page (CORS), like the open data below (finder/openapi.py).
        path("api/match/", openapi.open_endpoint(views.api_match), name="api-match"),
        path("api/openapi.json", openapi.openapi_json, name="api-openapi"),
    ],
    "finder",
)

# The service's own pages and the files machines ask for.
site_patterns = (
    [
        path("about/", pages.about, name="about"),
        path("accessibility/", pages.accessibility, name="accessibility"),
        path("healthz", pages.healthz, name="healthz"),
        path("robots.txt", pages.robots_txt, name="robots"),
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
