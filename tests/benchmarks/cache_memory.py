"""Memory per worker with the answer cache full, in each worker's memory and in Redis.

``make bench`` runs this after ``tests/benchmarks/run.py``. On a throwaway database of
10,000 generated programmes, gunicorn as deployed (gunicorn.conf.py, 2 workers) is asked
for more distinct searches than the in-memory cache holds (FINDER_SEARCH_CACHE_MB), so
that it fills; then the same again with ``REDIS_URL`` pointing at a redis-server started
for the run (skipped, saying so, when there is none). It prints each worker's peak
resident memory (VmHWM) and, for Redis, the memory Redis used.

    .venv/bin/python -m tests.benchmarks.cache_memory [--programmes 10000] [--searches 6000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

from tests import servers
from tests.benchmarks import run as bench


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--programmes", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=6_000, help="distinct searches asked")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="finder-cache-memory-"))
    try:
        bench.configure(workdir)
        import django

        django.setup()
        from django.conf import settings

        bench.say("Memory per worker with the answer cache full")
        bench.prepare()
        bench.say(
            f"  N = {args.programmes:,} (generated in {bench.generate(args.programmes):.1f} s)"
        )
        paths = [f"/?{query}" for query in bench.make_profiles(args.searches, seed=99)]
        limit = settings.FINDER_SEARCH_CACHE_MB
        entries = settings.CACHES["finder"]["OPTIONS"]["MAX_ENTRIES"]
        bench.say(
            f"  {len(paths):,} distinct finder searches, 8 clients; in-memory cache: "
            f"FINDER_SEARCH_CACHE_MB={limit}, at most {entries:,} answers a worker"
        )
        measure(workdir, paths, "in each worker's memory")
        if not shutil.which("redis-server"):
            bench.say(
                "  Redis: skipped, no redis-server on the PATH (apt-get install redis-server)"
            )
            return 0
        with servers.redis_server() as url:
            os.environ["REDIS_URL"] = url
            try:
                measure(workdir, paths, "in Redis (REDIS_URL)")
            finally:
                del os.environ["REDIS_URL"]
            port = int(url.rsplit(":", 1)[1].split("/")[0])
            bench.say(f"  Redis's own memory: {_redis_used_memory(port) / 2**20:.1f} MB")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def measure(workdir: Path, paths: list[str], where: str) -> None:
    started = time.monotonic()
    with bench.gunicorn(workdir, cache=True) as server:
        load = bench.drive(
            server.port,
            where,
            paths,
            concurrency=8,
            duration=600.0,
            max_requests=len(paths),
        )
        peaks = server.peak_rss()
    hits = f"{load.hit_ratio:.0%}" if load.hit_ratio is not None else "-"
    bench.say(
        f"  answers kept {where}: {load.requests:,} requests in {time.monotonic() - started:.0f} s"
        f" ({hits} hits); peak RSS per worker "
        + ", ".join(f"{peak / 2**20:.1f} MB" for peak in sorted(peaks.values()))
    )


def _redis_used_memory(port: int) -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"INFO memory\r\n")
        time.sleep(0.2)
        reply = sock.recv(65536).decode()
    for line in reply.splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
