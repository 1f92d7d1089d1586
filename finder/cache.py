"""A cache of finder answers: the complete response to a valid search, for the finder
page and for ``/api/match/``.

Why caching the answer is correct here: the catalogue changes a few times a week, the
results are public (no page of the finder varies with who is asking: no session, no
CSRF token, no CSP nonce), and everybody asking the same question on the same day gets
the same answer. Rules:

* Only a valid search is cached (status 200). A 400, and the finder page before any
  search, are always worked out afresh.
* The key is made of what decides the response and nothing else (``html_key`` and
  ``api_key``): which view; the search as the form cleaned it (the API) or the
  parameters the page echoes back (the HTML page, see ``canonical_query``); the page
  asked for; the scheme and host for the API, whose ``url`` fields are absolute; today's
  date, because a programme's status depends on its closing date; and the catalogue
  version. Parameters the search ignores, their order, and the order of the support
  types chosen do not split the cache.
* The catalogue version changes whenever any catalogue model (the ``programmes`` and
  ``clusters`` apps, their many-to-many links included) is saved or deleted — at the
  change, and again when its transaction commits — and when ``load_catalogue`` or
  ``generate_catalogue`` runs (they write in bulk, which sends no signals). It is kept
  in the database (``finder.models.CatalogueVersion``), so every process sees an edit
  at its next search, whichever process made it and whatever the cache backend.
* ``FINDER_SEARCH_CACHE_SECONDS`` (default 60) is how long an answer is kept; 0 turns
  the cache off. Answers are kept compressed, none larger than
  ``FINDER_SEARCH_CACHE_ENTRY_BYTES``, so that the in-memory cache's number of entries
  bounds its bytes (``FINDER_SEARCH_CACHE_MB``, finder/settings.py); with ``REDIS_URL``
  they are kept in Redis, shared by every process. A cache that cannot be reached
  costs the cache, never the answer.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import connection, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse, QueryDict

from finder import health

CACHE_ALIAS = "finder"
VERSION_ROW = 1  # the one row of finder.models.CatalogueVersion
CATALOGUE_APPS = ("programmes", "clusters")
# Models of those apps that are not what the finder shows.
NOT_CATALOGUE = {"programmes.CatalogueLoad"}
# The response header saying whether an answer came from the cache (the benchmark and
# anyone debugging read it).
HEADER = "X-Finder-Cache"

# Fields whose values are a set: their order in the query string means nothing.
SET_VALUED = {"support"}


def seconds() -> int:
    """How long an answer is kept; 0 means the cache is off."""
    return int(getattr(settings, "FINDER_SEARCH_CACHE_SECONDS", 0))


def enabled() -> bool:
    return seconds() > 0


def _cache() -> BaseCache:
    return caches[CACHE_ALIAS]


def catalogue_version() -> int:
    """The catalogue's current version (``finder.models.CatalogueVersion``), starting
    one if the database has none. One narrow query, made once per search."""
    from finder.models import CatalogueVersion

    table = connection.ops.quote_name(CatalogueVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT number FROM {table} WHERE id = %s", [VERSION_ROW])
        row = cursor.fetchone()
    if row is not None:
        return int(row[0])
    version, _ = CatalogueVersion.objects.get_or_create(
        pk=VERSION_ROW, defaults={"number": _new_number()}
    )
    return version.number


def bump_catalogue_version(**kwargs) -> None:
    """Make every cached answer unreachable and every worker's index stale: the
    catalogue has changed.

    The new version is a random number rather than the old one plus one, so that a
    version rolled back with its transaction, or lost with its row (a test database
    flushed, say), can never come back as a number that old answers or an old index
    were kept under."""
    from finder.models import CatalogueVersion

    number = _new_number()
    if not CatalogueVersion.objects.filter(pk=VERSION_ROW).update(number=number):
        CatalogueVersion.objects.update_or_create(pk=VERSION_ROW, defaults={"number": number})


def _new_number() -> int:
    return secrets.randbits(62)


def catalogue_changed(**kwargs) -> None:
    """A catalogue row changed. Bump now, so this process's next search sees the change
    even inside the same transaction; bump again at commit, so that an answer another
    thread worked out from the data as it was before the commit is not kept."""
    bump_catalogue_version()
    transaction.on_commit(bump_catalogue_version, robust=True)


def clear() -> None:
    """Forget every cached answer (tests start from nothing)."""
    _cache().clear()


def canonical_query(query: QueryDict, fields: Iterable[str]) -> QueryDict:
    """The search parameters the finder page echoes back (the form's inputs, its
    pagination links and its link to the API), in a fixed order: the form's fields
    and ``page`` only, each as typed, the support types sorted and without repeats, and
    the page as a plain number (none for the first page, or for one that is not a
    number, which shows the first page too).

    The page is rendered from this rather than the raw query string, so a parameter
    the search ignores, or a different order, gives the same page and the same cache
    entry."""
    canonical = QueryDict(mutable=True)
    for name in fields:
        values = query.getlist(name)
        if name in SET_VALUED:
            values = sorted(set(values))
        if values:
            canonical.setlist(name, values)
    page = canonical_page(query.get("page"))
    if page > 1:
        canonical["page"] = str(page)
    canonical._mutable = False
    return canonical


def canonical_page(page: str | None) -> int:
    """The page a ``page`` parameter asks for: a whole number from 1, and 1 for
    anything else (as ``Paginator.get_page`` reads it)."""
    try:
        return max(int(page), 1)
    except (TypeError, ValueError):
        return 1


def _normalised(cleaned_data: dict) -> list[tuple[str, object]]:
    """The cleaned search, field by field in name order, sets sorted."""
    items = []
    for name in sorted(cleaned_data):
        value = cleaned_data[name]
        if isinstance(value, (list, tuple, set, frozenset)):
            value = sorted(set(value))
        items.append((name, value))
    return items


def _key(kind: str, parts: list[object], today: datetime.date, version: int) -> str:
    text = repr([kind, version, today.isoformat(), *parts])
    return f"finder-search:{kind}:{hashlib.sha256(text.encode('utf-8')).hexdigest()}"


def html_key(query: QueryDict, today: datetime.date, version: int) -> str:
    """The key of a finder page: the canonical parameters it echoes (which decide the
    search too), the day and the catalogue version. No host: the page links only by
    path."""
    return _key("html", [sorted(query.lists())], today, version)


def api_key(
    request: HttpRequest,
    cleaned_data: dict,
    page: int,
    today: datetime.date,
    version: int,
) -> str:
    """The key of an API answer: the cleaned search, the page asked for, the day, the
    catalogue version, and the scheme and host its absolute ``url`` fields are built
    from."""
    origin = f"{request.scheme}://{request.get_host()}"
    return _key("api", [origin, _normalised(cleaned_data), page], today, version)


@dataclass(frozen=True)
class Stored:
    """What is kept of a response: only the view's own output, compressed (a results
    page of about 90 KB keeps in about 8 KB). Headers added by the middleware (security
    headers, the policy) are added afresh to every response."""

    compressed: bytes
    content_type: str


def get(key: str) -> HttpResponse | None:
    """The cached response for ``key``, marked as a hit, or None (always, with the cache
    off, and while the cache cannot be reached)."""
    if not enabled():
        return None
    try:
        stored = _cache().get(key)
    except Exception as error:  # a shared cache down: answer without it
        _unreachable(error)
        return None
    if stored is None:
        return None
    response = HttpResponse(zlib.decompress(stored.compressed), content_type=stored.content_type)
    response[HEADER] = "hit"
    return response


def put(key: str, response: HttpResponse) -> HttpResponse:
    """Keep a valid search's response (status 200 only; none larger, compressed, than
    ``FINDER_SEARCH_CACHE_ENTRY_BYTES``, so that the cache's entries bound its memory)
    and mark it as a miss."""
    if not enabled() or response.status_code != 200:
        return response
    compressed = zlib.compress(response.content)
    if len(compressed) > settings.FINDER_SEARCH_CACHE_ENTRY_BYTES:
        return response
    try:
        _cache().set(key, Stored(compressed, response["Content-Type"]), timeout=seconds())
    except Exception as error:  # a shared cache down: answer without it
        _unreachable(error)
        return response
    response[HEADER] = "miss"
    return response


def _unreachable(error: Exception) -> None:
    """Said once per interval, as a database failure is (finder/health.py), not once per
    search while the cache is down."""
    health.FAILURES.report(
        f"answer cache: {type(error).__name__}",
        f"The answer cache cannot be reached ({error}): answering without it",
        what="answer cache",
    )


def _catalogue_senders() -> list[type]:
    """Every catalogue model and many-to-many link table, but not the history tables
    (a change to the catalogue saves its history row too, and history is not shown) nor
    the record of loads (``load_catalogue`` writes one even when nothing changed)."""
    senders = []
    for label in CATALOGUE_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model.__name__.startswith("Historical") or model._meta.label in NOT_CATALOGUE:
                continue
            senders.append(model)
    return senders


def connect_signals() -> None:
    """Listen for catalogue changes (called once the apps are loaded)."""
    for model in _catalogue_senders():
        label = model._meta.label
        # Rows of an automatic link table change through m2m_changed, or go with a row
        # they link, which signals itself; listening to their deletion too would stop
        # Django deleting them in bulk.
        if not model._meta.auto_created:
            post_save.connect(
                catalogue_changed, sender=model, dispatch_uid=f"finder-cache-s-{label}"
            )
            post_delete.connect(
                catalogue_changed, sender=model, dispatch_uid=f"finder-cache-d-{label}"
            )
        # Sent with the link table as sender, auto-created or declared with through=.
        m2m_changed.connect(catalogue_changed, sender=model, dispatch_uid=f"finder-cache-m-{label}")
