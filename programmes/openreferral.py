"""The catalogue as an Open Referral UK 3.0 (HSDS-UK 3.0) feed, under /openreferral/.

Programmes are services, their providers organisations, the places they serve service
areas (with the place's GSS code as its statistics.data.gov.uk address, where we have
it), and support types, business stages, sectors, clusters, growth and audience are
taxonomies whose terms are linked to services through attributes. Every id is a UUID
made from a slug (``uuid5``), so it stays the same across loads and servers.

What the standard has no field for (eligibility ranges, the money on offer, where each
fact came from) travels in extension fields named ``x_...``; an optional field with no
value is left out, never null. The vendored description and schemas the tests hold the
feed to are in programmes/oruk/ (README there).
"""

from __future__ import annotations

import copy
import datetime
import json
import math
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from clusters.models import Cluster, Sector
from finder import cache as finder_cache
from finder import index
from finder.openapi import open_endpoint
from programmes.eligibility import stems
from programmes.models import Programme, Stage, SupportType
from programmes.opendata import catalogue, record, status_of, without_empty

VERSION = "HSDS-UK-3.0"
PROFILE = "https://github.com/OpenReferralUK/uk-profile/blob/main/docs/index.md"
ORUK_DIR = Path(__file__).resolve().parent / "oruk"

#: The namespace of every id in the feed: uuid5(NAMESPACE, "<kind>/<slug>").
NAMESPACE = uuid.UUID("6f1d3c56-2b4e-5a3e-9c55-2f3b7e1d9a10")

PER_PAGE = 50
MAX_PER_PAGE = 200
# A place's GSS code as a persistent address (the ONS's linked-data identifier).
GSS_URI = "http://statistics.data.gov.uk/id/statistical-geography/{code}"


def make_id(kind: str, slug: str) -> str:
    """The stable UUID of a thing of ``kind`` ("service", "organization", a taxonomy's
    key...) with ``slug``."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{slug}"))


# The taxonomies.


@dataclass(frozen=True)
class Term:
    taxonomy: str
    slug: str
    name: str
    description: str
    parent: str = ""

    @property
    def id(self) -> str:
        return make_id(self.taxonomy, self.slug)


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return make_id("taxonomy", self.key)


TAXONOMIES = (
    Taxonomy("support-type", "Support types", "What kind of help a programme gives."),
    Taxonomy(
        "business-stage",
        "Business stages",
        "How far along a business must be: pre-start (not yet trading), start-up (trading "
        "under two years) or established. A programme with no stage term takes any.",
    ),
    Taxonomy(
        "sector",
        "Sectors",
        "The industries a programme is for. A programme with no sector term takes any; a "
        "sector's parent is a broader sector it is a kind of.",
    ),
    Taxonomy(
        "cluster",
        "West Midlands Plan for Growth clusters",
        "The Plan for Growth clusters a programme serves.",
    ),
    Taxonomy(
        "growth",
        "Growth",
        "Programmes only for scaleups (by the OECD measure: 10 or more employees and "
        "over 20% a year average growth in employees or turnover over three years) or "
        "for scaleups and potential scaleups.",
    ),
    Taxonomy("audience", "Audience", "Programmes for a particular group of business leaders."),
)
TAXONOMY_BY_KEY = {taxonomy.key: taxonomy for taxonomy in TAXONOMIES}


def _choice_terms(key: str, choices, skip: str) -> list[Term]:
    return [Term(key, value, str(label), str(label)) for value, label in choices if value != skip]


def _term(taxonomy: str, thing, parent: str = "") -> Term:
    """A vocabulary row (support type, stage, sector, cluster) as a term; the standard
    requires a description, and the name stands in when a row has none."""
    described = getattr(thing, "description", "") or getattr(thing, "summary", "")
    return Term(taxonomy, thing.slug, thing.name, described or thing.name, parent)


def all_terms() -> list[Term]:
    """Every term of every taxonomy, in the taxonomies' order: five queries."""
    sectors = Sector.objects.prefetch_related("broader").order_by("name")
    return [
        *(_term("support-type", row) for row in SupportType.objects.all()),
        *(_term("business-stage", row) for row in Stage.objects.all()),
        *(
            # The standard allows one parent: given only when the sector has exactly one.
            _term(
                "sector",
                row,
                broader[0].slug if len(broader := list(row.broader.all())) == 1 else "",
            )
            for row in sectors
        ),
        *(_term("cluster", row) for row in Cluster.objects.all()),
        *_choice_terms("growth", Programme.Growth.choices, Programme.Growth.ANY),
        *_choice_terms("audience", Programme.Audience.choices, Programme.Audience.ANY),
    ]


def programme_terms(programme: Programme) -> list[Term]:
    """The terms a programme is linked to (through prefetched rows: no query). A sector
    term here carries no parent: the taxonomy endpoints give the hierarchy."""
    terms = [
        *(_term("support-type", row) for row in programme.support_types.all()),
        *(_term("business-stage", row) for row in programme.stages.all()),
        *(_term("sector", row) for row in programme.sectors.all()),
        *(_term("cluster", row) for row in programme.clusters.all()),
    ]
    if programme.growth != Programme.Growth.ANY:
        label = programme.get_growth_display()
        terms.append(Term("growth", programme.growth, label, label))
    if programme.audience != Programme.Audience.ANY:
        label = programme.get_audience_display()
        terms.append(Term("audience", programme.audience, label, label))
    return terms


def term_json(term: Term) -> dict:
    taxonomy = TAXONOMY_BY_KEY[term.taxonomy]
    return without_empty(
        {
            "id": term.id,
            "name": term.name,
            "description": term.description,
            "parent_id": make_id(term.taxonomy, term.parent) if term.parent else None,
            "taxonomy": taxonomy.name,
            "taxonomy_id": taxonomy.id,
            "term": term.slug,
        }
    )


def taxonomy_json(taxonomy: Taxonomy, terms: list[Term] | None = None) -> dict:
    data = {"id": taxonomy.id, "name": taxonomy.name, "description": taxonomy.description}
    if terms is not None:
        data["taxonomy_terms"] = [term_json(term) for term in terms]
    return data


# The services.

ALERTS = {
    "proposed": "Proposed: not funded or running yet, so it cannot be applied for.",
}


def status_and_alert(programme: Programme, today: datetime.date) -> tuple[str, str]:
    """The Open Referral status and the alert explaining it: only a programme open on
    recent evidence is "active"; a closed one is "defunct"; everything else (opening
    soon, proposed, or open on evidence too old to confirm it) is "inactive", and says
    why."""
    status, confirmed = status_of(programme, today)
    evidence = (
        f"Status not confirmed: our latest evidence is from {programme.evidence_year}; "
        "check with the provider that it still runs."
        if programme.evidence_year
        else "Status not confirmed: none of our sources is dated; check with the provider."
    )
    if status == Programme.Status.CLOSED:
        successors = [
            relation.related.name
            for relation in programme.relations.all()
            if relation.kind == "succeeded-by"
        ]
        alert = "Closed." + (f" Replaced by {', '.join(successors)}." if successors else "")
        return "defunct", alert
    if status == Programme.Status.PROPOSED:
        return "inactive", ALERTS["proposed"]
    if status == Programme.Status.OPENING_SOON:
        opens = f" on {programme.opens_on:%-d %B %Y}" if programme.opens_on else ""
        alert = f"Opening soon{opens}: not open for applications yet."
        return "inactive", alert if confirmed else f"{alert} {evidence}"
    if not confirmed:
        return "inactive", evidence
    return "active", ""


def _organisation_json(provider) -> dict:
    return without_empty(
        {
            "id": make_id("organization", provider.slug),
            "name": provider.name,
            # Required by the standard: the name stands in when we have no description.
            "description": provider.description or provider.name,
            "website": provider.website,
        }
    )


def service_json(programme: Programme, *, today: datetime.date, absolute, full: bool) -> dict:
    """A programme as an Open Referral service: with ``full``, nested as
    ``/services/{id}`` gives it; otherwise its one-to-one fields, as lists give them."""
    service_id = make_id("service", programme.slug)
    status, alert = status_and_alert(programme, today)
    data = record(programme, today=today, absolute=absolute)
    providers = list(programme.providers.all())
    organisation = _organisation_json(providers[0]) if providers else None
    service = {
        "id": service_id,
        "organization_id": organisation["id"] if organisation else None,
        "name": programme.name,
        "description": "\n\n".join(filter(None, [programme.summary, programme.description])),
        "url": programme.website,
        "status": status,
        "alert": alert,
        "assured_date": data["last_verified"],
        "organization": organisation,
    }
    if full:
        service.update(
            {
                "service_areas": [
                    without_empty(
                        {
                            "id": make_id("service-area", f"{programme.slug}/{place.slug}"),
                            "service_id": service_id,
                            "name": place.name,
                            "service_area": place.name,
                            "uri": GSS_URI.format(code=place.code) if place.code else None,
                        }
                    )
                    for place in programme.places.all()
                ],
                "cost_options": [
                    {
                        "id": make_id("cost-option", programme.slug),
                        "service_id": service_id,
                        "amount_description": programme.cost,
                    }
                ]
                if programme.cost
                else [],
                "attributes": [
                    {
                        "id": make_id("attribute", f"{programme.slug}/{term.taxonomy}/{term.slug}"),
                        "link_id": service_id,
                        "link_type": "service",
                        "taxonomy_term_id": term.id,
                        "taxonomy_term": term_json(term),
                    }
                    for term in programme_terms(programme)
                ],
            }
        )
    # Extensions: what the standard has no field for.
    rules = data["eligibility"]
    service.update(
        {
            "x_finder_url": data["url"],
            "x_slug": programme.slug,
            "x_status": data["status"],
            "x_status_confirmed": data["status_confirmed"],
            "x_eligibility": without_empty(
                {
                    key: rules[key]
                    for key in (
                        "employees_min",
                        "employees_max",
                        "turnover_min",
                        "turnover_max",
                        "rules_known",
                        "note",
                    )
                }
                | {"place_codes": [p["code"] for p in rules["places"] if p["code"]]}
            ),
            "x_funding": without_empty(
                {
                    "currency": "GBP",
                    "fund_size": data["fund_size"],
                    "amount_min": data["amount_min"],
                    "amount_max": data["amount_max"],
                    "note": data["funding_note"],
                }
            ),
            "x_dates": without_empty(
                {
                    "opens_on": data["opens_on"],
                    "closes_on": data["closes_on"],
                    "cohort_starts_on": data["cohort_starts_on"],
                    "note": data["dates_note"],
                }
            ),
            "x_how_to_apply": data["how_to_apply"],
            "x_documents_read_on": data["documents_read_on"],
            "x_sources": data["sources"] if full else None,
        }
    )
    if service["x_funding"].keys() == {"currency"}:
        service["x_funding"] = None
    return without_empty(service)


# Query parameters.


class PageForm(forms.Form):
    """``page`` and ``per_page``, as every list takes them."""

    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=1_000_000,
        error_messages={
            key: "Give page as a whole number from 1 to 1,000,000"
            for key in ("invalid", "min_value", "max_value")
        },
    )
    per_page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_PER_PAGE,
        error_messages={
            key: f"Give per_page as a whole number from 1 to {MAX_PER_PAGE}"
            for key in ("invalid", "min_value", "max_value")
        },
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        # A parameter given twice would be a silently different list.
        for name in self.fields:
            if len(self.data.getlist(name)) > 1:
                self.add_error(name, f"Give {name} only once")
        return cleaned


AGE = "an age in years, from 0 to 200"
TIME = "a time of day, like 09:30"


def _says(name: str, what: str) -> dict[str, str]:
    """Error messages naming the parameter and what it takes, for every way it can be
    wrong."""
    return {key: f"Give {name} as {what}" for key in ("invalid", "min_value", "max_value")}


DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class ServicesForm(PageForm):
    """The filters of ``/services``. The age, time and day filters are accepted for
    the standard's sake and change nothing: no programme has an age limit or opening
    hours."""

    search = forms.CharField(
        required=False,
        max_length=200,
        error_messages={"max_length": "Give search as words, at most 200 characters"},
    )
    taxonomy_term_id = forms.CharField(required=False)
    taxonomy_id = forms.CharField(required=False)
    minimum_age = forms.FloatField(
        required=False, min_value=0, max_value=200, error_messages=_says("minimum_age", AGE)
    )
    maximum_age = forms.FloatField(
        required=False, min_value=0, max_value=200, error_messages=_says("maximum_age", AGE)
    )
    start_time = forms.TimeField(required=False, error_messages=_says("start_time", TIME))
    end_time = forms.TimeField(required=False, error_messages=_says("end_time", TIME))
    day = forms.CharField(required=False)

    def __init__(self, *args, terms: dict[str, Term], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.terms = terms

    def clean_taxonomy_term_id(self) -> Term | None:
        value = self.cleaned_data["taxonomy_term_id"]
        if not value:
            return None
        if value not in self.terms:
            raise ValidationError(
                f"No taxonomy term has the id “{value}”: see /openreferral/taxonomy_terms"
            )
        return self.terms[value]

    def clean_taxonomy_id(self) -> Taxonomy | None:
        value = self.cleaned_data["taxonomy_id"]
        if not value:
            return None
        found = [taxonomy for taxonomy in TAXONOMIES if taxonomy.id == value]
        if not found:
            raise ValidationError(f"No taxonomy has the id “{value}”: see /openreferral/taxonomies")
        return found[0]

    def clean_day(self) -> str:
        day = self.cleaned_data["day"]
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        if (
            day
            and day.lower() not in days
            and day.upper() not in ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
        ):
            raise ValidationError("Give day as a day of the week, like Monday or MO")
        return day


def bad_request(form: forms.Form) -> JsonResponse:
    """The API's error shape (as /api/match/): every problem, by parameter."""
    errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def not_found(kind: str, value: str, listed_at: str) -> JsonResponse:
    return JsonResponse(
        {"errors": {"id": [f"No {kind} has the id “{value}”: see {listed_at}"]}},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


def page_of(items: list, form: PageForm) -> tuple[dict, list]:
    """The standard's page header for ``items`` and the page's own items. A page past
    the last is empty, not an error, so a client reading until an empty page stops."""
    per_page = form.cleaned_data.get("per_page") or PER_PAGE
    number = form.cleaned_data.get("page") or 1
    total = len(items)
    pages = max(1, math.ceil(total / per_page))
    shown = items[(number - 1) * per_page : number * per_page]
    header = {
        "total_items": total,
        "total_pages": pages,
        "page_number": number,
        "size": len(shown),
        "first_page": number == 1,
        "last_page": number >= pages,
        "empty": total == 0,
    }
    return header, shown


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


# The views.


@require_safe
@open_endpoint
def root(request: HttpRequest) -> HttpResponse:
    """What this feed is: the standard's version, its profile and its description."""
    return _json(
        {
            "version": VERSION,
            "profile": PROFILE,
            "openapi_url": request.build_absolute_uri(reverse("openreferral:openapi")),
        }
    )


@require_safe
@open_endpoint
def openapi(request: HttpRequest) -> HttpResponse:
    """The Open Referral UK description this feed follows, exactly as published."""
    return HttpResponse(
        (ORUK_DIR / "schema" / "openapi.json").read_bytes(), content_type="application/json"
    )


def _matching_slugs(words: str) -> set[str]:
    """The programmes mentioning every word of ``words``, by the finder's own word
    matching (stems, common words left out: ``ProgrammeRules.words``)."""
    wanted = stems(words)
    catalogue_index = index.current(finder_cache.catalogue_version())
    return {rules.slug for rules in catalogue_index.rules if wanted <= rules.words}


TERM_FILTERS = {
    "support-type": "support_types__slug",
    "business-stage": "stages__slug",
    "sector": "sectors__slug",
    "cluster": "clusters__slug",
    "growth": "growth",
    "audience": "audience",
}
TAXONOMY_FILTERS = {
    "support-type": ~Q(support_types=None),
    "business-stage": ~Q(stages=None),
    "sector": ~Q(sectors=None),
    "cluster": ~Q(clusters=None),
    "growth": ~Q(growth=Programme.Growth.ANY),
    "audience": ~Q(audience=Programme.Audience.ANY),
}


@require_safe
@open_endpoint
def services(request: HttpRequest) -> HttpResponse:
    """Services, a page at a time, narrowed by words, a term or a taxonomy."""
    terms = {term.id: term for term in all_terms()}
    form = ServicesForm(request.GET, terms=terms)
    if not form.is_valid():
        return bad_request(form)
    programmes = catalogue()
    term, taxonomy = form.cleaned_data["taxonomy_term_id"], form.cleaned_data["taxonomy_id"]
    if term:
        programmes = programmes.filter(**{TERM_FILTERS[term.taxonomy]: term.slug})
    if taxonomy:
        programmes = programmes.filter(TAXONOMY_FILTERS[taxonomy.key])
    if form.cleaned_data["search"].strip():
        programmes = programmes.filter(slug__in=_matching_slugs(form.cleaned_data["search"]))
    slugs = list(programmes.distinct().values_list("slug", flat=True))
    header, shown = page_of(slugs, form)
    today = timezone.localdate()
    rows = {p.slug: p for p in catalogue().filter(slug__in=shown)}
    contents = [
        service_json(rows[slug], today=today, absolute=request.build_absolute_uri, full=False)
        for slug in shown
    ]
    return _json({**header, "contents": contents})


# Each service id's slug, for the catalogue index they were worked out from (held, so it
# is that very index): about 60 ms of uuid5 at 10,000 programmes, once per index rather
# than per request. A new index (any change to the catalogue) works them out again.
_service_ids: tuple[object, dict[str, str]] = (None, {})


def _programme_by_id(service_id: str) -> Programme | None:
    """The programme whose service id is ``service_id``, or None."""
    global _service_ids
    catalogue_index = index.current(finder_cache.catalogue_version())
    if _service_ids[0] is not catalogue_index:
        slugs = {make_id("service", slug): slug for slug in catalogue_index.pk_of}
        _service_ids = (catalogue_index, slugs)
    slug = _service_ids[1].get(service_id)
    return catalogue().get(slug=slug) if slug else None


@require_safe
@open_endpoint
def service(request: HttpRequest, service_id: str) -> HttpResponse:
    """One service, fully nested."""
    programme = _programme_by_id(service_id)
    if programme is None:
        return not_found("service", service_id, "/openreferral/services")
    return _json(
        service_json(
            programme,
            today=timezone.localdate(),
            absolute=request.build_absolute_uri,
            full=True,
        )
    )


@require_safe
@open_endpoint
def taxonomies(request: HttpRequest) -> HttpResponse:
    form = PageForm(request.GET)
    if not form.is_valid():
        return bad_request(form)
    header, shown = page_of(list(TAXONOMIES), form)
    return _json({**header, "contents": [taxonomy_json(taxonomy) for taxonomy in shown]})


@require_safe
@open_endpoint
def taxonomy(request: HttpRequest, taxonomy_id: str) -> HttpResponse:
    """One taxonomy, with its terms."""
    for item in TAXONOMIES:
        if item.id == taxonomy_id:
            terms = [term for term in all_terms() if term.taxonomy == item.key]
            return _json(taxonomy_json(item, terms))
    return not_found("taxonomy", taxonomy_id, "/openreferral/taxonomies")


@require_safe
@open_endpoint
def taxonomy_terms(request: HttpRequest) -> HttpResponse:
    form = PageForm(request.GET)
    if not form.is_valid():
        return bad_request(form)
    header, shown = page_of(all_terms(), form)
    return _json({**header, "contents": [term_json(term) for term in shown]})


@require_safe
@open_endpoint
def taxonomy_term(request: HttpRequest, term_id: str) -> HttpResponse:
    for term in all_terms():
        if term.id == term_id:
            return _json(term_json(term))
    return not_found("taxonomy term", term_id, "/openreferral/taxonomy_terms")


@require_safe
@open_endpoint
def service_at_locations(request: HttpRequest) -> HttpResponse:
    """Always empty: programmes are offered across areas (service areas), and our
    sources give no premises where one is delivered. The filters are checked all the
    same, so a bad one is still a 400."""
    form = ServicesForm(request.GET, terms={term.id: term for term in all_terms()})
    if not form.is_valid():
        return bad_request(form)
    header, _ = page_of([], form)
    return _json({**header, "contents": []})


@require_safe
@open_endpoint
def service_at_location(request: HttpRequest, service_at_location_id: str) -> HttpResponse:
    return not_found(
        "service at a location",
        service_at_location_id,
        "/openreferral/services (programmes have service areas, not locations)",
    )


app_name = "openreferral"
urlpatterns = [
    path("", root, name="root"),
    path("openapi.json", openapi, name="openapi"),
    path("services", services, name="services"),
    path("services/<str:service_id>", service, name="service"),
    path("taxonomies", taxonomies, name="taxonomies"),
    path("taxonomies/<str:taxonomy_id>", taxonomy, name="taxonomy"),
    path("taxonomy_terms", taxonomy_terms, name="taxonomy-terms"),
    path("taxonomy_terms/<str:term_id>", taxonomy_term, name="taxonomy-term"),
    path("service_at_locations", service_at_locations, name="service-at-locations"),
    path(
        "service_at_locations/<str:service_at_location_id>",
        service_at_location,
        name="service-at-location",
    ),
]


# The vendored description, made usable offline (programmes/oruk/README.md).

PUBLISHED = "https://raw.githubusercontent.com/openreferral/uk-profile/main/schema/"


@cache
def _vendored(relative: str) -> dict:
    return json.loads((ORUK_DIR / "schema" / relative).read_text(encoding="utf-8"))


def oruk_schema(relative: str) -> dict:
    """A vendored JSON schema by its path under schema/, with its relative ``$ref``s
    (taxonomy.json's to taxonomy_term.json) replaced by the schema they name."""
    return _inline(copy.deepcopy(_vendored(relative)), base=relative)


def oruk_openapi() -> dict:
    """The vendored ORUK OpenAPI description with every ``$ref`` to a published
    schema replaced by the vendored copy, and the two defects the README names worked
    around: nothing is fetched."""
    document = copy.deepcopy(_vendored("openapi.json"))
    for parameter in document["components"]["parameters"].values():
        if parameter["schema"].get("type") == "time":
            parameter["schema"] = {"type": "string"}
    saloc = document["paths"]["/service_at_locations/{id}"]["get"]["responses"]["200"]
    saloc["content"]["application/json"]["schema"] = {
        "$ref": PUBLISHED + "compiled/service_at_location.json"
    }
    return _inline(document, base="openapi.json")


def _inline(node, *, base: str):
    if isinstance(node, list):
        return [_inline(item, base=base) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and not ref.startswith("#"):
        relative = ref.removeprefix(PUBLISHED)
        if relative == ref:  # relative to the document it is in
            relative = str(Path(base).parent / ref)
        return oruk_schema(relative)
    return {key: _inline(value, base=base) for key, value in node.items()}
