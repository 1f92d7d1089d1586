"""purge_enquiries: personal data is deleted once past retention, and nothing else."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from finder import settings as finder_settings
from finder.models import Enquiry, Referral
from tests.finder.advice_data import make_catalogue, make_enquiry, make_referral

pytestmark = pytest.mark.django_db

RETENTION_DAYS = 100


@pytest.fixture(autouse=True)
def retention(settings):
    settings.FINDER_ENQUIRY_RETENTION_DAYS = RETENTION_DAYS


@pytest.fixture
def catalogue():
    return make_catalogue()


def age(obj, days: float) -> None:
    """Make ``obj`` look last changed ``days`` ago (auto_now would overwrite a save)."""
    when = timezone.now() - datetime.timedelta(days=days)
    type(obj).objects.filter(pk=obj.pk).update(updated_at=when, created_at=when)


def run(*args: str, capsys) -> str:
    call_command("purge_enquiries", *args)
    return capsys.readouterr().out


@pytest.fixture
def enquiries(catalogue):
    """Four enquiries either side of the line, with history and referrals."""
    old = make_enquiry(catalogue, business_name="Old Ltd")
    old.business_name = "Old Ltd (renamed)"
    old.save()  # a second history row
    make_referral(old, catalogue.growth_grant)
    make_referral(old, catalogue.digital_leaders)
    age(old, RETENTION_DAYS + 1)
    for referral in old.referrals.all():
        age(referral, RETENTION_DAYS + 1)

    recent = make_enquiry(catalogue, business_name="Recent Ltd")
    age(recent, RETENTION_DAYS - 1)

    # Old itself, but a referral on it changed recently: the client is still being helped.
    active = make_enquiry(catalogue, business_name="Active Ltd")
    age(active, RETENTION_DAYS + 50)
    age(make_referral(active, catalogue.growth_grant), 3)

    new = make_enquiry(catalogue, business_name="New Ltd")
    make_referral(new, catalogue.growth_grant)
    return {"old": old, "recent": recent, "active": active, "new": new}


def test_purge_enquiries_deletes_exactly_what_is_past_retention(enquiries, capsys):
    old = enquiries["old"]
    out = run(capsys=capsys)
    assert set(Enquiry.objects.values_list("business_name", flat=True)) == {
        "Recent Ltd",
        "Active Ltd",
        "New Ltd",
    }
    assert not Referral.objects.filter(enquiry_id=old.pk).exists()
    assert Referral.objects.count() == 2  # Active's and New's
    # The history of the purged enquiry and its referrals goes too; the rest stays.
    assert not Enquiry.history.filter(id=old.pk).exists()
    assert not Referral.history.filter(enquiry_id=old.pk).exists()
    assert Enquiry.history.filter(id=enquiries["recent"].pk).exists()
    assert Referral.history.filter(enquiry_id=enquiries["new"].pk).exists()
    assert "Deleted 1 enquiry, 2 referrals and 4 history rows." in out
    assert f"Enquiry ids: {old.pk}" in out
    assert f"Retention: {RETENTION_DAYS} days" in out


def test_purge_enquiries_dry_run_deletes_nothing(enquiries, capsys):
    before = (Enquiry.objects.count(), Referral.objects.count(), Enquiry.history.count())
    out = run("--dry-run", capsys=capsys)
    after = (Enquiry.objects.count(), Referral.objects.count(), Enquiry.history.count())
    assert after == before
    assert "Would delete 1 enquiry, 2 referrals and 4 history rows." in out
    assert f"Enquiry ids: {enquiries['old'].pk}" in out
    assert "nothing was deleted" in out


def test_purge_enquiries_follows_the_retention_setting(enquiries, settings, capsys):
    settings.FINDER_ENQUIRY_RETENTION_DAYS = RETENTION_DAYS - 2
    out = run(capsys=capsys)
    # Now "recent" (RETENTION_DAYS - 1 days old) is past it too; "active" still is not.
    assert set(Enquiry.objects.values_list("business_name", flat=True)) == {"Active Ltd", "New Ltd"}
    ids = sorted([enquiries["old"].pk, enquiries["recent"].pk])
    assert f"Enquiry ids: {ids[0]}, {ids[1]}" in out


def test_purge_enquiries_with_nothing_to_do_says_so(catalogue, capsys):
    make_enquiry(catalogue)
    out = run(capsys=capsys)
    assert "No enquiries are past retention." in out
    assert Enquiry.objects.count() == 1


def test_enquiry_deleted_by_hand_takes_its_history_with_it(catalogue):
    enquiry = make_enquiry(catalogue)
    make_referral(enquiry, catalogue.growth_grant, notes="Personal notes")
    pk = enquiry.pk
    enquiry.delete()
    assert not Enquiry.history.filter(id=pk).exists()
    assert not Referral.history.filter(enquiry_id=pk).exists()


@pytest.mark.parametrize("raw", ["0", "-5", "two years", "1.5"])
def test_retention_setting_rejects_a_bad_value(monkeypatch, raw):
    monkeypatch.setenv("FINDER_ENQUIRY_RETENTION_DAYS", raw)
    with pytest.raises(ImproperlyConfigured, match="FINDER_ENQUIRY_RETENTION_DAYS"):
        finder_settings.env_int("FINDER_ENQUIRY_RETENTION_DAYS", 730, minimum=1)


def test_retention_setting_reads_the_environment(monkeypatch):
    monkeypatch.setenv("FINDER_ENQUIRY_RETENTION_DAYS", "365")
    assert finder_settings.env_int("FINDER_ENQUIRY_RETENTION_DAYS", 730, minimum=1) == 365
    monkeypatch.delenv("FINDER_ENQUIRY_RETENTION_DAYS")
    # The settings module itself defaults to two years.
    monkeypatch.setenv("DJANGO_DEBUG", "1")
    reloaded = importlib.reload(finder_settings)
    try:
        assert reloaded.FINDER_ENQUIRY_RETENTION_DAYS == 730
    finally:
        importlib.reload(finder_settings)
