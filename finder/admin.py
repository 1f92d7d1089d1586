"""Enquiries and referrals: the advisers' side of the admin.

An adviser records a client business's profile on an enquiry; the enquiry's page runs
the same matching as the public finder for that profile (eligible and possible
programmes, then near misses, each with its reasons) and the adviser records, inline,
the programmes they referred the client to and what came of it. Content editors have no
permission on either model (finder.roles), so Django's admin refuses them every page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Case, Count, QuerySet, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from finder import cache, summary, vocabulary
from finder.forms import (
    MAX_EMPLOYEES,
    MAX_POUNDS,
    MONEY_FORMATS,
    MoneyField,
    PostcodeField,
    WholeNumberField,
)
from finder.models import Enquiry, Referral
from finder.search import Result, Search, run_search
from programmes.eligibility import Outcome
from programmes.models import Programme

# The admin shows this many matches of each kind; a profile that says little can match
# much of the catalogue, and the adviser narrows it by filling in more of the profile.
MATCH_LIMIT = 50

MONEY_HINT = f"In pounds, {MONEY_FORMATS}."

OUTCOME_LABELS = {
    Outcome.MET: "Met",
    Outcome.UNMET: "Not met",
    Outcome.UNKNOWN: "Unknown",
}


def enquiry_search(enquiry: Enquiry) -> Search:
    """The public finder's search for the enquiry's business — the same search, so the
    same programmes in the same order with the same reasons and the same front doors —
    with at most MATCH_LIMIT + 1 results and near misses, so the caller can tell there
    are more. The enquiry page and the client summary both show it."""
    version = cache.catalogue_version()
    return run_search(
        enquiry.to_profile(version),
        today=timezone.localdate(),
        version=version,
        page_size=MATCH_LIMIT + 1,
        near_misses_shown=MATCH_LIMIT + 1,
    )


def _render_matches(
    title: str, matches: list[Result], enquiry: Enquiry, referred: dict[int, Referral]
) -> SafeString:
    """One list of matches, each marked when the client is already referred to it
    (linking to the referral) or else with a link to refer them."""
    more = ""
    if len(matches) > MATCH_LIMIT:
        matches = matches[:MATCH_LIMIT]
        more = format_html(
            "<p>Only the best {} are shown: add more of the client's details to narrow "
            "the list.</p>",
            MATCH_LIMIT,
        )
    if not matches:
        return format_html("<h4>{} (0)</h4><p>None.</p>", title)
    items = format_html_join(
        "",
        '<li class="finder-match" data-programme="{}"><a href="{}">{}</a> — '
        "<strong>{}</strong> ({}) {}<ul>{}</ul>{}</li>",
        (
            (
                result.programme.slug,
                reverse("admin:programmes_programme_change", args=[result.pk]),
                result.programme.name,
                result.match.level.label,
                result.status.label.lower(),
                _referral_link(enquiry, result, referred.get(result.pk)),
                format_html_join(
                    "",
                    '<li data-outcome="{}"><strong>{}:</strong> {}</li>',
                    (
                        (reason.outcome.value, OUTCOME_LABELS[reason.outcome], reason.text)
                        for reason in result.match.reasons
                    ),
                ),
                format_html("<p>Why it ranks here: {}.</p>", "; ".join(result.match.fit))
                if result.match.fit
                else "",
            )
            for result in matches
        ),
    )
    return format_html(
        '<h4>{} ({})</h4><ol class="finder-matches">{}</ol>{}',
        title,
        len(matches),
        items,
        more,
    )


def _referral_link(enquiry: Enquiry, result: Result, referral: Referral | None) -> SafeString:
    if referral is not None:
        return format_html(
            '<a class="finder-referred" href="{}">Referred: {}</a>',
            reverse("admin:finder_referral_change", args=[referral.pk]),
            referral.get_status_display().lower(),
        )
    add = reverse("admin:finder_referral_add")
    return format_html(
        '<a class="finder-refer" href="{}?enquiry={}&amp;programme={}">Refer'
        '<span class="visually-hidden"> {} to {}</span></a>',
        add,
        enquiry.pk,
        result.pk,
        enquiry.business_name,
        result.programme.name,
    )


class ProgrammeChoiceField(forms.ModelChoiceField):
    """The programme picker: open programmes first, and a programme that is not open on
    the day says so beside its name ("UpScaler — closed"), so an adviser does not refer
    a client to a programme that cannot take them."""

    def __init__(self, **kwargs) -> None:
        today = timezone.localdate()
        open_first = Case(When(status_today=Programme.Status.OPEN, then=0), default=1)
        queryset = (
            Programme.objects.with_effective_status(today)
            .order_by(open_first, "name")
            .only("pk", "name", "status", "closes_on")
        )
        self.today = today
        super().__init__(queryset=queryset, **kwargs)

    def label_from_instance(self, obj: Programme) -> str:
        status = obj.effective_status(self.today)
        if status == Programme.Status.OPEN:
            return obj.name
        return f"{obj.name} — {status.label.lower()}"


class ReferralForm(forms.ModelForm):
    """A referral, its follow-up and what it achieved; the amount secured read as the
    finder reads money ("£250k")."""

    programme = ProgrammeChoiceField(label="Programme")
    amount_secured = MoneyField(
        label="Amount secured (£)",
        noun="the amount secured",
        maximum=MAX_POUNDS,
        help_text=f"{MONEY_HINT} Once accepted or completed.",
    )
    jobs_expected = WholeNumberField(
        label="Jobs expected",
        noun="the jobs expected",
        maximum=MAX_EMPLOYEES,
        help_text="Once accepted or completed.",
    )

    class Meta:
        model = Referral
        fields = [
            "programme",
            "status",
            "referred_on",
            "outcome_on",
            "adviser",
            "follow_up_on",
            "amount_secured",
            "jobs_expected",
            "notes",
        ]


class ReferralInline(admin.StackedInline):
    model = Referral
    form = ReferralForm
    extra = 1
    fields = ReferralForm.Meta.fields
    formfield_overrides = {
        # A short box keeps each referral compact; the notes can still run long.
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
    }

    def get_queryset(self, request: HttpRequest) -> QuerySet[Referral]:
        return super().get_queryset(request).select_related("programme", "adviser")

    def get_formset(self, request: HttpRequest, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # A new referral is followed up by whoever records it, unless they say otherwise.
        formset.form.base_fields["adviser"].initial = request.user.pk
        return formset


class EnquiryForm(forms.ModelForm):
    """The client's figures read as the public finder reads them: "£2m", "250k" and
    "1,500,000" are money, "1,5" an error, never £2 or 15 saved silently."""

    employees = WholeNumberField(noun="the number of employees", maximum=MAX_EMPLOYEES)
    employees_3y_ago = WholeNumberField(
        noun="the number of employees three years ago", maximum=MAX_EMPLOYEES
    )
    turnover = MoneyField(
        label="Turnover (£)", noun="the turnover", maximum=MAX_POUNDS, help_text=MONEY_HINT
    )
    turnover_3y_ago = MoneyField(
        label="Turnover three years ago (£)",
        noun="the turnover three years ago",
        maximum=MAX_POUNDS,
        help_text=MONEY_HINT,
    )
    funding_sought = MoneyField(
        label="Funding sought (£)",
        noun="the funding sought",
        maximum=MAX_POUNDS,
        zero_is_blank=True,
        help_text=f"{MONEY_HINT} Leave blank, or 0, if the client is not looking for money.",
    )

    postcode = PostcodeField(
        label="Postcode",
        max_length=8,
        help_text="The business's postcode, or its first part (CV7), in place of a location.",
    )

    class Meta:
        model = Enquiry
        # The admin's fieldsets decide which fields the form shows.
        fields = ["employees", "employees_3y_ago", "turnover", "turnover_3y_ago", "funding_sought"]

    def clean_postcode(self) -> str:
        """The postcode as the directory writes it, once found there (as the finder)."""
        postcode = self.cleaned_data.get("postcode")
        if postcode is None:
            return ""
        vocabulary.current().postcode(postcode)
        return postcode.text

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("postcode") and cleaned.get("location"):
            self.add_error("postcode", "Give a postcode or a location, not both")
        return cleaned


@admin.register(Enquiry)
class EnquiryAdmin(SimpleHistoryAdmin):
    form = EnquiryForm
    # An enquiry has no public page: "View on site" would only reload the admin.
    view_on_site = False
    list_display = [
        "business_name",
        "contact_name",
        "where",
        "sector",
        "referral_count",
        "created_at",
        "updated_at",
    ]
    list_select_related = ["location", "sector"]
    list_filter = [
        ("location", admin.RelatedOnlyFieldListFilter),
        ("sector", admin.RelatedOnlyFieldListFilter),
        ("stage", admin.RelatedOnlyFieldListFilter),
        "referrals__status",
        "created_at",
    ]
    search_fields = ["business_name", "contact_name", "email", "phone", "notes"]
    date_hierarchy = "created_at"
    readonly_fields = ["matching_programmes", "created_at", "updated_at", "created_by"]
    inlines = [ReferralInline]
    fieldsets = [
        ("Client", {"fields": ["business_name", "contact_name", "email", "phone", "notes"]}),
        (
            "Business profile (the finder's questions)",
            {
                "description": "Leave blank what the client has not told you: the "
                "matching then shows the criterion as unknown instead of guessing.",
                "fields": [
                    ("location", "postcode"),
                    ("sector", "stage"),
                    "led_by_women",
                    ("employees", "turnover"),
                    ("employees_3y_ago", "turnover_3y_ago"),
                    "funding_sought",
                    "support_wanted",
                    "free_text",
                ],
            },
        ),
        (
            "Matching programmes",
            {
                "description": "The same matching as the public finder, for the profile "
                "as last saved. Record referrals below.",
                "fields": ["matching_programmes"],
            },
        ),
        ("Record", {"fields": [("created_at", "updated_at"), "created_by"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enquiry]:
        # The count column, and the profile's related rows for the matching, without a
        # query per row.
        return (
            super()
            .get_queryset(request)
            .select_related("location", "sector", "stage", "created_by")
            .prefetch_related("support_wanted")
            .annotate(_referral_count=Count("referrals", distinct=True))
        )

    def formfield_for_manytomany(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "support_wanted":
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Enquiry, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        referrals = formset.save(commit=False)
        for referral in referrals:
            if referral.pk is None:
                referral.created_by = request.user
            referral.save()
        for removed in formset.deleted_objects:
            removed.delete()
        formset.save_m2m()

    @admin.display(description="where", ordering="location__name")
    def where(self, obj: Enquiry) -> str:
        return obj.location.name if obj.location else obj.postcode or "-"

    @admin.display(description="referrals", ordering="_referral_count")
    def referral_count(self, obj: Enquiry) -> int:
        return obj._referral_count

    @admin.display(description="matching programmes")
    def matching_programmes(self, obj: Enquiry) -> str:
        if obj.pk is None:
            return "Shown once the enquiry is saved."
        search = enquiry_search(obj)
        matches, near_misses = search.results, search.near_misses
        referred = {referral.programme_id: referral for referral in obj.referrals.all()}
        found = search.profile.postcode_found
        return format_html(
            "{}{}{}",
            format_html('<p class="finder-postcode">{}</p>', found) if found else "",
            _render_matches("Eligible or possible", matches, obj, referred),
            _render_matches("Near misses: one criterion not met", near_misses, obj, referred),
        )

    def get_urls(self) -> list[URLPattern]:
        # Before the admin's own: its "<path:object_id>/" would take "1/summary/".
        view = self.admin_site.admin_view(self.client_summary_view)
        name = f"{self.opts.app_label}_{self.opts.model_name}_summary"
        return [
            path("<path:object_id>/summary/", view, name=name),
            path("<path:object_id>/summary.csv", view, {"as_csv": True}, name=f"{name}_csv"),
            *super().get_urls(),
        ]

    def client_summary_view(
        self, request: HttpRequest, object_id: str, as_csv: bool = False
    ) -> HttpResponse:
        """The enquiry as a summary to give the client, to print or download as CSV
        (finder.summary). Only for those who may view the enquiry itself: advisers, never
        content editors."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        enquiry = self.get_object(request, unquote(object_id))
        if enquiry is None:
            raise Http404("No enquiry has that number.")
        report = summary.client_summary(request, enquiry, enquiry_search(enquiry), MATCH_LIMIT)
        if as_csv:
            return summary.csv_response(report)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": enquiry,
            "title": f"Client summary: {enquiry.business_name}",
            "summary": report,
        }
        return TemplateResponse(request, "admin/finder/enquiry/client_summary.html", context)


class FollowUpFilter(admin.SimpleListFilter):
    """Referrals still to follow up, and those due."""

    title = "follow-up"
    parameter_name = "follow_up"

    def lookups(self, request, model_admin):
        return [("open", "Open (not declined or completed)"), ("due", "Due by today")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.open()
        if self.value() == "due":
            return queryset.due_by(timezone.localdate())
        return queryset


@admin.register(Referral)
class ReferralAdmin(SimpleHistoryAdmin):
    form = ReferralForm
    view_on_site = False
    list_display = [
        "programme",
        "enquiry_business",
        "status",
        "referred_on",
        "outcome_on",
        "follow_up_on",
        "adviser",
        "updated_at",
    ]
    list_display_links = ["programme"]
    list_select_related = ["enquiry", "programme", "adviser"]
    list_filter = [
        FollowUpFilter,
        "status",
        ("adviser", admin.RelatedOnlyFieldListFilter),
        ("programme", admin.RelatedOnlyFieldListFilter),
        "referred_on",
    ]
    search_fields = ["enquiry__business_name", "programme__name", "notes"]
    readonly_fields = ["created_at", "updated_at", "created_by"]
    fields = [
        "enquiry",
        "programme",
        "status",
        ("referred_on", "outcome_on"),
        ("adviser", "follow_up_on"),
        ("amount_secured", "jobs_expected"),
        "notes",
        ("created_at", "updated_at"),
        "created_by",
    ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # "Refer" beside a match opens this form with the enquiry and programme chosen.
        return {"adviser": request.user.pk, **super().get_changeform_initial_data(request)}

    def save_model(self, request: HttpRequest, obj: Referral, form, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: Referral, post_url_continue=None):
        # Made from an enquiry's list of matches: back to that enquiry.
        if "_addanother" not in request.POST and "_continue" not in request.POST:
            self.message_user(request, f"{obj.enquiry} is referred to {obj.programme}.")
            return HttpResponseRedirect(
                reverse("admin:finder_enquiry_change", args=[obj.enquiry_id])
            )
        return super().response_add(request, obj, post_url_continue)

    @admin.display(description="business", ordering="enquiry__business_name")
    def enquiry_business(self, obj: Referral) -> str:
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:finder_enquiry_change", args=[obj.enquiry_id]),
            obj.enquiry.business_name,
        )
