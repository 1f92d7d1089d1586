"""Admin login hardening: django-axes locks a username out after repeated failures."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
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


def log_in(client, username: str, password: str):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_admin_login_settings_lock_out_after_five_failures_for_an_hour():
    assert django_settings.AXES_FAILURE_LIMIT == 5
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
