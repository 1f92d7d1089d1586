"""Test settings: the real settings with DEBUG on (so no secret is needed), fast
password hashing and plain static storage."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from finder.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# django-axes needs the request when authenticating, which the test client's login()
# does not pass. Tests about lockout switch it back on with the ``settings`` fixture.
AXES_ENABLED = False

# Rate limits count every request from the test client's one address; the suite makes
# thousands. Tests about them switch them back on with the ``settings`` fixture.
FINDER_RATE_LIMITS = {"search": None, "api": None}
