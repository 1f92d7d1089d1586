"""The finder page and its JSON twin. Both read the same GET parameters through the same
FilterSet; bad input answers 400 with every problem named, never a different search."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.views.decorators.http import require_safe

from finder import cache, fragments
from finder.filters import FinderFilterSet
from finder.search import Result, run_search
from programmes.models import Programme

# Parameters that are not part of the search itself.
NOT_SEARCH = {"page"}


def _filterset(request: HttpRequest) -> FinderFilterSet | None:
    """The FilterSet for this request, or None when nothing was asked yet."""
    searched = any(key not in NOT_SEARCH for key in request.GET)
    return FinderFilterSet(
        request.GET if searched else None, queryset=Programme.objects.all(), request=request
    )


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The finder: the business profile form, and the programmes that match it."""
    filterset = _filterset(request)
    context = {"filterset": filterset, "form": filterset.form, "search": None}
    if not filterset.is_bound:
        return render(request, "finder/home.html", context)
    if not filterset.is_valid():
        context["form_has_errors"] = True
        return render(request, "finder/home.html", context, status=400)
    # The page echoes the search's own parameters only, in a fixed order (its form, its
    # pagination links, its link to the API): what it shows then depends on nothing the
    # search ignores, and the cached page is the one this request would have rendered.
    request.GET = cache.canonical_query(request.GET, filterset.form.fields)
    today = timezone.localdate()
    version = cache.catalogue_version()
    key = cache.html_key(request.GET, today, version) if cache.enabled() else None
    cached = cache.get(key)
    if cached is not None:
        return cached
    search = run_search(filterset, request.GET.get("page"), version=version, today=today)
    # What only this search shows goes in after rendering (HOLES): the pieces of the
    # page around it are then the same for every search, and kept (finder.fragments).
    query, page_query = _queries(request.GET)
    filled = {
        **_show_counts(filterset, search.support_counts),
        "query": query,
        "page-query": page_query,
    }
    # The form and the result cards go in then too (``fragments.PageHoles``).
    page = fragments.PageHoles(HOLES, filled)
    context.update(
        search=search,
        query=HOLES.marker("query"),
        page_query=HOLES.marker("page-query"),
        api_path=_path("finder:api-match"),
        today=today,
        catalogue_state=fragments.CatalogueState(version=version, today=today),
        page_holes=page,
    )
    # The content of the page, put into the page around it (``_frame``): the same for
    # every search that finds as many programmes.
    content = render_to_string("finder/_content.html", context, request)
    return cache.put(key, HttpResponse(page.fill(content, around=_frame(request, search.count))))


@dataclass(frozen=True)
class _Found:
    """What the page around a search's content shows of it (``finder/_frame.html``):
    the number found, in its title."""

    count: int


def _frame(request: HttpRequest, count: int) -> tuple[str, str]:
    """``finder/home.html`` for a valid search that found ``count`` programmes, around
    its content, as two pieces of markup; rendered once per path (the header marks the
    page's section) and count, and kept (``finder.fragments``)."""
    key = ("finder-frame", request.path, count)
    frame = fragments.store.get(key)
    if frame is None:
        marker = HOLES.marker("content")
        context = {"search": _Found(count), "content": marker}
        before, found, after = render_to_string("finder/_frame.html", context, request).partition(
            marker
        )
        if not found or marker in after:
            raise fragments.HoleError("finder/_frame.html must print its content once")
        frame = (before, after)
        fragments.store.put(key, frame)
    return frame


def _queries(query: QueryDict) -> tuple[str, str]:
    """The search's query encoded, and the same without its page, ready for "page=N"
    to follow (ending in "&" unless empty): what ``QueryDict.urlencode`` gives for the
    canonical query, and ``{% querystring page=N %}`` for it, where page comes last.
    Each parameter is encoded once, for both."""
    encoding = query.encoding
    search, pages = [], []
    for name, values in query.lists():
        pairs = pages if name == "page" else search
        key = name.encode(encoding)
        pairs.extend(urlencode({key: str(value).encode(encoding)}) for value in values)
    rest = "&".join(search)
    return "&".join(search + pages), f"{rest}&" if rest else ""


@functools.lru_cache(maxsize=32)
def _reversed(name: str, urlconf: str | None, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


def _path(name: str) -> str:
    """``reverse(name)``, worked out once for each URLconf and script prefix (the
    two things reversing reads besides the name)."""
    return _reversed(name, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


# What the finder page shows of one search alone, put in once it is rendered: the facet
# counts beside the kinds of support, and the query in its links.
HOLES = fragments.Holes("finder")

# The support choices with a marker where each count goes, made once for each list of
# choices the form's class holds (copies of the field share it: filters.SharedChoicesMixin).
_counted_choices = fragments.FrozenByIdentity(
    lambda choices: tuple(
        (slug, format_html("{} ({})", name, HOLES.marker(f"count-{slug}")))
        for slug, name in choices
    ),
    kept=8,
)


def _show_counts(filterset: FinderFilterSet, counts: dict[str, int]) -> dict[str, int]:
    """Put the facet counts beside each kind of support: how many programmes the business
    would see if it chose it. The labels hold a marker where each count goes, so the
    field's markup is kept once for every set of counts (``finder.fragments``); the
    page is then filled with the counts returned (``HOLES.fill``)."""
    field = filterset.form.fields["support"]
    counted = _counted_choices(field.widget.choices)
    # Set as they are, not through the field's or the widget's setter, which would copy
    # them afresh (they are already in the form choices take) and so hide that they are
    # the same choices as last time.
    field._choices = field.widget._choices = counted
    return {f"count-{slug}": counts.get(slug, 0) for slug, _ in counted}


@require_safe
def api_match(request: HttpRequest) -> HttpResponse:
    """The same search as JSON: ``{"count", "results", "near_misses"}`` (PRODUCT.md §4)."""
    filterset = _filterset(request)
    if filterset.is_bound and not filterset.is_valid():
        errors = {
            name: [str(message) for message in messages]
            for name, messages in filterset.errors.items()
        }
        return JsonResponse({"errors": errors}, status=400)
    if not filterset.is_bound:
        filterset = FinderFilterSet({}, queryset=Programme.objects.all(), request=request)
        filterset.is_valid()
    page = request.GET.get("page")
    today = timezone.localdate()
    version = cache.catalogue_version()
    key = (
        cache.api_key(request, filterset.form.cleaned_data, page, today, version)
        if cache.enabled()
        else None
    )
    cached = cache.get(key)
    if cached is not None:
        return cached
    search = run_search(filterset, page, version=version, today=today)
    response = JsonResponse(
        {
            "count": search.count,
            "results": [_as_json(request, result, today) for result in search.results],
            "near_misses": [_as_json(request, result, today) for result in search.near_misses],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    return cache.put(key, response)


def _as_json(request: HttpRequest, result: Result, today) -> dict:
    programme = result.programme
    return {
        "slug": programme.slug,
        "name": programme.name,
        "url": request.build_absolute_uri(programme.get_absolute_url()),
        "status": programme.effective_status(today).value,
        "match": result.match.level.value,
        "summary": programme.summary,
        "reasons": [
            {"criterion": reason.criterion, "outcome": reason.outcome.value, "text": reason.text}
            for reason in result.match.reasons
        ],
        "fit": result.match.fit,
        "successors": [
            {
                "slug": successor.slug,
                "name": successor.name,
                "url": request.build_absolute_uri(
                    reverse("programmes:detail", args=[successor.slug])
                ),
            }
            for successor in result.successors
        ],
    }
