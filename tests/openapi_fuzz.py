"""Fuzzing an API from its OpenAPI description with schemathesis, inside a test (so the
test's own database is the one answered from), counting the cases run.

Each operation is run in schemathesis's positive mode (requests the description allows)
and, when it takes query parameters, its negative mode (requests it forbids, which must be
refused cleanly). schemathesis's pytest integration is not used: its lazy loader relies on
a pytest internal that pytest 9 removed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode


def django_app() -> Callable:
    """Django's WSGI handler as its test client runs it: without closing the database
    connection as each request starts and ends (Django's own ClientHandler leaves that
    out too). Closing it would end the test's transaction, and on PostgreSQL (CI) every
    later query of the test would fail."""
    handler = WSGIHandler()

    def app(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = handler(environ, start_response)
            body = list(response)
            response.close()  # sends request_finished, still without the closing
            return body
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


def fuzz(
    schema,
    *,
    checks: list[Callable],
    max_examples: int,
    ids: Callable[[str], Iterable[str]] | None = None,
) -> Counter[str]:
    """Run every operation of ``schema`` (whose ``app`` answers) with ``checks``;
    ``ids(path)`` gives real values for a path's ``{id}``, mixed in with generated
    ones. Returns the number of cases run by mode and operation."""
    counts: Counter[str] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        modes = [GenerationMode.POSITIVE]
        # A path's free-text {id} has no invalid value: only query parameters can be
        # given against their description.
        if len(operation.query):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:
            strategies = [operation.as_strategy(generation_mode=mode)]
            if ids is not None and mode is GenerationMode.POSITIVE and "{id}" in operation.path:
                strategies += [
                    operation.as_strategy(path_parameters={"id": value})
                    for value in ids(operation.path)
                ]
            _run(strategies, f"{mode.value} {operation.label}", counts, checks, max_examples)
    return counts


def _run(strategies, label: str, counts: Counter[str], checks, max_examples: int) -> None:
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case) -> None:
        counts[label] += 1
        try:
            case.call_and_validate(checks=checks)
        except Exception as error:
            error.add_note(f"schemathesis, {label}")
            raise

    run()
