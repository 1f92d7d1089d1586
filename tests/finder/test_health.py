"""Database faults without a real outage (finder/health.py): a view whose database fails,
a failure outside any view, /readyz, and the log that says it once per interval. The
outage itself, on PostgreSQL, is in test_database_faults.py."""

from __future__ import annotations

import json
import logging
import os

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import OperationalError
from django.test import Client

from finder import health


@pytest.fixture(autouse=True)
def _fresh_failure_log(settings):
    settings.DB_RETRY_MS = 0  # the retry has its own tests below
    health.FAILURES.clear()
    yield
    health.FAILURES.clear()


def _refuse(monkeypatch, times: float) -> list[int]:
    """The first ``times`` cursors fail as a refused connection does; returns the count
    of cursors asked for."""
    from django.db.backends.base.base import BaseDatabaseWrapper

    cursor = BaseDatabaseWrapper.cursor
    asked = [0]

    def refuse(self, *args, **kwargs):
        asked[0] += 1
        if asked[0] <= times:
            raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")
        return cursor(self, *args, **kwargs)

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", refuse)
    return asked


@pytest.fixture
def database_down(monkeypatch):
    """Every new cursor fails as a refused connection does."""
    _refuse(monkeypatch, float("inf"))


@pytest.mark.django_db
def test_a_quick_failure_of_a_get_is_tried_once_more(monkeypatch, client: Client, settings) -> None:
    """A restart: refused once, then back."""
    settings.DB_RETRY_MS = 10
    _refuse(monkeypatch, 1)
    assert client.get("/programmes/").status_code == 200


@pytest.mark.django_db
def test_the_retry_is_once_only(monkeypatch, client: Client, settings) -> None:
    settings.DB_RETRY_MS = 10
    asked = _refuse(monkeypatch, float("inf"))
    assert client.get("/programmes/").status_code == 503
    assert asked[0] == 2


@pytest.mark.django_db
def test_no_retry_when_switched_off(monkeypatch, client: Client, settings) -> None:
    settings.DB_RETRY_MS = 0
    _refuse(monkeypatch, 1)
    assert client.get("/programmes/").status_code == 503


@pytest.mark.django_db
def test_page_answers_styled_503_with_retry_after(database_down, client: Client, settings) -> None:
    settings.FINDER_RETRY_AFTER_SECONDS = 7
    response = client.get("/programmes/")
    assert response.status_code == 503
    assert response["Retry-After"] == "7"
    assert response["Content-Type"].startswith("text/html")
    assert "Sorry, the service is unavailable" in response.text
    assert 'class="govuk-template__body"' in response.text


@pytest.mark.django_db
def test_api_answers_json_503_with_retry_after(database_down, client: Client) -> None:
    response = client.get("/api/match/", {"employees": "5"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "errors": {
            "__all__": ["The service is unavailable for a moment. Try again in a few seconds."]
        }
    }


@pytest.mark.django_db
def test_failure_outside_a_view_gets_the_503_too(database_down, rf) -> None:
    """handler500 (a middleware's failure never reaches process_exception)."""
    from finder import pages

    request = rf.get("/anything/")
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        response = pages.server_error(request)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    try:
        raise ValueError("a real bug")
    except ValueError:
        response = pages.server_error(request)
    assert response.status_code == 500


@pytest.mark.django_db
def test_failures_are_logged_once_per_kind_per_interval(
    database_down, client: Client, caplog
) -> None:
    with caplog.at_level(logging.INFO):
        for _ in range(5):
            assert client.get("/programmes/").status_code == 503
    lines = [record for record in caplog.records if record.name == "finder.health"]
    assert len(lines) == 1
    assert (
        lines[0]
        .getMessage()
        .startswith("database unavailable (OperationalError): connection to server")
    )
    assert lines[0].exc_info is None
    # Django's own line (with its traceback) for each of them is dropped by the filter.
    quiet = health.QuietDatabaseFaults()
    django_lines = [record for record in caplog.records if record.name == "django.request"]
    assert django_lines and not any(quiet.filter(record) for record in django_lines)


def test_failure_log_opens_a_new_interval_with_the_count_swallowed(
    monkeypatch, settings, caplog
) -> None:
    settings.FINDER_DB_ERROR_LOG_SECONDS = 60
    now = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: now[0])
    log = health.FailureLog()
    with caplog.at_level(logging.ERROR, logger="finder.health"):
        assert log.report("OperationalError", "refused")
        assert not log.report("OperationalError", "refused")
        assert not log.report("OperationalError", "refused")
        assert log.report("ConnectionTimeout", "timeout expired")  # another kind
        now[0] += 61
        assert log.report("OperationalError", "refused")
    assert [record.not_logged for record in caplog.records] == [0, 0, 2]


@pytest.mark.django_db
def test_readyz_answers_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_answers_503_when_the_database_does_not(database_down, client: Client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"not ready: database unavailable\n"
    assert response["Retry-After"] == "30"
    assert client.get("/healthz").status_code == 200


class UnreachableCache(BaseCache):
    """A shared cache whose server does not answer."""

    def __init__(self, location, params):
        super().__init__(params)

    def set(self, *args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


@pytest.mark.django_db
def test_readyz_checks_a_shared_cache(client: Client, settings) -> None:
    """A shared cache that cannot be reached makes the instance not ready (a local one
    cannot fail that way and is not checked)."""
    settings.CACHES = {
        **settings.CACHES,
        "shared": {"BACKEND": "tests.finder.test_health.UnreachableCache"},
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.content == b"not ready: cache shared unavailable\n"


@pytest.mark.django_db
def test_watchdog_counts_a_connections_commands_and_leaves_other_wrappers_in_place(
    monkeypatch,
) -> None:
    # A connection opened inside Django's execute_wrapper() context manager: leaving it
    # takes off that wrapper, not the watchdog's, which stays for the connection's life.
    from django.db import connections

    connection = connections["default"]  # the connection itself, as the signal sends it

    def blocker(execute, sql, params, many, context):
        raise AssertionError("no query may run here")

    watchdog = health.Watchdog()
    watchdog._pid = os.getpid()  # as if its thread ran here already: start none
    monkeypatch.setattr(connection, "vendor", "postgresql")
    before = list(connection.execute_wrappers)  # on PostgreSQL, the process's own watchdog
    try:
        with connection.execute_wrapper(blocker):
            watchdog.watch(connection=connection)
            watchdog.watch(connection=connection)  # a reconnect: still one of it
        assert connection.execute_wrappers == [watchdog.count, *before]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        assert watchdog._sent[connection] == 2
    finally:
        connection.execute_wrappers.remove(watchdog.count)
