"""Enquiries and referrals through the admin, as an adviser uses them."""

from __future__ import annotations

import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from finder.models import Enquiry, Referral
from programmes.eligibility import Level
from tests.finder.advice_data import (
    add_url,
    adviser_user,
    change_url,
    changelist_url,
    editor_user,
    form_data,
    history_url,
    make_catalogue,
    make_enquiry,
    make_programme,
    make_referral,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return make_catalogue()


@pytest.fixture
def adviser(django_user_model):
    return adviser_user(django_user_model)


@pytest.fixture
def editor(django_user_model):
    return editor_user(django_user_model)


def matches_in(html: str) -> dict[str, str]:
    """Programme slug -> the HTML of its entry in the matching programmes field."""
    found = re.findall(r'<li class="finder-match" data-programme="([^"]+)">(.*?)</ul>', html, re.S)
    return dict(found)


def new_enquiry_data(catalogue, **overrides) -> dict[str, str | list[str]]:
    """The add form as an adviser fills it in: a client and one referral."""
    data = {
        "business_name": "Soho Foundry Ltd",
        "contact_name": "Matthew Boulton",
        "email": "matthew@soho.example",
        "phone": "0121 000 0000",
        "notes": "Wants to expand the works.",
        "location": str(catalogue.birmingham.pk),
        "sector": str(catalogue.manufacturing.pk),
        "stage": str(catalogue.established.pk),
        "employees": "40",
        "turnover": "2000000",
        "funding_sought": "500000",
        "support_wanted": [str(catalogue.grant.pk)],
        "employees_3y_ago": "",
        "turnover_3y_ago": "",
        "free_text": "",
        "referrals-TOTAL_FORMS": "1",
        "referrals-INITIAL_FORMS": "0",
        "referrals-MIN_NUM_FORMS": "0",
        "referrals-MAX_NUM_FORMS": "1000",
        "referrals-0-programme": str(catalogue.growth_grant.pk),
        "referrals-0-status": "referred",
        "referrals-0-referred_on": "2025-03-01",
        "referrals-0-outcome_on": "",
        "referrals-0-notes": "Introduced to the grant team.",
    }
    data.update(overrides)
    return data


def test_enquiry_admin_adviser_records_an_enquiry_with_a_referral(client, adviser, catalogue):
    client.force_login(adviser)
    assert client.get(add_url(Enquiry)).status_code == 200
    response = client.post(add_url(Enquiry), new_enquiry_data(catalogue))
    assert response.status_code == 302, response.context["adminform"].form.errors
    enquiry = Enquiry.objects.get(business_name="Soho Foundry Ltd")
    assert enquiry.created_by == adviser
    assert enquiry.location == catalogue.birmingham
    assert enquiry.funding_sought == 500_000
    assert list(enquiry.support_wanted.all()) == [catalogue.grant]
    referral = enquiry.referrals.get()
    assert referral.programme == catalogue.growth_grant
    assert referral.status == Referral.Status.REFERRED
    assert referral.created_by == adviser


@pytest.mark.parametrize(
    ("typed", "saved"),
    [("£2m", 2_000_000), ("250k", 250_000), ("1,500,000", 1_500_000), ("0", None)],
)
def test_enquiry_admin_reads_money_as_the_finder_does(client, adviser, catalogue, typed, saved):
    client.force_login(adviser)
    data = {**new_enquiry_data(catalogue), "funding_sought": typed, "turnover": "£1.5m"}
    response = client.post(add_url(Enquiry), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    enquiry = Enquiry.objects.get(business_name="Soho Foundry Ltd")
    assert (enquiry.funding_sought, enquiry.turnover) == (saved, 1_500_000)


def test_enquiry_admin_refuses_ambiguous_money_and_saves_nothing(client, adviser, catalogue):
    client.force_login(adviser)
    data = {**new_enquiry_data(catalogue), "funding_sought": "1,5"}
    response = client.post(add_url(Enquiry), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "commas only between thousands" in errors["funding_sought"][0]
    assert not Enquiry.objects.filter(business_name="Soho Foundry Ltd").exists()


def test_enquiry_admin_saves_an_enquiry_without_a_place(client, adviser, catalogue):
    """The form says to leave blank what the client has not said: that includes where."""
    client.force_login(adviser)
    response = client.post(add_url(Enquiry), {**new_enquiry_data(catalogue), "location": ""})
    assert response.status_code == 302, response.context["adminform"].form.errors
    enquiry = Enquiry.objects.get(business_name="Soho Foundry Ltd")
    assert enquiry.location is None
    assert enquiry.to_profile().location is None
    page = client.get(change_url(enquiry)).content.decode()
    assert "You didn&#x27;t say where your business is" in page


@pytest.mark.parametrize(
    ("referral", "message"),
    [
        # The two dates the wrong way round: the constraint's words, not the database's.
        (
            {"referrals-0-referred_on": "2025-03-01", "referrals-0-outcome_on": "2025-02-01"},
            "The outcome is dated before the referral: check the two dates.",
        ),
        (
            {"referrals-0-outcome_on": "2999-01-01"},
            "The outcome date cannot be in the future.",
        ),
        (
            {"referrals-0-status": "completed", "referrals-0-outcome_on": ""},
            "Give the date the referral was completed.",
        ),
    ],
)
def test_enquiry_admin_refuses_a_referral_with_impossible_dates(
    client, adviser, catalogue, referral, message
):
    client.force_login(adviser)
    response = client.post(add_url(Enquiry), {**new_enquiry_data(catalogue), **referral})
    assert response.status_code == 200
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "is violated" not in response.content.decode()
    assert not Enquiry.objects.exists()


def test_enquiry_admin_adviser_updates_a_referral_status(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    referral = make_referral(enquiry, catalogue.growth_grant, status="referred")
    client.force_login(adviser)
    data = form_data(client.get(change_url(enquiry)))
    data["referrals-0-status"] = "accepted"
    data["referrals-0-outcome_on"] = "2025-04-01"
    response = client.post(change_url(enquiry), data)
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert str(referral.outcome_on) == "2025-04-01"


def test_enquiry_admin_rejects_an_outcome_before_the_referral(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    make_referral(enquiry, catalogue.growth_grant, referred_on="2025-03-01")
    client.force_login(adviser)
    data = form_data(client.get(change_url(enquiry)))
    data["referrals-0-outcome_on"] = "2025-02-01"
    response = client.post(change_url(enquiry), data)
    assert response.status_code == 200  # the form again, with the error
    assert not Referral.objects.filter(outcome_on__isnull=False).exists()


def test_referral_constraints_hold_in_the_database(catalogue):
    enquiry = make_enquiry(catalogue)
    make_referral(enquiry, catalogue.growth_grant)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_referral(enquiry, catalogue.growth_grant)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_referral(
            enquiry, catalogue.digital_leaders, referred_on="2025-03-01", outcome_on="2025-02-28"
        )


def test_enquiry_to_profile_carries_the_finder_answers(catalogue):
    enquiry = make_enquiry(
        catalogue,
        stage=catalogue.established,
        turnover=2_000_000,
        free_text="batteries",
        led_by_women=True,
    )
    enquiry.support_wanted.add(catalogue.leadership)
    profile = enquiry.to_profile()
    assert profile.location == "birmingham"
    # Birmingham lies in the combined authority, which lies in the region.
    assert profile.location_within == {"birmingham", "wmca", "west-midlands"}
    assert (profile.sector, profile.stage) == ("manufacturing", "established")
    assert (profile.employees, profile.turnover, profile.funding) == (40, 2_000_000, 500_000)
    assert profile.support == {"grant", "leadership"}
    assert profile.q == "batteries"
    assert profile.led_by_women is True
    assert profile.employees_3y_ago is None


def test_enquiry_to_profile_leaves_unanswered_questions_unknown(catalogue):
    enquiry = make_enquiry(catalogue, sector=None, employees=None, funding_sought=None)
    profile = enquiry.to_profile()
    assert profile.sector is None
    assert profile.employees is None
    assert profile.funding is None
    assert profile.led_by_women is None


def test_enquiry_admin_shows_matches_with_reasons(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    client.force_login(adviser)
    html = client.get(change_url(enquiry)).content.decode()
    matches = matches_in(html)
    # Two failures (place and amount) and a closed programme are not shown at all.
    assert set(matches) == {"growth-grant", "digital-leaders"}
    grant = matches["growth-grant"]
    assert f"<strong>{Level.ELIGIBLE.label}</strong>" in grant
    assert change_url(catalogue.growth_grant) in grant
    assert (
        '<li data-outcome="met"><strong>Met:</strong> Open to businesses in West Midlands Combined Authority'
        in grant
    )
    assert "you have 40" in grant
    assert "you are looking for £500,000" in grant
    assert 'data-outcome="unmet"' not in grant
    # The near miss is listed apart, with the one criterion it fails.
    near_misses = html.split("Near misses")[1]
    assert 'data-programme="digital-leaders"' in near_misses
    assert 'data-programme="growth-grant"' not in near_misses
    leaders = matches["digital-leaders"]
    assert f"<strong>{Level.NEAR_MISS.label}</strong>" in leaders
    assert (
        '<li data-outcome="unmet"><strong>Not met:</strong> For businesses in Digital; you are in Manufacturing.</li>'
        in leaders
    )


def test_enquiry_admin_matches_follow_the_saved_profile(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue, sector=catalogue.digital, employees=None)
    client.force_login(adviser)
    matches = matches_in(client.get(change_url(enquiry)).content.decode())
    assert f"<strong>{Level.ELIGIBLE.label}</strong>" in matches["digital-leaders"]
    # Employees not given: the grant is only possible, and says why.
    assert f"<strong>{Level.POSSIBLE.label}</strong>" in matches["growth-grant"]
    assert '<li data-outcome="unknown"><strong>Unknown:</strong>' in matches["growth-grant"]


def test_enquiry_admin_change_page_query_count_is_flat(
    client, adviser, catalogue, django_assert_max_num_queries
):
    enquiry = make_enquiry(catalogue)
    make_referral(enquiry, catalogue.growth_grant)
    client.force_login(adviser)
    url = change_url(enquiry)
    client.get(url)  # warm caches that are not per request (content types)

    def add_matching(count: int, start: int) -> None:
        for number in range(start, start + count):
            programme = make_programme(f"Extra {number:02d}", amount_max=1_000_000)
            programme.places.add(catalogue.region, catalogue.wmca)
            programme.support_types.add(catalogue.grant, catalogue.leadership)
            programme.sectors.add(catalogue.manufacturing)

    add_matching(2, start=0)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert len(matches_in(response.content.decode())) == 4

    add_matching(18, start=2)
    # Whatever the number of matches: session and user, permissions, the enquiry with its
    # location, sector and stage, its support types, the places containing its location,
    # one query and a fixed set of prefetches for each of the two lists of matches, and
    # the inline's referrals with their programmes.
    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url)
    assert len(matches_in(response.content.decode())) == 22
    assert len(many) == len(few)


def test_enquiry_admin_changelist_lists_searches_and_filters(client, adviser, catalogue):
    brindley = make_enquiry(catalogue)
    make_referral(brindley, catalogue.growth_grant, status="accepted")
    other = make_enquiry(
        catalogue,
        business_name="Trent Textiles",
        email="jo@trent.example",
        location=catalogue.nottingham,
    )
    client.force_login(adviser)

    def listed(query: dict) -> set[str]:
        response = client.get(changelist_url(Enquiry), query)
        assert response.status_code == 200
        return {enquiry.business_name for enquiry in response.context["cl"].result_list}

    assert listed({}) == {"Brindley Widgets Ltd", "Trent Textiles"}
    assert listed({"q": "jo@trent"}) == {"Trent Textiles"}
    assert listed({"location__id__exact": catalogue.birmingham.pk}) == {"Brindley Widgets Ltd"}
    assert listed({"referrals__status": "accepted"}) == {"Brindley Widgets Ltd"}
    html = client.get(changelist_url(Enquiry)).content.decode()
    assert change_url(other) in html


def test_referral_admin_filters_by_status_and_programme(client, adviser, catalogue):
    first = make_enquiry(catalogue)
    second = make_enquiry(catalogue, business_name="Trent Textiles")
    make_referral(first, catalogue.growth_grant, status="referred")
    make_referral(first, catalogue.digital_leaders, status="declined")
    make_referral(second, catalogue.growth_grant, status="completed")
    client.force_login(adviser)

    def listed(query: dict) -> set[tuple[str, str]]:
        response = client.get(changelist_url(Referral), query)
        assert response.status_code == 200
        return {
            (referral.enquiry.business_name, referral.programme.slug)
            for referral in response.context["cl"].result_list
        }

    assert listed({"status__exact": "declined"}) == {("Brindley Widgets Ltd", "digital-leaders")}
    assert listed({"programme__id__exact": catalogue.growth_grant.pk}) == {
        ("Brindley Widgets Ltd", "growth-grant"),
        ("Trent Textiles", "growth-grant"),
    }


def test_programme_admin_lists_its_referrals_for_advisers(client, adviser, catalogue):
    first = make_enquiry(catalogue)
    second = make_enquiry(catalogue, business_name="Trent Textiles")
    make_referral(first, catalogue.growth_grant, status="referred")
    make_referral(second, catalogue.growth_grant, status="completed")
    make_referral(second, catalogue.digital_leaders, status="declined")
    client.force_login(adviser)
    html = client.get(change_url(catalogue.growth_grant)).content.decode()
    assert "1 referred, 1 completed" in html
    assert f"{changelist_url(Referral)}?programme__id__exact={catalogue.growth_grant.pk}" in html
    assert "declined" not in html.split("Referrals to this programme")[1]


def test_programme_admin_hides_referrals_from_content_editors(client, editor, catalogue):
    make_referral(make_enquiry(catalogue), catalogue.growth_grant, status="referred")
    client.force_login(editor)
    response = client.get(change_url(catalogue.growth_grant))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Referrals to this programme" not in html
    assert changelist_url(Referral) not in html


def test_enquiry_history_records_who_changed_what(client, adviser, catalogue):
    client.force_login(adviser)
    client.post(add_url(Enquiry), new_enquiry_data(catalogue))
    enquiry = Enquiry.objects.get()
    data = form_data(client.get(change_url(enquiry)))
    data["employees"] = "65"
    data["referrals-0-status"] = "accepted"
    assert client.post(change_url(enquiry), data).status_code == 302

    newest, oldest = enquiry.history.all()
    assert (oldest.history_type, newest.history_type) == ("+", "~")
    assert newest.history_user == adviser and oldest.history_user == adviser
    delta = newest.diff_against(oldest)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("employees", 40, 65)]
    # The referral changed inline is attributed too, through the request.
    referral = enquiry.referrals.get()
    referral_change = referral.history.first()
    assert referral_change.history_user == adviser
    assert referral_change.diff_against(referral_change.prev_record).changed_fields == ["status"]

    page = client.get(history_url(enquiry))
    assert page.status_code == 200
    html = page.content.decode()
    assert "adviser" in html
    assert "40" in html and "65" in html


def test_enquiry_admin_shows_what_the_public_finder_shows_for_the_same_profile(
    client, adviser, catalogue
):
    """The enquiry runs the finder's own search: the same programmes in the same order,
    results and near misses apart, the support wanted included (a client asking only for
    grants is not shown leadership programmes)."""
    client.force_login(adviser)
    for support, led_by_women in (
        ([catalogue.grant], None),
        ([catalogue.leadership], True),
        ([], False),
    ):
        enquiry = make_enquiry(catalogue)
        enquiry.led_by_women = led_by_women
        enquiry.save()
        enquiry.support_wanted.set(support)
        html = client.get(change_url(enquiry)).content.decode()
        results, near_misses = html.split("Near misses")
        query = {
            "location": enquiry.location.slug,
            "sector": enquiry.sector.slug,
            "employees": enquiry.employees,
            "funding": enquiry.funding_sought,
            "support": [s.slug for s in support],
            "led_by_women": {None: "", True: "yes", False: "no"}[led_by_women],
        }
        public = client.get("/api/match/", query).json()
        for shown, listed in ((results, public["results"]), (near_misses, public["near_misses"])):
            assert re.findall(r'data-programme="([^"]+)"', shown) == [
                item["slug"] for item in listed
            ], support


def test_enquiry_admin_finds_the_place_from_a_postcode(client, adviser, catalogue):
    catalogue.birmingham.code = "E08000025"
    catalogue.birmingham.save()
    client.force_login(adviser)
    data = {**new_enquiry_data(catalogue), "location": "", "postcode": "b1 1aa"}
    response = client.post(add_url(Enquiry), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    enquiry = Enquiry.objects.get(business_name="Soho Foundry Ltd")
    assert (enquiry.location, enquiry.postcode) == (None, "B1 1AA")
    profile = enquiry.to_profile()
    assert (profile.location, profile.postcode_found) == ("birmingham", "B1 1AA is in Birmingham.")
    assert "wmca" in profile.location_within
    page = client.get(change_url(enquiry)).content.decode()
    assert "Birmingham is inside it" in page


@pytest.mark.parametrize(
    ("postcode", "location", "message"),
    [
        ("hello", "", "Enter a postcode like CV1 2AB, or the first part of one like CV7"),
        ("ZZ9 9ZZ", "", "We cannot find where the postcode ZZ9 9ZZ is"),
        ("B1 1AA", "birmingham", "Give a postcode or a location, not both"),
    ],
)
def test_enquiry_admin_refuses_a_bad_postcode_and_saves_nothing(
    client, adviser, catalogue, postcode, location, message
):
    catalogue.birmingham.code = "E08000025"
    catalogue.birmingham.save()
    client.force_login(adviser)
    place = str(getattr(catalogue, location).pk) if location else ""
    data = {**new_enquiry_data(catalogue), "location": place, "postcode": postcode}
    response = client.post(add_url(Enquiry), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["postcode"][0].startswith(message)
    assert not Enquiry.objects.filter(business_name="Soho Foundry Ltd").exists()
