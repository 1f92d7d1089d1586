"""A throwaway PostgreSQL cluster and the app served from it by gunicorn, for tests that
stop, restart or freeze the database under a running service (tests/finder/
test_database_faults.py).

The cluster is the test's own (initdb into a temporary directory, a free loopback port),
never the suite's database, so it can be stopped and frozen at will. PostgreSQL refuses
to run as root: as root, its commands run as the ``postgres`` user, as CI's do.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tests.servers import free_port, start_gunicorn, stop

BASE_DIR = Path(__file__).resolve().parent.parent


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server's binaries (Debian's layout), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


def missing_reason() -> str | None:
    """Why these tests cannot run here, or None when they can."""
    if postgres_bin() is None:
        return (
            "needs the PostgreSQL server (initdb, pg_ctl under /usr/lib/postgresql/*/bin) "
            "to stop and freeze a database of its own: apt-get install postgresql"
        )
    if os.geteuid() == 0 and shutil.which("su") is None:
        return "runs PostgreSQL as the postgres user, which needs su"
    return None


@dataclass
class Cluster:
    """A PostgreSQL cluster of the test's own on 127.0.0.1:``port``."""

    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/finder"

    def run(self, *command: str) -> None:
        line = " ".join(command)
        if os.geteuid() == 0:
            subprocess.run(
                ["su", "postgres", "-s", "/bin/sh", "-c", line], check=True, capture_output=True
            )
        else:
            subprocess.run(line, shell=True, check=True, capture_output=True)

    def init(self) -> None:
        self.data.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
        binary = postgres_bin()
        self.run(
            f"{binary}/initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        self.start()
        self.run(
            f"{binary}/createdb",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "finder",
        )

    def pg_ctl(self, action: str, *options: str) -> None:
        """pg_ctl ``action`` on this cluster, waiting for it to finish."""
        log = str(self.root / "server.log")
        binary = f"{postgres_bin()}/pg_ctl"
        self.run(binary, "-D", str(self.data), "-l", log, "-w", *options, action)

    def start(self) -> None:
        settings = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} "
            "-c fsync=off -c full_page_writes=off"
        )
        self.pg_ctl("start", "-o", f"'{settings}'")

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")

    def processes(self) -> list[int]:
        """The postmaster and every server process under it."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(postmaster)], capture_output=True, text=True
        ).stdout.split()
        return [postmaster, *map(int, children)]

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        """Every server process stopped (SIGSTOP): connections are accepted by the kernel
        and what is sent is acknowledged, but nothing answers. Thawed on leaving."""
        pids = self.processes()
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


@dataclass
class Server:
    """The app under gunicorn, production settings, on the cluster's database."""

    base: str
    log: Path
    process: subprocess.Popen

    def get(self, path: str, timeout: float = 30) -> Response:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(self.base + path, timeout=timeout) as answer:
                return Response(
                    answer.status, dict(answer.headers), answer.read(), time.monotonic() - started
                )
        except urllib.error.HTTPError as error:
            return Response(
                error.code, dict(error.headers), error.read(), time.monotonic() - started
            )

    def wait_for(self, path: str, status: int, within: float) -> Response:
        deadline = time.monotonic() + within
        while True:
            response = self.get(path)
            if response.status == status or time.monotonic() > deadline:
                return response
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def served_env(database_url: str, **extra: str) -> dict[str, str]:
    """Production settings (DEBUG off), with plain static storage so no collectstatic."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.served_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "FINDER_SEARCH_CACHE_SECONDS": "0",
        # Fault tests make hundreds of requests from one address; a test about the
        # limits sets them back.
        "FINDER_RATE_LIMIT_SEARCH": "0",
        "FINDER_RATE_LIMIT_API": "0",
        **extra,
    }


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workdir: Path, workers: int = 2) -> Iterator[Server]:
    log = workdir / "gunicorn.log"
    process, base = start_gunicorn(env, log, "--workers", str(workers), "--timeout", "60")
    try:
        yield Server(base, log, process)
    finally:
        stop(process)


@contextlib.contextmanager
def cluster_and_server(**env: str) -> Iterator[tuple[Cluster, Server]]:
    root = Path(tempfile.mkdtemp(prefix="finder-faults-"))
    os.chmod(root, 0o755)
    cluster = Cluster(root / "pg")
    try:
        cluster.init()
        environment = served_env(cluster.url, **env)
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=BASE_DIR,
            env=environment,
            check=True,
            capture_output=True,
        )
        with gunicorn(environment, root) as server:
            yield cluster, server
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
