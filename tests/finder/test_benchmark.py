"""The benchmark's load driver (tests/benchmarks/run.py): the loads compared with
/healthz are measured in turn, each kind's rotation carrying on from window to window."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.benchmarks import run


@pytest.fixture
def server():
    """A loopback server answering 200 to everything, noting each path asked for."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], asked
    httpd.shutdown()
    httpd.server_close()


def test_loads_are_measured_in_turn_and_rotate_across_windows(server) -> None:
    port, asked = server
    kinds = {"a": [f"/a{i}" for i in range(10)], "b": ["/b"]}

    a, b = run.drive_in_turn(port, kinds, rounds=3, concurrency=1, duration=30.0, max_requests=12)

    assert (a.name, b.name) == ("a", "b")
    # 12 requests each in all, 4 per window.
    assert (a.requests, b.requests) == (12, 12)
    assert len(a.latencies) == 12 and a.seconds > 0 and not a.errors
    # Each window starts with the few paths every worker warms up on (unmeasured), then
    # carries the rotation on where the window before it stopped: /a0../a3, /a4../a7...
    measured = [path for path in asked if path.startswith("/a")]
    warm_up = kinds["a"][: run.WORKERS * 4]
    windows = [measured[i : i + len(warm_up) + 4] for i in range(0, len(measured), 12)]
    assert [window[len(warm_up) :] for window in windows] == [
        ["/a0", "/a1", "/a2", "/a3"],
        ["/a4", "/a5", "/a6", "/a7"],
        ["/a8", "/a9", "/a0", "/a1"],
    ]
    # In turn: a's windows and b's alternate.
    runs = [
        path[1] for index, path in enumerate(asked) if index == 0 or path[1] != asked[index - 1][1]
    ]
    assert runs == ["a", "b"] * 3


def test_merged_load_adds_up_its_windows() -> None:
    one = run.Load("x", 2, 1.0, {"500": 1}, [0.1, 0.2], {"hit": 2})
    two = run.Load("x", 3, 2.0, {"500": 1, "404": 1}, [0.3, 0.4, 0.5], {"miss": 3})

    merged = run.Load.merged("x", [one, two])

    assert (merged.requests, merged.seconds, merged.rps) == (5, 3.0, 5 / 3.0)
    assert merged.errors == {"500": 2, "404": 1}
    assert merged.cache == {"hit": 2, "miss": 3}
    assert merged.percentile(100) == 500.0


def test_median_and_p95_of_cpu_times() -> None:
    assert run.median([3.0, 1.0, 2.0]) == 2.0
    assert run.median([4.0, 1.0, 2.0, 3.0]) == 2.5
    times = [float(n) for n in range(1, 101)]
    assert run.p95(times) == 95.0
    assert run.p95([7.0]) == 7.0
