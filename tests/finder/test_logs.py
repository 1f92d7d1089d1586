"""Structured logs (finder/logs.py): one JSON object per line, a request id on every line
of a request, one line per request with method, path, status and duration, and no
personal data: no query string, no email address."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from django.test import Client

from finder.logs import JsonFormatter
from tests.factories import make_geography


@pytest.fixture
def log_lines():
    """What the service writes to its log while the test runs, as the production handler
    formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(previous)


@pytest.mark.django_db
def test_one_json_line_per_request_with_its_id(client: Client, log_lines) -> None:
    make_geography()
    response = client.get("/api/match/", {"location": "coventry"})
    entries = [json.loads(line) for line in log_lines()]
    requests = [entry for entry in entries if entry["logger"] == "finder.request"]
    assert len(requests) == 1
    entry = requests[0]
    assert entry["method"] == "GET"
    assert entry["path"] == "/api/match/"
    assert entry["status"] == 200
    assert isinstance(entry["duration_ms"], float)
    assert entry["level"] == "INFO"
    assert entry["request_id"] == response["X-Request-ID"]
    assert len(entry["request_id"]) == 32


@pytest.mark.django_db
def test_no_query_string_or_email_in_the_log(client: Client, log_lines) -> None:
    client.get("/", {"q": "jane.doe@example.org", "employees": "-1"})  # a 400, logged by Django too
    text = "\n".join(log_lines())
    assert "/" in text
    assert "jane.doe" not in text
    assert "example.org" not in text
    assert "employees" not in text


@pytest.mark.django_db
def test_djangos_own_lines_carry_the_request_id(client: Client, log_lines) -> None:
    response = client.get("/no-such-page/")
    entries = [json.loads(line) for line in log_lines()]
    django_line = next(entry for entry in entries if entry["logger"] == "django.request")
    assert django_line["message"] == "Not Found: /no-such-page/"
    assert django_line["request_id"] == response["X-Request-ID"]


@pytest.mark.django_db
def test_request_id_from_the_proxy_is_kept_when_it_looks_like_one(client: Client) -> None:
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-1234abcd")["X-Request-ID"] == "lb-1234abcd"
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID='x"}\n{"level": "ERROR')["X-Request-ID"]
    assert len(replaced) == 32 and replaced.isalnum()


def test_a_traceback_stays_on_one_line() -> None:
    logger = logging.getLogger("tests.logs")
    try:
        raise ValueError("broken\non two lines")
    except ValueError:
        record = logger.makeRecord("tests.logs", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["message"] == "failed"
    assert "ValueError: broken" in entry["exception"]
    assert entry["request_id"] is None
