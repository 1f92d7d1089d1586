"""Places of any size (issue 17, item 1), over the real catalogue: a business whose place
holds a programme's area, or part of it, is told "check that your business is there"
(unknown), never that it is outside; one whose place lies wholly within is met; one
whose place shares nothing with it is unmet."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

API = "/api/match/"


def geography(client, location: str, slug: str) -> dict:
    """The geography reason ``slug`` gets for a business in ``location``, with the list
    it is in."""
    found = client.get(API, {"location": location, "include_closed": "1"}).json()
    for kind in ("results", "near_misses"):
        for item in found[kind]:
            if item["slug"] == slug:
                (reason,) = [r for r in item["reasons"] if r["criterion"] == "geography"]
                return {"list": kind, **reason}
    raise AssertionError(f"{slug} is not shown for {location}")


@pytest.mark.parametrize(
    ("location", "slug", "outcome", "text"),
    [
        # The region holds the combined authority the front door serves.
        (
            "west-midlands",
            "business-growth-west-midlands",
            "unknown",
            "Open to businesses in West Midlands Combined Authority; West Midlands includes "
            "West Midlands Combined Authority: check that your business is there.",
        ),
        # A county holding the one district a programme serves.
        (
            "nottinghamshire",
            "upscaler-in-ashfield",
            "unknown",
            "Open to businesses in Ashfield; Nottinghamshire includes Ashfield: check that "
            "your business is there.",
        ),
        # A nation holding the region.
        ("england", "business-growth-west-midlands", "unknown", None),
        # Wholly inside: met, as before.
        ("coventry", "business-growth-west-midlands", "met", None),
        ("ashfield", "upscaler-in-ashfield", "met", None),
        # Nothing shared: unmet, as before.
        ("derby", "business-growth-west-midlands", "unmet", None),
        ("west-midlands", "upscaler-in-ashfield", "unmet", None),
    ],
)
def test_geography_for_places_of_any_size(client, real_catalogue, location, slug, outcome, text):
    reason = geography(client, location, slug)
    assert reason["outcome"] == outcome, reason
    if text is not None:
        assert reason["text"] == text
    if outcome != "unmet":
        assert reason["list"] == "results"
    assert "is outside" not in reason["text"] or outcome == "unmet"
