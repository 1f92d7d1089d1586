"""The advisers' workbench (issue 19): enquiries named by the business, a programme
picker that marks what is not open, referrals made straight from a match and marked on
the enquiry, followed up by an adviser on a date, removable when made by mistake, and
what they achieved, rolled up on the programme's admin page."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from finder.admin import ProgrammeChoiceField, ReferralForm
from finder.models import Enquiry, Referral
from tests.finder.advice_data import (
    add_url,
    adviser_user,
    change_url,
    changelist_url,
    editor_user,
    make_catalogue,
    make_enquiry,
    make_referral,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def catalogue():
    return make_catalogue()


@pytest.fixture
def adviser(django_user_model):
    return adviser_user(django_user_model)


def test_enquiries_and_referrals_are_named_by_the_business(catalogue) -> None:
    enquiry = make_enquiry(catalogue, business_name="Soho Foundry Ltd")
    referral = make_referral(enquiry, catalogue.growth_grant)
    assert str(enquiry) == "Soho Foundry Ltd"
    assert str(referral) == "Soho Foundry Ltd to Growth Grant"


def test_programme_picker_puts_open_programmes_first_and_marks_the_rest(catalogue) -> None:
    field = ProgrammeChoiceField()
    labels = [label for _, label in list(field.choices)[1:]]
    assert labels.index("Growth Grant") < labels.index("Old Scheme — closed")
    assert "Old Scheme" not in labels  # never unmarked


def test_programme_picker_marks_a_programme_past_its_closing_date(catalogue) -> None:
    catalogue.growth_grant.closes_on = TODAY - DAY
    catalogue.growth_grant.save()
    labels = [label for _, label in list(ProgrammeChoiceField().choices)[1:]]
    assert "Growth Grant — closed" in labels


def test_enquiry_and_referral_pages_have_no_view_on_site_link(client, adviser, catalogue):
    enquiry = make_enquiry(catalogue)
    referral = make_referral(enquiry, catalogue.growth_grant)
    client.force_login(adviser)
    for obj in (enquiry, referral):
        page = client.get(change_url(obj)).content.decode()
        assert "View on site" not in page


def test_enquiry_matches_offer_refer_and_mark_the_programmes_referred(
    client, adviser, catalogue
) -> None:
    enquiry = make_enquiry(catalogue)
    client.force_login(adviser)
    page = client.get(change_url(enquiry)).content.decode()
    refer = (
        f'href="{add_url(Referral)}?enquiry={enquiry.pk}&amp;programme='
        f'{catalogue.growth_grant.pk}">Refer'
    )
    assert refer in page

    # Following the link: the form opens with both chosen and the adviser as follower.
    form = client.get(
        f"{add_url(Referral)}?enquiry={enquiry.pk}&programme={catalogue.growth_grant.pk}"
    )
    initial = form.context["adminform"].form.initial
    assert (int(initial["enquiry"]), int(initial["programme"])) == (
        enquiry.pk,
        catalogue.growth_grant.pk,
    )
    assert initial["adviser"] == adviser.pk
    saved = client.post(
        add_url(Referral),
        {
            "enquiry": enquiry.pk,
            "programme": catalogue.growth_grant.pk,
            "status": "referred",
            "referred_on": TODAY.isoformat(),
            "adviser": adviser.pk,
            "follow_up_on": (TODAY + 7 * DAY).isoformat(),
        },
    )
    # Back to the enquiry, which now marks the programme as referred.
    assert saved.status_code == 302
    assert saved["Location"] == change_url(enquiry)
    referral = Referral.objects.get(enquiry=enquiry)
    assert (referral.adviser, referral.created_by) == (adviser, adviser)
    page = client.get(change_url(enquiry)).content.decode()
    assert f'href="{change_url(referral)}">Referred: referred</a>' in page
    assert refer not in page


def test_adviser_can_remove_a_referral_made_by_mistake(client, adviser, catalogue) -> None:
    referral = make_referral(make_enquiry(catalogue), catalogue.growth_grant)
    client.force_login(adviser)
    delete = change_url(referral).replace("/change/", "/delete/")
    assert client.get(delete).status_code == 200
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not Referral.objects.filter(pk=referral.pk).exists()
    # The enquiry itself goes only by the retention period.
    enquiry = Enquiry.objects.get()
    enquiry_delete = change_url(enquiry).replace("/change/", "/delete/")
    assert client.get(enquiry_delete).status_code == 403


def test_referral_records_what_it_achieved_as_people_write_money(catalogue) -> None:
    enquiry = make_enquiry(catalogue)
    form = ReferralForm(
        {
            "programme": catalogue.growth_grant.pk,
            "status": "completed",
            "referred_on": (TODAY - 30 * DAY).isoformat(),
            "outcome_on": TODAY.isoformat(),
            "amount_secured": "£250k",
            "jobs_expected": "12",
        },
        instance=Referral(enquiry=enquiry),
    )
    assert form.is_valid(), form.errors
    referral = form.save()
    assert (referral.amount_secured, referral.jobs_expected) == (250_000, 12)


@pytest.mark.parametrize("status", ["suggested", "referred", "declined"])
def test_referral_refuses_an_achievement_before_the_programme_takes_the_client_on(
    catalogue, status: str
) -> None:
    form = ReferralForm(
        {"programme": catalogue.growth_grant.pk, "status": status, "amount_secured": "£1m"},
        instance=Referral(enquiry=make_enquiry(catalogue)),
    )
    assert not form.is_valid()
    assert form.errors["amount_secured"] == [
        "Record the amount secured once the programme has accepted the client: set the "
        "status to accepted or completed, or leave this blank."
    ]
    assert not Referral.objects.exists()


def test_referral_refuses_money_it_cannot_read(catalogue) -> None:
    form = ReferralForm(
        {"programme": catalogue.growth_grant.pk, "status": "accepted", "amount_secured": "1,5"},
        instance=Referral(enquiry=make_enquiry(catalogue)),
    )
    assert not form.is_valid()
    assert "commas only between thousands" in form.errors["amount_secured"][0]


def test_admin_home_lists_my_referrals_due_and_open(
    client, adviser, catalogue, django_user_model
) -> None:
    other = django_user_model.objects.create_user(username="other", is_staff=True)
    enquiry = make_enquiry(catalogue, business_name="Soho Foundry Ltd")
    second = make_enquiry(catalogue, business_name="Brindley Widgets Ltd")
    overdue = make_referral(
        enquiry, catalogue.growth_grant, adviser=adviser, follow_up_on=TODAY - 3 * DAY
    )
    later = make_referral(
        second, catalogue.digital_leaders, adviser=adviser, follow_up_on=TODAY + 9 * DAY
    )
    make_referral(second, catalogue.growth_grant, adviser=other, follow_up_on=TODAY)
    make_referral(
        enquiry,
        catalogue.digital_leaders,
        adviser=adviser,
        status="completed",
        referred_on=TODAY - 9 * DAY,
        outcome_on=TODAY,
        follow_up_on=TODAY - DAY,
    )
    client.force_login(adviser)
    page = client.get("/admin/").content.decode()
    desk = page[
        page.index('id="adviser-desk"') : page.index("</div>", page.index('id="adviser-desk"'))
    ]
    assert "My referrals due for follow-up (1)" in desk
    assert "My open referrals (2)" in desk
    due_part, open_part = desk.split("My open referrals")
    assert f'href="{change_url(overdue)}">Soho Foundry Ltd to Growth Grant</a>' in due_part
    assert "was due" in due_part
    assert change_url(later) not in due_part
    assert open_part.index(change_url(overdue)) < open_part.index(change_url(later))
    # The link to the rest lists exactly those.
    listed = client.get(
        f"{changelist_url(Referral)}?follow_up=open&adviser__id__exact={adviser.pk}"
    )
    assert {r.pk for r in listed.context["cl"].queryset} == {overdue.pk, later.pk}


def test_admin_home_has_no_referrals_for_content_editors(client, django_user_model) -> None:
    client.force_login(editor_user(django_user_model))
    page = client.get("/admin/").content.decode()
    assert "adviser-desk" not in page


def test_programme_admin_rolls_up_its_referrals_outcomes(client, adviser, catalogue) -> None:
    grant = catalogue.growth_grant
    for name, status, amount, jobs in [
        ("A Ltd", "completed", 250_000, 4),
        ("B Ltd", "accepted", 100_000, None),
        ("C Ltd", "declined", None, None),
        ("D Ltd", "referred", None, None),
    ]:
        make_referral(
            make_enquiry(catalogue, business_name=name),
            grant,
            status=status,
            referred_on=TODAY - 10 * DAY,
            outcome_on=TODAY if status in ("completed", "declined") else None,
            amount_secured=amount,
            jobs_expected=jobs,
        )
    client.force_login(adviser)
    page = client.get(change_url(grant)).content.decode()
    assert (
        "1 referred, 1 accepted, 1 declined, 1 completed; £350,000 secured and 4 jobs expected"
        in page
    )
