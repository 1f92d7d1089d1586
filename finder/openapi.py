"""The public JSON API described in OpenAPI 3.1, at /api/openapi.json; the whole
catalogue as JSON and CSV (/downloads/, built by ``programmes.opendata``); and the rule
for which endpoints any web page may call (CORS).

The description is built from the code it describes: the vocabularies' slugs, the match
levels, outcomes, criteria and statuses come from ``programmes.eligibility`` and the
catalogue itself, so it cannot fall behind them. tests/finder/test_openapi.py fuzzes the
API from it with schemathesis.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from finder import cache, vocabulary
from finder.forms import MAX_EMPLOYEES, MONEY_FORMATS
from finder.search import PAGE_SIZE
from programmes import opendata
from programmes.eligibility import CRITERIA, Level, Outcome
from programmes.models import Programme

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0"


def open_endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Open data any web page may read: ``Access-Control-Allow-Origin: *`` (the Open
    Referral UK rule), on the public API, the feeds and the downloads only. They take no
    cookies or credentials, so there is nothing for another site to borrow."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _choice(name: str, description: str, values, example: str | None = None) -> dict:
    """A parameter taking one slug of a vocabulary (empty: not answered)."""
    return _query(name, description, {"type": "string", "enum": ["", *values]}, example=example)


def _query(name: str, description: str, schema: dict, example=None) -> dict:
    parameter = {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }
    if example is not None:
        parameter["example"] = example
    return parameter


# The parameters' patterns are what the finder's form could accept, as regular
# expressions (ECMA 262, as JSON Schema reads them): anything outside them is refused
# with a 400. The form's other rules (a maximum, whole pounds) are said in words, and
# answered with a 400 too. Python strips a few more characters as spaces than \s covers.
SPACE = r"[\s\x1c-\x1f\x85]"
WHOLE_NUMBER = {
    "type": "string",
    "pattern": rf"^(?:[0-9,]|{SPACE})*$",
    "description": f"A whole number from 0 to {MAX_EMPLOYEES:,}; commas and spaces are "
    "ignored. Empty: not answered.",
}
MONEY = {
    "type": "string",
    # Digits, commas, a point, £, spaces and the letters of k, thousand, m, mn, million,
    # bn and billion in any case (the Kelvin sign lowercases to k).
    "pattern": rf"^(?:[0-9,.£kKtThHoOuUsSaAnNdDmMiIlLbB\u212a]|{SPACE})*$",
    "description": f"Pounds, {MONEY_FORMATS}: commas only between thousands, whole pounds, "
    "up to £1,000,000,000,000, units in any case. Empty: not answered.",
}
YES_NO = (
    rf"^{SPACE}*(?:[01]|[Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|[Yy][Ee][Ss]|[Nn][Oo]"
    rf"|[Oo][Nn]|[Oo][Ff][Ff])?{SPACE}*$"
)


def match_parameters(words: vocabulary.Vocabulary) -> list[dict]:
    """The parameters of /api/match/: the finder form's fields (finder/forms.py)."""
    places = [slug for _, options in words.places for slug, _ in options]
    return [
        _choice(
            "location",
            "Where the business is: a place's slug. Not with `postcode`.",
            places,
            "coventry",
        ),
        _query(
            "postcode",
            "A UK postcode (`CV1 2AB`, any case or spacing) or its first part (`CV7`, "
            "`CV7 9`), instead of `location`: at most 20 characters, spaces around it aside. "
            "One we cannot read or find is a 400.",
            {"type": "string"},
            "CV1 2AB",
        ),
        _choice("sector", "The business's sector: a sector slug.", dict(words.sectors)),
        _choice("stage", "How long it has traded.", dict(words.stages), "established"),
        _choice(
            "led_by_women",
            "Whether women lead the business (for programmes for women leaders).",
            ["yes", "no"],
        ),
        _query("employees", "How many people it employs now.", WHOLE_NUMBER, "12"),
        _query("turnover", "Its turnover in its last full year.", MONEY, "250k"),
        _query(
            "funding",
            "How much money it is looking for; 0 means not looking for money.",
            MONEY,
            "1.5m",
        ),
        {
            "name": "support",
            "in": "query",
            "required": False,
            "description": "A kind of support wanted; repeat for several "
            "(`support=equity&support=loan`).",
            "schema": {
                "type": "array",
                "items": {"type": "string", "enum": [slug for slug, _ in words.support_types]},
            },
            "style": "form",
            "explode": True,
        },
        _query(
            "employees_3y_ago",
            "Employees three years ago: with `employees`, the finder applies the OECD scaleup "
            "test.",
            WHOLE_NUMBER,
        ),
        _query("turnover_3y_ago", "Turnover three years ago.", MONEY),
        _query(
            "q",
            "Words to search for, at most 200 characters (spaces around them aside): they "
            "rank programmes mentioning them, never hide any.",
            {"type": "string"},
            "export",
        ),
        _query(
            "programme",
            "A programme's slug: its verdict comes back as `checked`, however it fares. "
            "A slug we do not have is a 400.",
            {"type": "string", "pattern": rf"^{SPACE}*[-a-zA-Z0-9_]*{SPACE}*$"},
        ),
        _query(
            "include_closed",
            "`1` (or `yes`, `true`, `on`, any case) to include closed and proposed "
            "programmes; `0` (`no`, `false`, `off`) or empty, the default, to hide them.",
            {"type": "string", "pattern": YES_NO},
        ),
        _query(
            "near_misses",
            "`all` for every near miss, not only the ten closest.",
            {"type": "string", "enum": ["", "all"]},
        ),
        _query(
            "page",
            f"Page of results, {PAGE_SIZE} a page; anything but a whole number from 1 is "
            "page 1, and a page past the last is the last.",
            {"type": "string"},
            "2",
        ),
    ]


def components() -> dict:
    statuses = [value for value, _ in Programme.Status.choices]
    link = {
        "type": "object",
        "required": ["slug", "name", "url"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
        },
        "additionalProperties": False,
    }
    # Every property of a result is always there (null when unknown).
    result = {
        "type": "object",
        "description": "A programme and how it matches the business, criterion by criterion.",
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "Its page here."},
            "status": {"type": "string", "enum": statuses, "description": "On today's date."},
            "status_confirmed": {
                "type": "boolean",
                "description": "False: the status rests on evidence older than "
                "FINDER_EVIDENCE_MONTHS; check with the provider.",
            },
            "evidence_year": _nullable({"type": "integer"}),
            "match": {"type": "string", "enum": [value for value, _ in Level.choices]},
            "summary": {"type": "string"},
            "reasons": {"type": "array", "items": _ref("Reason")},
            "eligibility_note": {"type": "string"},
            "how_to_apply": _nullable({"type": "string"}),
            "fit": {
                "type": "array",
                "items": {"type": "string"},
                "description": "What earned it its rank.",
            },
            "successors": {"type": "array", "items": _ref("ProgrammeLink")},
        },
        "additionalProperties": False,
    }
    result["required"] = list(result["properties"])
    return {
        "schemas": {
            "ProgrammeLink": link,
            "Reason": {
                "type": "object",
                "required": ["criterion", "outcome", "text"],
                "properties": {
                    "criterion": {
                        "type": "string",
                        "enum": [criterion.name for criterion in CRITERIA],
                    },
                    "outcome": {"type": "string", "enum": [value for value, _ in Outcome.choices]},
                    "text": {"type": "string"},
                },
                "additionalProperties": False,
            },
            "Result": result,
            "Match": {
                "type": "object",
                "required": ["checked", "postcode", "count", "results", "near_misses", "ask_first"],
                "properties": {
                    "checked": _nullable(_ref("Result")),
                    "postcode": _nullable(
                        {
                            "type": "object",
                            "required": ["postcode", "found", "places"],
                            "properties": {
                                "postcode": {"type": "string"},
                                "found": {"type": "string"},
                                "places": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["slug", "name"],
                                        "properties": {
                                            "slug": {"type": "string"},
                                            "name": {"type": "string"},
                                        },
                                    },
                                },
                            },
                        }
                    ),
                    "count": {"type": "integer", "minimum": 0},
                    "results": {"type": "array", "items": _ref("Result"), "maxItems": PAGE_SIZE},
                    "near_misses": {"type": "array", "items": _ref("Result")},
                    "ask_first": {"type": "array", "items": _ref("ProgrammeLink")},
                },
                "additionalProperties": False,
            },
            "Errors": {
                "type": "object",
                "required": ["errors"],
                "properties": {
                    "errors": {
                        "type": "object",
                        "description": "Each parameter in error, with what is wrong with it.",
                        "additionalProperties": {
                            "type": "array",
                            "items": {"type": "string"},
                            "minItems": 1,
                        },
                        "minProperties": 1,
                    }
                },
                "additionalProperties": False,
                "example": {"errors": {"employees": ["The number of employees must be 0 or more"]}},
            },
            "Catalogue": catalogue_schema(statuses),
        },
        "headers": {
            "AllowAnyOrigin": {
                "description": "Any web page may read it (CORS).",
                "schema": {"type": "string", "const": "*"},
                "required": True,
            }
        },
    }


def catalogue_schema(statuses: list[str]) -> dict:
    """The bulk download (``programmes.opendata.download``)."""
    number = _nullable({"type": "integer", "minimum": 0})
    date = _nullable({"type": "string", "format": "date"})
    organisation = {
        "type": "object",
        "required": ["slug", "name", "website"],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "website": _nullable({"type": "string", "format": "uri"}),
        },
    }
    strings = {"type": "array", "items": {"type": "string"}}
    programme = {
        "type": "object",
        "required": [
            "slug",
            "name",
            "url",
            "summary",
            "status",
            "status_confirmed",
            "eligibility",
            "sources",
            "documents_read_on",
            "last_verified",
        ],
        "properties": {
            "slug": {"type": "string"},
            "name": {"type": "string"},
            "url": {"type": "string", "format": "uri"},
            "summary": {"type": "string"},
            "description": {"type": "string"},
            "providers": {"type": "array", "items": organisation},
            "delivery_partners": {"type": "array", "items": organisation},
            "support_types": strings,
            "status": {"type": "string", "enum": statuses},
            "status_confirmed": {"type": "boolean"},
            "evidence_year": number,
            "opens_on": date,
            "closes_on": date,
            "cohort_starts_on": date,
            "dates_note": {"type": "string"},
            "fund_size": number,
            "amount_min": number,
            "amount_max": number,
            "funding_note": {"type": "string"},
            "cost": {"type": "string"},
            "duration": {"type": "string"},
            "cohort_size_min": number,
            "cohort_size_max": number,
            "how_to_apply": {"type": "string"},
            "website": _nullable({"type": "string", "format": "uri"}),
            "eligibility": {
                "type": "object",
                "required": ["places", "sectors", "stages", "growth", "audience", "rules_known"],
                "properties": {
                    "places": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["slug", "name", "code"],
                            "properties": {
                                "slug": {"type": "string"},
                                "name": {"type": "string"},
                                "code": _nullable(
                                    {"type": "string", "pattern": "^[EWSNK][0-9]{8}$"}
                                ),
                            },
                        },
                    },
                    "sectors": strings,
                    "stages": strings,
                    "employees_min": number,
                    "employees_max": number,
                    "turnover_min": number,
                    "turnover_max": number,
                    "growth": {"type": "string", "enum": list(Programme.Growth.values)},
                    "audience": {"type": "string", "enum": list(Programme.Audience.values)},
                    "rules_known": {"type": "string", "enum": list(Programme.RulesKnown.values)},
                    "note": {"type": "string"},
                },
            },
            "clusters": strings,
            "related": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind", "slug"],
                    "properties": {"kind": {"type": "string"}, "slug": {"type": "string"}},
                },
            },
            "outcomes": strings,
            "sources": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "facts"],
                    "properties": {"slug": {"type": "string"}, "facts": {"type": "string"}},
                },
            },
            "outside_documents": {"type": "string"},
            "documents_read_on": date,
            "last_verified": date,
        },
    }
    return {
        "type": "object",
        "required": ["publisher", "licence", "attribution", "generated_on", "programmes"],
        "properties": {
            "publisher": {"type": "string"},
            "licence": {
                "type": "object",
                "required": ["name", "url"],
                "properties": {"name": {"type": "string"}, "url": {"type": "string"}},
            },
            "attribution": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["slug", "title", "publisher", "year"],
                    "properties": {
                        "slug": {"type": "string"},
                        "title": {"type": "string"},
                        "publisher": {"type": "string"},
                        "year": {"type": "integer"},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
            },
            "generated_on": {"type": "string", "format": "date"},
            "about": {"type": "string", "format": "uri"},
            "programmes": {"type": "array", "items": programme},
        },
    }


def _json_answer(schema: dict, description: str) -> dict:
    return {
        "description": description,
        "headers": {"Access-Control-Allow-Origin": {"$ref": "#/components/headers/AllowAnyOrigin"}},
        "content": {"application/json": {"schema": schema}},
    }


def _try_again(description: str) -> dict:
    """A refusal that says when to ask again: the errors' shape and ``Retry-After``."""
    return {
        "description": description,
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before asking again.",
                "schema": {"type": "string", "pattern": "^[0-9]+$"},
                "required": True,
            }
        },
        "content": {"application/json": {"schema": _ref("Errors")}},
    }


def document(words: vocabulary.Vocabulary) -> dict:
    """The OpenAPI 3.1 description of the public JSON API."""
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Scaleup Support Finder API",
            "version": API_VERSION,
            "summary": "Which support programmes a Midlands business can use, and why.",
            "description": "The finder's search as JSON, and the whole catalogue. The same "
            "catalogue is also published as an Open Referral UK 3.0 feed under "
            "/openreferral/ (described at /openreferral/openapi.json).",
            "license": {"name": opendata.LICENCE["name"], "url": opendata.LICENCE["url"]},
        },
        "paths": {
            "/api/match/": {
                "get": {
                    "operationId": "match",
                    "summary": "The programmes that match a business, explained",
                    "description": "Every parameter is optional; unknown parameters are "
                    "ignored; a parameter that takes one value, given twice, is an error.",
                    "parameters": match_parameters(words),
                    "responses": {
                        "200": _json_answer(
                            _ref("Match"),
                            "The eligible and possible programmes (a page of them), the "
                            "closest near misses and who to ask first.",
                        ),
                        "400": _json_answer(_ref("Errors"), "Some parameters are wrong."),
                        "429": _try_again(
                            "Too many requests from this client (FINDER_RATE_LIMIT_API): "
                            "try again after Retry-After seconds."
                        ),
                        "503": _try_again(
                            "The service cannot reach its database for a moment: try again "
                            "after Retry-After seconds."
                        ),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "responses": {
                        "200": _json_answer(
                            {"type": "object", "required": ["openapi", "info", "paths"]},
                            "The OpenAPI 3.1 description of this API.",
                        )
                    },
                }
            },
            "/downloads/catalogue.json": {
                "get": {
                    "operationId": "catalogueJson",
                    "summary": "The whole catalogue as JSON",
                    "description": "Every programme with its rules, sources and dates, the "
                    "licence and the sources' attribution. Parameters are ignored.",
                    "responses": {
                        "200": _json_answer(_ref("Catalogue"), "The whole catalogue."),
                    },
                }
            },
            "/downloads/catalogue.csv": {
                "get": {
                    "operationId": "catalogueCsv",
                    "summary": "The whole catalogue as CSV",
                    "description": "One row per programme (columns: "
                    + ", ".join(opendata.CSV_COLUMNS)
                    + "); lists are joined with '; '. Parameters are ignored.",
                    "responses": {
                        "200": {
                            "description": "The whole catalogue, UTF-8 CSV with a header row.",
                            "headers": {
                                "Access-Control-Allow-Origin": {
                                    "$ref": "#/components/headers/AllowAnyOrigin"
                                }
                            },
                            "content": {"text/csv": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
        },
        "components": components(),
    }


@require_safe
@open_endpoint
def openapi_json(request: HttpRequest) -> HttpResponse:
    """/api/openapi.json: the description, with the catalogue's own vocabularies."""
    words = vocabulary.current(cache.catalogue_version())
    return JsonResponse(document(words), json_dumps_params={"ensure_ascii": False})


def _today() -> datetime.date:
    return timezone.localdate()


@require_safe
@open_endpoint
def catalogue_json(request: HttpRequest) -> HttpResponse:
    """The bulk download as JSON."""
    response = JsonResponse(
        opendata.download(today=_today(), absolute=request.build_absolute_uri),
        json_dumps_params={"ensure_ascii": False, "indent": 1},
    )
    response["Content-Disposition"] = 'inline; filename="scaleup-support-catalogue.json"'
    return response


@require_safe
@open_endpoint
def catalogue_csv(request: HttpRequest) -> HttpResponse:
    """The bulk download as CSV, one row per programme."""
    response = HttpResponse(
        opendata.csv_text(today=_today(), absolute=request.build_absolute_uri),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="scaleup-support-catalogue.csv"'
    return response
