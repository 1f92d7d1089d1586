"""The finder page and its JSON twin. Both read the same GET parameters through the same
form; bad input answers 400 with every problem named, never a different search."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from finder import cache
from finder.forms import BusinessProfileForm
from finder.search import Result, run_search
from programmes.eligibility import BusinessProfile

# Parameters that are not part of the search itself.
NOT_SEARCH = {"page"}


def _form(request: HttpRequest, version: int) -> BusinessProfileForm:
    """The profile form for this request, unbound when nothing was asked yet."""
    searched = any(key not in NOT_SEARCH for key in request.GET)
    return BusinessProfileForm(request.GET if searched else None, version=version)


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The finder: the business profile form, and the programmes that match it."""
    # The one query a search makes: the catalogue version, which the form's choices,
    # the cached answer and the index are all kept by.
    version = cache.catalogue_version()
    form = _form(request, version)
    context = {"form": form, "search": None}
    if not form.is_bound:
        return render(request, "finder/home.html", context)
    if not form.is_valid():
        return render(request, "finder/home.html", {**context, "form_has_errors": True}, status=400)
    # The page echoes the search's own parameters only, in a fixed order (its form, its
    # pagination links, its link to the API): what it shows then depends on nothing the
    # search ignores, and the cached page is the one this request would have rendered.
    request.GET = cache.canonical_query(request.GET, form.fields)
    today = timezone.localdate()
    key = cache.html_key(request.GET, today, version)
    cached = cache.get(key)
    if cached is not None:
        return cached
    search = run_search(
        form.profile(),
        today=today,
        page=cache.canonical_page(request.GET.get("page")),
        version=version,
        programme=form.cleaned_data["programme"],
        near_misses_shown=form.near_misses_shown(),
    )
    form.show_counts(search.support_counts())
    return cache.put(key, render(request, "finder/home.html", {**context, "search": search}))


@require_safe
def api_match(request: HttpRequest) -> HttpResponse:
    """The same search as JSON: ``{"count", "results", "near_misses"}`` (PRODUCT.md §4)."""
    version = cache.catalogue_version()
    form = BusinessProfileForm(request.GET, version=version)
    if not form.is_valid():
        errors = {
            name: [str(message) for message in messages] for name, messages in form.errors.items()
        }
        return JsonResponse({"errors": errors}, status=400)
    page = cache.canonical_page(request.GET.get("page"))
    today = timezone.localdate()
    key = cache.api_key(request, form.cleaned_data, page, today, version)
    cached = cache.get(key)
    if cached is not None:
        return cached
    search = run_search(
        form.profile(),
        today=today,
        page=page,
        version=version,
        programme=form.cleaned_data["programme"],
        near_misses_shown=form.near_misses_shown(),
    )
    response = JsonResponse(
        {
            "checked": _as_json(request, search.checked) if search.checked else None,
            # Where the postcode given is (null without one): the places it was matched
            # as, and in words.
            "postcode": _postcode_json(search.profile),
            "count": search.count,
            "results": [_as_json(request, result) for result in search.results],
            "near_misses": [_as_json(request, result) for result in search.near_misses],
            # Who to ask first for the business's place, when a programme's own way in
            # is not known ("how_to_apply" null) or to check that it fits.
            "ask_first": [
                {"slug": door.slug, "name": door.name, "url": _url(request, door.slug)}
                for door in search.front_doors
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    return cache.put(key, response)


def _postcode_json(profile: BusinessProfile) -> dict | None:
    if not profile.postcode:
        return None
    return {
        "postcode": profile.postcode,
        "found": profile.postcode_found,
        # The one place it is in, or (a partial postcode) the places it covers parts of.
        "places": [{"slug": place.slug, "name": place.name} for place in profile.postcode_places],
    }


def _url(request: HttpRequest, slug: str) -> str:
    return request.build_absolute_uri(reverse("programmes:detail", args=[slug]))


def _as_json(request: HttpRequest, result: Result) -> dict:
    programme = result.programme
    return {
        "slug": programme.slug,
        "name": programme.name,
        "url": _url(request, programme.slug),
        "status": result.status.value,
        # False: the status rests on evidence older than FINDER_EVIDENCE_MONTHS.
        "status_confirmed": result.confirmed,
        "evidence_year": programme.evidence_year or None,
        "match": result.match.level.value,
        "summary": programme.summary,
        "reasons": [
            {"criterion": reason.criterion, "outcome": reason.outcome.value, "text": reason.text}
            for reason in result.match.reasons
        ],
        "eligibility_note": programme.eligibility_note,
        "how_to_apply": programme.how_to_apply or None,
        "fit": result.match.fit,
        "successors": [
            {"slug": successor.slug, "name": successor.name, "url": _url(request, successor.slug)}
            for successor in programme.successors
        ],
    }
