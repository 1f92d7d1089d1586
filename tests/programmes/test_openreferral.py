"""The Open Referral UK 3.0 feed (/openreferral/), held to the standard itself: the
vendored ORUK OpenAPI description fuzzes it with schemathesis, and every service, taxonomy
and term the real catalogue gives is validated against the vendored JSON schemas with
jsonschema. Nothing is fetched: programmes/oruk/ holds the standard (README there)."""

from __future__ import annotations

import datetime
import uuid

import jsonschema
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from programmes.models import Programme, ProgrammeRelation
from programmes.openreferral import (
    TAXONOMIES,
    all_terms,
    make_id,
    oruk_openapi,
    oruk_schema,
    status_and_alert,
)
from tests.factories import (
    make_geography,
    make_place,
    make_programme,
    make_provider,
    make_sector,
    make_support_type,
)
from tests.figures import record
from tests.openapi_fuzz import django_app, fuzz

MAX_EXAMPLES = 60
FORMATS = jsonschema.Draft202012Validator.FORMAT_CHECKER


def validate(instance: dict, schema: dict) -> None:
    """Validate with the dialect the ORUK description names (2020-12), formats included
    (uuid, uri, email, date-time)."""
    jsonschema.Draft202012Validator(schema, format_checker=FORMATS).validate(instance)


def status_is_ours(ctx, response, case) -> bool | None:
    """200, or the clear 400 / 404 this feed answers bad input with, in the API's error
    shape: the published description lists only 200, so schemathesis's own status check
    cannot be used."""
    assert response.status_code in (200, 400, 404), response.status_code
    if response.status_code != 200:
        errors = response.json()["errors"]
        assert errors and all(isinstance(m, str) for ms in errors.values() for m in ms)
    assert response.headers["access-control-allow-origin"] == ["*"]
    return None


def test_openreferral_conforms_to_the_published_description(real_catalogue) -> None:
    """schemathesis, from the vendored ORUK description, against the real catalogue:
    no server error, the content type and body the standard describes for every 200,
    and a clear 400 or 404 otherwise. Real ids are mixed in with generated ones, so the
    single-record endpoints are exercised as well as refused."""
    schema = schemathesis.openapi.from_dict(
        {**oruk_openapi(), "servers": [{"url": "/openreferral"}]}
    )
    schema.app = django_app()
    real_ids = {
        "/services/{id}": [make_id("service", p.slug) for p in Programme.objects.all()],
        "/taxonomies/{id}": [taxonomy.id for taxonomy in TAXONOMIES],
        "/taxonomy_terms/{id}": [term.id for term in all_terms()],
    }
    counts = fuzz(
        schema,
        checks=[
            not_a_server_error,
            content_type_conformance,
            response_schema_conformance,
            status_is_ours,
        ],
        max_examples=MAX_EXAMPLES,
        ids=lambda path: real_ids.get(path, []),
    )
    record("schemathesis: /openreferral/ cases (ORUK description)", counts.total())
    # Every operation ran (9), the four lists also with parameters they forbid.
    assert len(counts) == 13, sorted(counts)


def test_openreferral_every_record_validates_against_the_oruk_schemas(client, real_catalogue):
    """Every service (listed and fully nested), every taxonomy and every term of the real
    catalogue against the vendored JSON schemas."""
    service_schema = oruk_schema("compiled/service.json")
    list_item_schema = oruk_schema("compiled/service_list.json")
    taxonomy_schema = oruk_schema("taxonomy.json")
    term_schema = oruk_schema("taxonomy_term.json")
    validated = 0

    listed = client.get("/openreferral/services", {"per_page": 200}).json()
    assert listed["total_items"] == Programme.objects.count() == len(listed["contents"])
    for item in listed["contents"]:
        validate(item, list_item_schema)
        full = client.get(f"/openreferral/services/{item['id']}").json()
        validate(full, service_schema)
        validated += 2
    taxonomies = client.get("/openreferral/taxonomies").json()["contents"]
    assert len(taxonomies) == len(TAXONOMIES)
    for taxonomy in taxonomies:
        validate(client.get(f"/openreferral/taxonomies/{taxonomy['id']}").json(), taxonomy_schema)
        validated += 1
    terms = client.get("/openreferral/taxonomy_terms", {"per_page": 200}).json()
    assert terms["total_items"] == len(terms["contents"]) > 20
    for term in terms["contents"]:
        validate(term, term_schema)
        validate(client.get(f"/openreferral/taxonomy_terms/{term['id']}").json(), term_schema)
        validated += 2
    record("jsonschema: ORUK records validated", validated)


def test_openreferral_the_schemas_refuse_what_the_standard_forbids():
    """The validation can fail: a service without a status, or with a status the
    standard does not have, or an id that is not a UUID."""
    schema = oruk_schema("compiled/service.json")
    good = {"id": str(uuid.uuid4()), "name": "A service", "status": "active"}
    validate(good, schema)
    for bad in (
        {"id": good["id"], "name": "A service"},
        {**good, "status": "open"},
        {**good, "id": "not-a-uuid"},
        {**good, "assured_date": None},
    ):
        with pytest.raises(jsonschema.ValidationError):
            validate(bad, schema)


@pytest.fixture
def feed(db):
    """A small catalogue of our own: one open, well-evidenced programme with money, rules
    and a provider, and a closed one succeeded by it."""
    make_place("coventry", code="E08000026")
    places = make_geography()
    provider = make_provider("aston-university", name="Aston University")
    make_support_type("loan")
    make_sector("manufacturing")
    open_one = make_programme(
        slug="growth-loans",
        name="Growth loans",
        providers=[provider],
        places=[places["coventry"]],
        support_types=["loan"],
        sectors=["manufacturing"],
        amount_min=25_000,
        amount_max=1_000_000,
        employees_min=10,
        cost="Free to apply",
        last_verified=datetime.date(2026, 1, 5),
    )
    closed = make_programme(
        slug="old-loans", name="Old loans", status="closed", places=[places["coventry"]]
    )
    ProgrammeRelation.objects.create(programme=closed, related=open_one, kind="succeeded-by")
    return {"open": open_one, "closed": closed, "places": places}


def test_openreferral_service_carries_the_programme(client, feed):
    programme = feed["open"]
    service_id = make_id("service", programme.slug)
    assert uuid.UUID(service_id).version == 5
    response = client.get(f"/openreferral/services/{service_id}")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    service = response.json()
    validate(service, oruk_schema("compiled/service.json"))
    assert service["id"] == service_id
    assert service["name"] == "Growth loans"
    assert service["status"] == "active"
    assert "alert" not in service
    assert service["organization"]["name"] == "Aston University"
    assert service["organization_id"] == make_id("organization", "aston-university")
    area = service["service_areas"][0]
    assert area["name"] == "Coventry"
    assert area["uri"] == "http://statistics.data.gov.uk/id/statistical-geography/E08000026"
    terms = {
        (a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["term"]) for a in service["attributes"]
    }
    assert ("Support types", "loan") in terms
    assert ("Sectors", "manufacturing") in terms
    assert service["x_funding"] == {
        "currency": "GBP",
        "amount_min": 25_000,
        "amount_max": 1_000_000,
    }
    assert service["x_eligibility"]["employees_min"] == 10
    assert service["cost_options"][0]["amount_description"] == "Free to apply"
    assert service["assured_date"] == "2026-01-05"
    # Unknowns are left out, never null.
    assert None not in service.values()
    assert "url" not in service  # no website known


def test_openreferral_leaves_out_an_unchecked_assured_date(client, feed):
    unchecked = make_programme(slug="unchecked", last_verified=None)
    service = client.get(f"/openreferral/services/{make_id('service', unchecked.slug)}").json()
    assert "assured_date" not in service


def test_openreferral_status_is_mapped_honestly(feed):
    today = datetime.date.today()
    assert status_and_alert(feed["closed"], today) == (
        "defunct",
        "Closed. Replaced by Growth loans.",
    )
    stale = make_programme(slug="stale", evidence_year=2019)
    status, alert = status_and_alert(stale, today)
    assert status == "inactive"
    assert "Status not confirmed: our latest evidence is from 2019" in alert
    proposed = make_programme(slug="idea", status="proposed")
    assert status_and_alert(proposed, today)[0] == "inactive"
    assert "Proposed" in status_and_alert(proposed, today)[1]


def test_openreferral_lists_filter_by_term_taxonomy_and_words(client, feed):
    loan = make_id("support-type", "loan")
    listed = client.get("/openreferral/services", {"taxonomy_term_id": loan}).json()
    assert [s["name"] for s in listed["contents"]] == ["Growth loans"]
    by_taxonomy = client.get(
        "/openreferral/services", {"taxonomy_id": make_id("taxonomy", "sector")}
    )
    assert [s["name"] for s in by_taxonomy.json()["contents"]] == ["Growth loans"]
    words = client.get("/openreferral/services", {"search": "OLD"}).json()
    assert [s["name"] for s in words["contents"]] == ["Old loans"]
    page = client.get("/openreferral/services", {"per_page": 1, "page": 2}).json()
    assert page == {
        **page,
        "total_items": 2,
        "total_pages": 2,
        "page_number": 2,
        "size": 1,
        "first_page": False,
        "last_page": True,
        "empty": False,
    }
    past_the_end = client.get("/openreferral/services", {"per_page": 1, "page": 9}).json()
    assert past_the_end["contents"] == [] and past_the_end["size"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "1000"}, "per_page"),
        ({"per_page": "9" * 5000}, "per_page"),
        ({"taxonomy_term_id": "loan"}, "taxonomy_term_id"),
        ({"taxonomy_id": str(uuid.uuid4())}, "taxonomy_id"),
        ({"minimum_age": "old"}, "minimum_age"),
        ({"start_time": "noon"}, "start_time"),
        ({"day": "someday"}, "day"),
        ({"search": "x\x00"}, "search"),
        ({"search": "x" * 201}, "search"),
        ({"maximum_age": "inf"}, "maximum_age"),
    ],
)
def test_openreferral_bad_parameters_are_a_clear_400(client, feed, query, field):
    response = client.get("/openreferral/services", query)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    # Said in our words, naming what the parameter takes (not Django's "Ensure this...").
    assert not errors[field][0].startswith("Ensure")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_openreferral_a_parameter_twice_is_a_400(client, feed):
    response = client.get("/openreferral/services?page=1&page=2")
    assert response.status_code == 400
    assert response.json() == {"errors": {"page": ["Give page only once"]}}


@pytest.mark.parametrize(
    "path", ["services", "taxonomies", "taxonomy_terms", "service_at_locations"]
)
def test_openreferral_unknown_ids_are_a_clear_404(client, feed, path):
    response = client.get(f"/openreferral/{path}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "No " in response.json()["errors"]["id"][0]


def test_openreferral_root_names_the_standard_and_its_description(client, db):
    root = client.get("/openreferral/").json()
    assert root["version"] == "HSDS-UK-3.0"
    assert root["profile"].startswith("https://github.com/OpenReferralUK/")
    described = client.get(root["openapi_url"])
    assert described.status_code == 200
    assert described.json()["info"]["title"] == "Open Referral UK Profile"


def test_openreferral_ids_are_stable_uuids():
    assert make_id("service", "growth-loans") == make_id("service", "growth-loans")
    assert make_id("service", "growth-loans") != make_id("organization", "growth-loans")


def test_cors_only_on_the_open_endpoints(client, feed):
    assert client.get("/openreferral/taxonomies")["Access-Control-Allow-Origin"] == "*"
    for path in ("/", "/about/", f"/programmes/{feed['open'].slug}/"):
        assert "Access-Control-Allow-Origin" not in client.get(path)
