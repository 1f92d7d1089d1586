"""Settings for the Scaleup Support Finder.

Every setting that differs between a laptop and production comes from an environment
variable with a safe default: DEBUG is off unless asked for, and without DEBUG a real
secret key is required. The README lists the variables.
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from finder import logs

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
    # Outermost: a request id for every log line, and one line per request (finder/logs.py).
    "finder.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A view's database failure becomes a 503 with Retry-After (finder/health.py).
    "finder.health.DatabaseFaultMiddleware",
    # Permissions-Policy on every response; public pages take only GET and HEAD.
    "finder.middleware.PermissionsPolicyMiddleware",
    "finder.middleware.PublicMethodsMiddleware",
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
        # and the finder's results column (finder/jinja2.py). Django's engine, first in
        # this list, has no templates of these names, so both crispy-forms and
        # {% search_results %} find them here.
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
        # A reused connection is checked before its request uses it, so a database restart
        # costs no request a 500 (finder/health.py handles what remains).
        conn_health_checks=True,
    )
}
# Database faults (finder/health.py). The connect timeout bounds how long a request waits
# for a new connection (PostgreSQL; on SQLite, how long a write waits for the file lock).
# The statement timeout is PostgreSQL's statement_timeout for every connection, web and
# commands alike (0 turns it off: set that for a one-off command with a longer statement);
# a command unanswered that long plus two seconds (a frozen server) is cut off by the
# watchdog. Both stay well inside gunicorn's worker timeout.
DB_CONNECT_TIMEOUT = env_int("DJANGO_DB_CONNECT_TIMEOUT", 5, minimum=1)
DB_STATEMENT_TIMEOUT = env_int("DJANGO_DB_STATEMENT_TIMEOUT", 10, minimum=0)
# A GET or HEAD whose database refused it at once is tried again once after this many
# milliseconds (a restart is usually over by then); 0 answers the 503 straight away.
DB_RETRY_MS = env_int("DJANGO_DB_RETRY_MS", 500, minimum=0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": DB_CONNECT_TIMEOUT,
        "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT * 1000}",
        **DATABASES["default"].get("OPTIONS", {}),
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": DB_CONNECT_TIMEOUT,
        **DATABASES["default"].get("OPTIONS", {}),
    }
# While the database is unreachable, pages and the API answer 503 with this Retry-After,
# and each process logs one line per kind of failure per FINDER_DB_ERROR_LOG_SECONDS.
FINDER_RETRY_AFTER_SECONDS = env_int("FINDER_RETRY_AFTER_SECONDS", 30, minimum=1)
FINDER_DB_ERROR_LOG_SECONDS = env_int("FINDER_DB_ERROR_LOG_SECONDS", 60, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The service is in English only: Django's translation machinery stays off (USE_I18N,
# as Django's documentation advises when nothing is translated). Dates and numbers are
# still formatted the en-GB way (LANGUAGE_CODE's formats), and the admin reads the same.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
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
# A layout naming a field its form lacks, or rendering one twice, is an error, which the
# tests see, rather than a question silently left off the page (crispy-forms' default).
CRISPY_FAIL_SILENTLY = False

# A programme's status shows as confirmed only while its newest source is at most this
# many months old (programmes.eligibility.confirmed); after that, "not confirmed".
FINDER_EVIDENCE_MONTHS = env_int("FINDER_EVIDENCE_MONTHS", 18, minimum=0)

# Caches. "finder" keeps the answers to finder searches (finder/cache.py) for
# FINDER_SEARCH_CACHE_SECONDS (0 turns that off), keyed on the catalogue version kept in
# the database: every process sees an edit at its next search, whatever the backend.
# Answers are kept compressed (a results page is about 8 KB); one larger than
# FINDER_SEARCH_CACHE_ENTRY_BYTES is not kept. "default" holds the rate limits.
# Without REDIS_URL both are in each worker's memory, the answers taking at most
# FINDER_SEARCH_CACHE_MB there. With REDIS_URL both are in that Redis, shared by every
# worker and app server; bound its memory with Redis's own `maxmemory`.
FINDER_SEARCH_CACHE_SECONDS = env_int("FINDER_SEARCH_CACHE_SECONDS", 60, minimum=0)
FINDER_SEARCH_CACHE_MB = env_int("FINDER_SEARCH_CACHE_MB", 32, minimum=1)
FINDER_SEARCH_CACHE_ENTRY_BYTES = 16 * 1024
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(
        f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL.split(':')[0]!r}"
    )
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": alias,
        }
        for alias in ("default", "finder")
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "finder": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "finder-search",
            # Each entry: its answer (at most FINDER_SEARCH_CACHE_ENTRY_BYTES) and at most
            # 1 KB of key and bookkeeping.
            "OPTIONS": {
                "MAX_ENTRIES": FINDER_SEARCH_CACHE_MB
                * 1024
                * 1024
                // (FINDER_SEARCH_CACHE_ENTRY_BYTES + 1024)
            },
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

# Admin login hardening (django-axes; finder/limits.py). Three lockouts, each for
# AXES_COOLOFF_HOURS from the latest failure: AXES_FAILURE_LIMIT failures for one username
# from one address lock that pair (so a shared office address, or a load balancer, cannot
# lock every adviser out by one person's typing); AXES_USERNAME_FAILURE_LIMIT for one
# username from any addresses lock that username (guessing from many addresses); and
# AXES_ADDRESS_FAILURE_LIMIT from one address lock it, whatever the usernames (spraying a
# common password across accounts). A successful login clears the counts that match it.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
FINDER_LOGIN_FAILURES_USERNAME_AND_ADDRESS = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
FINDER_LOGIN_FAILURES_USERNAME = env_int("AXES_USERNAME_FAILURE_LIMIT", 20, minimum=1)
FINDER_LOGIN_FAILURES_ADDRESS = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_FAILURE_LIMIT = "finder.limits.login_failure_limit"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["username"], ["ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(hours=env_int("AXES_COOLOFF_HOURS", 1, minimum=1))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "finder.limits.login_locked_out"
# Successful logins are recorded (Axes -> Access logs in the admin: who, from where,
# when, and when they logged out); `axes_reset_logs --age 90` removes older ones. Log
# lines name a username or address only by a keyed digest (finder/logs.py).
AXES_DISABLE_ACCESS_LOG = False
AXES_CLIENT_STR_CALLABLE = "finder.logs.client_digest"
# Quiet start-up, so commands print only their output.
AXES_VERBOSE = False

# Per-client rate limits (django-ratelimit; finder/limits.py): requests per client address
# to the finder page and to /api/match/, as "count/period" (s, m, h or d: "120/m"); 0 or
# off removes the limit. They count in the "default" cache: per worker with the memory
# cache, shared by every server with a shared one.
RATE_PATTERN = re.compile(r"^\d+/([1-9]\d*)?[smhd]$")


def env_rate(name: str, default: str) -> str | None:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw in {"0", "off"}:
        return None
    if not RATE_PATTERN.match(raw):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a rate such as 60/m, or 0 for none.")
    return raw


FINDER_RATE_LIMITS = {
    "search": env_rate("FINDER_RATE_LIMIT_SEARCH", "120/m"),
    "api": env_rate("FINDER_RATE_LIMIT_API", "60/m"),
}
# A cache outage lets requests through rather than refusing them all.
RATELIMIT_FAIL_OPEN = True
# Behind a proxy every request comes from the proxy's address. Name the header in which
# the proxy puts the client's address (one address, set by the proxy itself, such as
# X-Real-IP) and the rate limits and login lockouts read that instead.
CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
if CLIENT_IP_HEADER:
    RATELIMIT_IP_META_KEY = "HTTP_" + CLIENT_IP_HEADER.upper().replace("-", "_")
    AXES_IPWARE_META_PRECEDENCE_ORDER = (RATELIMIT_IP_META_KEY, "REMOTE_ADDR")

# The catalogue's YAML files are its source of truth; history is for seeing who changed
# what, not for reverting past the files (a revert would also skip many-to-many fields).
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- HTTPS and security headers -----------------------------------------------------
# Production (DEBUG off) is HTTPS-only by default; `manage.py check --deploy` passes with
# these defaults and a test keeps it so. Each can be changed by its environment variable.

# Plain-HTTP requests are redirected to HTTPS, except /healthz and /readyz: a load
# balancer checks each instance over plain HTTP on its private address, and a redirect
# would read as "down". DJANGO_SECURE_SSL_REDIRECT=0 switches the redirect off (loopback
# benchmarks, or a proxy that already redirects).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

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
# No page uses these browser features; none may ask for them (finder/middleware.py).
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
# Refused requests get the service's own pages (finder/errors.py).
CSRF_FAILURE_VIEW = "finder.errors.csrf_failure"

# /.well-known/security.txt (RFC 9116) names where to report a vulnerability: a mailto:
# or https: address. Without one the file is not served.
FINDER_SECURITY_CONTACT = os.environ.get("FINDER_SECURITY_CONTACT", "").strip()

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

# Logs (finder/logs.py): one JSON object per line on standard error, each with the id of
# its request; one line per request (method, path, status, duration), never its query
# string. DJANGO_LOG_FORMAT=text gives plain lines for reading at a terminal.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": logs.FORMATTERS,
    "filters": {
        # A request the database failed is logged once per interval by finder/health.py,
        # not with a traceback each time by Django.
        "quiet_database_faults": {"()": "finder.health.QuietDatabaseFaults"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": logs.log_format(),
            "filters": ["quiet_database_faults"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would print its lines a second time.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # runserver's own request lines carry the query string; finder.request logs
        # every request instead.
        "django.server": {"handlers": [], "propagate": False},
    },
}
