"""The programme catalogue in the Django admin.

Advisers (view permission only) use it to look programmes up, so the lists carry the
facts they are asked about — status, kind of help, where, how much — and the change
page states eligibility in plain English. Content editors keep the same pages true.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from programmes import review
from programmes.describe import eligibility_lines, format_amount_range, related_programmes
from programmes.models import (
    CatalogueLoad,
    Outcome,
    Programme,
    ProgrammeRelation,
    ProgrammeSource,
    Provider,
    Stage,
    SupportType,
)

# The whole admin is the staff side of this one service; name it once, here, with the
# catalogue it mostly serves.
admin.site.site_header = "Scaleup Support Finder admin"
admin.site.site_title = "Scaleup Support Finder admin"
admin.site.index_title = "Catalogue and advice"


class CatalogueForm(forms.ModelForm):
    """The admin's form for catalogue entries: line breaks as they were typed. A browser
    sends a text box's line breaks as \r\n (HTML's rule); the catalogue files, and
    everything loaded from them, hold \n, so without this every save would look like a
    change to the history and rewrite readable blocks as one-line strings on export."""

    def clean(self) -> dict:
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str):
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    form = CatalogueForm
    list_display = ["name", "slug", "website", "programme_count"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Provider]:
        # One annotated query instead of a count per row.
        return (
            super()
            .get_queryset(request)
            .annotate(_programme_count=Count("programmes", distinct=True))
        )

    @admin.display(description="programmes run", ordering="_programme_count")
    def programme_count(self, obj: Provider) -> int:
        return obj._programme_count


class VocabularyAdmin(admin.ModelAdmin):
    """Support types and stages: short, ordered vocabularies with stable public slugs."""

    form = CatalogueForm
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ("name",)}


@admin.register(SupportType)
class SupportTypeAdmin(VocabularyAdmin):
    pass


@admin.register(Stage)
class StageAdmin(VocabularyAdmin):
    pass


class ProgrammeSourceInline(admin.StackedInline):
    model = ProgrammeSource
    form = CatalogueForm
    extra = 0
    verbose_name = "source"
    verbose_name_plural = "sources (which document each fact came from)"


class OutcomeInline(admin.StackedInline):
    model = Outcome
    form = CatalogueForm
    extra = 0
    fields = ["position", "text", "source"]
    verbose_name_plural = "outcomes reported"


class ProgrammeRelationInline(admin.StackedInline):
    model = ProgrammeRelation
    fk_name = "programme"
    extra = 0
    fields = ["kind", "related"]
    autocomplete_fields = ["related"]
    verbose_name = "related programme"
    verbose_name_plural = "related programmes (this programme is …)"


class NeedsReviewFilter(admin.SimpleListFilter):
    """Programmes content staff should check again (see programmes.review)."""

    title = "needs review"
    parameter_name = "review"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("any", "Needs review (any reason)"), *review.REASONS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Programme]) -> QuerySet[Programme]:
        if self.value() == "any":
            return review.needs_review(queryset)
        if self.value() in review.REASONS:
            return review.needs_review(queryset, self.value())
        return queryset


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    form = CatalogueForm
    list_display = [
        "name",
        "status",
        "support_type_names",
        "places_served",
        "amount_range",
        "last_verified",
    ]
    list_filter = [
        NeedsReviewFilter,
        "status",
        ("support_types", admin.RelatedOnlyFieldListFilter),
        ("places", admin.RelatedOnlyFieldListFilter),
        ("clusters", admin.RelatedOnlyFieldListFilter),
        ("sectors", admin.RelatedOnlyFieldListFilter),
        ("stages", admin.RelatedOnlyFieldListFilter),
        "growth",
        "audience",
        "last_verified",
    ]
    search_fields = [
        "name",
        "slug",
        "summary",
        "providers__name",
        "delivery_partners__name",
    ]
    prepopulated_fields = {"slug": ("name",)}
    # Every many-to-many link is a list of labelled checkboxes (formfield_for_manytomany):
    # the admin's two-box filter and its autocomplete fail WCAG checks (unnamed
    # controls, ARIA misuse) that a plain checkbox list passes.
    readonly_fields = [
        "eligibility_in_plain_english",
        "successors_and_related",
        "is_generated",
        "referrals_made",
    ]
    inlines = [ProgrammeSourceInline, OutcomeInline, ProgrammeRelationInline]
    fieldsets = [
        (
            "About",
            {
                "fields": [
                    "name",
                    "slug",
                    "summary",
                    "description",
                    "providers",
                    "delivery_partners",
                    "support_types",
                    "clusters",
                ]
            },
        ),
        (
            "Money",
            {"fields": ["fund_size", ("amount_min", "amount_max"), "funding_note", "cost"]},
        ),
        ("Format", {"fields": ["duration", ("cohort_size_min", "cohort_size_max")]}),
        (
            "Status and dates",
            {
                "fields": [
                    "status",
                    ("opens_on", "closes_on"),
                    "cohort_starts_on",
                    "dates_note",
                ]
            },
        ),
        ("How to apply", {"fields": ["how_to_apply", "front_door_for"]}),
        (
            "Eligibility",
            {
                "description": "An empty criterion means no restriction, except where: "
                "always name the places served (the United Kingdom for a UK-wide "
                "programme).",
                "fields": [
                    "eligibility_in_plain_english",
                    "places",
                    "sectors",
                    "stages",
                    ("employees_min", "employees_max"),
                    ("turnover_min", "turnover_max"),
                    "growth",
                    "audience",
                    "rules_known",
                    "eligibility_note",
                ],
            },
        ),
        ("Links", {"fields": ["website", "successors_and_related"]}),
        (
            "Review",
            {
                "fields": [
                    "outside_documents",
                    "documents_read_on",
                    "last_verified",
                    "is_generated",
                ]
            },
        ),
    ]

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Programme | None = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        # Referrals belong to enquiries, which hold personal data: only staff who may see
        # referrals (advisers, superusers) get the section at all.
        if obj is not None and request.user.has_perm("finder.view_referral"):
            fieldsets.append(("Referrals", {"fields": ["referrals_made"]}))
        return fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[Programme]:
        # The changelist shows support types and places for every row; two prefetch
        # queries keep the page's query count flat however many programmes it lists.
        return super().get_queryset(request).prefetch_related("support_types", "places")

    @admin.display(description="support types")
    def support_type_names(self, obj: Programme) -> str:
        return ", ".join(support.name for support in obj.support_types.all())

    @admin.display(description="places served")
    def places_served(self, obj: Programme) -> str:
        return ", ".join(place.name for place in obj.places.all())

    @admin.display(description="per business", ordering="amount_max")
    def amount_range(self, obj: Programme) -> str:
        return format_amount_range(obj) or "—"

    @admin.display(description="eligibility in plain English")
    def eligibility_in_plain_english(self, obj: Programme) -> str:
        if obj.pk is None:
            return "Shown once the programme is saved."
        return format_html(
            '<ul class="eligibility-checklist admin-plain-list">{}</ul>',
            format_html_join("", "<li>{}</li>", ((line,) for line in eligibility_lines(obj))),
        )

    @admin.display(description="referrals to this programme")
    def referrals_made(self, obj: Programme) -> str:
        # One grouped query, whatever the number of referrals.
        outcomes = obj.referrals.outcomes()
        if not outcomes.total:
            return "None recorded."
        url = reverse("admin:finder_referral_changelist") + f"?programme__id__exact={obj.pk}"
        status_labels = obj.referrals.model.Status
        achieved = []
        if outcomes.secured:
            achieved.append(f"£{outcomes.secured:,} secured")
        if outcomes.jobs:
            achieved.append(f"{outcomes.jobs:,} job{pluralize(outcomes.jobs)} expected")
        return format_html(
            '{}{} — <a href="{}">see them</a>',
            ", ".join(
                f"{outcomes.counts[status]} {label.lower()}"
                for status, label in status_labels.choices
                if status in outcomes.counts
            ),
            f"; {' and '.join(achieved)}" if achieved else "",
            url,
        )

    @admin.display(description="successors and related")
    def successors_and_related(self, obj: Programme) -> str:
        if obj.pk is None:
            return "Shown once the programme is saved."
        links = related_programmes(obj)
        if not links:
            return "None recorded."
        return format_html(
            '<ul class="admin-plain-list">{}</ul>',
            format_html_join(
                "",
                '<li>{}: <a href="{}">{}</a> ({})</li>',
                (
                    (
                        link.label,
                        reverse("admin:programmes_programme_change", args=[link.programme.pk]),
                        link.programme.name,
                        link.programme.get_status_display().lower(),
                    )
                    for link in links
                ),
            ),
        )


@admin.register(CatalogueLoad)
class CatalogueLoadAdmin(admin.ModelAdmin):
    """The history of load_catalogue runs. Only the command writes it: the YAML files
    are the catalogue's source of truth, so the record of loading them is read-only."""

    list_display = ["loaded_at", "added", "changed", "removed", "summary"]
    date_hierarchy = "loaded_at"
    readonly_fields = ["loaded_at", "added", "changed", "removed", "summary", "files"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: CatalogueLoad | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: CatalogueLoad | None = None) -> bool:
        return False
