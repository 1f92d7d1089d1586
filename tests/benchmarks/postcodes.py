"""What finding by postcode costs: the time a postcode adds to a search, and the memory
the postcode directory takes in a worker.

* **Memory**: a fresh process with Django set up (production settings, numpy loaded by
  the finder's index) reads its resident memory, reads the whole directory
  (``postcodes.load_all``, as ``finder/wsgi.py`` does), and reads it again; the peak is
  printed too. Target: grows by at most 50 MB.
* **Time**: on a throwaway database holding the real catalogue, ``/api/match/`` in
  process (Django's test client, the answer cache off) for real postcodes drawn from
  the Midlands' postcode areas, each paired with the same search by the place it
  resolves to; CPU time of each request, the pairs' order alternating. Target: a postcode adds under
  1 ms (median of the pairs' differences).

    .venv/bin/python -m tests.benchmarks.postcodes [--pairs 300]

The exit status is 0 whether or not targets are met (it is a measurement).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from tests.benchmarks import run as bench

ADDED_TARGET_MS = 1.0
MEMORY_TARGET_MB = 50.0
# Postcode areas of the West and East Midlands.
AREAS = ("B", "CV", "DE", "DY", "LE", "NG", "NN", "ST", "WR", "WS", "WV", "TF", "HR", "LN")

MEMORY_PROBE = """
import os, resource, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.benchmarks.settings")
django.setup()
import finder.index  # noqa: F401  (the worker has numpy and the finder loaded)
from clusters import postcodes

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

before = rss()
postcodes.load_all()
after = rss()
print(before, after, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def memory() -> tuple[float, float, float]:
    """Resident MB before and after reading the directory, and the peak."""
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True, check=True
    )
    before, after, peak = (int(n) / 2**20 for n in out.stdout.split())
    return before, after, peak


def sample(count: int, seed: int = 11) -> list[str]:
    """``count`` real postcodes of the Midlands' postcode areas, in directory form."""
    from clusters import postcodes

    rng = random.Random(seed)
    found: list[str] = []
    for area in AREAS:
        letter = postcodes._letter(area[0])
        start = letter.postcodes.searchsorted(area.encode())
        end = letter.postcodes.searchsorted(area.encode() + b"\xff")
        matching = [
            bytes(code).decode()
            for code in letter.postcodes[start:end]
            if bytes(code).decode()[len(area)].isdigit()
        ]
        found += rng.sample(matching, min(len(matching), count))
    rng.shuffle(found)
    return found[:count]


def cpu_ms(client, params: dict) -> float:
    started = time.process_time()
    response = client.get("/api/match/", params, HTTP_HOST="127.0.0.1")
    elapsed = (time.process_time() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"/api/match/ answered {response.status_code} for {params}")
    return elapsed


def pairs(count: int) -> list[tuple[float, float]]:
    """(postcode, its place) CPU milliseconds for ``count`` postcodes."""
    from django.core.exceptions import ValidationError
    from django.test import Client

    from clusters import postcodes
    from finder import vocabulary

    postcodes.load_all()
    client = Client()
    words = vocabulary.current()
    timed = []
    for text in sample(count):
        try:
            where = words.postcode(postcodes.parse(text))
        except ValidationError:
            continue  # one of the few the directory gives no authority

        place = where["location"] if where["location"] in words.labels["location"] else ""
        by_postcode = {"postcode": text, "employees": "12"}
        by_place = {"location": place, "employees": "12"}
        cpu_ms(client, by_postcode)  # both warm: the index, the vocabulary, the templates
        cpu_ms(client, by_place)
        gc.collect()
        # Each pair in turn goes first: the second of two like requests finds the CPU's
        # caches warm, and would look cheaper for it.
        if len(timed) % 2:
            place_ms = cpu_ms(client, by_place)
            timed.append((cpu_ms(client, by_postcode), place_ms))
        else:
            timed.append((cpu_ms(client, by_postcode), cpu_ms(client, by_place)))
    return timed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="finder-postcodes-") as workdir:
        bench.configure(Path(workdir))
        import os

        os.environ["FINDER_SEARCH_CACHE_SECONDS"] = "0"
        import django

        django.setup()
        bench.say("Memory of the postcode directory in a worker")
        before, after, peak = memory()
        grown = after - before
        bench.say(f"  resident before {before:.1f} MB, after {after:.1f} MB, peak {peak:.1f} MB")
        bench.say(
            f"  grows by {grown:.1f} MB (target <= {MEMORY_TARGET_MB:g} MB): "
            f"{bench.verdict(grown <= MEMORY_TARGET_MB)}"
        )
        bench.say("Time a postcode adds to a search (in process, answer cache off)")
        bench.prepare()
        timed = pairs(args.pairs)
        added = [by_postcode - by_place for by_postcode, by_place in timed]
        bench.say(
            f"  {len(timed)} pairs: postcode median {statistics.median(t[0] for t in timed):.2f}"
            f" ms, place median {statistics.median(t[1] for t in timed):.2f} ms CPU"
        )
        median = statistics.median(added)
        bench.say(
            f"  a postcode adds a median {median:.2f} ms (target < {ADDED_TARGET_MS:g} ms): "
            f"{bench.verdict(median < ADDED_TARGET_MS)}"
        )
        bench.say(
            f"  this process's peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
