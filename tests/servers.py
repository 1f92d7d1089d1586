"""Throwaway servers for tests that need a real one: a Redis server started on loopback
for the test session, and the finder itself under gunicorn on a database of its own.

Redis: ``FINDER_TEST_REDIS_URL`` names one to use; otherwise ``redis-server`` is started
from the PATH (Debian: ``apt-get install redis-server``; CI installs it), and without
either the tests that need it skip, saying so."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, what: str, seconds: float = 30.0) -> None:
    """Call ``check`` until it returns true, or fail saying ``what`` never came up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            if check():
                return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not come up within {seconds:.0f} s")


def redis_unavailable() -> str | None:
    """Why no Redis can be had here, or None."""
    if os.environ.get("FINDER_TEST_REDIS_URL") or shutil.which("redis-server"):
        return None
    return "needs Redis: install redis-server, or set FINDER_TEST_REDIS_URL (CI does)"


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A Redis URL: FINDER_TEST_REDIS_URL's, or a redis-server started for the session
    (no persistence, loopback only) and stopped after it."""
    given = os.environ.get("FINDER_TEST_REDIS_URL")
    if given:
        yield given
        return
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir:
        process = subprocess.Popen(
            [
                shutil.which("redis-server"),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                workdir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: _answers_ping(port), what="redis-server")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            process.terminate()
            process.wait(timeout=10)


def _answers_ping(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


def manage(*args: str, env: dict[str, str]) -> str:
    """Run manage.py with ``env``; its output, or an error with its output."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode:
        raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def start_gunicorn(env: dict[str, str], log: Path, *options: str) -> tuple[subprocess.Popen, str]:
    """The finder under gunicorn, started as deployed (``gunicorn finder.wsgi`` from the
    project directory, which reads gunicorn.conf.py; a restart by USR2 runs the same
    command again) on a free port with ``env`` and any other ``options``, its output (the
    access log included) going to ``log``: its process and base URL, once it answers
    /healthz. Stop it with ``stop``."""
    port = free_port()
    with log.open("ab") as output:
        process = subprocess.Popen(
            [GUNICORN, "finder.wsgi", "--bind", f"127.0.0.1:{port}", *options],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited at start-up; its log ({log}):\n" + _tail(log))
        return urllib.request.urlopen(f"{base}/healthz", timeout=2).status == 200

    try:
        wait_for(answers, what=f"gunicorn on port {port} (its log: {log})", seconds=60)
    except BaseException:
        stop(process)
        raise
    return process, base


def _tail(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace")[-3000:]


@contextlib.contextmanager
def app_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """The finder under gunicorn (one worker, gunicorn.conf.py otherwise) with ``env``,
    its output going to ``log``: its base URL."""
    process, base = start_gunicorn(env, log, "--workers", "1")
    try:
        yield base
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop a server gracefully, or kill it after 20 s."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
