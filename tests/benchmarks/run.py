"""``make bench``: is the finder fast and small enough at 10,000 programmes?

What it does
============

1. Makes a throwaway SQLite database in a new temporary directory (never the project's
   own ``db.sqlite3``): ``migrate``, ``load_catalogue`` (the real places and
   vocabularies), ``collectstatic`` into the same directory. Set
   ``BENCH_DATABASE_URL=postgres://...`` to use PostgreSQL instead; that database must
   be empty (the run refuses one that already has tables), because the benchmark writes
   ten thousand programmes into it.
2. For N = 100, 1,000 and 10,000 programmes, ``generate_catalogue --programmes N``
   (which replaces the previous N), then, with production settings (``DJANGO_DEBUG=0``,
   a generated secret key, ``DJANGO_ALLOWED_HOSTS=127.0.0.1``):

   * in this process, with Django's test client and the answer cache off
     (``FINDER_SEARCH_CACHE_SECONDS=0``), after a first request that reads the
     vocabularies and builds the index of the catalogue:

     - counts the database queries (``CaptureQueriesContext``) of a finder and an API
       request for a sample of profiles, including ones with no results and with the
       most;
     - times the CPU (``time.process_time``) of one finder request, then one API
       request, for each of ``CPU_PROFILES`` profiles this process has not been asked;

   * serves the app with gunicorn (``WORKERS`` sync workers) on a free loopback port,
     with the answer cache off (the cold engine: every request is a search), and drives
     it from ``--concurrency`` client threads over ``PROFILES`` distinct business
     profiles in rotation, each measurement bounded in requests and in seconds. Each
     server first answers ``OTHER_PROFILES`` other profiles, unmeasured, so that every
     worker has built its index and loaded its templates.

   At the largest N the cold server is measured on ``/healthz``, the finder page and
   ``/api/match/`` taken in turn (``drive_in_turn``: ``--rounds`` windows of each,
   sharing the measurement's duration, so that a shared machine's drift falls on all
   three alike); its workers' peak memory is read (``VmHWM`` in ``/proc/<pid>/status``)
   and a results page is weighed: the HTML and every stylesheet and script it loads
   (following JavaScript ``import``\\ s), gzipped. Then a second server runs as
   deployed, the answer cache on at its default lifetime and size: the profiles are
   asked pass after pass until a pass is (nearly) all answered from the cache (each
   worker keeps its own; responses say ``X-Finder-Cache: hit`` or ``miss``), the three
   loads are measured in turn again, and its workers' peak memory is read.
3. Prints the machine, the figures, each target with PASS or MISS, and the total time;
   deletes the temporary directory. The targets, at the largest N:

   * CPU of a finder request for a new profile, cache off: median <= ``CPU_TARGET_MS``;
   * finder p95, cold engine, ``CONCURRENCY`` clients on ``WORKERS`` workers:
     <= ``P95_TARGET_MS``;
   * queries per finder request: the most over the sample the same at every N, and
     <= ``QUERIES_TARGET``;
   * peak RSS of each worker as deployed (holding the answer cache): < ``RSS_TARGET``;
   * a results page: <= ``PAGE_WEIGHT_TARGET`` bytes gzipped, no web fonts.

   Throughput (requests/s, and as a share of ``/healthz``'s), the API's CPU, the p95 at
   each N and the cold workers' memory are printed as information, not judged.

Run it
======

``make bench`` (about three minutes on two cores), or with options::

    .venv/bin/python -m tests.benchmarks.run --duration 5 --sizes 100,1000
    .venv/bin/python -m tests.benchmarks.run --json bench.json   # keep the figures

The exit status is 0 whether or not targets are met (it is a measurement, not a test);
``--strict`` makes a missed target exit 1.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import itertools
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

from tests import servers

ROOT = Path(__file__).resolve().parents[2]

# Targets.
CPU_TARGET_MS = 10.0  # median CPU of a finder request for a new profile, largest N, cache off
P95_TARGET_MS = 60.0  # finder p95 at the largest N, cold engine, CONCURRENCY clients
QUERIES_TARGET = 2  # queries per finder request, at most, at every N
PAGE_WEIGHT_TARGET = 60_000  # bytes, gzipped HTML + CSS + JS of a results page
RSS_TARGET = 250 * 1024 * 1024  # bytes, peak resident memory per worker

CONCURRENCY = 8  # client threads
WORKERS = 2  # gunicorn sync workers
PROFILES = 240  # distinct business profiles the clients rotate through
QUERY_SAMPLE = 24  # of those, how many have their queries counted at each N
# Profiles timed in-process (none of the PROFILES): each new to the process.
CPU_PROFILES = 100
CPU_SEED = 21
# Before it is measured, each cold server answers this many other profiles (none of
# those measured), unmeasured, so that every worker has built its index of the catalogue.
OTHER_PROFILES = 60
OTHER_SEED = 8
# The deployed run is measured once a whole pass over the profiles is this well cached.
WARM_HIT_RATIO = 0.98
WARM_LIMIT_SECONDS = 120.0
SEARCH_WORDS = ["digital", "export", "battery", "growth", "green", "leadership", "health"]


# --- Output -------------------------------------------------------------------------


def say(text: str = "") -> None:
    print(text, flush=True)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def mib(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


# --- The machine --------------------------------------------------------------------


def machine() -> dict[str, str]:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    import django
    import gunicorn

    return {
        "CPUs (nproc)": str(len(os.sched_getaffinity(0))),
        "CPU model": model,
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "Django": django.get_version(),
        "gunicorn": gunicorn.__version__,
    }


# --- Set-up -------------------------------------------------------------------------


def configure(workdir: Path) -> str:
    """Point this process (and the gunicorn it starts) at the throwaway database, with
    production settings. Returns a printable description of the database."""
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    static_root = workdir / "static"
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings",
            "DATABASE_URL": url,
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Plain HTTP on loopback: no redirect to HTTPS (read if the settings have it).
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "BENCH_STATIC_ROOT": str(static_root),
            # Every request comes from one address here: a limit that counts each one as
            # deployed (finder/limits.py) but refuses none.
            "FINDER_RATE_LIMIT_SEARCH": "1000000/m",
            "FINDER_RATE_LIMIT_API": "1000000/m",
        }
    )
    # The deployed run uses the shipped default lifetime of cached answers; the cold
    # runs switch the cache off explicitly (``gunicorn(..., cache=False)``).
    os.environ.pop("FINDER_SEARCH_CACHE_SECONDS", None)
    return url.split("@")[-1] if "@" in url else url


def prepare() -> None:
    """Migrate, load the real catalogue, collect static files."""
    from django.core.management import call_command
    from django.db import connection

    # A new temporary SQLite file has no tables; a BENCH_DATABASE_URL must not either.
    if connection.introspection.table_names():
        raise SystemExit(
            "BENCH_DATABASE_URL names a database that already has tables; the benchmark "
            "only runs on an empty, throwaway database."
        )
    for name, args in [
        ("migrate", ["--no-input", "-v", "0"]),
        ("load_catalogue", []),
        ("collectstatic", ["--no-input", "-v", "0"]),
    ]:
        started = time.monotonic()
        call_command(name, *args, stdout=_Sink(), stderr=_Sink())
        say(f"  {name}: {time.monotonic() - started:.1f} s")


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def generate(n: int) -> float:
    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    call_command("generate_catalogue", "--programmes", str(n), "--seed", "1", stdout=_Sink())
    # Fresh statistics for the query planner, as a maintained database would have
    # (SQLite never gathers them itself; PostgreSQL's autovacuum may not have run yet).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    connection.close()
    return time.monotonic() - started


# --- Business profiles --------------------------------------------------------------


def make_profiles(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct finder query strings, the same on every run: a spread of real
    places, sectors, stages, sizes, money sought, support wanted, a few searched words,
    growth figures and "include closed"."""
    from clusters.models import Place, Sector
    from programmes.models import Stage, SupportType

    rng = random.Random(seed)
    local = list(
        Place.objects.filter(kind=Place.Kind.LOCAL_AUTHORITY)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    wider = list(
        Place.objects.exclude(kind=Place.Kind.LOCAL_AUTHORITY)
        .order_by("slug")
        .values_list("slug", flat=True)
    )
    sectors = list(Sector.objects.order_by("slug").values_list("slug", flat=True))
    stages = list(Stage.objects.order_by("slug").values_list("slug", flat=True))
    support = list(SupportType.objects.order_by("slug").values_list("slug", flat=True))

    seen: set[str] = set()
    profiles: list[str] = []
    while len(profiles) < count:
        params: list[tuple[str, str]] = []
        roll = rng.random()
        if roll < 0.85:
            params.append(("location", rng.choice(local)))
        elif roll < 0.95:
            params.append(("location", rng.choice(wider)))
        if rng.random() < 0.7:
            params.append(("sector", rng.choice(sectors)))
        if rng.random() < 0.6:
            params.append(("stage", rng.choice(stages)))
        employees = None
        if rng.random() < 0.7:
            employees = int(rng.lognormvariate(2.5, 1.2)) + 1
            params.append(("employees", str(employees)))
        if rng.random() < 0.5:
            params.append(("turnover", str(rng.choice([1, 2, 5, 10, 25, 50]) * 100_000)))
        if rng.random() < 0.3:
            params.append(("funding", str(rng.choice([5, 25, 100, 500, 2_000, 10_000]) * 1_000)))
        for slug in rng.sample(support, rng.choice([0, 0, 1, 1, 1, 2, 3])):
            params.append(("support", slug))
        if employees and rng.random() < 0.15:
            params.append(("employees_3y_ago", str(max(1, employees // rng.choice([1, 2, 3])))))
        if rng.random() < 0.12:
            params.append(("q", rng.choice(SEARCH_WORDS)))
        if rng.random() < 0.1:
            params.append(("include_closed", "1"))
        if not params:
            continue
        query = urlencode(params)
        if query not in seen:
            seen.add(query)
            profiles.append(query)
    return profiles


# --- Queries per request (in this process) ------------------------------------------


@dataclass
class QueryCounts:
    """Queries per request for each sampled profile, with its number of results."""

    finder: dict[str, int] = field(default_factory=dict)
    api: dict[str, int] = field(default_factory=dict)
    results: dict[str, int] = field(default_factory=dict)


def count_queries(profiles: Sequence[str]) -> QueryCounts:
    from django.db import connection
    from django.test import Client, override_settings

    client = Client(SERVER_NAME="127.0.0.1")
    counts = QueryCounts()
    # The queries a search makes: with the answer cache off (a cached answer makes none).
    with override_settings(FINDER_SEARCH_CACHE_SECONDS=0):
        _count_queries(client, profiles, counts)
    connection.close()
    return counts


def _count_queries(client, profiles: Sequence[str], counts: QueryCounts) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _first_request(client)
    for query in profiles:
        with CaptureQueriesContext(connection) as finder:
            response = client.get(f"/?{query}")
        _expect_ok(response.status_code, query)
        with CaptureQueriesContext(connection) as api:
            response = client.get(f"/api/match/?{query}")
        _expect_ok(response.status_code, query)
        counts.finder[query] = len(finder.captured_queries)
        counts.api[query] = len(api.captured_queries)
        counts.results[query] = response.json()["count"]


def cpu_per_request(profiles: Sequence[str]) -> dict[str, list[float]]:
    """The CPU time (``time.process_time``, in ms) of one finder page request, and of
    one API request, for each profile, in this process with the answer cache off, after
    a first request that builds the index. Give it profiles this process has not been
    asked, to time searches new to it."""
    from django.db import connection
    from django.test import Client, override_settings

    client = Client(SERVER_NAME="127.0.0.1")
    spent: dict[str, list[float]] = {"/": [], "/api/match/": []}
    with override_settings(FINDER_SEARCH_CACHE_SECONDS=0):
        _first_request(client)
        for path, times in spent.items():
            for query in profiles:
                started = time.process_time()
                response = client.get(f"{path}?{query}")
                times.append((time.process_time() - started) * 1000)
                _expect_ok(response.status_code, query)
    connection.close()
    return spent


def _first_request(client) -> None:
    """Get this process ready as gunicorn.conf.py gets a worker ready
    (``finder.index.warm_up``: the index and vocabularies of the catalogue, then
    ``gc.freeze()``), then make a first request, which loads the templates; after it,
    each search's queries and CPU are all its own."""
    from finder import index

    index.warm_up()
    client.get("/", {"location": "birmingham"})


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def _expect_ok(status: int, query: str) -> None:
    if status != 200:
        raise SystemExit(f"/?{query} answered {status}; the benchmark's profiles must be valid.")


# --- The server ---------------------------------------------------------------------


@contextmanager
def gunicorn(workdir: Path, *, cache: bool) -> Iterator[Server]:
    """The app under gunicorn: with the finder's answer cache as shipped (``cache``),
    or the cold engine with it switched off."""
    port = servers.free_port()
    log = (workdir / "gunicorn.log").open("ab")
    env = dict(os.environ)
    if not cache:
        env["FINDER_SEARCH_CACHE_SECONDS"] = "0"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "finder.wsgi:application",
            # The rest as the README deploys it: gunicorn.conf.py, read from ROOT.
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    server = Server(port, process.pid)
    try:
        server.wait_until_up(process)
        yield server
    finally:
        servers.stop(process)
        log.close()


@dataclass
class Server:
    port: int
    pid: int

    def wait_until_up(self, process: subprocess.Popen) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited at start-up; see gunicorn.log (--keep).")
            try:
                if fetch(self.port, "/healthz")[0] == 200 and len(self.workers()) == WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 60 seconds.")

    def workers(self) -> list[int]:
        """The worker processes: children of the gunicorn master."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the second field after the parenthesised command name.
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            if parent == self.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def peak_rss(self) -> dict[int, int]:
        """Each worker's peak resident set size (VmHWM), in bytes."""
        peaks = {}
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1]) * 1024
        return peaks


def fetch(port: int, path: str, *, gzip_ok: bool = False) -> tuple[int, bytes]:
    status, body, _ = fetch_marked(port, path, gzip_ok=gzip_ok)
    return status, body


def fetch_marked(port: int, path: str, *, gzip_ok: bool = False) -> tuple[int, bytes, str]:
    """Status, body, and whether the answer came from the finder's cache: its
    ``X-Finder-Cache`` header ("hit" or "miss"), or "" when the response has none."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Accept-Encoding": "gzip" if gzip_ok else "identity"}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("X-Finder-Cache", "")
    finally:
        connection.close()


# --- Load ---------------------------------------------------------------------------


@dataclass
class Load:
    name: str
    requests: int
    seconds: float
    errors: dict[str, int]
    latencies: list[float] = field(repr=False)
    # Responses by their X-Finder-Cache header: "hit", "miss", or "" (not cacheable, or
    # the cache is off).
    cache: dict[str, int] = field(default_factory=dict)

    @property
    def hit_ratio(self) -> float | None:
        """Of the measured responses, the share served from the cache; None when no
        response said either way (the cache is off, or the path is not cached)."""
        marked = self.cache.get("hit", 0) + self.cache.get("miss", 0)
        return self.cache.get("hit", 0) / marked if marked else None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)] * 1000

    @classmethod
    def merged(cls, name: str, loads: Sequence[Load]) -> Load:
        """One measurement made of several windows of the same load."""
        errors: Counter[str] = Counter()
        marks: Counter[str] = Counter()
        for load in loads:
            errors.update(load.errors)
            marks.update(load.cache)
        return cls(
            name,
            sum(load.requests for load in loads),
            sum(load.seconds for load in loads),
            dict(errors),
            [latency for load in loads for latency in load.latencies],
            dict(marks),
        )

    def summary(self) -> dict:
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 2),
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "errors": self.errors,
            "cache": self.cache,
            "hit_ratio": None if self.hit_ratio is None else round(self.hit_ratio, 4),
        }


def drive(
    port: int,
    name: str,
    paths: Sequence[str],
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
    start: int = 0,
) -> Load:
    """Send requests for ``paths`` in rotation from ``concurrency`` threads until
    ``duration`` seconds or ``max_requests`` requests, whichever comes first; the
    rotation starts at ``paths[start]``."""
    # A short warm-up, unmeasured, so every worker has loaded its templates.
    for path in paths[: WORKERS * 4]:
        fetch(port, path)
    numbers = itertools.count(start)
    max_requests += start
    lock = threading.Lock()
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    marks: Counter[str] = Counter()
    started = time.perf_counter()
    deadline = started + duration

    def client() -> None:
        mine: list[float] = []
        my_marks: Counter[str] = Counter()
        while True:
            with lock:
                number = next(numbers)
            if number >= max_requests or time.perf_counter() >= deadline:
                break
            path = paths[number % len(paths)]
            sent = time.perf_counter()
            try:
                status, _, mark = fetch_marked(port, path)
            except OSError as error:
                status, mark = type(error).__name__, ""
            mine.append(time.perf_counter() - sent)
            my_marks[mark] += 1
            if status != 200:
                with lock:
                    errors[str(status)] += 1
        with lock:
            latencies.extend(mine)
            marks.update(my_marks)

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Load(name, len(latencies), elapsed, dict(errors), latencies, dict(marks))


def drive_in_turn(
    port: int,
    kinds: dict[str, Sequence[str]],
    *,
    rounds: int,
    concurrency: int,
    duration: float,
    max_requests: int,
) -> list[Load]:
    """Measure each kind of request (name: paths) for ``duration`` seconds (or
    ``max_requests`` requests) in all, in turn: ``rounds`` windows of each, one kind
    after another, each kind's rotation carrying on from window to window.

    Why: the ratios to ``/healthz`` compare loads measured on the same machine, and a
    shared machine's speed drifts within a minute by more than the differences
    measured. Windows taken in turn see the same drift, so it cancels out of the
    ratios; one long window each would put it in them."""
    windows: dict[str, list[Load]] = {name: [] for name in kinds}
    for _ in range(rounds):
        for name, paths in kinds.items():
            done = sum(load.requests for load in windows[name])
            windows[name].append(
                drive(
                    port,
                    name,
                    paths,
                    concurrency=concurrency,
                    duration=duration / rounds,
                    max_requests=max(0, max_requests // rounds),
                    start=done,
                )
            )
    return [Load.merged(name, loads) for name, loads in windows.items()]


def warm(port: int, paths: Sequence[str], *, concurrency: int, limit: float) -> Load:
    """Ask for every path, pass after pass, until a whole pass is answered from the
    cache (each gunicorn worker keeps its own) or ``limit`` seconds have gone; unmeasured
    but reported. Returns the requests made, as one Load."""
    started = time.perf_counter()
    passes: list[Load] = []
    while True:
        load = drive(
            port, "warm-up", paths, concurrency=concurrency, duration=limit, max_requests=len(paths)
        )
        passes.append(load)
        if (load.hit_ratio or 0) >= WARM_HIT_RATIO or time.perf_counter() - started >= limit:
            break
    marks: Counter[str] = Counter()
    for load in passes:
        marks.update(load.cache)
    return Load(
        f"warm-up ({len(passes)} passes)",
        sum(load.requests for load in passes),
        time.perf_counter() - started,
        {},
        [latency for load in passes for latency in load.latencies],
        dict(marks),
    )


def print_loads(loads: Sequence[Load], baseline: Load | None) -> None:
    say(
        f"  {'':<14}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'requests':>10}"
        f"{'cache hits':>12}  ratio"
    )
    for load in loads:
        ratio = f"{load.rps / baseline.rps:.2f} of /healthz" if baseline else ""
        errors = f"  errors: {load.errors}" if load.errors else ""
        hits = "-" if load.hit_ratio is None else f"{load.hit_ratio:.1%}"
        say(
            f"  {load.name:<14}{load.rps:>9.1f}{load.percentile(50):>9.1f}"
            f"{load.percentile(95):>9.1f}{load.percentile(99):>9.1f}{load.requests:>10}"
            f"{hits:>12}  {ratio}{errors}"
        )


# --- Page weight --------------------------------------------------------------------

LINK_HREF = re.compile(r"<link[^>]*\bhref=\"([^\"]+)\"[^>]*>", re.IGNORECASE)
JS_IMPORT = re.compile(r"""(?:\bimport\b[^'"()]*?\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]""")
FONT = re.compile(r"@font-face|\.woff2?\b|\.ttf\b|\.otf\b|fonts\.googleapis", re.IGNORECASE)


@dataclass
class PageWeight:
    parts: dict[str, int]  # path -> gzipped bytes
    fonts: list[str]

    @property
    def total(self) -> int:
        return sum(self.parts.values())


def weigh(port: int, query: str) -> PageWeight:
    """The gzipped bytes of a results page and of every stylesheet and script it loads."""
    page = f"/?{query}"
    status, html = fetch(port, page)
    _expect_ok(status, query)
    parts = {page: len(gzip.compress(html))}
    fonts = [page] if FONT.search(html.decode()) else []
    text = html.decode()
    todo = []
    for match in LINK_HREF.finditer(text):
        tag = match.group(0)
        if re.search(r"rel=\"(?:stylesheet|preload|modulepreload)\"", tag):
            todo.append(urljoin(page, match.group(1)))
    todo += [urljoin(page, src) for src in re.findall(r"<script[^>]*src=\"([^\"]+)\"", text)]
    seen: set[str] = set()
    while todo:
        url = todo.pop(0)
        path = urlsplit(url).path
        if path in seen:
            continue
        seen.add(path)
        status, body = fetch(port, path)
        if status != 200:
            raise SystemExit(f"{path}, linked from the results page, answered {status}")
        parts[path] = len(gzip.compress(body))
        content = body.decode("utf-8", "replace")
        if FONT.search(content):
            fonts.append(path)
        if path.endswith((".js", ".mjs")):
            todo += [urljoin(path, name) for name in JS_IMPORT.findall(content)]
    return PageWeight(parts, fonts)


# --- The run ------------------------------------------------------------------------


@dataclass
class Figures:
    machine: dict[str, str] = field(default_factory=dict)
    database: str = ""
    sizes: list[int] = field(default_factory=list)
    concurrency: int = CONCURRENCY
    finder_p95_ms: dict[int, float] = field(default_factory=dict)
    # CPU ms per request for new profiles, in-process, by N and path.
    cpu_ms: dict[int, dict[str, list[float]]] = field(default_factory=dict)
    finder_loads: dict[int, dict] = field(default_factory=dict)
    # At the largest N: the cold engine (answer cache off) and the service as deployed
    # (answer cache on), each with its own /healthz.
    same_run: dict[str, dict] = field(default_factory=dict)
    same_run_deployed: dict[str, dict] = field(default_factory=dict)
    cache_seconds: int = 0
    cache_max_entries: int = 0
    queries_finder: dict[int, dict[str, int]] = field(default_factory=dict)
    queries_api: dict[int, dict[str, int]] = field(default_factory=dict)
    results: dict[int, dict[str, int]] = field(default_factory=dict)
    peak_rss: dict[int, int] = field(default_factory=dict)
    peak_rss_deployed: dict[int, int] = field(default_factory=dict)
    page_weight: dict[str, int] = field(default_factory=dict)
    fonts: list[str] = field(default_factory=list)
    targets: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default="100,1000,10000",
        help="Catalogue sizes, smallest first (default 100,1000,10000).",
    )
    parser.add_argument(
        "--duration", type=float, default=15.0, help="Seconds per measurement (default 15)."
    )
    parser.add_argument(
        "--max-requests", type=int, default=20_000, help="Requests per measurement at most."
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY,
        help=f"Client threads (default {CONCURRENCY}).",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="At the largest N, measure /healthz, the finder page and the API in turn in this "
        "many windows each, sharing the duration (default 5).",
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary directory.")
    parser.add_argument("--strict", action="store_true", help="Exit 1 if a target is missed.")
    args = parser.parse_args(argv)
    try:
        args.sizes = sorted(int(size) for size in args.sizes.split(","))
    except ValueError:
        parser.error(f"--sizes must be whole numbers separated by commas, not {args.sizes!r}")
    if not args.sizes or min(args.sizes) < 1:
        parser.error("--sizes must be 1 or more each")
    if args.rounds < 1:
        parser.error(f"--rounds must be 1 or more, not {args.rounds}")
    if args.duration <= 0:
        parser.error(f"--duration must be more than 0 seconds, not {args.duration:g}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="finder-bench-"))
    figures = Figures(sizes=args.sizes, concurrency=args.concurrency)
    try:
        figures.database = configure(workdir)
        import django

        django.setup()
        figures.machine = machine()
        say("Scaleup Support Finder benchmark")
        for key, value in figures.machine.items():
            say(f"  {key + ':':<15}{value}")
        say(f"  {'database:':<15}{figures.database} (throwaway)")
        say(
            f"  load:          {args.concurrency} client threads, {WORKERS} gunicorn sync workers,"
            f" {args.duration:g} s or {args.max_requests:,} requests per measurement; at"
            f" N = {args.sizes[-1]:,}, /healthz, the finder and the API in turn,"
            f" {args.rounds} windows each"
        )
        say()
        say("Setting up")
        prepare()
        profiles = make_profiles(PROFILES)
        finder_paths = [f"/?{query}" for query in profiles]
        api_paths = [f"/api/match/?{query}" for query in profiles]
        measured = set(profiles)
        others = [q for q in make_profiles(OTHER_PROFILES, seed=OTHER_SEED) if q not in measured]
        other_paths = [f"/?{query}" for query in others] + [
            f"/api/match/?{query}" for query in others
        ]
        cpu_profiles = [q for q in make_profiles(CPU_PROFILES, seed=CPU_SEED) if q not in measured]
        say(
            f"  {len(profiles)} distinct business profiles measured; {len(others)} others "
            f"to warm up each cold server; {len(cpu_profiles)} others timed in-process"
        )
        largest = args.sizes[-1]
        for n in args.sizes:
            say()
            say(f"N = {n:,} programmes (generated in {generate(n):.1f} s)")
            sample = [*profiles[:QUERY_SAMPLE], "location=birmingham", "q=zzzznothing"]
            counts = count_queries(sample)
            figures.queries_finder[n] = counts.finder
            figures.queries_api[n] = counts.api
            figures.results[n] = counts.results
            fewest = min(sample, key=lambda q: counts.results[q])
            most = max(sample, key=lambda q: counts.results[q])
            say(
                f"  queries per request over {len(sample)} profiles: finder "
                f"{_tally(counts.finder.values())}, API {_tally(counts.api.values())}; "
                f"fewest results ({counts.results[fewest]}): {counts.finder[fewest]}, "
                f"most results ({counts.results[most]}): {counts.finder[most]}"
            )
            cpu = figures.cpu_ms[n] = cpu_per_request(cpu_profiles)
            say(
                f"  CPU per request (in-process CPU, time.process_time), {len(cpu_profiles)} "
                "profiles new to this process, answer cache off: "
                + "; ".join(
                    f"{'finder' if path == '/' else 'API'} median {median(times):.1f} ms, "
                    f"p95 {p95(times):.1f} ms"
                    for path, times in cpu.items()
                )
            )
            options = dict(
                concurrency=args.concurrency,
                duration=args.duration,
                max_requests=args.max_requests,
            )
            # At the largest N, the three loads compared are measured in turn.
            same_run = {
                "/healthz": ["/healthz"],
                "finder page": finder_paths,
                "/api/match/": api_paths,
            }
            in_turn = dict(options, rounds=args.rounds)
            say("  cold engine (FINDER_SEARCH_CACHE_SECONDS=0: every request is a search)")
            with gunicorn(workdir, cache=False) as server:
                settled = drive(
                    server.port,
                    "warm-up",
                    other_paths,
                    concurrency=args.concurrency,
                    duration=WARM_LIMIT_SECONDS,
                    max_requests=len(other_paths),
                )
                say(
                    f"  warm-up, unmeasured: {settled.requests} requests for {len(others)} "
                    f"other profiles (finder and API) in {settled.seconds:.1f} s"
                )
                if n == largest:
                    healthz, finder, api = drive_in_turn(server.port, same_run, **in_turn)
                    print_loads([healthz, finder, api], healthz)
                    figures.same_run = {
                        "healthz": healthz.summary(),
                        "finder": finder.summary(),
                        "api": api.summary(),
                    }
                    figures.peak_rss = server.peak_rss()
                    weight = weigh(server.port, "location=birmingham")
                    figures.page_weight = weight.parts
                    figures.fonts = weight.fonts
                else:
                    finder = drive(server.port, "finder page", finder_paths, **options)
                    print_loads([finder], None)
                figures.finder_p95_ms[n] = finder.percentile(95)
                figures.finder_loads[n] = finder.summary()
            if n == largest:
                from django.conf import settings

                from finder.cache import CACHE_ALIAS

                figures.cache_seconds = settings.FINDER_SEARCH_CACHE_SECONDS
                # Django's memory cache keeps 300 entries unless told otherwise.
                cache_options = settings.CACHES[CACHE_ALIAS].get("OPTIONS", {})
                figures.cache_max_entries = int(cache_options.get("MAX_ENTRIES", 300))
                say(
                    "  as deployed (answer cache on, FINDER_SEARCH_CACHE_SECONDS default "
                    f"{figures.cache_seconds} s, per-worker memory cache of at most "
                    f"{figures.cache_max_entries:,} answers; {len(profiles)} "
                    "profiles rotating)"
                )
                with gunicorn(workdir, cache=True) as server:
                    warmed = [
                        warm(
                            server.port,
                            paths,
                            concurrency=args.concurrency,
                            limit=WARM_LIMIT_SECONDS,
                        )
                        for paths in (finder_paths, api_paths)
                    ]
                    healthz, finder, api = drive_in_turn(server.port, same_run, **in_turn)
                    say(
                        "  warm-up, unmeasured: "
                        + "; ".join(
                            f"{what} {load.requests} requests in {load.seconds:.1f} s "
                            f"({load.name.split('(')[1].rstrip(')')}), "
                            f"{_percent(load.hit_ratio)} hits"
                            for what, load in zip(("finder", "API"), warmed, strict=True)
                        )
                    )
                    print_loads([healthz, finder, api], healthz)
                    figures.same_run_deployed = {
                        "healthz": healthz.summary(),
                        "finder": finder.summary(),
                        "api": api.summary(),
                    }
                    figures.peak_rss_deployed = server.peak_rss()
        figures.seconds = time.monotonic() - started
        report(figures)
    finally:
        if args.keep:
            say(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(asdict(figures), indent=2, default=str))
    missed = [name for name, ok in figures.targets.items() if not ok]
    return 1 if args.strict and missed else 0


def _tally(values) -> str:
    """ "12 (x20), 5 (x2)": each number of queries, most first, with how many made it."""
    counts = Counter(values)
    return ", ".join(f"{value} (x{times})" for value, times in sorted(counts.items(), reverse=True))


def _percent(share: float | None) -> str:
    return "none" if share is None else f"{share:.1%}"


def judge(figures: Figures) -> dict[str, tuple[bool, str, str]]:
    """Each target: (met, the figures measured, the target), by name."""
    largest = figures.sizes[-1]
    cpu = figures.cpu_ms[largest]["/"]
    p95_ms = figures.finder_p95_ms[largest]
    # The most queries any sampled finder request made, at each N.
    most_queries = {n: max(counts.values()) for n, counts in figures.queries_finder.items()}
    peaks = list(figures.peak_rss_deployed.values())
    weight = sum(figures.page_weight.values())
    return {
        "CPU per request": (
            median(cpu) <= CPU_TARGET_MS,
            f"finder CPU per request for a new profile at N = {largest:,}, answer cache off "
            f"(in-process CPU, time.process_time): median {median(cpu):.1f} ms, "
            f"p95 {p95(cpu):.1f} ms over {len(cpu)} profiles",
            f"median <= {CPU_TARGET_MS:g} ms",
        ),
        "p95": (
            p95_ms <= P95_TARGET_MS,
            f"finder p95 at N = {largest:,}, cold engine (answer cache off), "
            f"{figures.concurrency} clients on {WORKERS} gunicorn workers: {p95_ms:.1f} ms",
            f"<= {P95_TARGET_MS:g} ms",
        ),
        "queries": (
            len(set(most_queries.values())) == 1 and max(most_queries.values()) <= QUERIES_TARGET,
            "queries per finder request, the most over the sampled profiles: "
            + ", ".join(f"{count} at N = {n:,}" for n, count in most_queries.items()),
            f"the same at every N, and <= {QUERIES_TARGET}",
        ),
        "memory": (
            bool(peaks) and max(peaks) < RSS_TARGET,
            f"peak RSS per worker at N = {largest:,}, as deployed (answer cache on, "
            f"{figures.cache_seconds} s, at most {figures.cache_max_entries:,} answers): "
            + (", ".join(mib(value) for value in peaks) or "no worker found"),
            f"< {mib(RSS_TARGET)}",
        ),
        "page weight": (
            weight <= PAGE_WEIGHT_TARGET and not figures.fonts,
            f"results page, gzipped: {weight:,} bytes ("
            + ", ".join(
                f"{path.split('?')[0]} {size:,}" for path, size in figures.page_weight.items()
            )
            + f"); web fonts: {', '.join(figures.fonts) or 'none'}",
            f"<= {PAGE_WEIGHT_TARGET:,} bytes, no web fonts",
        ),
    }


def report(figures: Figures) -> None:
    smallest, largest = figures.sizes[0], figures.sizes[-1]
    same, deployed = figures.same_run, figures.same_run_deployed
    say()
    say("Finder by catalogue size (cold engine, answer cache off)")
    for n in figures.sizes:
        load = figures.finder_loads[n]
        cpu = figures.cpu_ms[n]["/"]
        say(
            f"  N = {n:>6,}: p95 {load['p95_ms']:.1f} ms, {load['rps']:.1f} req/s; CPU per "
            f"request median {median(cpu):.1f} ms"
        )
    say()
    say("Targets")
    targets = judge(figures)
    for _name, (ok, text, target) in targets.items():
        say(f"  {verdict(ok)}  {text}  [target {target}]")
    figures.targets = {name: ok for name, (ok, _, _) in targets.items()}
    say("Information (not judged)")
    api = figures.cpu_ms[largest]["/api/match/"]
    say(
        f"  API CPU per request for a new profile at N = {largest:,}, answer cache off "
        f"(in-process CPU, time.process_time): median {median(api):.1f} ms, "
        f"p95 {p95(api):.1f} ms over {len(api)} profiles"
    )
    for name, run in (("cold engine", same), ("as deployed", deployed)):
        hits = run["finder"]["hit_ratio"]
        say(
            f"  finder throughput at N = {largest:,}, {name}"
            + (f" ({_percent(hits)} answered from the cache)" if hits is not None else "")
            + f": {run['finder']['rps']:.1f} req/s = "
            f"{run['finder']['rps'] / run['healthz']['rps']:.2f} of /healthz's "
            f"{run['healthz']['rps']:.1f}"
        )
    if smallest != largest:
        growth = figures.finder_p95_ms[largest] / figures.finder_p95_ms[smallest]
        say(
            f"  finder p95, cold engine, N = {largest:,} over N = {smallest:,}: "
            f"{figures.finder_p95_ms[largest]:.1f} / {figures.finder_p95_ms[smallest]:.1f} ms "
            f"= {growth:.2f}x"
        )
    say(
        f"  peak RSS per worker at N = {largest:,}, cold engine: "
        + (", ".join(mib(value) for value in figures.peak_rss.values()) or "no worker found")
    )
    say()
    missed = [name for name, ok in figures.targets.items() if not ok]
    say("All targets met." if not missed else f"Missed: {', '.join(missed)}.")
    say(f"Total time: {figures.seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
