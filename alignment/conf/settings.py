"""Settings for Meeting of the Minds, read from the environment (12-factor).

With nothing configured the app runs on SQLite and kombu's filesystem broker under
`var/`, and writes emails to `var/mail/`; production sets DATABASE_URL,
CELERY_BROKER_URL and EMAIL_URL (see README.md).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab  # noqa: F401  (documented for beat schedules)
from django.core.exceptions import ImproperlyConfigured

from alignment.conf.env import env_bool, env_list, env_str, require

BASE_DIR = Path(__file__).resolve().parents[2]
VAR_DIR = Path(env_str("VAR_DIR") or BASE_DIR / "var")

env = environ.Env()

DEBUG = env_bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-local-development-only-key-do-not-use-in-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    require(
        "DJANGO_SECRET_KEY",
        SECRET_KEY,
        "it signs sessions and links and is required when DJANGO_DEBUG is off.",
    )
    require(
        "DJANGO_ALLOWED_HOSTS",
        ALLOWED_HOSTS,
        "list the host names this site answers to, comma-separated, when DJANGO_DEBUG is off.",
    )

SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "template_partials",
    "simple_history",
    "axes",
    "csp",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "departments",
    "objectives",
    "business_cases",
    "alignment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # A locked or busy database answers 503 with Retry-After, not 500 (alignment/conf/busy.py).
    "alignment.conf.busy.BusyDatabaseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "alignment.meetings.middleware.UserTimezoneMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Reading pages answered from the cache while the programme is unchanged
    # (alignment/conf/page_cache.py); it reads what the middleware above sets.
    "alignment.conf.page_cache.PageCacheMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Axes must come last: it turns a lockout into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alignment.conf.urls"
WSGI_APPLICATION = "alignment.conf.wsgi.application"

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
                "alignment.conf.context_processors.csp_nonce",
                "alignment.conf.context_processors.role_flags",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# The SQLite default is opened so that web, worker and beat can all write: IMMEDIATE
# transactions take the write lock up front (no deadlocking upgrade from a read lock),
# WAL lets readers run beside the writer, and a writer waits up to SQLITE_BUSY_TIMEOUT
# (5 s) for another's transaction before "database is locked" (the request then retries
# once, and answers 503 if it is still busy: alignment/conf/busy.py). No job holds the
# lock for long: the worker commits big work a week of meetings at a time.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": env.float("SQLITE_BUSY_TIMEOUT", default=5.0),
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    DATABASES["default"]["TEST"] = {"NAME": env_str("SQLITE_TEST_NAME") or None}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The business case editor posts up to 200 lines of each kind (about 7,500 fields); at
# Django's default of 1,000 a case with ~85 scenarios could no longer be saved.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Uploads stop at the largest document we accept (departments/uploads.py) instead of
# being read whole; bodies without files stay at Django's 2.5 MB.
FILE_UPLOAD_HANDLERS = [
    "departments.uploads.SizeLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Auth ------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on with OpenID Connect (alignment/conf/oidc.py): on when OIDC_ISSUER is set.
# The backend is always listed; it answers only a provider's callback, and only then.
AUTHENTICATION_BACKENDS.append("alignment.conf.oidc.SingleSignOnBackend")
OIDC_ISSUER = env_str("OIDC_ISSUER")
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_GROUPS_CLAIM = env_str("OIDC_GROUPS_CLAIM", "groups")
OIDC_SECURITY_GROUPS = env_list("OIDC_SECURITY_GROUPS")
OIDC_EXECUTIVE_GROUPS = env_list("OIDC_EXECUTIVE_GROUPS")
OIDC_TIMEOUT = 10
OIDC_STORE_ID_TOKEN = True  # for logging out at the provider too
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
if OIDC_ISSUER:
    require("OIDC_CLIENT_ID", OIDC_RP_CLIENT_ID, "the client id registered at the provider")
    require("OIDC_CLIENT_SECRET", OIDC_RP_CLIENT_SECRET, "the client's secret")
# Off, only single sign-on logs people in (the password form is gone and refused).
PASSWORD_LOGIN_ENABLED = env_bool("PASSWORD_LOGIN_ENABLED", default=True)
if not PASSWORD_LOGIN_ENABLED and not OIDC_ISSUER:
    raise ImproperlyConfigured("PASSWORD_LOGIN_ENABLED=0 needs OIDC_ISSUER: nobody could log in.")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A password-reset link works for one hour (Django's default is three days): long
# enough to read the email, short enough that an old mailbox is no way in. The link is
# made when the outbox sends the email, so the hour starts then (alignment/account_emails.py).
PASSWORD_RESET_TIMEOUT = 60 * 60
# Reset by email; single sign-on deployments switch it off (the reset pages answer 404
# and the login page drops its link).
PASSWORD_RESET_ENABLED = env_bool("PASSWORD_RESET_ENABLED", default=True)

# Five wrong passwords for one username from one address lock that pair for an hour: the
# attacker's address, not the user, who still logs in from elsewhere. The address is the
# real client's behind TRUSTED_PROXY_COUNT reverse proxies (departments/client_address.py).
# An administrator can unlock it earlier under "Axes" in the admin.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is the number of reverse proxies (0 to 10).")
AXES_CLIENT_IP_CALLABLE = "departments.client_address.client_address"
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# A username guessed at from many addresses is slowed, not locked (conf/login_throttle.py):
# past LOGIN_SLOW_AFTER failures within the cool-off hour, each attempt waits
# LOGIN_SLOW_STEP seconds more, at most LOGIN_SLOW_MAX_SECONDS.
LOGIN_SLOW_AFTER = env.int("LOGIN_SLOW_AFTER", default=10)
LOGIN_SLOW_STEP = 0.5
LOGIN_SLOW_MAX_SECONDS = 3.0

# --- I18N / time -----------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
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
WHITENOISE_USE_FINDERS = DEBUG

# --- Forms -----------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Cache -----------------------------------------------------------------------------
# Cached figures and calendar feeds are keyed on what they read, so a cache is never
# stale, only cold. In production every web process shares one Redis (CACHE_URL, e.g.
# redis://127.0.0.1:6379/1); with nothing configured each process keeps its own in memory.
CACHE_URL = env_str("CACHE_URL")
# Reading pages kept per person and version of the programme (alignment/conf/page_cache.py).
PAGE_CACHE = env_bool("PAGE_CACHE", default=True)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Email -----------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="filemail://" + str(VAR_DIR / "mail"))
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend":
    # django-environ drops the leading "/" of filemail:///an/absolute/path, which would
    # put the mail under the current directory instead of var/mail/.
    _path = (_email.get("EMAIL_FILE_PATH") or "").lstrip("/")
    _email["EMAIL_FILE_PATH"] = "/" + _path if _path else str(VAR_DIR / "mail")
if _email["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend":
    # Django's SMTP backend, building each message with less work (alignment/conf/mail.py).
    _email["EMAIL_BACKEND"] = "alignment.conf.mail.SMTPBackend"
globals().update(_email)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Meeting of the Minds <security@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 10

# --- Celery ----------------------------------------------------------------------------
# The embedded default is kombu's filesystem transport: no server, all folders on one
# filesystem. It is not durable against a killed worker, which is why work that must
# happen is also recorded in the database and swept by beat.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL.startswith("filesystem"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        # Remote-control (pidbox) messages; without this kombu writes ./control/.
        "control_folder": str(BROKER_DIR / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)

# The outbox (alignment/outbox.py): a claimed email is someone else's to retry once its
# lease runs out; an SMTP error is retried after base × 2^(attempts − 1) seconds.
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_RETRY_SECONDS = env.int("OUTBOX_RETRY_SECONDS", default=60)
# Rows claimed, sent over one SMTP session and marked together; a sweep goes on while
# rows are due, for at most OUTBOX_SWEEP_SECONDS (beat's next sweep takes over).
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=250)
OUTBOX_SWEEP_SECONDS = env.int("OUTBOX_SWEEP_SECONDS", default=50)
# Executives receive an approved board pack's PDF by email when this is on.
BOARD_PACK_EMAIL_APPROVED = env_bool("BOARD_PACK_EMAIL_APPROVED", default=True)
# Meetings are materialised this far ahead (alignment/meetings/materialise.py).
MEETING_HORIZON_DAYS = 90
# A series change that means more reminder rows than this (meetings to the horizon ×
# attendees × lead times) is materialised by the worker, in windows of
# MEETING_MATERIALISE_WINDOW_DAYS, each its own short transaction; smaller ones in the
# request itself, so that the series page shows its meetings at once.
MEETING_MATERIALISE_INLINE_ROWS = env.int("MEETING_MATERIALISE_INLINE_ROWS", default=1000)
MEETING_MATERIALISE_WINDOW_DAYS = 7
# A series is never expanded past its first meeting plus these years, nor to more than
# this many meetings, whatever its rule (alignment/meetings/recurrence.py); an UNTIL past
# the horizon is refused. Ten years of daily meetings fit under the cap.
MEETING_SERIES_HORIZON_YEARS = env.int("MEETING_SERIES_HORIZON_YEARS", default=10)
MEETING_SERIES_MAX_OCCURRENCES = env.int("MEETING_SERIES_MAX_OCCURRENCES", default=3660)
if not 1 <= MEETING_SERIES_HORIZON_YEARS <= 100 or MEETING_SERIES_MAX_OCCURRENCES < 1:
    raise ImproperlyConfigured(
        "MEETING_SERIES_HORIZON_YEARS is 1 to 100 and MEETING_SERIES_MAX_OCCURRENCES positive."
    )
# Published calendars (alignment/meetings/busy.py) are fetched only from these hosts,
# exactly as named (none: the feature fetches nothing), each within the timeout and size.
BUSY_CALENDAR_HOSTS = [host.lower() for host in env_list("BUSY_CALENDAR_HOSTS")]
BUSY_CALENDAR_TIMEOUT = env.float("BUSY_CALENDAR_TIMEOUT", default=10.0)
BUSY_CALENDAR_MAX_BYTES = env.int("BUSY_CALENDAR_MAX_BYTES", default=2 * 1024 * 1024)
if BUSY_CALENDAR_TIMEOUT <= 0 or BUSY_CALENDAR_MAX_BYTES <= 0:
    raise ImproperlyConfigured("BUSY_CALENDAR_TIMEOUT and BUSY_CALENDAR_MAX_BYTES are positive.")

# A programme export read by `import_programme` (alignment/portability/) is refused past
# this size; it unpacks to at most four times as much. The page takes files up to the
# upload limit (departments/uploads.py); larger ones go through the command.
PROGRAMME_IMPORT_MAX_BYTES = env.int("PROGRAMME_IMPORT_MAX_BYTES", default=512 * 1024 * 1024)
if PROGRAMME_IMPORT_MAX_BYTES <= 0:
    raise ImproperlyConfigured("PROGRAMME_IMPORT_MAX_BYTES is positive.")

# --- Security --------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the page, not the cookie.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # /healthz is probed over plain HTTP by load balancers inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

from csp.constants import NONCE, NONE, SELF  # noqa: E402

# Logging out ends the session at the single sign-on provider too: the log-out form's
# answer is a redirect there, which browsers hold to form-action.
_FORM_ACTION = [SELF]
if OIDC_ISSUER:
    _FORM_ACTION.append("{0.scheme}://{0.netloc}".format(urlsplit(OIDC_ISSUER)))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": _FORM_ACTION,
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

# --- Logging ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- Product settings ------------------------------------------------------------------
DEMO_PASSWORD = "minds-demo-2026"
CURRENCY = env_str("CURRENCY", "EUR")
# A business case whose total cost of ownership is above this needs the approval of two
# executives (a co-signature, for example the CFO's), each recorded.
try:
    CASE_COSIGN_ABOVE = Decimal(env_str("CASE_COSIGN_ABOVE", "100000"))
except ArithmeticError as error:
    raise ImproperlyConfigured("CASE_COSIGN_ABOVE must be an amount, such as 100000.") from error
if not CASE_COSIGN_ABOVE.is_finite() or CASE_COSIGN_ABOVE < 0:
    raise ImproperlyConfigured("CASE_COSIGN_ABOVE must be an amount of 0 or more.")
# Rows on one page of a list (goals, initiatives, the business-case portfolio…).
PAGE_SIZE = env.int("PAGE_SIZE", default=50)
if PAGE_SIZE < 1:
    raise ImproperlyConfigured(f"PAGE_SIZE must be 1 or more; got {PAGE_SIZE}.")

for _folder in (
    VAR_DIR,
    MEDIA_ROOT,
    STATIC_ROOT,
    BROKER_DIR / "queue",
    BROKER_DIR / "processed",
    BROKER_DIR / "control",
):
    _folder.mkdir(parents=True, exist_ok=True)

# --- REST framework --------------------------------------------------------------------
# The API under /api/v1/ (alignment/api/): personal access tokens (`Authorization: Bearer
# mom_…`) or the browser's session; DRF's standard error bodies everywhere; every list
# paged like the pages (PAGE_SIZE); each token (or session user) throttled to
# API_THROTTLE_RATE requests, counted in the default cache.
import re  # noqa: E402

API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "600/min")
if not re.fullmatch(r"[1-9]\d*/(s|sec|m|min|h|hour|d|day)", API_THROTTLE_RATE):
    raise ImproperlyConfigured(
        f"API_THROTTLE_RATE must be a count per period, such as 600/min; got {API_THROTTLE_RATE!r}."
    )
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
if not 1 <= API_TOKEN_MAX_DAYS <= 3660:
    raise ImproperlyConfigured("API_TOKEN_MAX_DAYS must be between 1 and 3660.")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "alignment.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["alignment.api.permissions.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["alignment.api.throttling.TokenRateThrottle"],
    "DEFAULT_PAGINATION_CLASS": "alignment.api.pagination.Pages",
    "PAGE_SIZE": PAGE_SIZE,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Meeting of the Minds API",
    "DESCRIPTION": (
        "Read the programme; feed goal check-ins, measure samples and action-item status. "
        "Authenticate with `Authorization: Bearer <personal access token>`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "GoalStatusEnum": "departments.models.GoalStatus",
        "ObjectiveStatusEnum": "objectives.models.ObjectiveStatus",
        "InitiativeStatusEnum": "objectives.models.InitiativeStatus",
        "OccurrenceStatusEnum": "alignment.meetings.models.OccurrenceStatus",
        "CaseStatusEnum": "business_cases.models.CaseStatus",
    },
    # Swagger UI from drf-spectacular-sidecar's static files: no CDN, no inline script.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
