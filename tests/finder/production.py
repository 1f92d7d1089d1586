"""The production settings, read the way production reads them: ``finder.settings``
imported in a fresh Python process with DEBUG off, a real secret and the hosts set.

The test settings import the same module with DEBUG on, so any setting whose default
depends on DEBUG (HTTPS redirect, HSTS, secure cookies) must be read from a process of
its own. The security tests run ``check --deploy`` this way, and the header tests apply
the snapshot taken here, so both test what a deployment really gets.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parents[2]

# What a deployment sets, and no more.
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "finder.settings",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
    "DJANGO_ALLOWED_HOSTS": "finder.example.org",
}

# The settings the security checks and the response headers depend on.
SECURITY_SETTINGS = [
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CSRF_TRUSTED_ORIGINS",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "MIDDLEWARE",
]

_SNAPSHOT = f"""
import json, django
django.setup()
from django.conf import settings
print(json.dumps({{name: getattr(settings, name, None) for name in {SECURITY_SETTINGS!r}}}))
"""


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production process: this one's, less every ``DJANGO_*``
    variable a developer may have set (DJANGO_DEBUG=1 above all) and the test settings
    module, plus PRODUCTION_ENV and ``overrides``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "PYTEST_CURRENT_TEST"
    }
    env.update(PRODUCTION_ENV)
    env.update(overrides)
    return env


def run_python(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    """Run this virtualenv's Python in the project directory with a production
    environment."""
    return subprocess.run(
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_settings(**overrides: str) -> dict[str, Any]:
    """The security settings a production process ends up with."""
    result = run_python("-c", _SNAPSHOT, **overrides)
    if result.returncode != 0:
        raise AssertionError(f"finder.settings failed to import:\n{result.stderr}")
    return json.loads(result.stdout)
