"""Structured logs: one JSON object per line, each carrying the id of the request it
belongs to, and one line per request with its method, path, status and duration.

No personal data reaches the log: a request is logged by its path, never its query
string (a finder search describes a business; an enquiry's does too), and login
attempts name the username and address only by a keyed digest (``client_digest``), so
repeated attempts can be followed without the log holding either.
"""

from __future__ import annotations

import contextvars
import datetime
import hashlib
import hmac
import json
import logging
import os
import re
import time
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

#: The formats DJANGO_LOG_FORMAT names, for Django's logging (finder/settings.py) and
#: gunicorn's own lines (gunicorn.conf.py), so both write alike.
FORMATTERS = {
    "json": {"()": "finder.logs.JsonFormatter"},
    "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
}


def log_format() -> str:
    """The format DJANGO_LOG_FORMAT asks for: "json" (the default) or "text"."""
    chosen = os.environ.get("DJANGO_LOG_FORMAT", "json").strip().lower() or "json"
    if chosen not in FORMATTERS:
        raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT={chosen!r} is not json or text.")
    return chosen


logger = logging.getLogger("finder.request")

# The id of the request the current thread is serving, for every record logged meanwhile.
REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "finder_request_id", default=None
)
HEADER = "X-Request-ID"
# An id from the proxy in front is kept (so its log and ours join up) when it looks like
# one; anything else is replaced, so a client cannot write into the log through it.
ACCEPTED_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Fields a record may add to the JSON object (through ``extra=``). Anything else a library
# attaches (Django adds the request object itself) is left out.
FIELDS = ("method", "path", "status", "duration_ms", "failure_kind", "not_logged", "status_code")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request_id, the
    allowed extra fields, and the traceback as a string when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            # Django logs a request's 4xx/5xx after the middleware, from the request itself.
            "request_id": REQUEST_ID.get()
            or getattr(getattr(record, "request", None), "request_id", None),
        }
        for field in FIELDS:
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class RequestLogMiddleware:
    """Gives each request an id (``X-Request-ID`` on the response too) and logs one line
    when it is answered. Outermost in MIDDLEWARE, so the status is the one sent and the
    duration covers every other middleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get(HEADER, "")
        request_id = given if ACCEPTED_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[HEADER] = request_id
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            REQUEST_ID.reset(token)


def client_digest(username, ip_address, user_agent, path_info, request) -> str:
    """django-axes' AXES_CLIENT_STR_CALLABLE: how its log lines name a login attempt.
    A keyed digest of the username and of the address (the same each time, so attempts
    can be followed; useless without SECRET_KEY). The attempts themselves, in full, are
    under Axes in the admin."""

    def digest(value: object) -> str:
        key = settings.SECRET_KEY.encode()
        return hmac.new(key, str(value or "").encode(), hashlib.sha256).hexdigest()[:10]

    return f"username#{digest(username)} address#{digest(ip_address)}"
