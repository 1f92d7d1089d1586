"""Public programme pages: the A to Z and one page per programme."""

from __future__ import annotations

from itertools import groupby

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from finder.pages import breadcrumbs, finder_url
from programmes.describe import (
    describe_range,
    eligibility_criteria,
    format_amount_range,
    front_door_map,
    front_doors,
    related_programmes,
)
from programmes.eligibility import LISTED, confirmed
from programmes.forms import ProgrammeFilterForm
from programmes.models import Programme, ProgrammeRelation, SupportType


def az_letter(name: str) -> str:
    """The A to Z heading a programme is listed under: its first letter, or "0-9" for a
    name that starts with anything else."""
    first = name[:1].upper()
    return first if first.isalpha() else "0-9"


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """Every programme A to Z, optionally narrowed by status and type of support.

    Invalid filters (a status or support type we do not have) are shown back as errors
    with status 400 and no list, rather than silently listing everything.
    """
    today = timezone.localdate()
    form = ProgrammeFilterForm(request.GET or None, support_types=SupportType.objects.all())
    status = support = ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"]
        support = form.cleaned_data["support"]

    programmes = Programme.objects.for_index()
    if form.errors:
        groups: list[tuple[str, list[Programme]]] = []
        shown = 0
    else:
        by_status = programmes.in_effective_status(status, today)
        by_support = programmes.offering([support]) if support else programmes
        selected = list(by_status.offering([support]) if support else by_status)
        groups = [
            (letter, list(items))
            for letter, items in groupby(selected, key=lambda p: az_letter(p.name))
        ]
        shown = len(selected)
        # Each option's count is what choosing it would show, with the other filter kept.
        form.set_counts(
            status_counts=by_support.count_by_effective_status(today),
            support_counts=by_status.count_by_support_type(),
        )
    return render(
        request,
        "programmes/index.html",
        {
            "form": form,
            "form_has_errors": bool(form.errors),
            "groups": groups,
            "shown": shown,
            "filtered": bool(status or support),
            "finder_link": finder_url(),
            "breadcrumbs": breadcrumbs(("Programmes A to Z", None)),
        },
        status=400 if form.errors else 200,
    )


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One programme: everything a business owner needs to decide whether to apply."""
    programme = get_object_or_404(Programme.objects.for_detail(), slug=slug)
    related = related_programmes(programme)
    today = timezone.localdate()
    status = programme.effective_status(today)
    successors = [
        rel.related
        for rel in programme.relations.all()
        if rel.kind == ProgrammeRelation.Kind.SUCCEEDED_BY
    ]
    support = [support_type.slug for support_type in programme.support_types.all()]
    # Open or opening soon by its sources, but are they recent enough to say so?
    unconfirmed = status in LISTED and not confirmed(programme.evidence_year, today)
    places = list(programme.places.all())
    doors, everywhere = front_doors(places, front_door_map())
    # Facts on the page that the source documents do not give, by whose they are.
    outside = [
        (thing.name, thing.outside_documents)
        for thing in (
            programme,
            *programme.providers.all(),
            *programme.delivery_partners.all(),
            *places,
        )
        if thing.outside_documents
    ]
    return render(
        request,
        "programmes/detail.html",
        {
            "programme": programme,
            "status": status,
            "unconfirmed": unconfirmed,
            "today": today,
            "criteria": eligibility_criteria(programme),
            "amount_range": format_amount_range(programme),
            "cohort_size": describe_range(
                programme.cohort_size_min, programme.cohort_size_max, unrestricted=""
            ),
            "related": related,
            "successors": successors,
            "front_doors": doors,
            "front_doors_everywhere": everywhere,
            "outside_documents": outside,
            # Open: the finder checks this programme for the business. Closed: the finder
            # looks for similar support.
            "check_link": finder_url(programme=programme.slug),
            "finder_link": finder_url(support=support),
            "breadcrumbs": breadcrumbs(
                ("Programmes A to Z", reverse("programmes:index")), (programme.name, None)
            ),
        },
    )
