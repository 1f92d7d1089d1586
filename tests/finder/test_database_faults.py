"""The service under database faults, end to end: a PostgreSQL cluster of the test's own
(tests/served.py) serves the app under gunicorn with the production settings, and the
tests stop, restart and freeze it while asking for pages, the API and /readyz.

They run wherever the PostgreSQL server binaries are installed (CI installs them), on
any DATABASE_URL; without them they skip, saying so (and fail under
FINDER_REQUIRE_ALL_TESTS=1).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

from tests import served
from tests.figures import record

# Short timeouts, so a frozen database is given up on quickly here.
CONNECT_TIMEOUT = 2
STATEMENT_TIMEOUT = 2
PAGE = "/programmes/"  # reads the database on every request
API = "/api/match/?employees=12"

pytestmark = pytest.mark.skipif(
    served.missing_reason() is not None, reason=served.missing_reason() or ""
)


@pytest.fixture(scope="module")
def service():
    with served.cluster_and_server(
        DJANGO_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        DJANGO_DB_STATEMENT_TIMEOUT=str(STATEMENT_TIMEOUT),
        FINDER_RETRY_AFTER_SECONDS="15",
    ) as (cluster, server):
        yield cluster, server


def _warm(server: served.Server) -> None:
    """Enough requests that every worker holds a database connection."""
    for _ in range(12):
        assert server.get(PAGE).status == 200


def test_readyz_follows_the_database(service) -> None:
    cluster, server = service
    assert server.get("/readyz").status == 200
    cluster.stop()
    try:
        down = server.get("/readyz")
        assert down.status == 503
        assert down.headers["Retry-After"] == "15"
        assert down.body == b"not ready: database unavailable\n"
        assert server.get("/healthz").status == 200  # liveness does not follow it
    finally:
        cluster.start()
    assert server.wait_for("/readyz", 200, within=10).status == 200


def test_stopped_database_answers_503_with_retry_after_then_recovers(service) -> None:
    cluster, server = service
    _warm(server)
    log_before = len(server.log_text())
    cluster.stop()
    try:
        pages = [server.get(PAGE) for _ in range(10)]
        answers = [server.get(API) for _ in range(10)]
    finally:
        cluster.start()
    for page in pages:
        assert page.status == 503
        assert page.headers["Retry-After"] == "15"
        assert page.headers["Content-Type"].startswith("text/html")
        assert b"Sorry, the service is unavailable" in page.body
        assert b'<link rel="stylesheet"' in page.body  # the styled page, not a bare one
    for answer in answers:
        assert answer.status == 503
        assert answer.headers["Retry-After"] == "15"
        assert answer.headers["Content-Type"] == "application/json"
        assert "unavailable" in json.loads(answer.body)["errors"]["__all__"][0]
    # One line per kind of failure per interval and process, no tracebacks: 20 failed
    # requests on 2 workers give at most 2 lines (the server refusing connections; at
    # most one more kind per worker for a connection lost at the stop).
    log = server.log_text()[log_before:]
    health_lines = [line for line in log.splitlines() if '"logger": "finder.health"' in line]
    assert 1 <= len(health_lines) <= 4, health_lines
    assert "Traceback" not in log
    # Recovery without a restart of the app.
    assert server.wait_for(PAGE, 200, within=10).status == 200
    assert [server.get(PAGE).status for _ in range(10)] == [200] * 10
    assert server.get(API).status == 200


def test_database_restart_during_a_run_causes_no_500(service) -> None:
    cluster, server = service
    _warm(server)
    statuses: Counter[int] = Counter()
    stop = threading.Event()

    def client() -> None:
        while not stop.is_set():
            statuses[server.get(PAGE if statuses.total() % 2 else API).status] += 1

    clients = [threading.Thread(target=client) for _ in range(4)]
    for thread in clients:
        thread.start()
    time.sleep(1)
    started = time.monotonic()
    cluster.restart()
    record("database restart: ms pg_ctl restart took", int((time.monotonic() - started) * 1000))
    time.sleep(2)
    stop.set()
    for thread in clients:
        thread.join()
    record("database restart: requests made", statuses.total())
    record("database restart: requests answered 503 (lost)", statuses[503])
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[500] == 0
    # Once it is back, no request is lost to a stale connection (CONN_HEALTH_CHECKS).
    assert [server.get(PAGE).status for _ in range(10)] == [200] * 10


def test_frozen_database_fails_within_the_timeout(service) -> None:
    cluster, server = service
    _warm(server)
    with cluster.frozen():
        # On a worker's kept connection the health check goes unanswered until the
        # watchdog cuts it (the statement timeout, its 2 s grace and up to a 0.5 s poll);
        # Django then connects afresh, which fails after the connect timeout. On a worker
        # whose connection is gone already, only the connect timeout.
        held = server.get(PAGE, timeout=60)
        fresh = server.get(API, timeout=60)
        ready = server.get("/readyz", timeout=60)
    record("frozen database: ms to a 503 (first request)", int(held.seconds * 1000))
    record("frozen database: ms to a 503 (second request)", int(fresh.seconds * 1000))
    assert held.status == 503
    assert held.seconds < STATEMENT_TIMEOUT + 2 + 0.5 + CONNECT_TIMEOUT + 1, held.seconds
    assert fresh.status == 503
    assert fresh.seconds < STATEMENT_TIMEOUT + 2 + 0.5 + CONNECT_TIMEOUT + 1, fresh.seconds
    assert ready.status == 503
    assert server.wait_for(PAGE, 200, within=15).status == 200
    assert server.wait_for("/readyz", 200, within=5).status == 200


# A process that asks the database many short questions, each answered, for longer than
# the watchdog's limit (the statement timeout, 1 s here, plus its 2 s grace).
BUSY = """
import time, django
django.setup()
from django.db import connection
started, asked = time.monotonic(), 0
while time.monotonic() - started < 5:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(0.002)")
    asked += 1
print(asked)
"""


def test_a_connection_busy_with_answered_queries_is_not_cut(service) -> None:
    # Waiting for an answer at nearly every look of the watchdog, but never for long:
    # each query is answered, so the server is not frozen.
    cluster, _ = service
    env = served.served_env(cluster.url, DJANGO_DB_STATEMENT_TIMEOUT="1")
    busy = subprocess.run(
        [sys.executable, "-c", BUSY],
        cwd=served.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert busy.returncode == 0, busy.stderr[-2000:]
    assert int(busy.stdout) > 500
