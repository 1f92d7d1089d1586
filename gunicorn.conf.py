"""Gunicorn as deployed: the README's deployment command and ``make bench`` both run
``gunicorn finder.wsgi`` from the project directory, which reads this file. Any value
can still be changed on the command line (``--workers 4``) or in GUNICORN_CMD_ARGS."""

import os
import time

from finder import logs

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))

# Read the app, and the postcode directory with it (finder/wsgi.py), once in the master
# before the workers fork: they share its memory instead of reading it each.
preload_app = True

# A worker that has not answered for this long is killed and replaced (a request stuck
# on a frozen database, say), so one bad request cannot hold a worker for ever.
timeout = 30
# On SIGTERM or a reload (SIGHUP), each worker finishes the request it is answering,
# for up to this long, before it exits.
graceful_timeout = 30
# Idle keep-alive connections from the load balancer are closed after this long.
keepalive = 5
# Connections waiting for a worker.
backlog = 256

# Each worker is replaced after about this many requests, so that memory a worker has
# gathered (fragmentation, caches) is given back; the jitter spreads the replacements
# so that the workers are not all replaced at once. A new worker builds its index of the
# catalogue before it takes a request (post_worker_init, below).
max_requests = 50_000
max_requests_jitter = 5_000

# Gunicorn's own lines in the app's format (finder/logs.py, DJANGO_LOG_FORMAT): one JSON
# object per line on standard error. With them one access line per request: method, path
# (no query string: a search's answers describe a business), status, bytes, milliseconds
# and the request id the app gave it; no client address. It covers what never reaches
# the app too (a request gunicorn itself refuses).
accesslog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(B)s bytes %(M)s ms %({x-request-id}o)s"
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": logs.FORMATTERS,
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": logs.log_format()},
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}


def post_worker_init(worker):
    """Get the worker ready before it takes a request (``finder.index.warm_up``: the
    index of the catalogue and the vocabularies, about 1.6 s at 10,000 programmes), so
    that no request waits for them: not the first after a start, a restart or a worker's
    replacement. If the database cannot be reached now, the first search builds them
    instead."""
    from django.db import connection

    from finder import index

    try:
        index.warm_up()
    except Exception as error:  # the database is down: answer what can be answered
        worker.log.warning("Index not built at start (%s): the first search builds it", error)
    finally:
        connection.close()


def worker_exit(server, worker):
    """On SIGTERM, before this worker goes, answer the connections already queued:
    gunicorn itself lets a worker finish only the request it is answering, and resets
    the connections waiting behind it (up to ``backlog``). Each is answered as any other
    (``SyncWorker.accept``) until none is waiting, for at most ``DRAIN_SECONDS``: the
    listening socket stays open while any worker (or, in a restart, the new master)
    holds it, so new connections can keep coming; those are left to the new master or,
    when stopping, to the other servers (take this one out of the load balancer first,
    README "Deployment")."""
    deadline = time.monotonic() + DRAIN_SECONDS
    for listener in worker.sockets:
        while time.monotonic() < deadline:
            try:
                worker.accept(listener)
            except ConnectionAbortedError:  # that client gave up: the next one
                continue
            except OSError:  # none waiting (EAGAIN), or the socket is closed
                break


# Well inside graceful_timeout, so that the last request drained finishes too.
DRAIN_SECONDS = 5
