"""Settings for the Scaleup Support Finder.

Every setting that differs between a laptop and production comes from an environment
variable with a safe default: DEBUG is off unless asked for, and without DEBUG a real
secret key is required. The README lists the variables.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; anything unrecognised is a configuration error."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a yes/no value; use 1 or 0.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int) -> int:
    """Read a whole number of at least ``minimum``; anything else is a configuration error.
    (A minimum of 0 is for settings where 0 switches the feature off.)"""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number of at least {minimum}.")
    return value


DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off "
            "(set DJANGO_DEBUG=1 for local development)."
        )
    SECRET_KEY = "insecure-development-key-only-used-with-DJANGO_DEBUG"

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    # Only for its system check, which catches django-csp 3's CSP_* settings (ignored by 4).
    "csp",
    "crispy_forms",
    "simple_history",
    "axes",
    "clusters",
    "programmes",
    "finder",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every response Django renders (CONTENT_SECURITY_POLICY).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made each change that the history keeps (programmes, clusters,
    # enquiries, referrals), including changes made outside the admin's own forms.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# django-axes checks every login against the lockout record before the normal backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "finder.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # The templates rendered on every search: the `govuk` crispy-forms template pack
        # and the finder's result cards (finder/jinja2.py). Django's engine, first in
        # this list, has no templates of these names, so both crispy-forms and
        # {% result_cards %} find them here.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "finder.jinja2.environment"},
    },
]

WSGI_APPLICATION = "finder.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ("govuk",)
CRISPY_TEMPLATE_PACK = "govuk"

# Caches. "finder" keeps the answers to finder searches (finder/cache.py) for
# FINDER_SEARCH_CACHE_SECONDS (0 turns that off). Both are per-process memory caches: an
# edit is seen at once by the process that made it, and by the others when their cached
# answers expire. With several app servers, point "finder" at a shared backend (Redis,
# Memcached) and the catalogue version it keeps becomes global. MAX_ENTRIES bounds the
# memory a worker gives it (make bench: about 20 MB for 480 answers at 10,000 programmes).
FINDER_SEARCH_CACHE_SECONDS = env_int("FINDER_SEARCH_CACHE_SECONDS", 60, minimum=0)
# A programme's status shows as confirmed only while its newest source is at most this
# many months old (programmes.eligibility.confirmed); after that, "not confirmed".
FINDER_EVIDENCE_MONTHS = env_int("FINDER_EVIDENCE_MONTHS", 18, minimum=0)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "finder": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "finder-search",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}

# Where the catalogue's YAML lives; tests point these at temporary copies.
CATALOGUE_FIXTURES_DIR = BASE_DIR / "fixtures"
CATALOGUE_SOURCES_FILE = BASE_DIR / "seeds" / "register.yaml"

# Enquiries hold personal data: purge_enquiries deletes those nobody has touched (the
# enquiry or any of its referrals) for this many days.
FINDER_ENQUIRY_RETENTION_DAYS = env_int("FINDER_ENQUIRY_RETENTION_DAYS", 730, minimum=1)

# Email alerts of a search (finder/alerts.py). The address and the search are personal
# data: stored only once confirmed, deleted on unsubscribe, and deleted by send_alerts
# this many days after confirmation (signing up again renews them).
FINDER_ALERT_RETENTION_DAYS = env_int("FINDER_ALERT_RETENTION_DAYS", 365, minimum=1)
# How long a confirmation link works.
FINDER_ALERT_CONFIRM_HOURS = env_int("FINDER_ALERT_CONFIRM_HOURS", 48, minimum=1)
# The site's address for links in the emails send_alerts sends (no request to read it
# from there): required without debug.
FINDER_SITE_URL = os.environ.get(
    "FINDER_SITE_URL", "http://127.0.0.1:8000" if DEBUG else ""
).rstrip("/")

# Email goes through Django's email framework: printed to the console with debug (make
# run), SMTP from these variables in production.
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("DJANGO_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("DJANGO_EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DJANGO_DEFAULT_FROM_EMAIL", "Scaleup Support Finder <alerts@localhost>"
)

# Admin login hardening (django-axes): after AXES_FAILURE_LIMIT failed logins for one
# username from one address, that pair is locked out for AXES_COOLOFF_HOURS; a
# successful login clears the count. Locking on the pair rather than the address alone
# means a shared office address (or a load balancer) cannot lock every adviser out.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(hours=env_int("AXES_COOLOFF_HOURS", 1, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failed attempts are kept (the lockout needs them); a log of every successful login is
# personal data we have no use for. Quiet start-up, so commands print only their output.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False

# The catalogue's YAML files are its source of truth; history is for seeing who changed
# what, not for reverting past the files (a revert would also skip many-to-many fields).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- HTTPS and security headers -----------------------------------------------------
# Production (DEBUG off) is HTTPS-only by default; `manage.py check --deploy` passes with
# these defaults and a test keeps it so. Each can be changed by its environment variable.

# Plain-HTTP requests are redirected to HTTPS, except /healthz: a load balancer checks
# each instance over plain HTTP on its private address, and a redirect would read as
# "down". DJANGO_SECURE_SSL_REDIRECT=0 switches the redirect off (loopback benchmarks, or
# a proxy that already redirects).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Behind a proxy that ends TLS, Django sees plain HTTP; it may believe the proxy's
# X-Forwarded-Proto only when told to, because a client can send that header too. Turn
# this on only when the proxy always sets (overwrites) it.
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# HSTS: browsers go straight to HTTPS for this long (a year) on later visits. Sent only
# on HTTPS responses. Preload asks browsers to ship the rule built in; it takes effect
# only once the domain is submitted to the preload list, and is hard to undo, so turn it
# off (and shorten the time) for a first deployment on a domain you are unsure of.
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)

# Session and CSRF cookies only travel over HTTPS in production (the admin login).
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True

# Origins (scheme://host[:port]) allowed to POST, for the admin behind a proxy or on a
# second name; Django already trusts the request's own host.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# Stated rather than left to Django's defaults, so the tests pin what we rely on.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# No referrer at all to other sites: a finder URL carries the business's whole profile.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): only our own scripts, styles, images and fonts;
# no inline script or style (base.html loads site.css and the site.js module; the Django
# admin needs no inline code either), no plugins, no framing, forms post only to us.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}
