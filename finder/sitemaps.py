"""sitemap.xml: every public page, so search engines find each programme, cluster and
place without having to run the finder."""

from __future__ import annotations

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from clusters.models import Cluster, Place
from finder.pages import finder_url
from programmes.models import Programme


class ProgrammeSitemap(Sitemap):
    """Every programme, closed and proposed ones included: people search for a closed
    programme by name, and its page points them to what replaced it."""

    def items(self):
        return Programme.objects.order_by("slug").only("slug", "documents_read_on", "last_verified")

    def lastmod(self, programme: Programme):
        return max(filter(None, [programme.documents_read_on, programme.last_verified]))


class ClusterSitemap(Sitemap):
    def items(self):
        return Cluster.objects.order_by("slug").only("slug")


class PlaceSitemap(Sitemap):
    def items(self):
        return Place.objects.order_by("slug").only("slug")


class StaticPageSitemap(Sitemap):
    """The pages that are not catalogue entries: the finder, the indexes and the
    service's own pages."""

    def items(self) -> list[str]:
        names = [
            "programmes:index",
            "clusters:index",
            "clusters:place-index",
            "site:about",
            "site:accessibility",
        ]
        return [finder_url(), *(reverse(name) for name in names)]

    def location(self, path: str) -> str:
        return path


SITEMAPS: dict[str, type[Sitemap]] = {
    "pages": StaticPageSitemap,
    "programmes": ProgrammeSitemap,
    "clusters": ClusterSitemap,
    "places": PlaceSitemap,
}
