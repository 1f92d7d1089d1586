"""The public programme pages: the A to Z and one page per programme."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from clusters.models import Source
from finder import vocabulary
from programmes.models import Outcome, Programme, ProgrammeRelation, ProgrammeSource
from tests.factories import (
    make_cluster,
    make_place,
    make_programme,
    make_provider,
    make_support_type,
)

pytestmark = pytest.mark.django_db

# Every page title ends with the service name, after an en dash.
SITE = "\N{EN DASH} Scaleup Support Finder"

TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def make_source(slug: str, **fields) -> Source:
    source, _ = Source.objects.get_or_create(
        slug=slug,
        defaults={
            "title": fields.get("title", f"Review {slug}"),
            "publisher": "ScaleUp Institute",
            "year": 2023,
            "covers": "A review.",
        },
    )
    return source


def cite(programme: Programme, source: Source, facts: str) -> None:
    ProgrammeSource.objects.create(programme=programme, source=source, facts=facts)


def relate(programme: Programme, related: Programme, kind: str) -> None:
    ProgrammeRelation.objects.create(programme=programme, related=related, kind=kind)


def text_of(response) -> str:
    """The page as a reader sees it: tags removed, entities decoded, spaces collapsed."""
    return text_of_html(response.content.decode())


def text_of_html(page: str) -> str:
    # Inline tags (a link in a sentence) join their text; block tags separate it.
    page = re.sub(r"</?(a|strong|span|abbr|em)\b[^>]*>", "", page)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def title_of(response) -> str:
    return html.unescape(re.search(r"<title>(.*?)</title>", response.content.decode()).group(1))


def status_tag(response) -> str:
    """The first GOV.UK tag on the page after the h1: the programme's status."""
    page = response.content.decode()
    after_h1 = page[page.index("</h1>") :]
    return re.search(r'<strong class="govuk-tag[^"]*">([^<]+)</strong>', after_h1).group(1)


# --- Programme.effective_status, as the pages show it ------------------------------------


def test_detail_shows_a_programme_past_its_closing_date_as_closed(client) -> None:
    programme = make_programme(name="Late Fund", status=Programme.Status.OPEN, closes_on=YESTERDAY)
    response = client.get(programme.get_absolute_url())
    assert status_tag(response) == "Closed"
    assert "This programme has closed" in text_of(response)
    assert "Check if this fits your business" not in text_of(response)


def test_detail_shows_a_programme_closing_today_as_open(client) -> None:
    programme = make_programme(name="Last Day Fund", closes_on=TODAY)
    response = client.get(programme.get_absolute_url())
    assert status_tag(response) == "Open"
    assert "Check if this fits your business" in text_of(response)


# --- Programme page ----------------------------------------------------------------


def test_detail_shows_money_dates_format_and_who_runs_it(client) -> None:
    programme = make_programme(
        name="Scale Fund",
        fund_size=400_000_000,
        amount_min=25_000,
        amount_max=5_000_000,
        cost="Free",
        duration="20 weeks",
        cohort_size_min=10,
        cohort_size_max=20,
        opens_on=datetime.date(2023, 3, 1),
        closes_on=TODAY + datetime.timedelta(days=400),
        how_to_apply="Speak to an adviser.",
        providers=[make_provider("bank", name="British Business Bank")],
        support_types=[make_support_type("equity", name="Equity investment")],
    )
    page = text_of(client.get(programme.get_absolute_url()))
    assert "Funding per business £25,000 to £5m" in page
    assert "Total fund £400m" in page
    assert "Cost to your business Free" in page
    assert "How long it lasts 20 weeks" in page
    assert "Businesses in each group 10 to 20" in page
    assert "Opened 1 March 2023" in page
    assert f"Closes {programme.closes_on:%-d %B %Y}" in page
    assert "Run by British Business Bank" in page
    assert "Type of support Equity investment" in page
    assert "Speak to an adviser." in page


def test_detail_lists_eligibility_as_a_checklist_with_places_linked(client) -> None:
    coventry = make_place("coventry", name="Coventry")
    programme = make_programme(
        name="Growth Leaders",
        places=[coventry],
        employees_min=10,
        employees_max=249,
        growth=Programme.Growth.SCALEUP,
        eligibility_note="Must be VAT registered.",
    )
    response = client.get(programme.get_absolute_url())
    page = text_of(response)
    assert "Who can apply" in page
    assert "Where Coventry" in page
    assert "Sectors Any" in page
    assert "Employees 10 to 249" in page
    assert "Growth Scaleups by the OECD measure" in page
    assert "Other conditions Must be VAT registered." in page
    assert f'href="{coventry.get_absolute_url()}"' in response.content.decode()


def test_detail_lists_sources_with_their_facts_and_when_they_were_read(client) -> None:
    programme = make_programme(
        name="Sourced",
        documents_read_on=datetime.date(2026, 1, 5),
        last_verified=datetime.date(2026, 2, 6),
    )
    cite(programme, make_source("review-2023", title="Annual Review 2023"), "Fund size.")
    Outcome.objects.create(programme=programme, text="282 scaleups completed")
    page = text_of(client.get(programme.get_absolute_url()))
    assert "Annual Review 2023" in page
    assert "Facts taken from it: Fund size." in page
    assert "Read against these sources on 5 January 2026" in page
    assert "Last checked against current information from the provider on 6 February 2026" in page
    assert "Results reported 282 scaleups completed" in page


def test_detail_says_when_nobody_has_checked_it_as_current(client) -> None:
    programme = make_programme(name="Unchecked", last_verified=None)
    page = text_of(client.get(programme.get_absolute_url()))
    assert "Nobody has yet checked it against current information from the provider" in page


def test_detail_links_successors_and_predecessors_both_ways(client) -> None:
    old = make_programme(name="Old Scheme", status=Programme.Status.CLOSED)
    new = make_programme(name="New Scheme")
    relate(old, new, ProgrammeRelation.Kind.SUCCEEDED_BY)

    old_page = client.get(old.get_absolute_url()).content.decode()
    assert "It has been replaced by:" in text_of_html(old_page)
    assert f'href="{new.get_absolute_url()}"' in old_page
    assert "Succeeded by New Scheme" in text_of_html(old_page)

    new_page = client.get(new.get_absolute_url()).content.decode()
    assert "Replaces Old Scheme" in text_of_html(new_page)
    assert f'href="{old.get_absolute_url()}"' in new_page


def test_detail_links_clusters_served_and_the_finder_prefilled(client) -> None:
    cluster = make_cluster("health-tech", name="Health tech")
    programme = make_programme(
        name="Med Accelerator",
        clusters=[cluster],
        support_types=["loan", "equity"],
    )
    page = client.get(programme.get_absolute_url()).content.decode()
    assert f'href="{cluster.get_absolute_url()}"' in page
    finder = reverse("finder:home")
    # Open: the finder checks this programme. Closed: it looks for similar support.
    assert f'href="{finder}?programme={programme.slug}" role="button"' in page
    programme.status = Programme.Status.CLOSED
    programme.save()
    page = client.get(programme.get_absolute_url()).content.decode()
    assert f'href="{finder}?support=equity&amp;support=loan" role="button"' in page


def test_detail_marks_a_proposed_programme_as_not_open_to_applications(client) -> None:
    programme = make_programme(name="Big Bid", status=Programme.Status.PROPOSED)
    response = client.get(programme.get_absolute_url())
    assert status_tag(response) == "Proposed"
    assert "has not been funded" in text_of(response)


def test_detail_has_title_breadcrumbs_and_skip_link(client) -> None:
    programme = make_programme(name="Titled")
    response = client.get(programme.get_absolute_url())
    assert title_of(response) == f"Titled {SITE}"
    page = response.content.decode()
    assert 'class="govuk-skip-link"' in page
    assert f'<a class="govuk-breadcrumbs__link" href="{reverse("programmes:index")}">' in page


def test_detail_unknown_slug_is_404(client) -> None:
    assert client.get(reverse("programmes:detail", args=["no-such-programme"])).status_code == 404


def test_detail_is_where_the_admins_view_on_site_goes(client) -> None:
    programme = make_programme(name="Viewable")
    admin = get_user_model().objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)
    content_type = ContentType.objects.get_for_model(Programme)
    response = client.get(f"/admin/r/{content_type.pk}/{programme.pk}/")
    assert response.status_code == 302
    assert response.url.endswith(f"/programmes/{programme.slug}/")
    assert client.get(response.url).status_code == 200


def build_detail_catalogue(size: int) -> Programme:
    """A programme with ``size`` of everything its page lists."""
    programme = make_programme(
        name="Busy",
        places=[make_place(f"place-{n}") for n in range(size)],
        sectors=[f"sector-{n}" for n in range(size)],
        stages=[f"stage-{n}" for n in range(size)],
        support_types=[f"support-{n}" for n in range(size)],
        providers=[f"provider-{n}" for n in range(size)],
        clusters=[f"cluster-{n}" for n in range(size)],
    )
    programme.delivery_partners.add(*(make_provider(f"partner-{n}") for n in range(size)))
    for n in range(size):
        relate(programme, make_programme(), ProgrammeRelation.Kind.SUCCEEDED_BY)
        relate(make_programme(), programme, ProgrammeRelation.Kind.PART_OF)
        cite(programme, make_source(f"source-{n}"), "Facts.")
        Outcome.objects.create(programme=programme, position=n, text=f"Outcome {n}")
    return programme


@pytest.mark.parametrize("size", [3, 30])
def test_detail_query_count_does_not_grow_with_the_programme(
    client, django_assert_num_queries, size
) -> None:
    programme = build_detail_catalogue(size)
    # The places' vocabulary, which each process keeps (finder/vocabulary.py), read now.
    vocabulary.current()
    # 1 the programme; then one prefetch each for providers, delivery partners, support
    # types, places, sectors, stages, clusters, outcomes, relations (+ related programme),
    # inverse relations (+ programme) and sources (+ source); 1 the front doors; 1 the
    # catalogue version the places' vocabulary is kept by: 14.
    with django_assert_num_queries(14):
        response = client.get(programme.get_absolute_url())
    assert response.status_code == 200
    assert text_of(response).count("Outcome ") == size


# --- The A to Z ---------------------------------------------------------------------


def letters(response) -> list[str]:
    return re.findall(
        r'<h2 class="govuk-heading-l[^"]*" id="letter-([^"]+)"', response.content.decode()
    )


def names_listed(response) -> list[str]:
    return re.findall(
        r'<a class="govuk-link" href="/programmes/[^"]+/">([^<]+)</a>', response.content.decode()
    )


def test_index_lists_every_programme_under_letter_headings(client) -> None:
    for name in ["beta Fund", "Alpha Grants", "aardvark Loans", "3D Print Support"]:
        make_programme(name=name)
    make_programme(name="Closed Scheme", status=Programme.Status.CLOSED)
    response = client.get(reverse("programmes:index"))
    assert response.status_code == 200
    assert letters(response) == ["0-9", "A", "B", "C"]
    assert names_listed(response) == [
        "3D Print Support",
        "aardvark Loans",
        "Alpha Grants",
        "beta Fund",
        "Closed Scheme",
    ]
    assert "5 programmes" in text_of(response)
    assert title_of(response) == f"Programmes A to Z {SITE}"


def test_index_filters_by_status_as_it_is_today(client) -> None:
    make_programme(name="Open Fund")
    make_programme(name="Lapsed Fund", status=Programme.Status.OPEN, closes_on=YESTERDAY)
    make_programme(name="Old Fund", status=Programme.Status.CLOSED)
    response = client.get(reverse("programmes:index"), {"status": "closed"})
    assert names_listed(response) == ["Lapsed Fund", "Old Fund"]
    assert "2 programmes match your filters" in text_of(response)
    response = client.get(reverse("programmes:index"), {"status": "open"})
    assert names_listed(response) == ["Open Fund"]


def test_index_filters_by_support_type_and_counts_each_option(client) -> None:
    make_support_type("equity", name="Equity")
    make_support_type("grant", name="Grant")
    make_programme(name="Equity Fund", support_types=["equity"])
    make_programme(name="Mixed Fund", support_types=["equity", "grant"])
    make_programme(name="Shut Equity", support_types=["equity"], status=Programme.Status.CLOSED)
    response = client.get(reverse("programmes:index"), {"support": "equity", "status": "open"})
    assert names_listed(response) == ["Equity Fund", "Mixed Fund"]
    page = response.content.decode()
    # Support counts keep the status filter; status counts keep the support filter.
    assert '<option value="equity" selected>Equity (2)</option>' in page
    assert '<option value="grant">Grant (1)</option>' in page
    assert '<option value="closed">Closed (1)</option>' in page
    assert '<option value="open" selected>Open (2)</option>' in page


def test_index_rejects_unknown_filters_with_400_and_an_error_title(client) -> None:
    response = client.get(reverse("programmes:index"), {"status": "bogus", "support": "magic"})
    assert response.status_code == 400
    assert title_of(response).startswith("Error: ")
    page = text_of(response)
    assert "There is a problem" in page
    assert "Choose a status from the list" in page
    assert "Choose a type of support from the list" in page
    assert names_listed(response) == []


@pytest.mark.parametrize("size", [3, 30])
def test_index_query_count_does_not_grow_with_the_catalogue(
    client, django_assert_num_queries, size
) -> None:
    make_support_type("equity")
    for n in range(size):
        make_programme(name=f"Programme {n:02}", support_types=["equity"])
    # 1 support types for the form; 2 the programmes; 3 status counts; 4 support counts.
    with django_assert_num_queries(4):
        response = client.get(reverse("programmes:index"), {"support": "equity"})
    assert len(names_listed(response)) == size


# --- The real catalogue -------------------------------------------------------------


def test_every_catalogue_programme_has_a_page(client, real_catalogue) -> None:
    slugs = list(Programme.objects.values_list("slug", flat=True))
    assert len(slugs) >= 27
    for slug in slugs:
        response = client.get(reverse("programmes:detail", args=[slug]))
        assert response.status_code == 200, slug
    response = client.get(reverse("programmes:index"))
    assert names_listed(response) == sorted(
        Programme.objects.values_list("name", flat=True), key=str.lower
    )


def test_catalogue_co_investment_fund_page(client, real_catalogue) -> None:
    page = text_of(client.get("/programmes/west-midlands-co-investment-fund/"))
    assert "Funding per business Up to £1m" in page
    assert "Total fund £25m" in page
    assert "Type of support Equity investment" in page
    assert "Where West Midlands Combined Authority" in page
    assert "ScaleUp Annual Review 2023: West Midlands" in page
    assert "Read against these sources on" in page


def test_catalogue_meif_ii_page(client, real_catalogue) -> None:
    page = text_of(client.get("/programmes/midlands-engine-investment-fund-ii/"))
    assert "Funding per business £25,000 to £5m" in page
    assert "Total fund £400m" in page
    assert "Where East Midlands, South East Midlands, West Midlands" in page
    assert "Replaces Midlands Engine Investment Fund" in page


def test_catalogue_upscaler_is_closed_and_points_to_its_successors(client, real_catalogue) -> None:
    response = client.get("/programmes/upscaler/")
    assert status_tag(response) == "Closed"
    page = text_of(response)
    # The source gives the month only, so the page says it in words, not as a day.
    assert "This programme has closed. You cannot apply to it." in page
    assert "July 2021" in page
    for successor in [
        "digital-upscaler",
        "upscaler-at-the-dryden-enterprise-centre",
        "upscaler-in-ashfield",
    ]:
        assert f'href="/programmes/{successor}/"' in response.content.decode()
    assert "Results reported 230 SMEs took part" in page


def test_catalogue_speed_to_scale_is_proposed(client, real_catalogue) -> None:
    response = client.get("/programmes/speed-to-scale-region-programme/")
    assert status_tag(response) == "Proposed"
    assert "Total fund £460m" in text_of(response)
    assert "You cannot apply: the programme has not been funded." in text_of(response)
