"""Gunicorn as deployed (gunicorn.conf.py): stopping it answers every request already
made, queued ones included; a restart onto new code (USR2, then TERM to the old master)
loses none under load; the access log has no query strings."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from tests import servers
from tests.finder.production import production_env


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """A database of the shipped catalogue for the servers these tests start."""
    workdir = tmp_path_factory.mktemp("gunicorn")
    env = production_env(
        DJANGO_DEBUG="1",  # no collected static files needed
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        FINDER_SEARCH_CACHE_SECONDS="0",  # every request a search: each takes a while
        FINDER_RATE_LIMIT_SEARCH="0",  # thousands of requests, all from one address
    )
    servers.manage("migrate", "--no-input", "-v", "0", env=env)
    servers.manage("load_catalogue", "-v", "0", env=env)
    return env


def _search(base: str, n: int) -> str:
    try:
        with urllib.request.urlopen(f"{base}/?location=coventry&employees={n}", timeout=60) as r:
            r.read()
            return str(r.status)
    except OSError as error:
        return type(error).__name__


def test_stopping_answers_every_request_already_made(env, tmp_path) -> None:
    log = tmp_path / "gunicorn.log"
    process, base = servers.start_gunicorn(env, log, "--workers", "1")
    answers: list[str] = []
    clients = [
        threading.Thread(target=lambda n=n: answers.append(_search(base, n))) for n in range(40)
    ]
    for client in clients:
        client.start()
    time.sleep(0.3)  # one request being answered, the rest queued behind it
    process.send_signal(signal.SIGTERM)
    for client in clients:
        client.join()
    process.wait(timeout=60)
    output = log.read_text()

    assert Counter(answers) == {"200": 40}
    assert process.returncode == 0
    # Gunicorn's lines are JSON objects too, the access log one a request, each with the
    # path but not its query string, and the id the app gave the request.
    lines = [json.loads(line) for line in output.splitlines()]
    access = [line["message"] for line in lines if line["logger"] == "gunicorn.access"]
    assert len([message for message in access if message.startswith("GET / 200 ")]) == 40
    assert all(re.fullmatch(r"GET / 200 \d+ bytes \d+ ms [0-9a-f]{32}", m) for m in access[1:])
    assert "location=" not in output and "employees=" not in output


def test_a_worker_starts_while_the_database_is_down(env, tmp_path) -> None:
    """The index is built as a worker starts (post_worker_init) when it can be: without
    a database the worker still starts, says so, and answers what needs none."""
    log = tmp_path / "gunicorn.log"
    down = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'no such directory' / 'db.sqlite3'}"}
    process, base = servers.start_gunicorn(down, log, "--workers", "1")
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
            assert response.status == 200
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    assert "Index not built at start" in log.read_text()


def test_a_restart_onto_new_code_loses_no_request(env, tmp_path) -> None:
    """The README's restart: USR2 starts a new master on the same listening socket
    (its pid file is the old one's name plus ".2"), then TERM stops the old one."""
    pidfile = tmp_path / "gunicorn.pid"
    old, base = servers.start_gunicorn(
        env, tmp_path / "gunicorn.log", "--workers", "2", "--pid", str(pidfile)
    )
    answers: list[str] = []
    done = threading.Event()

    def client() -> None:
        n = 0
        while not done.is_set():
            n += 1
            answers.append(_search(base, n))

    clients = [threading.Thread(target=client) for _ in range(8)]
    for thread in clients:
        thread.start()
    new_pid = None
    try:
        time.sleep(1)
        old.send_signal(signal.SIGUSR2)
        new_pidfile = Path(f"{pidfile}.2")
        servers.wait_for(new_pidfile.exists, what="the new master", seconds=90)
        new_pid = int(new_pidfile.read_text())
        time.sleep(3)  # its workers are up
        old.send_signal(signal.SIGTERM)
        old.wait(timeout=60)
        time.sleep(1)  # answered by the new server alone
    finally:
        done.set()
        for thread in clients:
            thread.join()
        if old.poll() is None:
            old.kill()
            old.wait()
        if new_pid:
            os.kill(new_pid, signal.SIGTERM)
            servers.wait_for(lambda: not _alive(new_pid), what="the new master's exit")

    counts = Counter(answers)
    assert set(counts) == {"200"}, counts
    assert counts["200"] > 40


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
