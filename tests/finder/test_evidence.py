"""A status shows as confirmed only on recent evidence: read from the fixtures
themselves, every programme of the shipped catalogue whose newest source is older than
FINDER_EVIDENCE_MONTHS says "Status not confirmed" on its card, its page and in the API,
and never "Open now"."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from programmes.eligibility import confirmed
from tests.factories import make_programme

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def fixture_evidence() -> dict[str, int]:
    """The year of each programme's newest source, from the files."""
    years = {
        entry["slug"]: entry["year"]
        for entry in yaml.safe_load((ROOT / "seeds" / "register.yaml").read_text())
    }
    found = {}
    for path in sorted((ROOT / "fixtures" / "programmes").glob("*.yaml")):
        entry = yaml.safe_load(path.read_text())
        newest = max((years[cited["source"]] for cited in entry.get("sources", [])), default=0)
        found[entry["slug"]] = newest
    return found


def test_no_programme_on_old_evidence_is_shown_as_confirmed(client, real_catalogue) -> None:
    today = timezone.localdate()
    evidence = fixture_evidence()
    assert len(evidence) >= 28
    stale_open = 0
    for slug, year in evidence.items():
        body = client.get("/api/match/", {"programme": slug}).json()["checked"]
        assert body["evidence_year"] == (year or None), slug
        fresh = (today.year - year) * 12 + today.month - 12 <= settings.FINDER_EVIDENCE_MONTHS
        assert body["status_confirmed"] is fresh, slug
        page = client.get(f"/programmes/{slug}/").content.decode()
        if body["status"] in ("open", "opening-soon") and not fresh:
            stale_open += 1
            assert "Open now" not in body["fit"], slug
            assert "Status not confirmed" in page, slug
        else:
            assert "Status not confirmed" not in page, slug
    # Today every source is from 2023 or before: no open programme is confirmed.
    assert stale_open >= 20
    html = client.get("/", {"location": "coventry"}).content.decode()
    assert "Open now" not in html
    assert "Status not confirmed" in html


def test_confirmed_counts_a_years_evidence_from_its_december() -> None:
    today = datetime.date(2026, 12, 3)
    with override_settings(FINDER_EVIDENCE_MONTHS=18):
        assert confirmed(2026, today) and confirmed(2025, today)
        assert not confirmed(2024, today)  # 24 months since December 2024
        assert confirmed(2025, datetime.date(2027, 6, 30))  # 18 months
        assert not confirmed(2025, datetime.date(2027, 7, 1))
        assert not confirmed(0, today)  # no dated source


def test_recent_evidence_earns_open_now(client) -> None:
    make_programme(slug="recent", name="Recent")
    make_programme(slug="old", name="Old", evidence_year=2020)
    make_programme(slug="none", name="Undated", evidence_year=None)
    body = client.get("/api/match/", {"include_closed": "0"}).json()
    by_slug = {item["slug"]: item for item in body["results"]}
    assert by_slug["recent"]["status_confirmed"] and "Open now" in by_slug["recent"]["fit"]
    for slug in ("old", "none"):
        assert not by_slug[slug]["status_confirmed"] and "Open now" not in by_slug[slug]["fit"]
    assert body["results"][0]["slug"] == "recent"
