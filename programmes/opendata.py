"""The catalogue as open data: one record per programme, written once and read by the
bulk downloads (JSON and CSV), the Open Referral UK feed (``programmes.openreferral``)
and the schema.org JSON-LD on programme pages.

What a record says about status follows the finder's own rules
(``Programme.effective_status`` and ``eligibility.confirmed``), so a download can never
call open what the programme page calls "status not confirmed".
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from collections.abc import Callable, Iterable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from clusters.models import Source
from programmes.eligibility import LISTED, confirmed
from programmes.models import Programme

#: The licence of the catalogue as published here (our own words; the facts are the
#: source documents', credited in every download by ``attribution``).
LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}
PUBLISHER = "Scaleup Support Finder"

#: Makes a path absolute (``request.build_absolute_uri``).
Absolute = Callable[[str], str]


def catalogue() -> QuerySet[Programme]:
    """Every programme with everything a record holds, in slug order: the programme
    page's own queries (``for_detail``), whatever the size of the catalogue."""
    return Programme.objects.for_detail().order_by("slug")


def status_of(programme: Programme, today: datetime.date) -> tuple[str, bool]:
    """The programme's status on ``today`` and whether it is confirmed: open or opening
    soon only count as confirmed on recent evidence (``eligibility.confirmed``), as on
    its page; closed and proposed are facts of their own and are not "unconfirmed"."""
    status = programme.effective_status(today)
    fresh = status not in LISTED or bool(confirmed(programme.evidence_year, today))
    return status.value, fresh


def attribution(sources: Iterable[Source]) -> list[dict]:
    """Who the facts come from: each source document as the About page credits it."""
    return [
        without_empty(
            {
                "slug": source.slug,
                "title": source.title,
                "publisher": source.publisher,
                "year": source.year,
                "url": source.url,
            }
        )
        for source in sources
    ]


def record(programme: Programme, *, today: datetime.date, absolute: Absolute) -> dict:
    """One programme as open data: its facts, its rules, its sources and when it was
    read and checked. Unknown values are null; lists are empty when there are none."""
    status, status_confirmed = status_of(programme, today)
    return {
        "slug": programme.slug,
        "name": programme.name,
        "url": absolute(programme.get_absolute_url()),
        "summary": programme.summary,
        "description": programme.description,
        "providers": [_organisation(p) for p in programme.providers.all()],
        "delivery_partners": [_organisation(p) for p in programme.delivery_partners.all()],
        "support_types": [support.slug for support in programme.support_types.all()],
        "status": status,
        "status_confirmed": status_confirmed,
        "evidence_year": programme.evidence_year or None,
        "opens_on": _date(programme.opens_on),
        "closes_on": _date(programme.closes_on),
        "cohort_starts_on": _date(programme.cohort_starts_on),
        "dates_note": programme.dates_note,
        "fund_size": programme.fund_size,
        "amount_min": programme.amount_min,
        "amount_max": programme.amount_max,
        "funding_note": programme.funding_note,
        "cost": programme.cost,
        "duration": programme.duration,
        "cohort_size_min": programme.cohort_size_min,
        "cohort_size_max": programme.cohort_size_max,
        "how_to_apply": programme.how_to_apply,
        "website": programme.website or None,
        "eligibility": {
            "places": [
                {"slug": place.slug, "name": place.name, "code": place.code or None}
                for place in programme.places.all()
            ],
            "sectors": [sector.slug for sector in programme.sectors.all()],
            "stages": [stage.slug for stage in programme.stages.all()],
            "employees_min": programme.employees_min,
            "employees_max": programme.employees_max,
            "turnover_min": programme.turnover_min,
            "turnover_max": programme.turnover_max,
            "growth": programme.growth,
            "audience": programme.audience,
            "rules_known": programme.rules_known,
            "note": programme.eligibility_note,
        },
        "clusters": [cluster.slug for cluster in programme.clusters.all()],
        "related": [
            {"kind": relation.kind, "slug": relation.related.slug}
            for relation in programme.relations.all()
        ],
        "outcomes": [outcome.text for outcome in programme.outcomes.all()],
        "sources": [
            {"slug": link.source.slug, "facts": link.facts}
            for link in programme.programme_sources.all()
        ],
        "outside_documents": programme.outside_documents,
        "documents_read_on": _date(programme.documents_read_on),
        "last_verified": _date(programme.last_verified),
    }


def download(*, today: datetime.date, absolute: Absolute) -> dict:
    """The whole catalogue, with its licence and the sources' attribution."""
    return {
        "publisher": PUBLISHER,
        "licence": LICENCE,
        "attribution": attribution(Source.objects.all()),
        "generated_on": today.isoformat(),
        "about": absolute(reverse("site:about")),
        "programmes": [
            record(programme, today=today, absolute=absolute) for programme in catalogue()
        ],
    }


#: The CSV's columns: one row per programme; lists are joined with "; ".
CSV_COLUMNS = (
    "slug",
    "name",
    "url",
    "summary",
    "providers",
    "delivery_partners",
    "support_types",
    "status",
    "status_confirmed",
    "evidence_year",
    "opens_on",
    "closes_on",
    "cohort_starts_on",
    "fund_size",
    "amount_min",
    "amount_max",
    "cost",
    "duration",
    "how_to_apply",
    "website",
    "places",
    "place_codes",
    "sectors",
    "stages",
    "employees_min",
    "employees_max",
    "turnover_min",
    "turnover_max",
    "growth",
    "audience",
    "rules_known",
    "eligibility_note",
    "clusters",
    "sources",
    "documents_read_on",
    "last_verified",
)

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(*, today: datetime.date, absolute: Absolute) -> str:
    """The catalogue as CSV, one row per programme, for spreadsheets. Cells that a
    spreadsheet would run as a formula are prefixed with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for programme in catalogue():
        data = record(programme, today=today, absolute=absolute)
        rules = data["eligibility"]
        row = {
            **data,
            **{key: rules[key] for key in rules if key not in ("places", "note")},
            "providers": [p["name"] for p in data["providers"]],
            "delivery_partners": [p["name"] for p in data["delivery_partners"]],
            "places": [place["slug"] for place in rules["places"]],
            "place_codes": [place["code"] for place in rules["places"] if place["code"]],
            "eligibility_note": rules["note"],
            "sources": [source["slug"] for source in data["sources"]],
        }
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _organisation(provider) -> dict:
    return {"slug": provider.slug, "name": provider.name, "website": provider.website or None}


def _date(value: datetime.date | None) -> str | None:
    return value.isoformat() if value else None


def without_empty(data: dict) -> dict:
    """``data`` without the keys whose value is None, "" or an empty list: schema.org and
    Open Referral both want an unknown left out, not null."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


# schema.org JSON-LD (https://schema.org/), for search engines.


def programme_json_ld(programme: Programme, *, today: datetime.date, absolute: Absolute) -> dict:
    """A programme as a schema.org ``Service``: who provides it, where and for whom,
    and (``offers``) the money per business, the cost and the dates, where known."""
    status, status_confirmed = status_of(programme, today)
    money = without_empty(
        {
            "@type": "MonetaryAmount",
            "currency": "GBP",
            "minValue": programme.amount_min,
            "maxValue": programme.amount_max,
        }
    )
    offer = without_empty(
        {
            "@type": "Offer",
            "description": programme.cost,
            "validFrom": _date(programme.opens_on),
            "validThrough": _date(programme.closes_on),
            # The money a business can get, when the programme offers money.
            "itemOffered": {"@type": _money_type(programme), "amount": money}
            if len(money) > 2
            else None,
        }
    )
    audience = without_empty(
        {
            "@type": "BusinessAudience",
            "audienceType": _audience_words(programme),
            "numberOfEmployees": _quantity(programme.employees_min, programme.employees_max),
            "yearlyRevenue": _quantity(programme.turnover_min, programme.turnover_max, "GBP"),
        }
    )
    return without_empty(
        {
            "@context": "https://schema.org",
            "@type": "Service",
            "@id": absolute(programme.get_absolute_url()),
            "name": programme.name,
            "description": programme.summary,
            "url": absolute(programme.get_absolute_url()),
            "sameAs": programme.website,
            "serviceType": [support.name for support in programme.support_types.all()],
            "provider": [
                without_empty({"@type": "Organization", "name": p.name, "url": p.website})
                for p in programme.providers.all()
            ],
            "areaServed": [_area(place) for place in programme.places.all()],
            "audience": audience,
            "offers": offer if len(offer) > 1 else None,
            "additionalProperty": [
                {"@type": "PropertyValue", "name": "status", "value": status},
                {"@type": "PropertyValue", "name": "status confirmed", "value": status_confirmed},
            ],
        }
    )


def website_json_ld(*, absolute: Absolute) -> dict:
    """The site as a schema.org ``WebSite`` whose search is the finder's ``q``."""
    home = absolute(reverse("finder:home"))
    return {
        "@context": "https://schema.org",
        "@type": "WebSite",
        "name": PUBLISHER,
        "url": home,
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": f"{home}?q={{search_term_string}}"},
            "query-input": "required name=search_term_string",
        },
    }


# Characters that could end the <script> element or open a comment inside it, written
# as JSON escapes (as Django's json_script does for "application/json").
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld_script(data: dict) -> SafeString:
    """``data`` as a ``<script type="application/ld+json">`` element. A data block is
    never run, so the site's CSP (no inline script) does not apply to it; its text is
    escaped so that no value can close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


def _money_type(programme: Programme) -> str:
    """The schema.org kind of money on offer: a loan, else equity, else a grant."""
    kinds = {support.slug for support in programme.support_types.all()}
    if "loan" in kinds:
        return "LoanOrCredit"
    if "equity" in kinds:
        return "InvestmentOrDeposit"
    return "MonetaryGrant"


def _area(place) -> dict:
    area = {"@type": "AdministrativeArea", "name": place.name}
    if place.code:
        area["identifier"] = {"@type": "PropertyValue", "propertyID": "GSS", "value": place.code}
    return area


def _quantity(low: int | None, high: int | None, unit: str | None = None) -> dict | None:
    if low is None and high is None:
        return None
    return without_empty(
        {
            "@type": "MonetaryAmount" if unit else "QuantitativeValue",
            "currency": unit,
            "minValue": low,
            "maxValue": high,
        }
    )


def _audience_words(programme: Programme) -> str:
    if programme.audience == Programme.Audience.WOMEN_LEADERS:
        return "Women leading or managing a business"
    if programme.growth != Programme.Growth.ANY:
        return programme.get_growth_display()
    return "Businesses"
