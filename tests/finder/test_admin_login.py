"""Admin login hardening: django-axes locks a username out after repeated failures from
one address, a username tried from many addresses, and an address trying many usernames;
successful logins are recorded."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def axes_on(settings):
    # Off for the rest of the suite (tests/settings.py); these tests are about it.
    settings.AXES_ENABLED = True


@pytest.fixture
def adviser(django_user_model):
    return django_user_model.objects.create_user("adviser", password=PASSWORD, is_staff=True)


def log_in(client, username: str, password: str, address: str = "127.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_settings_lock_out_after_five_failures_for_an_hour():
    assert django_settings.FINDER_LOGIN_FAILURES_USERNAME_AND_ADDRESS == 5
    assert django_settings.FINDER_LOGIN_FAILURES_USERNAME == 20
    assert django_settings.FINDER_LOGIN_FAILURES_ADDRESS == 20
    assert datetime.timedelta(hours=1) == django_settings.AXES_COOLOFF_TIME
    assert django_settings.AXES_RESET_ON_SUCCESS is True
    assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_admin_login_works_with_the_right_password(client, adviser):
    response = log_in(client, "adviser", PASSWORD)
    assert response.status_code == 302
    assert logged_in(client)


def test_admin_login_locks_out_after_the_failure_limit(client, adviser):
    for attempt in range(1, 5):
        response = log_in(client, "adviser", "wrong")
        assert response.status_code == 200, attempt  # the form again, with an error
    assert log_in(client, "adviser", "wrong").status_code == 429  # the fifth failure
    # Now even the right password is refused.
    response = log_in(client, "adviser", PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert "too many login attempts" in response.content.decode()
    assert 'class="govuk-template__body"' in response.content.decode()  # the styled page
    assert response["Retry-After"] == "3600"


def test_admin_login_lockout_is_for_that_username_only(client, adviser, django_user_model):
    django_user_model.objects.create_user("colleague", password=PASSWORD, is_staff=True)
    for _ in range(5):
        log_in(client, "adviser", "wrong")
    assert log_in(client, "colleague", PASSWORD).status_code == 302
    assert logged_in(client)


def test_admin_login_lockout_ends_after_the_cool_off(client, adviser):
    for _ in range(5):
        log_in(client, "adviser", "wrong")
    assert log_in(client, "adviser", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(hours=2))
    assert log_in(client, "adviser", PASSWORD).status_code == 302
    assert logged_in(client)


def test_admin_login_success_resets_the_count(client, adviser):
    for _ in range(4):
        log_in(client, "adviser", "wrong")
    assert log_in(client, "adviser", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "adviser", "wrong").status_code == 200
    assert log_in(client, "adviser", PASSWORD).status_code == 302


@pytest.fixture
def low_limits(settings):
    settings.FINDER_LOGIN_FAILURES_USERNAME = 8
    settings.FINDER_LOGIN_FAILURES_ADDRESS = 8


def test_admin_login_locks_a_username_tried_from_many_addresses(client, adviser, low_limits):
    """Four failures from each of two addresses (under the five for one address) reach
    the eight for the username: it is locked from any address, the right password too."""
    for _ in range(4):
        assert log_in(client, "adviser", "wrong", "203.0.113.1").status_code == 200
    for _ in range(3):
        assert log_in(client, "adviser", "wrong", "203.0.113.2").status_code == 200
    assert log_in(client, "adviser", "wrong", "203.0.113.2").status_code == 429  # the eighth
    assert log_in(client, "adviser", PASSWORD, "198.51.100.7").status_code == 429
    assert not logged_in(client)


def test_admin_login_locks_an_address_trying_many_usernames(
    client, adviser, low_limits, django_user_model
):
    """Password spraying: one wrong password per username from one address."""
    django_user_model.objects.create_user("colleague", password=PASSWORD, is_staff=True)
    for number in range(7):
        assert log_in(client, f"user{number}", "Summer2026!", "203.0.113.9").status_code == 200
    assert log_in(client, "user7", "Summer2026!", "203.0.113.9").status_code == 429  # the eighth
    # The address is locked, whoever it claims to be...
    assert log_in(client, "colleague", PASSWORD, "203.0.113.9").status_code == 429
    # ...and the usernames elsewhere are not.
    assert log_in(client, "colleague", PASSWORD, "198.51.100.7").status_code == 302


def test_admin_login_below_every_limit_is_not_locked(client, adviser, low_limits):
    for address in ("203.0.113.1", "203.0.113.2"):
        for _ in range(3):
            log_in(client, "adviser", "wrong", address)
    assert log_in(client, "adviser", PASSWORD, "198.51.100.7").status_code == 302


def test_admin_login_success_is_recorded(client, adviser):
    assert log_in(client, "adviser", PASSWORD, "198.51.100.7").status_code == 302
    record = AccessLog.objects.get()
    assert (record.username, record.ip_address) == ("adviser", "198.51.100.7")


def test_admin_login_log_lines_name_no_username_or_address(client, adviser, caplog):
    with caplog.at_level("INFO"):
        log_in(client, "adviser", "wrong", "203.0.113.1")
        log_in(client, "adviser", PASSWORD, "203.0.113.1")
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("axes")]
    assert lines
    assert not any("adviser" in line or "203.0.113.1" in line for line in lines)
    assert any("username#" in line for line in lines)
