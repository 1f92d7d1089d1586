"""Places, sectors, sources, clusters and scaleup statistics in the Django admin.

These are the reference data the programme catalogue points at, so every model here
has search fields: the programme page's autocomplete and filter widgets rely on them.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Case, Count, QuerySet, Value, When
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from clusters.models import Cluster, ClusterPoint, Place, ScaleupStatistics, Sector, Source
from programmes.admin import CatalogueForm
from programmes.describe import MILLION, describe_range, format_money


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    form = CatalogueForm
    list_display = ["title", "publisher", "year", "slug", "filename"]
    list_filter = ["publisher", "year"]
    search_fields = ["title", "slug", "publisher", "covers"]


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    form = CatalogueForm
    list_display = ["name", "kind", "code", "parent_names", "slug"]
    list_filter = ["kind", ("parents", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "slug", "code", "description"]
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ["parents"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Place]:
        # The parents column would otherwise cost a query per place.
        return super().get_queryset(request).prefetch_related("parents")

    @admin.display(description="inside")
    def parent_names(self, obj: Place) -> str:
        return ", ".join(parent.name for parent in obj.parents.all())


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    form = CatalogueForm
    list_display = ["name", "slug", "cluster_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ["broader"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sector]:
        return super().get_queryset(request).annotate(_cluster_count=Count("clusters"))

    @admin.display(description="clusters", ordering="_cluster_count")
    def cluster_count(self, obj: Sector) -> int:
        return obj._cluster_count


class ClusterPointInline(admin.TabularInline):
    """The lines of a cluster profile, grouped the way the profile reads."""

    form = CatalogueForm

    model = ClusterPoint
    extra = 0
    fields = ["kind", "position", "text"]
    verbose_name = "profile line"
    verbose_name_plural = "profile: drivers, leadership bodies, assets, actions and asks"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClusterPoint]:
        # In the order a profile reads (the order of ClusterPoint.Kind), not alphabetically.
        kind_order = Case(
            *(When(kind=kind, then=Value(index)) for index, kind in enumerate(ClusterPoint.Kind)),
            default=Value(len(ClusterPoint.Kind)),
        )
        return super().get_queryset(request).order_by(kind_order, "position")


@admin.register(Cluster)
class ClusterAdmin(SimpleHistoryAdmin):
    form = CatalogueForm
    list_display = ["name", "output_range", "jobs_range", "place_names"]
    list_filter = [
        ("places", admin.RelatedOnlyFieldListFilter),
        ("sectors", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "slug", "summary"]
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ["places", "sectors", "sources"]
    inlines = [ClusterPointInline]
    fieldsets = [
        ("About", {"fields": ["name", "slug", "summary", "sectors", "places"]}),
        (
            "Growth opportunity",
            {
                "fields": [
                    ("output_min_m", "output_max_m"),
                    ("jobs_min", "jobs_max"),
                    "growth_basis",
                    "source_wording",
                ]
            },
        ),
        ("Sources", {"fields": ["sources"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cluster]:
        return super().get_queryset(request).prefetch_related("places")

    @admin.display(description="extra output")
    def output_range(self, obj: Cluster) -> str:
        words = describe_range(
            obj.output_min_m,
            obj.output_max_m,
            show=lambda millions: format_money(millions * MILLION),
            unrestricted="",
        )
        return words or "—"

    @admin.display(description="extra jobs")
    def jobs_range(self, obj: Cluster) -> str:
        return describe_range(obj.jobs_min, obj.jobs_max, unrestricted="") or "—"

    @admin.display(description="where it concentrates")
    def place_names(self, obj: Cluster) -> str:
        return ", ".join(place.name for place in obj.places.all())


@admin.register(ScaleupStatistics)
class ScaleupStatisticsAdmin(admin.ModelAdmin):
    list_display = [
        "place",
        "data_year",
        "period",
        "scaleups",
        "density_change_per_100k",
        "source",
    ]
    list_filter = [("place", admin.RelatedOnlyFieldListFilter), "data_year", "source"]
    list_select_related = ["place", "source"]
    search_fields = ["slug", "place__name"]
    autocomplete_fields = ["place"]
    fieldsets = [
        (None, {"fields": ["slug", "place", "source", "data_year"]}),
        (
            "Scaleups",
            {
                "fields": [
                    ("period_start", "period_end"),
                    "scaleups",
                    ("scaleups_by_employment", "scaleups_by_turnover", "scaleups_by_both"),
                    "density_change_per_100k",
                    ("density_rating", "trend_rating"),
                ]
            },
        ),
        (
            "Local authorities against the national median",
            {
                "description": "Store counts above the median; where the review says "
                "“N of M below”, store M minus N and keep its words below.",
                "fields": [
                    "local_authorities",
                    ("above_median_density_employment", "above_median_density_turnover"),
                    ("above_median_trend_employment", "above_median_trend_turnover"),
                    "source_wording",
                ],
            },
        ),
    ]

    @admin.display(description="period", ordering="period_start")
    def period(self, obj: ScaleupStatistics) -> str:
        return f"{obj.period_start} to {obj.period_end}"
