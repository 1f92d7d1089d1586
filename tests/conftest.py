"""Suite-wide test set-up.

Tests that need PostgreSQL or a real browser carry the ``postgres`` or ``browser`` marker
and skip, with the reason, where those are missing. CI sets FINDER_REQUIRE_ALL_TESTS=1,
under which any skipped test fails the run: there, everything must have run.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

REQUIRE_ALL = os.environ.get("FINDER_REQUIRE_ALL_TESTS", "") == "1"


@pytest.fixture(autouse=True)
def _skip_postgres_only(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: set DATABASE_URL=postgres://... (CI does; see README)"
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if REQUIRE_ALL and skipped:
        reporter.write_line(
            f"FINDER_REQUIRE_ALL_TESTS=1: {skipped} test(s) skipped; every test must run here.",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
