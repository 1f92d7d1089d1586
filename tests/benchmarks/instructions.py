"""Instructions per finder request, counted by valgrind: a measure that does not drift.

``make bench`` measures time, which on a shared machine moves by a third from one hour
to the next. To tell whether a change makes a page cheaper, this counts the CPU
instructions (valgrind's callgrind, ``Ir``) that one finder request takes in-process
(Django's test client, production settings, the answer cache off), at N = 10,000
programmes on a throwaway database, in the same way every time:

* **repeat**: a profile this process has answered before (what most of the benchmark's
  requests are: 240 profiles rotate);
* **first**: a profile new to it, after others;
* ``/healthz``, for scale.

It counts instructions, not time: memory stalls and system calls are not in it (the
catalogue version query costs few instructions and several system calls). The garbage
collector is off while counting, so that a rare full collection does not land in one
run and not another. Each count runs the app under valgrind, 2 to 3 minutes each; the
three run side by side.

    .venv/bin/python -m tests.benchmarks.instructions            # needs valgrind
    .venv/bin/python -m tests.benchmarks.instructions --requests 60

It needs a Python that keeps its symbols, for callgrind to find ``functools_reduce``:
Debian's ``python3`` is stripped (the count then fails, saying so); one built by pyenv
is not.

Two runs of the same code agree to within 0.1%.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.benchmarks import run as bench

ROOT = Path(__file__).resolve().parents[2]

# The child: warm up, then make the counted requests inside functools.reduce, the one
# C function callgrind is told to count within (--toggle-collect).
CHILD = """
import functools, gc, os, sys
sys.path.insert(0, {root!r})
import django
django.setup()
from django.test import Client
from tests.benchmarks.run import make_profiles, OTHER_SEED
profiles = make_profiles(240)
others = [q for q in make_profiles(480, seed=OTHER_SEED) if q not in set(profiles)]
count = {count}
client = Client()
for query in others[:240] + profiles[:count]:
    assert client.get("/?" + query).status_code == 200
kind = {kind!r}
paths = {{
    "repeat": ["/?" + q for q in profiles[:count]],
    "first": ["/?" + q for q in profiles[count:2 * count]],
    "healthz": ["/healthz"] * count,
}}[kind]
gc.collect()
gc.disable()
functools.reduce(lambda _, path: client.get(path), paths, None)
"""

KINDS = ("repeat", "first", "healthz")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--programmes", type=int, default=10_000, help="catalogue size")
    parser.add_argument(
        "--requests", type=int, default=120, help="counted requests of each kind (at most 120)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.requests <= 120:
        parser.error("--requests must be between 1 and 120 (240 profiles: repeats and firsts)")
    if args.programmes < 1:
        parser.error("--programmes must be 1 or more")
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        print("valgrind is not installed (on Debian: apt-get install valgrind)", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="finder-instructions-"))
    try:
        bench.configure(workdir)
        # Every request a search; and the test client's host allowed.
        os.environ["FINDER_SEARCH_CACHE_SECONDS"] = "0"
        os.environ["DJANGO_ALLOWED_HOSTS"] = "127.0.0.1,testserver"
        import django

        django.setup()
        bench.prepare()
        bench.generate(args.programmes)
        print(
            f"N = {args.programmes:,} programmes; {args.requests} requests of each kind", flush=True
        )
        runs = {}
        for kind in KINDS:
            out = workdir / f"callgrind.{kind}"
            child = CHILD.format(root=str(ROOT), count=args.requests, kind=kind)
            runs[kind] = (
                out,
                subprocess.Popen(
                    [
                        valgrind,
                        "--tool=callgrind",
                        "--toggle-collect=functools_reduce",
                        f"--callgrind-out-file={out}",
                        sys.executable,
                        "-c",
                        child,
                    ],
                    cwd=ROOT,
                    env={**os.environ, "PYTHONHASHSEED": "0"},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
        failed = False
        for kind, (out, process) in runs.items():
            _, errors = process.communicate()
            total = _totals(out)
            if process.returncode != 0 or total is None:
                print(f"  {kind}: failed\n{errors[-2000:]}", file=sys.stderr)
                failed = True
                continue
            if total == 0:
                print(
                    f"  {kind}: callgrind counted nothing inside functools_reduce: this Python "
                    f"({sys.executable}) has no symbol for it (Debian's python3 is stripped). "
                    "Run it with a Python that keeps its symbols, such as one pyenv built.",
                    file=sys.stderr,
                )
                failed = True
                continue
            print(f"  {kind:<8} {total / args.requests / 1e6:8.3f} M instructions a request")
        return 1 if failed else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _totals(path: Path) -> int | None:
    try:
        for line in path.read_text().splitlines():
            if line.startswith("totals:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


if __name__ == "__main__":
    raise SystemExit(main())
