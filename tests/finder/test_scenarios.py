"""What business owners see from the real catalogue: scenario tests through /api/match/
and the finder page. These are tests about the catalogue, so they load it."""

from __future__ import annotations

from clusters.models import Place
from programmes.models import Programme

API = "/api/match/"


def search(client, **params) -> dict:
    response = client.get(API, params)
    assert response.status_code == 200, response.content
    return response.json()


def slugs(items: list[dict]) -> list[str]:
    return [item["slug"] for item in items]


def test_coventry_manufacturer_wanting_digital_adoption_is_offered_made_smarter(
    client, real_catalogue
) -> None:
    body = search(client, location="coventry", sector="manufacturing", support="digital-adoption")

    assert slugs(body["results"])[0] == "made-smarter-west-midlands"
    made_smarter = body["results"][0]
    # The sources name the programme's place and sector, not all of its rules: never
    # "eligible", and the reason says so.
    assert made_smarter["match"] == "possible"
    assert {r["criterion"]: r["outcome"] for r in made_smarter["reasons"]} == {
        "geography": "met",
        "sector": "met",
        "rules": "unknown",
    }
    assert "Coventry is inside it" in made_smarter["reasons"][0]["text"]


def test_derby_business_never_sees_west_midlands_only_programmes(client, real_catalogue) -> None:
    west_midlands = Place.objects.inside("west-midlands")
    west_midlands_only = {
        programme.slug
        for programme in Programme.objects.prefetch_related("places")
        if {place.slug for place in programme.places.all()} <= west_midlands
    }
    assert {"made-smarter-west-midlands", "west-midlands-co-investment-fund"} <= west_midlands_only

    body = search(client, location="derby", include_closed="1")

    offered = set(slugs(body["results"]))
    assert {"midlands-engine-investment-fund-ii", "help-to-grow-management"} <= offered
    assert offered.isdisjoint(west_midlands_only)
    meif = next(
        item for item in body["results"] if item["slug"] == "midlands-engine-investment-fund-ii"
    )
    assert "Derby is inside it" in meif["reasons"][0]["text"]
    for near_miss in body["near_misses"]:
        # Anything West Midlands-only can only be a near miss on geography.
        if near_miss["slug"] in west_midlands_only:
            unmet = [r["criterion"] for r in near_miss["reasons"] if r["outcome"] == "unmet"]
            assert unmet == ["geography"]


def test_seeking_3m_equity_sees_co_investment_fund_as_near_miss_naming_its_limit(
    client, real_catalogue
) -> None:
    body = search(client, location="birmingham", funding="3000000", support="equity")

    assert "west-midlands-co-investment-fund" not in slugs(body["results"])
    fund = next(
        item for item in body["near_misses"] if item["slug"] == "west-midlands-co-investment-fund"
    )
    (unmet,) = [r for r in fund["reasons"] if r["outcome"] == "unmet"]
    assert unmet["criterion"] == "funding"
    assert "up to £1m" in unmet["text"] and "£3m" in unmet["text"]
    # MEIF II offers equity up to £5m, so it is a match.
    assert "midlands-engine-investment-fund-ii" in slugs(body["results"])


def test_upscaler_appears_only_when_closed_programmes_are_requested(client, real_catalogue) -> None:
    hidden = search(client, location="ashfield")
    shown = search(client, location="ashfield", include_closed="1")

    assert "upscaler" not in slugs(hidden["results"]) + slugs(hidden["near_misses"])
    upscaler = next(item for item in shown["results"] if item["slug"] == "upscaler")
    assert upscaler["status"] == "closed"
    assert {"upscaler-at-the-dryden-enterprise-centre", "upscaler-in-ashfield"} <= set(
        slugs(upscaler["successors"])
    )


def test_scaleup_test_is_said_back_to_the_user(client, real_catalogue) -> None:
    response = client.get(
        "/", {"location": "coventry", "employees": "30", "employees_3y_ago": "12"}
    )

    html = response.content.decode()
    assert "You had 12 employees three years ago and 30 now" in html
    assert "so you meet the OECD scaleup measure" in html


def test_proposed_programme_hidden_by_default_and_marked_when_shown(client, real_catalogue) -> None:
    hidden = search(client, location="birmingham")
    shown = search(client, location="birmingham", include_closed="1")

    assert "speed-to-scale-region-programme" not in slugs(hidden["results"])
    speed = next(
        item for item in shown["results"] if item["slug"] == "speed-to-scale-region-programme"
    )
    assert speed["status"] == "proposed"


def test_words_raise_the_programmes_that_mention_them_and_hide_none(client, real_catalogue) -> None:
    plain = search(client, location="west-midlands")
    for q in ("export", "exports", "Export?"):
        body = search(client, location="west-midlands", q=q)
        assert body["count"] == plain["count"], q
        assert slugs(body["results"])[0] == "grow-london-global-west-midlands", q
        assert f"Mentions “{q.rstrip('?')}”" in body["results"][0]["fit"]
        mentioning = ["Mentions" in " ".join(item["fit"]) for item in body["results"]]
        assert mentioning == sorted(mentioning, reverse=True), "mentions first"
    # A woman-led agency keeps its results when it says so in words.
    agency = {"location": "derby", "sector": "creative-and-digital"}
    assert search(client, **agency, q="women")["count"] == search(client, **agency)["count"]


def test_coventry_automotive_supplier_meets_a_manufacturing_programme(
    client, real_catalogue
) -> None:
    body = search(client, location="coventry", sector="automotive")

    made_smarter = next(
        item for item in body["results"] if item["slug"] == "made-smarter-west-midlands"
    )
    sector = next(r for r in made_smarter["reasons"] if r["criterion"] == "sector")
    assert sector["outcome"] == "met"
    assert sector["text"] == (
        "For businesses in Manufacturing; you are in Automotive, which is a kind of manufacturing."
    )
    assert "Specific to manufacturing, which includes your sector" in made_smarter["fit"]
    assert "made-smarter-west-midlands" not in slugs(body["near_misses"])
    # A sector that is not a kind of manufacturing still misses it.
    retail = search(client, location="coventry", sector="retail")
    assert "made-smarter-west-midlands" in slugs(retail["near_misses"])
