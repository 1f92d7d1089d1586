"""The answer cache on a shared Redis (``REDIS_URL``, finder/settings.py): answers kept
there and found again, a catalogue change seen at the next search, a Redis that cannot
be reached costing the cache and nothing else, and two app servers sharing one database
and one Redis, where an edit made through one is seen by the other at its next search.
Each test runs against a real Redis server (tests/servers.py)."""

from __future__ import annotations

import http.client
import re
import secrets
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import caches
from django.db import connection

from finder import cache, health
from tests import servers
from tests.factories import make_geography, make_programme, make_support_type
from tests.finder.production import production_env, run_python

SEARCH = "/?location=coventry&support=grant"


def _redis_caches(url: str) -> dict:
    return {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{alias}",
        }
        for alias in ("default", "finder")
    }


@pytest.fixture
def on_redis(redis_url, settings) -> Iterator[None]:
    settings.CACHES = _redis_caches(redis_url)
    caches[cache.CACHE_ALIAS].clear()
    yield
    caches[cache.CACHE_ALIAS].clear()


@pytest.fixture
def catalogue(db) -> None:
    places = make_geography()
    grant = make_support_type("grant", name="Grants")
    make_programme(
        slug="co-grant", name="Co-Grant", places=[places["coventry"]], support_types=[grant]
    )


@pytest.mark.django_db
def test_redis_keeps_the_answer_and_gives_it_back_byte_for_byte(client, catalogue, on_redis):
    first = client.get(SEARCH)
    again = client.get(SEARCH)

    assert first[cache.HEADER] == "miss" and again[cache.HEADER] == "hit"
    assert again.content == first.content
    # It is in Redis, compressed: a small part of the page it holds.
    redis = caches[cache.CACHE_ALIAS]._cache.get_client(write=False)
    keys = redis.keys("test-finder:*")
    assert len(keys) == 1
    assert len(redis.get(keys[0])) < len(first.content) / 2


@pytest.mark.django_db
def test_redis_answer_is_not_given_after_a_catalogue_change(client, catalogue, on_redis):
    client.get(SEARCH)
    make_programme(slug="new-grant", name="New Grant", support_types=["grant"])

    response = client.get(SEARCH)

    assert response[cache.HEADER] == "miss"
    assert b"New Grant" in response.content


@pytest.mark.django_db
def test_an_unreachable_redis_costs_the_cache_and_nothing_else(client, catalogue, settings, caplog):
    settings.CACHES = _redis_caches(f"redis://127.0.0.1:{servers.free_port()}/0")
    health.FAILURES.clear()  # said once per interval: no earlier test's line stands in

    for _ in range(2):
        response = client.get(SEARCH)
        assert response.status_code == 200
        assert cache.HEADER not in response
        assert b"Co-Grant" in response.content
    assert "The answer cache cannot be reached" in caplog.text


def test_a_malformed_redis_url_stops_the_settings_naming_it() -> None:
    result = run_python("-c", "import django; django.setup()", REDIS_URL="localhost:6379")

    assert result.returncode != 0
    assert "REDIS_URL must start with redis://, rediss:// or unix://" in result.stderr


# --- Two app servers ------------------------------------------------------------------


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the app servers, on the tests' database server: a new
    PostgreSQL database when the tests run on PostgreSQL (CI), else an SQLite file."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    import psycopg

    params = django_settings.DATABASES["default"]
    name = f"finder_shared_{secrets.token_hex(4)}"
    conninfo = {
        "host": params["HOST"] or None,
        "port": params["PORT"] or None,
        "user": params["USER"] or None,
        "password": params["PASSWORD"] or None,
        "dbname": "postgres",
    }
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = urllib.parse.quote(params["USER"] or "")
    password = f":{urllib.parse.quote(params['PASSWORD'])}" if params["PASSWORD"] else ""
    yield f"postgres://{user}{password}@{params['HOST']}:{params['PORT']}/{name}"
    with psycopg.connect(**conninfo, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Browser:
    """Just enough of a browser for the admin over plain HTTP: cookies (the production
    cookies are Secure, which a cookie jar would not send to http://) and forms."""

    def __init__(self, base: str) -> None:
        self.host, self.port = urllib.parse.urlsplit(base).netloc.split(":")
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, fields: dict | None = None):
        conn = http.client.HTTPConnection(self.host, int(self.port), timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        content = response.read().decode()
        conn.close()
        return response.status, dict(response.getheaders()), content

    def post_form(self, path: str, fields: dict) -> tuple[int, dict, str]:
        _, _, page = self.request("GET", path)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        return self.request("POST", path, {"csrfmiddlewaretoken": token, **fields})


def test_two_app_servers_share_the_cache_and_see_each_others_edits(
    redis_url, shared_database, tmp_path
):
    env = production_env(
        # The production settings, with collected static files in a directory of the
        # test's own (tests/benchmarks/settings.py) rather than the checkout.
        DJANGO_SETTINGS_MODULE="tests.benchmarks.settings",
        BENCH_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=shared_database,
        REDIS_URL=redis_url.rsplit("/", 1)[0] + "/1",  # a Redis database of their own
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        FINDER_SEARCH_CACHE_SECONDS="600",
        DJANGO_SUPERUSER_PASSWORD="a long shared secret",
    )
    servers.manage("migrate", "--no-input", "-v", "0", env=env)
    servers.manage("load_catalogue", "-v", "0", env=env)
    servers.manage("collectstatic", "--no-input", "-v", "0", env=env)
    servers.manage(
        "createsuperuser", "--no-input", "--username", "editor", "--email", "e@example.org",
        env=env,
    )  # fmt: skip
    servers.manage(
        "shell", "-c", "from django.core.cache import caches; caches['finder'].clear()", env=env
    )

    with (
        servers.app_server(env, tmp_path / "one.log") as one,
        servers.app_server(env, tmp_path / "two.log") as two,
    ):
        first, other = Browser(one), Browser(two)
        search = "/?location=coventry"
        status, headers, _ = first.request("GET", search)
        assert (status, headers.get("X-Finder-Cache")) == (200, "miss")
        # The answer one worked out is the one two gives: the cache is shared.
        status, headers, _ = other.request("GET", search)
        assert (status, headers.get("X-Finder-Cache")) == (200, "hit")
        # No such place yet: two refuses it.
        status, _, _ = other.request("GET", "/?location=meriden-test")
        assert status == 400

        # An editor adds a place through server one...
        status, _, _ = first.post_form(
            "/admin/login/?next=/admin/",
            {"username": "editor", "password": "a long shared secret", "next": "/admin/"},
        )
        assert status == 302
        status, _, page = first.post_form(
            "/admin/clusters/place/add/",
            {"name": "Meriden Test", "slug": "meriden-test", "kind": "local-authority",
             "code": "", "description": "", "outside_documents": "a test place"},
        )  # fmt: skip
        assert status == 302, page[:3000]

        # ...and server two offers it, and works out its cached answers again, at its
        # next search.
        status, _, page = other.request("GET", "/?location=meriden-test")
        assert status == 200, page[:2000]
        assert 'value="meriden-test" selected' in page
        status, headers, _ = other.request("GET", search)
        assert (status, headers.get("X-Finder-Cache")) == (200, "miss")
