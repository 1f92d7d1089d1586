"""Facts from outside the source documents are marked (issue "A catalogue that says how
fresh it is", item 2), over the shipped catalogue files.

Each entry's `outside_documents` says which of its facts did not come from the
documents in seeds/register.yaml, and pages show them as not confirmed. The documents
are not kept in this repository (their sentences are not ours), so these checks hold
the files to what can be decided from the files themselves:

* the documents give no web addresses: every website is marked;
* a programme's providers and delivery partners are named in what it says it took from
  its sources (`sources[].facts`), or in its `outside_documents`; or the programme is
  named after the provider; or the provider's own entry marks its name as not from the
  documents (the documents refer to it without naming it, such as "its seven local
  authorities").
"""

from __future__ import annotations

import re

import pytest

from programmes import catalogue


@pytest.fixture(scope="module")
def shipped() -> catalogue.Catalogue:
    result = catalogue.read()
    assert result.ok, [str(problem) for problem in result.problems]
    return result


def initials(name: str) -> str:
    """ "West Midlands Combined Authority" gives "wmca", "UK Research and Innovation"
    "ukri": each word's capitals and digits, as the documents abbreviate names."""
    return "".join(re.sub(r"[^A-Z0-9]", "", word) for word in name.split()).lower()


def mentions(text: str, name: str) -> bool:
    text = text.lower()
    short = initials(name)
    return name.lower() in text or (
        len(short) >= 3 and re.search(rf"\b{re.escape(short)}\b", text) is not None
    )


def test_initials() -> None:
    assert initials("West Midlands Combined Authority") == "wmca"
    assert initials("UK Research and Innovation") == "ukri"
    assert mentions("Run by WMCA with its councils.", "West Midlands Combined Authority")
    assert not mentions("Run by WMCAX.", "West Midlands Combined Authority")


@pytest.mark.parametrize("kind", ["provider", "programme"])
def test_every_website_is_marked_as_outside_the_documents(shipped, kind) -> None:
    unmarked = [
        slug
        for slug, entry in shipped.entries[kind].items()
        if entry.data.get("website")
        and "website" not in entry.data.get("outside_documents", "").lower()
    ]
    assert unmarked == []


def test_every_provider_of_a_programme_is_sourced_or_marked(shipped) -> None:
    providers = shipped.entries["provider"]
    unsourced = []
    for slug, entry in shipped.entries["programme"].items():
        data = entry.data
        said = " ".join(
            [item.get("facts", "") for item in data.get("sources", [])]
            + [data.get("outside_documents", "")]
        )
        for provider_slug in data.get("providers", []) + data.get("delivery_partners", []):
            provider = providers[provider_slug].data
            if mentions(said, provider["name"]) or provider["name"].lower() in data["name"].lower():
                continue
            if "name" in provider.get("outside_documents", "").lower():
                continue
            unsourced.append(f"{slug}: {provider['name']}")
    assert unsourced == []


def test_a_source_of_no_stated_year_says_so(shipped) -> None:
    """Two documents carry no date: their year in the register is marked."""
    marked = {
        slug
        for slug, entry in shipped.entries["source"].items()
        if "year" in entry.data.get("outside_documents", "").lower()
    }
    assert marked == {"speed-to-scale-region-programme", "wm-plan-for-growth-overview"}
