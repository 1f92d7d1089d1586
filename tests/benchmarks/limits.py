"""How the rate limits hold under a burst, as deployed: gunicorn (2 sync workers, the
shipped per-process cache) on a throwaway PostgreSQL of its own (tests/served.py), 8
client threads firing 300 requests from one address at the API and at the finder page
with the shipped limits. Prints the statuses each burst got.

    .venv/bin/python -m tests.benchmarks.limits

Needs the PostgreSQL server binaries (apt-get install postgresql), as the fault tests do.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests import served

BURST = 300
CLIENTS = 8


def main() -> None:
    reason = served.missing_reason()
    if reason:
        raise SystemExit(reason)
    limits = {"FINDER_RATE_LIMIT_API": "60/m", "FINDER_RATE_LIMIT_SEARCH": "120/m"}
    with served.cluster_and_server(**limits) as (_cluster, server):
        for name, path, rate in (
            ("API", "/api/match/?employees=12", limits["FINDER_RATE_LIMIT_API"]),
            ("finder page", "/?employees=12", limits["FINDER_RATE_LIMIT_SEARCH"]),
        ):
            started = time.monotonic()
            with ThreadPoolExecutor(CLIENTS) as pool:
                answers = pool.map(lambda asked: server.get(asked).status, [path] * BURST)
                statuses = Counter(answers)
            seconds = time.monotonic() - started
            print(
                f"{name} at {rate}: {BURST} requests in {seconds:.1f} s -> "
                f"{statuses[200]} answered, {statuses[429]} refused with 429, "
                f"other: {dict((k, v) for k, v in statuses.items() if k not in (200, 429))}"
            )


if __name__ == "__main__":
    main()
