"""/api/openapi.json: the public JSON API described in OpenAPI 3.1, and the API fuzzed
from that description with schemathesis against the real catalogue. Every response must
be one the description lists, in the content type and shape it gives, with its CORS
header, and a request the description forbids must be refused with a 400."""

from __future__ import annotations

import jsonschema
import schemathesis
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from finder.openapi import document
from finder.vocabulary import current
from programmes.eligibility import CRITERIA
from tests.figures import record
from tests.openapi_fuzz import django_app, fuzz

MAX_EXAMPLES = 150


def test_openapi_describes_the_api(client, db):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    described = response.json()
    assert described["openapi"] == "3.1.0"
    assert set(described["paths"]) == {
        "/api/match/",
        "/api/openapi.json",
        "/downloads/catalogue.json",
        "/downloads/catalogue.csv",
    }
    match = described["paths"]["/api/match/"]["get"]
    names = [parameter["name"] for parameter in match["parameters"]]
    # Every field of the finder's form is a parameter, and nothing else is.
    from finder.forms import BusinessProfileForm

    assert set(names) == {*BusinessProfileForm(version=None).fields, "page"}
    assert set(match["responses"]) == {"200", "400", "429", "503"}
    reason = described["components"]["schemas"]["Reason"]["properties"]["criterion"]
    assert reason["enum"] == [criterion.name for criterion in CRITERIA]


def test_a_refused_api_request_is_as_described(client, db, settings):
    """The 429 of the rate limit (finder/limits.py), which the fuzzing never meets (the
    tests run without limits), is in the described shape, with its Retry-After."""
    described = client.get("/api/openapi.json").json()
    settings.FINDER_RATE_LIMITS = {**settings.FINDER_RATE_LIMITS, "api": "1/m"}
    client.get("/api/match/")
    refused = client.get("/api/match/")
    assert refused.status_code == 429
    answer = described["paths"]["/api/match/"]["get"]["responses"]["429"]
    assert int(refused["Retry-After"]) > 0
    assert refused["Access-Control-Allow-Origin"] == "*"
    schema = {**answer["content"]["application/json"]["schema"], **described}
    jsonschema.validate(refused.json(), schema)


def test_openapi_offers_the_catalogues_own_vocabularies(client, real_catalogue):
    described = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p for p in described["paths"]["/api/match/"]["get"]["parameters"]}
    assert "coventry" in parameters["location"]["schema"]["enum"]
    assert "equity" in parameters["support"]["schema"]["items"]["enum"]
    assert described == document(current())


def test_api_conforms_to_its_openapi_description(client, real_catalogue):
    """schemathesis, from /api/openapi.json as served, over the real catalogue."""
    schema = schemathesis.openapi.from_dict(client.get("/api/openapi.json").json())
    schema.app = django_app()
    counts = fuzz(
        schema,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
        max_examples=MAX_EXAMPLES,
    )
    record("schemathesis: /api/ cases (our OpenAPI description)", counts.total())
    # Four operations; /api/match/ also with the parameters its description forbids.
    assert len(counts) == 5, sorted(counts)
