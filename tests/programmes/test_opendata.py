"""The catalogue as open data: the bulk downloads (JSON and CSV) linked from the About
page, and the schema.org JSON-LD on programme pages and the home page."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import jsonschema
import pytest
from django.urls import reverse

from finder.openapi import document
from finder.vocabulary import current
from programmes.opendata import CSV_COLUMNS, LICENCE, json_ld_script
from tests.factories import make_geography, make_place, make_programme, make_provider

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


def build_catalogue() -> dict:
    make_place("coventry", code="E08000026")
    places = make_geography()
    loans = make_programme(
        slug="growth-loans",
        name="Growth loans",
        summary="Loans for growing firms.",
        providers=[make_provider("aston-university", name="Aston University")],
        places=[places["coventry"]],
        support_types=["loan"],
        amount_min=25_000,
        amount_max=1_000_000,
        employees_min=10,
        turnover_max=5_000_000,
        closes_on=datetime.date(2099, 3, 31),
        website="https://example.org/loans",
    )
    women = make_programme(
        slug="women-lead",
        name='=HYPERLINK("http://evil")',
        audience="women-leaders",
        evidence_year=2019,
    )
    return {"loans": loans, "women": women}


@pytest.fixture
def catalogue(db) -> dict:
    return build_catalogue()


def test_catalogue_json_holds_every_programme_with_rules_sources_and_licence(client, catalogue):
    response = client.get(reverse("site:catalogue-json"))
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    jsonschema.validate(data, document(current())["components"]["schemas"]["Catalogue"])
    assert data["licence"] == LICENCE
    assert [source["publisher"] for source in data["attribution"]] == ["Tests", "Tests"]
    loans = {p["slug"]: p for p in data["programmes"]}["growth-loans"]
    assert loans["eligibility"]["places"] == [
        {"slug": "coventry", "name": "Coventry", "code": "E08000026"}
    ]
    assert loans["eligibility"]["employees_min"] == 10
    assert (loans["amount_min"], loans["amount_max"]) == (25_000, 1_000_000)
    assert loans["status"] == "open" and loans["status_confirmed"] is True
    assert loans["last_verified"] == "2026-01-01"
    assert loans["sources"][0]["slug"].startswith("evidence-")
    women = {p["slug"]: p for p in data["programmes"]}["women-lead"]
    assert women["status_confirmed"] is False  # its newest source is from 2019


def test_catalogue_csv_one_row_per_programme(client, catalogue):
    response = client.get(reverse("site:catalogue-csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(rows[0]) == CSV_COLUMNS
    by_slug = {row["slug"]: row for row in rows}
    assert set(by_slug) == {"growth-loans", "women-lead"}
    loans = by_slug["growth-loans"]
    assert loans["places"] == "coventry"
    assert loans["place_codes"] == "E08000026"
    assert loans["support_types"] == "loan"
    assert loans["amount_max"] == "1000000"
    assert loans["status_confirmed"] == "yes"
    assert loans["closes_on"] == "2099-03-31"
    # A cell a spreadsheet would run as a formula is neutralised.
    assert by_slug["women-lead"]["name"] == '\'=HYPERLINK("http://evil")'


def test_downloads_ignore_parameters_and_refuse_posts(client, catalogue):
    assert client.get(reverse("site:catalogue-csv"), {"x": "\x00"}).status_code == 200
    assert client.post(reverse("site:catalogue-json")).status_code == 405


def test_about_page_links_the_downloads_and_licence(client, catalogue):
    page = client.get(reverse("site:about")).content.decode()
    for name in ("site:catalogue-csv", "site:catalogue-json", "openreferral:root"):
        assert f'href="{reverse(name)}"' in page
    assert f'href="{LICENCE["url"]}" rel="license"' in page


def _json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in JSON_LD.findall(html)]


def test_programme_page_describes_the_programme_in_json_ld(client, catalogue):
    response = client.get(catalogue["loans"].get_absolute_url())
    [service] = _json_ld(response.content.decode())
    assert service["@context"] == "https://schema.org"
    assert service["@type"] == "Service"
    assert service["name"] == "Growth loans"
    assert service["provider"] == [{"@type": "Organization", "name": "Aston University"}]
    assert service["areaServed"] == [
        {
            "@type": "AdministrativeArea",
            "name": "Coventry",
            "identifier": {"@type": "PropertyValue", "propertyID": "GSS", "value": "E08000026"},
        }
    ]
    assert service["audience"]["numberOfEmployees"] == {
        "@type": "QuantitativeValue",
        "minValue": 10,
    }
    assert service["offers"] == {
        "@type": "Offer",
        "validThrough": "2099-03-31",
        "itemOffered": {
            "@type": "LoanOrCredit",
            "amount": {
                "@type": "MonetaryAmount",
                "currency": "GBP",
                "minValue": 25000,
                "maxValue": 1000000,
            },
        },
    }
    assert service["sameAs"] == "https://example.org/loans"


def test_json_ld_for_women_leaders_and_unconfirmed_status(client, catalogue):
    [service] = _json_ld(client.get(catalogue["women"].get_absolute_url()).content.decode())
    assert service["audience"]["audienceType"] == "Women leading or managing a business"
    assert {"@type": "PropertyValue", "name": "status confirmed", "value": False} in service[
        "additionalProperty"
    ]
    assert "offers" not in service


def test_home_page_describes_the_site_and_its_search(client, db):
    [site] = _json_ld(client.get(reverse("finder:home")).content.decode())
    assert site["@type"] == "WebSite"
    action = site["potentialAction"]
    assert action["target"]["urlTemplate"] == "http://testserver/?q={search_term_string}"


def test_json_ld_cannot_close_its_script_element():
    html = json_ld_script({"name": "</script><script>alert(1)</script> & <!--"})
    assert html.count("</script>") == 1
    assert json.loads(JSON_LD.search(html).group(1))["name"].startswith("</script>")
