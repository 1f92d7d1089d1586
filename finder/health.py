"""What the service does when its database is unreachable, slow or frozen, and how a load
balancer can tell (``/readyz``).

Rules:

* A request that fails because the database cannot be reached or does not answer in time
  gets a 503 with ``Retry-After``: the styled "service unavailable" page, or JSON under
  ``/api/``. Never a 500, and never a traceback per request in the log: each process logs
  one line per kind of failure per ``FINDER_DB_ERROR_LOG_SECONDS``, counting the others.
* Recovery needs no restart: Django closes a connection that failed (and, with
  ``CONN_HEALTH_CHECKS``, checks a reused one before use), so the next request connects
  afresh.
* A database that accepts connections but never answers (a frozen server, a paused VM)
  is cut off by ``Watchdog``: the connection's socket is shut once a command has waited
  ``DJANGO_DB_STATEMENT_TIMEOUT`` seconds plus a grace period with nothing to read. A live
  server would have ended the command itself by then (its ``statement_timeout``).
* ``/healthz`` stays liveness (the process answers). ``/readyz`` is readiness: it asks the
  database (and a shared cache, when one is configured) and answers 503 when it cannot.
"""

from __future__ import annotations

import logging
import os
import select
import socket
import sys
import threading
import time
import weakref

from django.conf import settings
from django.core.cache import caches
from django.db import InterfaceError, OperationalError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

logger = logging.getLogger("finder.health")

# Django wraps every driver error; these two are the ones a lost, refused, timed-out or
# cancelled connection raises (psycopg's ConnectionTimeout and QueryCanceled included).
DATABASE_ERRORS = (OperationalError, InterfaceError)

# Caches held in the process itself cannot be unreachable; any other backend is shared.
LOCAL_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


def is_database_fault(exception: BaseException | None) -> bool:
    return isinstance(exception, DATABASE_ERRORS)


def retry_after() -> int:
    return int(getattr(settings, "FINDER_RETRY_AFTER_SECONDS", 30))


class FailureLog:
    """At most one log line per kind of failure per interval, per process. The line that
    opens an interval says how many failures of that kind the previous one swallowed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._swallowed: dict[str, int] = {}

    def report(self, kind: str, detail: str, what: str = "database") -> bool:
        """Log this failure of ``what`` (the database, a cache) unless one of its kind was
        logged within the interval; say whether it was logged."""
        interval = int(getattr(settings, "FINDER_DB_ERROR_LOG_SECONDS", 60))
        now = time.monotonic()
        with self._lock:
            last = self._last.get(kind)
            if last is not None and now - last < interval:
                self._swallowed[kind] = self._swallowed.get(kind, 0) + 1
                return False
            self._last[kind] = now
            swallowed = self._swallowed.pop(kind, 0)
        logger.error(
            "%s unavailable (%s): %s [%d more like it not logged; at most one a %d s]",
            what,
            kind,
            detail,
            swallowed,
            interval,
            extra={"failure_kind": kind, "not_logged": swallowed},
        )
        return True

    def clear(self) -> None:
        with self._lock:
            self._last.clear()
            self._swallowed.clear()


FAILURES = FailureLog()


def describe(exception: BaseException) -> tuple[str, str]:
    """The kind of a database failure (the driver's own exception class, such as
    ``ConnectionTimeout`` or ``QueryCanceled``) and the first line of its message, which
    names the server and what went wrong but no user data."""
    cause = exception.__cause__ or exception
    lines = str(cause).strip().splitlines()
    return type(cause).__name__, (lines[0] if lines else "")


def report(exception: BaseException) -> None:
    FAILURES.report(*describe(exception))


def unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 for a request the database failed: JSON for the API, a page for people.
    Rendered without the request, so nothing in it can touch the database again."""
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "errors": {
                    "__all__": [
                        "The service is unavailable for a moment. Try again in a few seconds."
                    ]
                }
            },
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(retry_after())
    # Marks the response for QuietDatabaseFaults: already logged, in one line.
    request.finder_database_fault = True
    return response


class DatabaseFaultMiddleware:
    """Turns a view's database failure into the 503 (handler500 does the same for a
    failure outside a view: see ``finder.pages.server_error``).

    A GET or HEAD whose database failed at once (refused or reset, as in a restart,
    rather than timed out) is tried once more after ``DJANGO_DB_RETRY_MS``: it changes
    nothing, and a restart is usually over by then, so the person never sees the 503.
    """

    # Slower failures are timeouts: trying again would only double the wait.
    QUICK = 1.0

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.monotonic()
        response = self.get_response(request)
        pause = int(getattr(settings, "DB_RETRY_MS", 0)) / 1000
        if (
            getattr(request, "finder_database_fault", False)
            and request.method in ("GET", "HEAD")
            and pause
            and time.monotonic() - started < self.QUICK
        ):
            request.finder_database_fault = False
            # Drop a connection the failure left unusable, as Django does between
            # requests, but never one inside a transaction (a test's): closing that
            # would end the transaction, and every later query would fail.
            for connection in connections.all(initialized_only=True):
                if not connection.in_atomic_block:
                    connection.close_if_unusable_or_obsolete()
            time.sleep(pause)
            response = self.get_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_fault(exception):
            return None
        report(exception)
        return unavailable(request)


def response_for_current_exception(request: HttpRequest) -> HttpResponse | None:
    """For handler500: the 503 when the exception being handled is a database fault."""
    exception = sys.exc_info()[1]
    if not is_database_fault(exception):
        return None
    report(exception)
    return unavailable(request)


class QuietDatabaseFaults(logging.Filter):
    """Drops Django's own per-request log record (with its traceback) for a request that
    got the database 503: FailureLog has already said it, once per interval."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return not getattr(request, "finder_database_fault", False)


@require_safe
@cache_control(no_store=True)
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness for a load balancer or orchestrator: 200 when this instance can serve
    searches (its database answers, and its shared cache when one is configured), 503
    naming what failed otherwise."""
    failed = []
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS as exception:
        report(exception)
        failed.append("database")
    for alias, config in settings.CACHES.items():
        if config["BACKEND"] in LOCAL_CACHES:
            continue
        try:
            caches[alias].set("finder:readyz", 1, 10)
        except Exception as exception:  # any client error means the cache is not usable
            FAILURES.report(
                f"cache {alias}: {type(exception).__name__}", str(exception), what="cache"
            )
            failed.append(f"cache {alias}")
    if failed:
        request.finder_database_fault = True  # logged above, once per interval
        response = HttpResponse(
            "not ready: " + ", ".join(failed) + " unavailable\n",
            content_type="text/plain; charset=utf-8",
            status=503,
        )
        response["Retry-After"] = str(retry_after())
        return response
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


class Watchdog:
    """Cuts a PostgreSQL connection whose command has gone unanswered too long.

    The server's ``statement_timeout`` ends a slow query, and libpq's ``connect_timeout``
    a connection that is never accepted; neither helps when the server is frozen after
    accepting (the kernel still acknowledges what we send, so no TCP timeout fires
    either), and psycopg would wait for ever. Every half second this thread looks at the
    connections of its process: one busy with the same command (libpq's ACTIVE status)
    with nothing to read for ``DJANGO_DB_STATEMENT_TIMEOUT`` + ``GRACE`` seconds has its
    socket shut down, so the waiting request gets an OperationalError (and the 503) at
    once. The thread starts in each process at its first connection (gunicorn forks
    workers after loading the app; threads do not survive a fork).

    "The same command": a connection busy with many short queries, each answered, is
    found waiting at nearly every look (the thread gets the GIL when the other thread
    waits for the database), so a look alone cannot tell it from a frozen server. Each
    watched connection counts the commands it sends, with Django's query
    instrumentation (``execute_wrappers``, kept on Django's connection object across
    reconnects); waiting is timed from the last look at which that count moved. Commands
    sent outside Django's cursors are not counted: ``CONN_HEALTH_CHECKS``' check of a
    kept connection, commits and rollbacks, the set-up of a new connection, the fetches
    of a server-side cursor (``QuerySet.iterator()`` on PostgreSQL). One of them is timed
    from the look that first found it waiting, so a frozen server is cut whatever it was
    asked; a long run of them alone, answered, could still be cut (nothing here makes one).
    """

    POLL = 0.5
    GRACE = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: weakref.WeakSet[BaseDatabaseWrapper] = weakref.WeakSet()
        #: How many commands each watched connection has sent through Django.
        self._sent: weakref.WeakKeyDictionary[BaseDatabaseWrapper, int] = (
            weakref.WeakKeyDictionary()
        )
        self._pid: int | None = None

    def limit(self) -> float:
        """Seconds without an answer before a connection is cut; 0 means never."""
        seconds = int(getattr(settings, "DB_STATEMENT_TIMEOUT", 0))
        return seconds + self.GRACE if seconds else 0

    def watch(self, sender=None, connection: BaseDatabaseWrapper | None = None, **kwargs) -> None:
        """The ``connection_created`` receiver."""
        if connection is None or connection.vendor != "postgresql" or not self.limit():
            return
        if self.count not in connection.execute_wrappers:
            # First, not last: Django's execute_wrapper() context manager pops the last
            # wrapper on leaving, which must stay its own.
            connection.execute_wrappers.insert(0, self.count)
        with self._lock:
            self._watched.add(connection)
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="finder-db-watchdog", daemon=True).start()

    def count(self, execute, sql, params, many, context):
        """The execute wrapper of each watched connection: counts the commands it sends."""
        connection = context["connection"]
        self._sent[connection] = self._sent.get(connection, 0) + 1
        return execute(sql, params, many, context)

    def _run(self) -> None:
        # For each connection found waiting: its count of commands sent, and since when
        # it has waited with that count.
        silent_since: dict[int, tuple[int, float]] = {}
        while True:
            time.sleep(self.POLL)
            now = time.monotonic()
            seen = set()
            with self._lock:  # watch() adds to the set from other threads
                watched = list(self._watched)
            for wrapper in watched:
                raw = wrapper.connection
                if raw is None:
                    continue
                seen.add(id(raw))
                if not self._waiting(raw):
                    silent_since.pop(id(raw), None)
                    continue
                sent = self._sent.get(wrapper, 0)
                last = silent_since.get(id(raw))
                if last is None or last[0] != sent:  # a new command since the last look
                    last = silent_since[id(raw)] = (sent, now)
                waited = now - last[1]
                if waited >= self.limit():
                    self._cut(raw, waited)
                    silent_since.pop(id(raw), None)
            for key in set(silent_since) - seen:
                del silent_since[key]

    @staticmethod
    def _waiting(raw) -> bool:
        """Whether the connection is waiting for the server's answer to a command and has
        nothing to read yet."""
        from psycopg import pq

        try:
            pgconn = raw.pgconn
            if pgconn.transaction_status != pq.TransactionStatus.ACTIVE:
                return False
            poller = select.poll()
            poller.register(pgconn.socket, select.POLLIN)
            readable = poller.poll(0)
        except Exception:  # closed or closing under us: nothing to watch
            return False
        return not readable

    @staticmethod
    def _cut(raw, waited: float) -> None:
        try:
            duplicate = socket.socket(fileno=os.dup(raw.pgconn.socket))
        except Exception:
            return
        try:
            duplicate.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        finally:
            duplicate.close()
        FAILURES.report(
            "Unanswered", f"no answer from the database for {waited:.0f} s: connection cut"
        )


WATCHDOG = Watchdog()
