"""Settings for the app that tests serve with gunicorn (tests/served.py): the production
settings, read from the environment as a deployment reads them, with plain static storage
so that no ``collectstatic`` is needed first."""

from finder.settings import *  # noqa: F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
